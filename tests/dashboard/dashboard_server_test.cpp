// The dashboard server on a free port of 127.0.0.1, through a real HTTP client: pages and API,
// the token and read-only rules, bad requests (4xx JSON, nothing changed), the live stream and
// its connection cap, and memory that stays bounded while updates flow.

#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/dashboard/dashboard_server.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rd = rstreams::dashboard;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {

rd::dashboard_options test_options() {
  rd::dashboard_options o;
  o.port = 0;
  o.token = "secret-token";
  o.sample_interval = std::chrono::milliseconds(50);
  o.history_span = std::chrono::milliseconds(1000);  // 20 samples per series
  o.max_live_clients = 2;
  o.max_body_bytes = 1024;
  return o;
}

struct served {
  rt::local_bus fx;
  std::vector<std::string> orders;
  std::unique_ptr<rd::dashboard_server<rb::local_backend>> server;
  explicit served(rd::dashboard_options o = test_options()) {
    orders = rb::put_events(fx.bus(), "loader", "orders", std::vector<json>(4, json{{"x", 1}}));
    fx.bus().commit_checkpoint("enricher", "orders", std::nullopt, rb::checkpoint{orders[1], 2, 0, 0});
    server = std::make_unique<rd::dashboard_server<rb::local_backend>>(fx.bus(), o);
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", server->port());
    c.set_read_timeout(std::chrono::seconds(5));
    return c;
  }
};

// A 4xx answer with a JSON body {"error": ...}.
void require_json_error(const httplib::Result& res, int status) {
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == status);
  REQUIRE(res->get_header_value("Content-Type") == "application/json");
  const auto j = json::parse(res->body);
  REQUIRE(j["error"].is_string());
  REQUIRE_FALSE(j["error"].get<std::string>().empty());
}

httplib::Headers token(const std::string& t = "secret-token") {
  return {{"X-Rstreams-Token", t}};
}

}  // namespace

TEST_CASE("dashboard_server serves the page, its assets and the JSON API", "[dashboard][dashboard_server]") {
  served s;
  auto c = s.client();
  auto res = c.Get("/");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  REQUIRE(res->body.find("<script src=\"/app.js\">") != std::string::npos);
  REQUIRE(res->get_header_value("Content-Security-Policy").find("default-src 'self'") != std::string::npos);
  res = c.Get("/app.js");
  REQUIRE(res);
  REQUIRE(res->get_header_value("Content-Type").rfind("text/javascript", 0) == 0);
  REQUIRE(c.Get("/app.css")->status == 200);

  res = c.Get("/api/bots/enricher");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  REQUIRE(json::parse(res->body)["inputs"][0]["lag_events"] == 2);
  REQUIRE(json::parse(c.Get("/api/graph")->body)["nodes"].size() == 2);
  REQUIRE(json::parse(c.Get("/api/queues/orders/events?limit=3")->body)["events"].size() == 3);
  REQUIRE(json::parse(c.Get("/api/info")->body)["read_only"] == false);
  res = c.Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->body.find("rstreams_bot_read_lag_events{bot=\"enricher\",queue=\"orders\"} 2") !=
          std::string::npos);
  REQUIRE(s.server->url() == "http://127.0.0.1:" + std::to_string(s.server->port()) + "/");
}

