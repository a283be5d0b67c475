// The dashboard without HTTP: the history ring and what the sampler keeps (bounded however many
// samples), the live feed, and each API answer on a real local bus, bad input included.

#include <rstreams/bus/detail/utc_time.hpp>
#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/dashboard/dashboard_api.hpp>
#include <rstreams/dashboard/detail/http_guard.hpp>
#include <rstreams/dashboard/history_ring.hpp>
#include <rstreams/dashboard/live_feed.hpp>
#include <rstreams/dashboard/sampled_history.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rd = rstreams::dashboard;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {

// orders (5 events by loader), orders-enriched (one child per order, correlated), the bot
// `enricher` with a checkpoint after the 2nd order.
struct flagship_like {
  rt::local_bus fx;
  std::vector<std::string> orders;
  std::vector<std::string> enriched;
  flagship_like() {
    auto& bus = fx.bus();
    orders = rb::put_events(
        bus, "loader", "orders",
        std::vector<json>{{{"order", 1}}, {{"order", 2}}, {{"order", 3}}, {{"order", 4}}, {{"order", 5}}});
    std::vector<rb::record> kids;
    for (std::size_t i = 0; i < orders.size(); ++i) {
      rb::record r;
      r.id = "enricher";
      r.payload = json{{"order", i + 1}, {"enriched", true}}.dump();
      r.correlation_id = rb::correlation{"orders", orders[i], "", 1};
      kids.push_back(r);
    }
    bus.append("orders-enriched", kids);
    for (const auto& r : rt::read_all(bus, "orders-enriched")) enriched.push_back(r.eid);
    bus.commit_checkpoint("enricher", "orders", std::nullopt, rb::checkpoint{orders[1], 2, 0, 0});
  }
  rb::local_backend& bus() { return fx.bus(); }
};

template <class F>
int status_of(F&& f) {
  try {
    f();
  } catch (const rd::api_error& e) {
    return e.status();
  }
  return 200;
}

}  // namespace

TEST_CASE("history_ring keeps the newest values up to its capacity, oldest first",
          "[dashboard][history_ring]") {
  rd::history_ring<int> r(3);
  REQUIRE(r.empty());
  r.add(1);
  r.add(2);
  REQUIRE(r.values() == std::vector<int>{1, 2});
  for (int i = 3; i <= 10; ++i) r.add(i);
  REQUIRE(r.values() == std::vector<int>{8, 9, 10});
  REQUIRE(r.back() == 10);
  REQUIRE(r.size() == 3);
  REQUIRE(r.storage() <= 3);
  REQUIRE_THROWS_AS(rd::history_ring<int>(0), rstreams::config_error);
}

TEST_CASE("sampled_history stays bounded over many samples and drops series gone from the bus",
          "[dashboard][sampled_history]") {
  rd::sampled_history h(60, 5);
  rb::bus_stats s;
  s.queues.push_back(rb::queue_stats{"orders", 0, 0, "", "", 0, 0, 0, 0, 0});
  rb::bot_report b;
  b.id = "enricher";
  b.inputs.push_back(rb::bot_lag{"enricher", "orders", std::nullopt, 0, 0, 0, 0, 0});
  s.bots.push_back(b);
  for (int i = 1; i <= 5000; ++i) {  // an hour of samples more than 80 times over
    s.at_ms = 1'000'000 + i * 1000;
    s.queues[0].head_position = static_cast<std::uint64_t>(i) * 10;
    s.bots[0].inputs[0].checkpoint_position = static_cast<std::uint64_t>(i) * 4;
    s.bots[0].inputs[0].lag_events = static_cast<std::uint64_t>(i) * 6;
    s.bots[0].state.last_run_start = s.at_ms - 500;
    s.bots[0].state.last_run_end = s.at_ms;
    s.bots[0].state.last_outcome = "ok";
    s.bots[0].state.events_in = static_cast<std::uint64_t>(i) * 4;
    h.record(s);
  }
  REQUIRE(h.series() == 3);
  REQUIRE(h.storage() <= 60 + 60 + 5);
  const auto lag = h.lag("enricher", "orders");
  REQUIRE(lag.size() == 60);
  REQUIRE(lag.back().lag_events == 30000);
  REQUIRE(lag.front().at_ms == 1'000'000 + 4941 * 1000);
  REQUIRE(h.read_rate("enricher", "orders") == Approx(4.0));
  REQUIRE(h.write_rate("orders") == Approx(10.0));
  const auto runs = h.runs("enricher");
  REQUIRE(runs.size() == 5);
  REQUIRE(runs.back().events_in == 4);
  REQUIRE(runs.back().outcome == "ok");

  s.bots.clear();
  s.queues.clear();
  h.record(s);
  REQUIRE(h.series() == 0);
  REQUIRE(h.storage() == 0);
}

