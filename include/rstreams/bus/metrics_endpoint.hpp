#pragma once
// An HTTP endpoint Prometheus scrapes: GET /metrics answers the text exposition of the bus's
// stats, computed at each scrape. Its own part: needs cpp-httplib (Debian's libcpp-httplib-dev,
// header only); nothing else in rstreams includes it.

#include <rstreams/bus/prometheus.hpp>
#include <rstreams/bus/queue_stats.hpp>
#include <rstreams/bus/stats.hpp>
#include <rstreams/core/error.hpp>

#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace rstreams::bus {

/// Serves `GET /metrics` on `host:port` (port 0: a free one, see `port()`) from a thread of its
/// own until stopped or destroyed; any other path is 404. Each scrape calls `exposition()` (one
/// at a time); an exception there answers 500 with its message.
class metrics_endpoint {
 public:
  using producer = std::function<std::string()>;

  metrics_endpoint(producer exposition, const std::string& host = "127.0.0.1", int port = 9464)
      : exposition_(std::move(exposition)), server_(std::make_unique<httplib::Server>()) {
    server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu_);
      try {
        res.set_content(exposition_(), "text/plain; version=0.0.4; charset=utf-8");
      } catch (const std::exception& e) {
        res.status = 500;
        res.set_content(std::string("rstreams metrics: ") + e.what() + "\n", "text/plain");
      }
    });
    port_ = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
    if (port_ < 0)
      throw io_error(host + ":" + std::to_string(port),
                     "cannot listen for /metrics (address in use or not local)");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // Running before the constructor returns, so that a stop() right away is never lost.
    for (int i = 0; i < 5000 && !server_->is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  metrics_endpoint(const metrics_endpoint&) = delete;
  metrics_endpoint& operator=(const metrics_endpoint&) = delete;
  ~metrics_endpoint() { stop(); }

  /// The port it listens on.
  [[nodiscard]] int port() const noexcept { return port_; }

  /// Stops serving and joins the thread (idempotent).
  void stop() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }

 private:
  producer exposition_;
  std::unique_ptr<httplib::Server> server_;
  std::mutex mu_;
  int port_ = -1;
  std::thread thread_;
};

/// A /metrics endpoint for `bus` (which must outlive it): to_prometheus(stats(bus)) per scrape.
template <reports_stats B>
requires backend<B> std::unique_ptr<metrics_endpoint> serve_metrics(B& bus,
                                                                    const std::string& host = "127.0.0.1",
                                                                    int port = 9464) {
  return std::make_unique<metrics_endpoint>([&bus] { return to_prometheus(stats(bus)); }, host, port);
}

/// The same, followed by the pipeline and bot metrics of `reg` (which must outlive it too).
template <reports_stats B>
requires backend<B> std::unique_ptr<metrics_endpoint> serve_metrics(B& bus, const metrics_registry& reg,
                                                                    const std::string& host = "127.0.0.1",
                                                                    int port = 9464) {
  return std::make_unique<metrics_endpoint>([&bus, &reg] { return to_prometheus(stats(bus), reg); }, host,
                                            port);
}

}  // namespace rstreams::bus
