#pragma once
// `queues`, `bots` and `lag [--watch]`: what the bus holds and how far behind each bot is.

#include "common.hpp"

#include <rstreams/bus/stats.hpp>
#include <rstreams/bus/stats_json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include <unistd.h>

namespace rstreams::cli {

inline int run_queues(context& c) {
  auto bus = open_existing_bus(c.bus, c.opt);
  const auto s = rb::stats(bus);
  if (c.as_json) {
    json out = json::array();
    for (const auto& q : s.queues) out.push_back(rb::queue_stats_json(q));
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"QUEUE", "EVENTS", "BYTES", "LAST WRITE", "RATE/S", "LAST EID"}};
  for (const auto& q : s.queues) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.2f", q.write_rate);
    rows.push_back({q.name, std::to_string(q.events), std::to_string(q.bytes), iso_time(q.last_write_ms),
                    rate, q.last_eid.empty() ? "-" : q.last_eid});
  }
  print_table(std::cout, rows);
  return 0;
}

inline int run_bots(context& c) {
  auto bus = open_existing_bus(c.bus, c.opt);
  const auto s = rb::stats(bus);
  if (c.as_json) {
    json out = json::array();
    for (const auto& b : s.bots) out.push_back(rb::bot_report_json(b));
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"BOT", "STATUS", "LEASE", "RUNS", "IN", "OUT", "ERRORS", "LAST RUN", "OUTCOME"}};
  for (const auto& b : s.bots) {
    rows.push_back({b.id, b.state.paused ? "paused" : "active", b.lease ? b.lease->owner : "-",
                    std::to_string(b.state.runs) + "/" + std::to_string(b.state.runs + b.state.failed_runs),
                    std::to_string(b.state.events_in), std::to_string(b.state.events_out),
                    std::to_string(b.state.dead_letters), iso_time(b.state.last_run_end),
                    b.state.last_outcome.empty() ? "-" : b.state.last_outcome});
  }
  print_table(std::cout, rows);
  return 0;
}

struct lag_args {
  bool watch = false;
  double every_s = 2.0;
};

inline int run_lag(context& c, const lag_args& a) {
  auto bus = open_existing_bus(c.bus, c.opt);
  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  if (a.watch) std::signal(SIGINT, on_interrupt);
  do {
    const auto s = rb::stats(bus);
    if (c.as_json) {
      json out = json::array();
      for (const auto& b : s.bots)
        for (const auto& l : b.inputs) out.push_back(rb::bot_lag_json(l));
      std::cout << (a.watch ? out.dump() : out.dump(2)) << '\n';
    } else {
      if (a.watch && tty) std::cout << "\x1b[H\x1b[2J" << iso_time(s.at_ms) << "  " << s.bus << "\n\n";
      std::vector<std::vector<std::string>> rows{
          {"BOT", "QUEUE", "CHECKPOINT", "LAG EVENTS", "READ LAG", "SOURCE LAG", "STATUS"}};
      for (const auto& b : s.bots)
        for (const auto& l : b.inputs)
          rows.push_back({b.id, l.queue,
                          l.checkpoint && !l.checkpoint->eid.empty() ? l.checkpoint->eid : "(start)",
                          std::to_string(l.lag_events), short_duration(l.lag_ms),
                          l.source_lag_ms > 0 ? short_duration(l.source_lag_ms) : "-",
                          b.state.paused ? "paused" : "active"});
      print_table(std::cout, rows);
    }
    std::cout.flush();
    if (!a.watch) break;
    for (int i = 0; i < static_cast<int>(a.every_s * 10) && interrupted == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (interrupted == 0);
  return 0;
}

/// `queues`, `bots`, `lag`.
inline void add_status(CLI::App& app, context& c) {
  auto* queues = app.add_subcommand("queues", "list queues: events, bytes, last write, rate");
  add_bus(queues, c);
  on_run(queues, c, [&c] { return run_queues(c); });

  auto* bots = app.add_subcommand("bots", "list bots: status, lease, runs, events in/out/errors");
  add_bus(bots, c);
  on_run(bots, c, [&c] { return run_bots(c); });

  auto a = std::make_shared<lag_args>();
  auto* lag = app.add_subcommand("lag", "every bot's lag per input queue");
  add_bus(lag, c);
  lag->add_flag("--watch,-w", a->watch, "refresh until interrupted");
  lag->add_option("--interval", a->every_s, "seconds between refreshes with --watch")
      ->check(CLI::PositiveNumber);
  on_run(lag, c, [&c, a] { return run_lag(c, *a); });
}

}  // namespace rstreams::cli