TEST_CASE("dashboard_server actions need the token; bad requests get a 4xx JSON error and change nothing",
          "[dashboard][dashboard_server]") {
  served s;
  auto c = s.client();
  const auto cp = rt::checkpoint_of(s.fx.bus(), "enricher", "orders");

  require_json_error(c.Post("/api/bots/enricher/pause", "", "application/json"), 401);
  require_json_error(c.Post("/api/bots/enricher/pause", token("wrong"), "", "application/json"), 403);
  require_json_error(c.Post("/api/bots/enricher/pause", token("secret-tokeN"), "", "application/json"), 403);
  require_json_error(c.Post("/api/bots/nobody/pause", token(), "", "application/json"), 404);
  require_json_error(c.Get("/api/bots/nobody"), 404);
  require_json_error(c.Get("/api/queues/nothing/events"), 404);
  require_json_error(c.Get("/api/trace?eid=z/2026/13/99"), 400);
  require_json_error(c.Get("/api/trace"), 400);
  require_json_error(c.Get("/api/queues/orders/events?limit=lots"), 400);
  require_json_error(c.Get("/api/queues/orders/events?from=z/2026/1x"), 400);
  require_json_error(c.Post("/api/bots/enricher/replay", token(), "{not json", "application/json"), 400);
  require_json_error(c.Post("/api/bots/enricher/replay", token(), R"({"from":"z/20x"})", "application/json"),
                     400);
  require_json_error(c.Post("/api/bots/enricher/replay", token(), std::string(4096, ' '), "application/json"),
                     413);
  require_json_error(
      c.Post("/api/bots/enricher/checkpoints/orders", token(), R"({"to":"z/2099/"})", "application/json"),
      400);
  // Static routes are a fixed set: no file is read, whatever the path says.
  require_json_error(c.Get("/../../../../etc/passwd"), 404);
  require_json_error(c.Get("/app.js/../../etc/passwd"), 404);
  require_json_error(c.Get("/%2e%2e/%2e%2e/etc/passwd"), 404);
  require_json_error(c.Get("/api/nothing-here"), 404);
  // A page asked for under another host name (DNS rebinding) is refused.
  require_json_error(c.Get("/api/bots", httplib::Headers{{"Host", "evil.example:80"}}), 403);
  REQUIRE(c.Get("/api/bots", httplib::Headers{{"Host", "localhost:1234"}})->status == 200);

  REQUIRE(rt::checkpoint_of(s.fx.bus(), "enricher", "orders") == cp);
  REQUIRE_FALSE(s.fx.bus().get_bot_state("nobody"));
  const auto state = s.fx.bus().get_bot_state("enricher");
  REQUIRE((!state || !state->paused));

  // With the token: pause, then a replay as dry run and confirm.
  auto res = c.Post("/api/bots/enricher/pause", token(), "", "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  REQUIRE(s.fx.bus().get_bot_state("enricher")->paused);
  res = c.Post("/api/bots/enricher/replay", token(), json{{"from", s.orders[0]}}.dump(), "application/json");
  REQUIRE(res->status == 200);
  const auto plan = json::parse(res->body);
  REQUIRE(rt::checkpoint_of(s.fx.bus(), "enricher", "orders") == cp);
  res = c.Post("/api/bots/enricher/replay", token(),
               json{{"from", s.orders[0]}, {"execute", true}, {"expect", plan["changes"]}}.dump(),
               "application/json");
  REQUIRE(res->status == 200);
  REQUIRE(rt::checkpoint_of(s.fx.bus(), "enricher", "orders") == rb::previous(s.orders[0]));
  REQUIRE(rb::lag(s.fx.bus(), "enricher", "orders").lag_events == 4);
}

TEST_CASE("a read-only dashboard_server refuses every action", "[dashboard][dashboard_server]") {
  auto o = test_options();
  o.read_only = true;
  served s(o);
  auto c = s.client();
  require_json_error(c.Post("/api/bots/enricher/pause", token(), "", "application/json"), 403);
  require_json_error(
      c.Post("/api/bots/enricher/replay", token(), json{{"from", s.orders[0]}}.dump(), "application/json"),
      403);
  require_json_error(
      c.Post("/api/bots/enricher/checkpoints/orders", token(), R"({"to":"start"})", "application/json"), 403);
  REQUIRE(json::parse(c.Get("/api/info")->body)["read_only"] == true);
  REQUIRE(rt::checkpoint_of(s.fx.bus(), "enricher", "orders") == s.orders[1]);
  REQUIRE_FALSE(s.fx.bus().get_bot_state("enricher"));
}

TEST_CASE("dashboard_server streams live updates, caps the streams, and stays bounded",
          "[dashboard][dashboard_server]") {
  served s;
  std::atomic<int> updates{0};
  std::atomic<bool> quit{false};
  // Two streams (the cap), each counting `event: update` blocks until told to stop.
  const auto listen = [&] {
    httplib::Client c("127.0.0.1", s.server->port());
    c.Get("/api/events", [&](const char* data, std::size_t n) {
      const std::string chunk(data, n);
      for (auto at = chunk.find("event: update"); at != std::string::npos;
           at = chunk.find("event: update", at + 1))
        ++updates;
      return !quit.load();
    });
  };
  std::thread a(listen), b(listen);
  struct joiner {  // a failed REQUIRE still ends the streams and joins
    std::atomic<bool>& quit;
    served& s;
    std::thread& a;
    std::thread& b;
    ~joiner() {
      quit = true;
      s.server->stop();
      if (a.joinable()) a.join();
      if (b.joinable()) b.join();
    }
  } join_at_end{quit, s, a, b};
  for (int i = 0; i < 200 && s.server->live_clients() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(s.server->live_clients() == 2);
  auto c = s.client();
  require_json_error(c.Get("/api/events"), 503);  // a third is refused

  // Many samples while both streams read: the history rings and the feed keep their size.
  for (int i = 0; i < 300; ++i) {
    rb::put_events(s.fx.bus(), "loader", "orders", std::vector<json>(1, json{{"i", i}}));
    s.server->publish_sample();
  }
  for (int i = 0; i < 300 && updates.load() < 20; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(updates.load() >= 20);
  const auto& h = s.server->api().history();
  REQUIRE(h.capacity() == 20);
  REQUIRE(h.storage() <= h.series() * h.capacity());
  REQUIRE(h.lag("enricher", "orders").size() == 20);
  REQUIRE(s.server->feed().held_bytes() < 64 * 1024);
  const auto lag = json::parse(c.Get("/api/bots/enricher")->body)["inputs"][0];
  REQUIRE(lag["history"].size() == 20);
  REQUIRE(lag["lag_events"] == 302);

  quit = true;
  s.server->publish_sample();  // wakes the streams so they see `quit`
  a.join();
  b.join();
  for (int i = 0; i < 300 && s.server->live_clients() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(s.server->live_clients() == 0);
  s.server->stop();
  REQUIRE_FALSE(c.Get("/api/info"));
}

TEST_CASE("dashboard_server embeds in a program as the README shows", "[dashboard][dashboard_server]") {
  rt::local_bus fx;
  rstreams::dashboard::dashboard_server dash(fx.bus(), {.port = 0, .read_only = true});
  REQUIRE(dash.url().rfind("http://127.0.0.1:", 0) == 0);
  REQUIRE(dash.token().size() == 32);
  httplib::Client c("127.0.0.1", dash.port());
  REQUIRE(json::parse(c.Get("/api/info")->body)["read_only"] == true);
  dash.stop();
  dash.stop();  // idempotent
}
