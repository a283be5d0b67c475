#pragma once
// `rstreams serve BUS [--listen HOST:PORT] [--read-only]`: the live dashboard of a bus
// (rstreams::dashboard), until interrupted. Built when the dashboard part was found
// (cpp-httplib); otherwise the subcommand says what to install.

#include "common.hpp"

#if defined(RSTREAMS_CLI_DASHBOARD)
#include <rstreams/dashboard/dashboard_server.hpp>
#endif

#include <CLI/CLI.hpp>

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

namespace rstreams::cli {

namespace serve_detail {
struct serve_args {
  std::string listen = "127.0.0.1:8080";
  bool read_only = false;
  double interval_s = 2.0;
};

// HOST:PORT, [V6]:PORT or PORT.
inline std::pair<std::string, int> split_listen(const std::string& text) {
  std::string host = "127.0.0.1", port = text;
  if (!text.empty() && text.front() == '[') {
    const auto end = text.find("]:");
    if (end == std::string::npos) throw usage_error("malformed --listen \"" + text + "\" (give [::1]:8080)");
    host = text.substr(1, end - 1);
    port = text.substr(end + 2);
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int p = -1;
  const auto r = std::from_chars(port.data(), port.data() + port.size(), p);
  if (host.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || p < 0 || p > 65535)
    throw usage_error("malformed --listen \"" + text +
                      "\" (give HOST:PORT, e.g. 127.0.0.1:8080; port 0: any free one)");
  return {host, p};
}

inline int run_serve(const context& c, const serve_args& a) {
  auto [host, port] = split_listen(a.listen);
  auto bus = open_existing_bus(c.bus, c.opt);
#if defined(RSTREAMS_CLI_DASHBOARD)
  rstreams::dashboard::dashboard_options o;
  o.host = host;
  o.port = port;
  o.read_only = a.read_only;
  if (const char* t = std::getenv("RSTREAMS_DASHBOARD_TOKEN"); t != nullptr && *t != '\0') o.token = t;
  o.sample_interval = std::chrono::milliseconds(static_cast<long long>(a.interval_s * 1000));
  rstreams::dashboard::dashboard_server server(bus, o);
  std::cout << "rstreams dashboard of " << bus.describe() << " on " << server.url() << '\n';
  if (a.read_only) {
    std::cout << "read-only: pause, resume, replay and checkpoint moves are off\n";
  } else {
    std::cout << "token for actions (X-Rstreams-Token): " << server.token() << '\n'
              << "open: " << server.url() << "#token=" << server.token() << '\n';
  }
  if (host != "127.0.0.1" && host != "localhost" && host != "::1")
    std::cout << "warning: listening on " << host << ": anyone who can reach it can read the bus\n";
  std::cout.flush();
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  while (interrupted == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.stop();
  std::cout << "stopped\n";
  return 0;
#else
  (void)host;
  (void)port;
  (void)bus;
  throw usage_error(
      "this rstreams was built without the dashboard (it needs cpp-httplib; Debian: libcpp-httplib-dev)");
#endif
}
}  // namespace serve_detail

/// `serve`.
inline void add_serve(CLI::App& app, context& c) {
  auto args = std::make_shared<serve_detail::serve_args>();
  auto* cmd =
      app.add_subcommand("serve", "the live dashboard in a browser: graph, lag, pause, replay, trace");
  add_bus(cmd, c);
  cmd->add_option("--listen", args->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080; port 0: a free one)");
  cmd->add_flag("--read-only", args->read_only,
                "no actions: pause, resume, replay and checkpoint moves are off");
  cmd->add_option("--interval", args->interval_s, "seconds between samples of lag and rates")
      ->check(CLI::Range(0.1, 3600.0));
  on_run(cmd, c, [&c, args] { return serve_detail::run_serve(c, *args); });
}

}  // namespace rstreams::cli