TEST_CASE("live_feed hands each waiter the latest update once and wakes them on close",
          "[dashboard][live_feed]") {
  rd::live_feed f;
  REQUIRE_FALSE(f.next_after(0, std::chrono::milliseconds(1)));
  f.publish("a");
  f.publish("b");
  auto got = f.next_after(0, std::chrono::milliseconds(1));
  REQUIRE(got);
  REQUIRE(got->first == 2);
  REQUIRE(got->second == "b");
  REQUIRE_FALSE(f.next_after(2, std::chrono::milliseconds(1)));
  std::string big(1000, 'x');
  for (int i = 0; i < 3600; ++i) f.publish(big);  // an hour at one update per second
  REQUIRE(f.held_bytes() < 2 * big.size());
  std::thread waiter([&] { REQUIRE_FALSE(f.next_after(f.sequence(), std::chrono::seconds(30))); });
  f.close();
  waiter.join();
}

TEST_CASE("utc_time parses what users type and refuses the rest", "[dashboard][utc_time]") {
  using rstreams::bus::detail::parse_utc_time;
  REQUIRE(parse_utc_time("2026-12-05T15:00:00Z") == 1'796'482'800'000);
  REQUIRE(parse_utc_time("2026-12-05 15:00Z") == 1'796'482'800'000);
  REQUIRE(parse_utc_time("2026-12-05T15:00:01.250Z") == 1'796'482'801'250);
  REQUIRE_FALSE(parse_utc_time("2026-02-31T00:00Z"));
  REQUIRE_FALSE(parse_utc_time("2026-12-05T15:00:00"));
  REQUIRE_FALSE(parse_utc_time("yesterday"));
  REQUIRE(rstreams::bus::detail::utc_time(1'796'482'801'250) == "2026-12-05T15:00:01.250Z");
}

TEST_CASE("http_guard: the token, loopback Host headers and counts", "[dashboard][http_guard]") {
  using namespace rd::detail;
  const auto t = random_token();
  REQUIRE(t.size() == 32);
  REQUIRE(t != random_token());
  REQUIRE_NOTHROW(check_token(t, t));
  REQUIRE(status_of([&] { check_token("", t); }) == 401);
  REQUIRE(status_of([&] { check_token(t.substr(0, 31), t); }) == 403);
  REQUIRE(status_of([&] { check_token(t + "x", t); }) == 403);
  for (const auto* ok : {"127.0.0.1:8080", "localhost:1", "localhost", "[::1]:8080", "127.0.0.2", ""})
    REQUIRE(loopback_host_header(ok));
  for (const auto* bad :
       {"evil.example", "evil.example:8080", "127.0.0.1.evil.example:80", "[2001:db8::1]:80"})
    REQUIRE_FALSE(loopback_host_header(bad));
  REQUIRE(parse_count("25", "limit") == 25);
  REQUIRE(status_of([] { parse_count("-1", "limit"); }) == 400);
  REQUIRE(status_of([] { parse_count("", "limit"); }) == 400);
  REQUIRE(status_of([] { parse_count("9x", "limit"); }) == 400);
}

