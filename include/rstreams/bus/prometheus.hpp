#pragma once
// The Prometheus text exposition (format 0.0.4) of a bus's stats: every queue, bot and lag
// figure, named by Prometheus conventions (`rstreams_` prefix, units in names, `_total` for
// counters, times as `_timestamp_seconds`).

#include <rstreams/bus/stats.hpp>
#include <rstreams/core/detail/prometheus_text.hpp>
#include <rstreams/core/metrics_text.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus {

namespace detail {

using rstreams::detail::prom_escape;
using rstreams::detail::prom_family;
using rstreams::detail::prom_number;

inline double ms_to_seconds(std::int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

}  // namespace detail

/// The Prometheus text exposition of `s`. Families (labels `queue`, `bot`):
/// queue: rstreams_queue_events, _bytes, _last_write_timestamp_seconds,
/// _write_rate_events_per_second; bot and queue: rstreams_bot_read_lag_events,
/// rstreams_bot_read_lag_seconds, rstreams_bot_source_lag_seconds,
/// rstreams_bot_checkpoint_position; bot: rstreams_bot_paused, rstreams_bot_lease_held,
/// rstreams_bot_consecutive_errors, rstreams_bot_runs_total, rstreams_bot_failed_runs_total,
/// rstreams_bot_events_in_total, rstreams_bot_events_out_total,
/// rstreams_bot_dead_letters_total, rstreams_bot_commits_total,
/// rstreams_bot_last_run_start_timestamp_seconds, rstreams_bot_last_run_end_timestamp_seconds,
/// rstreams_bot_last_run_success (1 ok, 0 failed; absent before the first run).
inline std::string to_prometheus(const bus_stats& s) {
  using detail::ms_to_seconds;
  using detail::prom_family;
  std::string out;
  {
    prom_family f(out, "rstreams_queue_events", "gauge", "Events stored in the queue.");
    for (const auto& q : s.queues) f.sample({{"queue", q.name}}, static_cast<double>(q.events));
  }
  {
    prom_family f(out, "rstreams_queue_bytes", "gauge", "Bytes the queue's stored events take.");
    for (const auto& q : s.queues) f.sample({{"queue", q.name}}, static_cast<double>(q.bytes));
  }
  {
    prom_family f(out, "rstreams_queue_last_write_timestamp_seconds", "gauge",
                  "Time of the queue's last event (its eid), seconds since the epoch.");
    for (const auto& q : s.queues)
      if (!q.last_eid.empty()) f.sample({{"queue", q.name}}, ms_to_seconds(q.last_write_ms));
  }
  {
    prom_family f(out, "rstreams_queue_write_rate_events_per_second", "gauge",
                  "Events written per second over the recent window.");
    for (const auto& q : s.queues) f.sample({{"queue", q.name}}, q.write_rate);
  }
  const auto per_input = [&](std::string_view name, std::string_view help, auto value) {
    prom_family f(out, name, "gauge", help);
    for (const auto& b : s.bots)
      for (const auto& in : b.inputs) f.sample({{"bot", b.id}, {"queue", in.queue}}, value(in));
  };
  per_input("rstreams_bot_read_lag_events", "Events in the queue after the bot's checkpoint.",
            [](const bot_lag& l) { return static_cast<double>(l.lag_events); });
  per_input("rstreams_bot_read_lag_seconds", "The queue's last eid time minus the checkpoint's eid time.",
            [](const bot_lag& l) { return ms_to_seconds(l.lag_ms); });
  per_input("rstreams_bot_source_lag_seconds",
            "Now minus the source timestamp of the last event the bot processed.",
            [](const bot_lag& l) { return ms_to_seconds(l.source_lag_ms); });
  per_input("rstreams_bot_checkpoint_position", "The bot's checkpoint as a position in the queue's log.",
            [](const bot_lag& l) { return static_cast<double>(l.checkpoint_position); });
  const auto per_bot = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    prom_family f(out, name, type, help);
    for (const auto& b : s.bots) f.sample({{"bot", b.id}}, value(b));
  };
  per_bot("rstreams_bot_paused", "gauge", "1 when the bot is paused.",
          [](const bot_report& b) { return b.state.paused ? 1.0 : 0.0; });
  per_bot("rstreams_bot_lease_held", "gauge", "1 while an instance holds the bot's lease.",
          [](const bot_report& b) { return b.lease ? 1.0 : 0.0; });
  per_bot("rstreams_bot_consecutive_errors", "gauge", "Failed runs in a row.",
          [](const bot_report& b) { return static_cast<double>(b.state.consecutive_errors); });
  const auto counter = [&](std::string_view name, std::string_view help, std::uint64_t bot_state::*field) {
    per_bot(name, "counter", help,
            [field](const bot_report& b) { return static_cast<double>(b.state.*field); });
  };
  counter("rstreams_bot_runs_total", "Runs that succeeded.", &bot_state::runs);
  counter("rstreams_bot_failed_runs_total", "Runs that failed.", &bot_state::failed_runs);
  counter("rstreams_bot_events_in_total", "Events the bot read.", &bot_state::events_in);
  counter("rstreams_bot_events_out_total", "Events the bot wrote.", &bot_state::events_out);
  counter("rstreams_bot_dead_letters_total", "Events the bot sent to a dead-letter queue.",
          &bot_state::dead_letters);
  counter("rstreams_bot_commits_total", "Checkpoint commits.", &bot_state::commits);
  const auto per_run = [&](std::string_view name, std::string_view help, auto value) {
    prom_family f(out, name, "gauge", help);
    for (const auto& b : s.bots)
      if (!b.state.last_outcome.empty()) f.sample({{"bot", b.id}}, value(b.state));
  };
  per_run("rstreams_bot_last_run_start_timestamp_seconds", "Start of the bot's last run.",
          [](const bot_state& st) { return ms_to_seconds(st.last_run_start); });
  per_run("rstreams_bot_last_run_end_timestamp_seconds", "End of the bot's last run.",
          [](const bot_state& st) { return ms_to_seconds(st.last_run_end); });
  per_run("rstreams_bot_last_run_success", "1 when the bot's last run succeeded, 0 when it failed.",
          [](const bot_state& st) { return st.last_outcome == "ok" ? 1.0 : 0.0; });
  return out;
}

/// The bus's figures followed by this process's pipeline and bot metrics (`reg`, see
/// core/metrics_text.hpp), as one exposition.
inline std::string to_prometheus(const bus_stats& s, const metrics_registry& reg) {
  return to_prometheus(s) + rstreams::to_prometheus(reg);
}

}  // namespace rstreams::bus
