#pragma once
// The live dashboard over HTTP (cpp-httplib, Debian's libcpp-httplib-dev): the single-page UI,
// the JSON API under /api, live updates as Server-Sent Events at /api/events, and /metrics.
// Actions (pause, resume, replay, checkpoint moves) need the token in `X-Rstreams-Token`; a
// read-only server refuses them. Its own part (rstreams::dashboard).

#include <rstreams/core/error.hpp>
#include <rstreams/dashboard/api_error.hpp>
#include <rstreams/dashboard/dashboard_api.hpp>
#include <rstreams/dashboard/dashboard_options.hpp>
#include <rstreams/dashboard/detail/http_guard.hpp>
#include <rstreams/dashboard/detail/ui_assets.hpp>
#include <rstreams/dashboard/live_feed.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace rstreams::dashboard {

/// Serves the dashboard of `bus` (which must outlive it) from threads of its own until stopped
/// or destroyed. A sampler thread reads the bus's stats every `sample_interval`, keeps the lag
/// and rate history and publishes the live update.
///
/// Routes: `GET /` (the page), `/app.js`, `/app.css`; `GET /api/info`, `/api/overview`,
/// `/api/graph`, `/api/bots`, `/api/bots/BOT`, `/api/queues`, `/api/queues/Q`,
/// `/api/queues/Q/events?after=|from=&limit=`, `/api/trace?eid=[&queue=]`, `/api/events` (SSE);
/// `POST /api/bots/BOT/pause`, `/resume`, `/replay`, `/api/bots/BOT/checkpoints/Q` (token);
/// `GET /metrics`. Errors answer {"error": "..."} with a 4xx or 5xx status.
template <class B>
requires bus::backend<B> && bus::reports_stats<B>
class dashboard_server {
 public:
  explicit dashboard_server(B& bus, dashboard_options opt = {})
      : token_(opt.token.empty() ? detail::random_token() : opt.token),
        api_(bus, std::move(opt)),
        server_(std::make_unique<httplib::Server>()) {
    const auto& o = api_.options();
    const auto threads = o.max_live_clients + 8;
    server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_->set_payload_max_length(o.max_body_bytes);
    server_->set_keep_alive_timeout(2);
    server_->set_read_timeout(std::chrono::seconds(5));
    server_->set_write_timeout(std::chrono::seconds(5));
    server_->set_default_headers({{"X-Content-Type-Options", "nosniff"},
                                  {"X-Frame-Options", "DENY"},
                                  {"Referrer-Policy", "no-referrer"},
                                  {"Cache-Control", "no-store"}});
    routes();
    port_ = o.port == 0 ? server_->bind_to_any_port(o.host)
                        : (server_->bind_to_port(o.host, o.port) ? o.port : -1);
    if (port_ < 0)
      throw io_error(o.host + ":" + std::to_string(o.port),
                     "the dashboard cannot listen there (address in use or not local)");
    publish_sample();  // the first live update is there before anyone connects
    sampler_ = std::thread([this] { sample_loop(); });
    listener_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_->is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  dashboard_server(const dashboard_server&) = delete;
  dashboard_server& operator=(const dashboard_server&) = delete;
  ~dashboard_server() { stop(); }

  [[nodiscard]] int port() const noexcept { return port_; }
  /// What actions must send in `X-Rstreams-Token`.
  [[nodiscard]] const std::string& token() const noexcept { return token_; }
  /// `http://host:port/`
  [[nodiscard]] std::string url() const {
    const auto& h = api_.options().host;
    return "http://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(port_) +
           "/";
  }
  [[nodiscard]] dashboard_api<B>& api() noexcept { return api_; }
  /// Open /api/events streams.
  [[nodiscard]] std::size_t live_clients() const noexcept { return live_.load(); }
  /// Live updates published so far, and the bytes the feed holds (the latest one only).
  [[nodiscard]] const live_feed& feed() const noexcept { return feed_; }

  /// Takes a sample and publishes it now (the sampler thread does this every interval).
  void publish_sample() {
    try {
      feed_.publish(api_.sample().dump());
    } catch (const std::exception& e) {
      feed_.publish(nlohmann::json{{"error", std::string("sampling the bus failed: ") + e.what()}}.dump());
    }
  }

  /// Stops serving, ends the live streams and joins every thread (idempotent).
  void stop() {
    {
      std::lock_guard lock(stop_mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    stop_cv_.notify_all();
    feed_.close();
    if (sampler_.joinable()) sampler_.join();
    server_->stop();
    if (listener_.joinable()) listener_.join();
  }

 private:
  using req_t = httplib::Request;
  using res_t = httplib::Response;

  static void send_json(res_t& res, const nlohmann::json& j, int status = 200) {
    res.status = status;
    res.set_content(j.dump(), "application/json");
  }
  static void send_error(res_t& res, int status, const std::string& message) {
    send_json(res, {{"error", message}, {"status", status}}, status);
  }

  // Runs `f`, turning what it throws into a JSON error.
  template <class F>
  static void guarded(res_t& res, F&& f) {
    try {
      f();
    } catch (const api_error& e) {
      send_error(res, e.status(), e.what());
    } catch (const config_error& e) {
      send_error(res, 400, e.what());
    } catch (const std::exception& e) {
      send_error(res, 500, e.what());
    }
  }

  template <class F>
  void get(const std::string& pattern, F f) {
    server_->Get(pattern, [f](const req_t& req, res_t& res) { guarded(res, [&] { f(req, res); }); });
  }

  // An action: refused when read-only or without the token; the body parsed as JSON.
  template <class F>
  void post(const std::string& pattern, F f) {
    server_->Post(pattern, [this, f](const req_t& req, res_t& res) {
      guarded(res, [&] {
        if (api_.options().read_only)
          throw api_error(403, "this dashboard is read-only (started with --read-only): no actions");
        detail::check_token(req.get_header_value("X-Rstreams-Token"), token_);
        auto body =
            req.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body, nullptr, false);
        if (body.is_discarded()) throw api_error(400, "the request body is not JSON");
        f(req, res, body);
      });
    });
  }

  void routes() {
    const auto page = [](std::string_view text, const char* type) {
      return [text, type](const req_t&, res_t& res) {
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'");
        res.set_content(std::string(text), type);
      };
    };
    server_->Get("/", page(detail::ui_html, "text/html; charset=utf-8"));
    server_->Get("/app.js", page(detail::ui_js, "text/javascript; charset=utf-8"));
    server_->Get("/app.css", page(detail::ui_css, "text/css; charset=utf-8"));

    get("/api/info", [this](const req_t&, res_t& res) { send_json(res, api_.info()); });
    get("/api/overview", [this](const req_t&, res_t& res) { send_json(res, api_.overview()); });
    get("/api/graph", [this](const req_t&, res_t& res) { send_json(res, api_.graph()); });
    get("/api/bots", [this](const req_t&, res_t& res) { send_json(res, api_.bots()); });
    get(R"(/api/bots/([^/]+))",
        [this](const req_t& req, res_t& res) { send_json(res, api_.bot(req.matches[1].str())); });
    get("/api/queues", [this](const req_t&, res_t& res) { send_json(res, api_.queues()); });
    get(R"(/api/queues/([^/]+))",
        [this](const req_t& req, res_t& res) { send_json(res, api_.queue(req.matches[1].str())); });
    get(R"(/api/queues/([^/]+)/events)", [this](const req_t& req, res_t& res) {
      event_query q;
      q.after = req.get_param_value("after");
      q.from = req.get_param_value("from");
      if (req.has_param("limit")) q.limit = detail::parse_count(req.get_param_value("limit"), "limit");
      send_json(res, api_.events(req.matches[1].str(), q));
    });
    get("/api/trace", [this](const req_t& req, res_t& res) {
      if (!req.has_param("eid")) throw api_error(400, "give the event's eid: /api/trace?eid=...");
      send_json(res, api_.trace(req.get_param_value("eid"), req.get_param_value("queue")));
    });
    server_->Get("/api/events", [this](const req_t&, res_t& res) { live_stream(res); });
    get("/metrics", [this](const req_t&, res_t& res) {
      res.set_content(api_.metrics(), "text/plain; version=0.0.4; charset=utf-8");
    });

    post(R"(/api/bots/([^/]+)/(pause|resume))", [this](const req_t& req, res_t& res, const nlohmann::json&) {
      send_json(res, api_.pause(req.matches[1].str(), req.matches[2].str() == "pause"));
    });
    post(R"(/api/bots/([^/]+)/replay)", [this](const req_t& req, res_t& res, const nlohmann::json& body) {
      send_json(res, api_.replay(req.matches[1].str(), body));
    });
    post(R"(/api/bots/([^/]+)/checkpoints/([^/]+))",
         [this](const req_t& req, res_t& res, const nlohmann::json& body) {
           send_json(res, api_.move_checkpoint(req.matches[1].str(), req.matches[2].str(), body));
         });

    // Requests for hosts other than the loopback names (DNS rebinding) when bound to loopback.
    server_->set_pre_routing_handler([this](const req_t& req, res_t& res) {
      if (detail::loopback(api_.options().host) &&
          !detail::loopback_host_header(req.get_header_value("Host"))) {
        send_error(res, 403, "this dashboard answers only requests for 127.0.0.1 or localhost");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // What httplib refuses itself (no route 404, body too large 413, bad request 400) as JSON.
    server_->set_error_handler(httplib::Server::HandlerWithResponse([](const req_t&, res_t& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      const std::string why = res.status == 404   ? "no such page or API route"
                              : res.status == 413 ? "the request body is too large"
                              : res.status == 405 ? "method not allowed"
                                                  : "bad request";
      send_error(res, res.status, why);
      return httplib::Server::HandlerResponse::Handled;
    }));
    server_->set_exception_handler(
        [](const req_t&, res_t& res, std::exception_ptr) { send_error(res, 500, "internal error"); });
  }

  // GET /api/events: the latest update at once, then each new one; a comment line every few
  // seconds without one (to notice closed connections). At most max_live_clients at once.
  void live_stream(res_t& res) {
    auto n = live_.load();
    do {
      if (n >= api_.options().max_live_clients) {
        send_error(res, 503,
                   "too many live connections (" + std::to_string(n) + "); close another dashboard tab");
        return;
      }
    } while (!live_.compare_exchange_weak(n, n + 1));
    auto seen = std::make_shared<std::uint64_t>(0);
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, seen](std::size_t, httplib::DataSink& sink) {
          if (!sink.is_writable()) return false;
          const auto next = feed_.next_after(*seen, std::chrono::seconds(5));
          if (feed_.closed()) return false;
          if (!next) return sink.write(": keep-alive\n\n", 14);
          *seen = next->first;
          const auto msg =
              "id: " + std::to_string(next->first) + "\nevent: update\ndata: " + next->second + "\n\n";
          return sink.write(msg.data(), msg.size());
        },
        [this](bool) { live_.fetch_sub(1); });
  }

  void sample_loop() {
    std::unique_lock lock(stop_mu_);
    while (!stopped_) {
      if (stop_cv_.wait_for(lock, api_.options().sample_interval, [this] { return stopped_; })) break;
      lock.unlock();
      publish_sample();
      lock.lock();
    }
  }

  std::string token_;
  dashboard_api<B> api_;
  live_feed feed_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<std::size_t> live_{0};
  int port_ = -1;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopped_ = false;
  std::thread sampler_;
  std::thread listener_;
};

}  // namespace rstreams::dashboard