TEST_CASE("dashboard_api answers the graph, bots, queues and events of a bus", "[dashboard][dashboard_api]") {
  flagship_like f;
  rd::dashboard_api api(f.bus(), rd::dashboard_options{});
  const auto update = api.sample();
  REQUIRE(update["graph"]["nodes"].size() == 3);
  bool read_edge = false;
  for (const auto& e : update["graph"]["edges"])
    if (e["from"] == "q:orders" && e["to"] == "b:enricher" && e["lag_events"] == 3) read_edge = true;
  REQUIRE(read_edge);

  const auto bot = api.bot("enricher");
  REQUIRE(bot["inputs"][0]["lag_events"] == 3);
  REQUIRE(bot["inputs"][0]["checkpoint"] == f.orders[1]);
  REQUIRE(bot["inputs"][0]["history"].size() == 1);
  REQUIRE(api.queue("orders")["readers"][0]["bot"] == "enricher");
  REQUIRE(api.queues().size() == 2);

  auto page = api.events("orders", rd::event_query{"", "", 2});  // the last two
  REQUIRE(page["events"].size() == 2);
  REQUIRE(page["events"][0]["eid"] == f.orders[3]);
  REQUIRE(page["events"][1]["payload"]["order"] == 5);
  REQUIRE(page["next_after"] == f.orders[4]);
  page = api.events("orders", rd::event_query{f.orders[0], "", 2});  // after the first
  REQUIRE(page["events"][0]["eid"] == f.orders[1]);
  REQUIRE(page["next_after"] == f.orders[2]);
  page = api.events("orders", rd::event_query{"", f.orders[2], 50});  // from the third
  REQUIRE(page["events"].size() == 3);
  REQUIRE(page["events"][0]["eid"] == f.orders[2]);
  page = api.events("orders", rd::event_query{"", "2000-01-01T00:00Z", 50});  // from a time
  REQUIRE(page["events"].size() == 5);

  const auto t = api.trace(f.enriched[2], "orders-enriched");
  REQUIRE(t["queue"] == "orders-enriched");
  REQUIRE(t["ancestors"].size() == 1);
  REQUIRE(t["ancestors"][0]["event"]["eid"] == f.orders[2]);
  const auto fwd = api.trace(f.orders[2], "orders");
  REQUIRE(fwd["descendants"].size() == 1);
  REQUIRE(fwd["descendants"][0]["event"]["eid"] == f.enriched[2]);
  // Eids are numbered per queue: one that two queues hold is traced in the first by name, and
  // the answer names the other.
  std::vector<rb::record> twin(1);
  twin[0].id = "importer";
  twin[0].eid = f.orders[3];
  twin[0].payload = "{}";
  f.bus().append_keeping_eids("archive", twin);
  const auto both = api.trace(f.orders[3]);
  REQUIRE(both["queue"] == "archive");
  // (orders-enriched, written in the same ms, may hold that eid too)
  const auto also = both["also_in"].get<std::vector<std::string>>();
  REQUIRE(std::count(also.begin(), also.end(), "orders") == 1);
  REQUIRE(api.trace(f.orders[3], "orders")["also_in"].empty());
  REQUIRE(api.metrics().find("rstreams_queue_events{queue=\"orders\"} 5") != std::string::npos);
}

TEST_CASE("dashboard_api refuses bad input with a 4xx and changes nothing", "[dashboard][dashboard_api]") {
  flagship_like f;
  rd::dashboard_api api(f.bus(), rd::dashboard_options{});
  const auto before = rt::checkpoint_of(f.bus(), "enricher", "orders");
  REQUIRE(status_of([&] { api.bot("nobody"); }) == 404);
  REQUIRE(status_of([&] { api.bot("../etc"); }) == 400);
  REQUIRE(status_of([&] { api.queue("nothing"); }) == 404);
  REQUIRE(status_of([&] { api.pause("nobody", true); }) == 404);
  REQUIRE(status_of([&] { api.trace("z/2026/99"); }) == 400);
  REQUIRE(status_of([&] { api.trace("z/2020/01/01/00/00/1577836800000-0000000"); }) == 404);
  REQUIRE(status_of([&] { api.trace(f.orders[0], "ghost"); }) == 404);
  REQUIRE(status_of([&] { api.trace(f.orders[0], "a/b"); }) == 400);
  REQUIRE(status_of([&] { api.events("orders", rd::event_query{"", "", 0}); }) == 400);
  REQUIRE(status_of([&] { api.events("orders", rd::event_query{"", "", 100000}); }) == 400);
  REQUIRE(status_of([&] { api.events("orders", rd::event_query{"", "last tuesday", 5}); }) == 400);
  REQUIRE(status_of([&] { api.events("orders", rd::event_query{"z/20x", "", 5}); }) == 400);
  REQUIRE(status_of([&] { api.replay("enricher", json{{"from", "soon"}}); }) == 400);
  REQUIRE(status_of([&] { api.replay("enricher", json{{"from", 42}}); }) == 400);
  REQUIRE(status_of([&] { api.replay("enricher", json::array()); }) == 400);
  REQUIRE(status_of([&] { api.replay("enricher", json{{"from", f.orders[3]}}); }) == 400);  // forward
  REQUIRE(status_of([&] { api.replay("enricher", json{{"from", f.orders[0]}, {"execute", true}}); }) == 400);
  REQUIRE(status_of([&] { api.move_checkpoint("enricher", "orders", json{{"to", "z/2099/"}}); }) == 400);
  REQUIRE(status_of([&] { api.move_checkpoint("enricher", "ghost", json{{"to", "start"}}); }) == 404);
  REQUIRE(rt::checkpoint_of(f.bus(), "enricher", "orders") == before);
  REQUIRE_FALSE(f.bus().get_bot_state("nobody"));
}

TEST_CASE("dashboard_api replays after a dry run, and refuses a confirm after the bot moved",
          "[dashboard][dashboard_api]") {
  flagship_like f;
  rd::dashboard_api api(f.bus(), rd::dashboard_options{});
  const auto plan = api.replay("enricher", json{{"from", f.orders[0]}});
  REQUIRE(plan["executed"] == false);
  REQUIRE(plan["changes"][0]["from"] == f.orders[1]);
  REQUIRE(plan["changes"][0]["lag_before"] == 3);
  REQUIRE(plan["changes"][0]["lag_after"] == 5);
  REQUIRE(rt::checkpoint_of(f.bus(), "enricher", "orders") == f.orders[1]);  // a dry run

  // Someone moves the bot between the dry run and the confirm: 409, nothing changed.
  f.bus().commit_checkpoint("enricher", "orders", f.orders[1], rb::checkpoint{f.orders[2], 3, 0, 0});
  REQUIRE(
      status_of([&] {
        api.replay("enricher", json{{"from", f.orders[0]}, {"execute", true}, {"expect", plan["changes"]}});
      }) == 409);
  REQUIRE(rt::checkpoint_of(f.bus(), "enricher", "orders") == f.orders[2]);

  const auto again = api.replay("enricher", json{{"from", f.orders[0]}});
  const auto done =
      api.replay("enricher", json{{"from", f.orders[0]}, {"execute", true}, {"expect", again["changes"]}});
  REQUIRE(done["executed"] == true);
  REQUIRE(rb::lag(f.bus(), "enricher", "orders").lag_events == 5);

  const auto to_end = api.move_checkpoint("enricher", "orders", json{{"to", "end"}});
  api.move_checkpoint("enricher", "orders",
                      json{{"to", "end"}, {"execute", true}, {"expect", to_end["changes"]}});
  REQUIRE(rt::checkpoint_of(f.bus(), "enricher", "orders") == f.orders[4]);

  api.pause("enricher", true);
  REQUIRE(f.bus().get_bot_state("enricher")->paused);
  REQUIRE(api.pause("enricher", false)["paused"] == false);
}
