#pragma once
// The JSON form of the bus's figures (bus/stats.hpp): the `rstreams` tool prints it and the
// dashboard serves it (adding its sampled rates), so both say the same thing by the same names.

#include <rstreams/bus/bot_lag.hpp>
#include <rstreams/bus/queue_stats.hpp>
#include <rstreams/bus/stats.hpp>

#include <nlohmann/json.hpp>

namespace rstreams::bus {

/// A queue: events, bytes, first and last eid, last write (ms since the epoch) and write rate.
inline nlohmann::json queue_stats_json(const queue_stats& q) {
  return {{"queue", q.name},
          {"events", q.events},
          {"bytes", q.bytes},
          {"first_eid", q.first_eid},
          {"last_eid", q.last_eid},
          {"last_write_ms", q.last_write_ms},
          {"write_rate_per_s", q.write_rate}};
}

/// A bot's lag in one queue; `checkpoint` is null before its first commit.
inline nlohmann::json bot_lag_json(const bot_lag& l) {
  return {{"bot", l.bot},
          {"queue", l.queue},
          {"checkpoint", l.checkpoint ? nlohmann::json(l.checkpoint->eid) : nlohmann::json(nullptr)},
          {"lag_events", l.lag_events},
          {"lag_ms", l.lag_ms},
          {"source_lag_ms", l.source_lag_ms}};
}

/// A bot: state, lease holder (null when none), totals, and its lag in each input.
inline nlohmann::json bot_report_json(const bot_report& b) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& l : b.inputs) inputs.push_back(bot_lag_json(l));
  return {{"bot", b.id},
          {"paused", b.state.paused},
          {"consecutive_errors", b.state.consecutive_errors},
          {"last_error", b.state.last_error},
          {"lease_holder", b.lease ? nlohmann::json(b.lease->owner) : nlohmann::json(nullptr)},
          {"last_run_start", b.state.last_run_start},
          {"last_run_end", b.state.last_run_end},
          {"last_outcome", b.state.last_outcome},
          {"runs", b.state.runs},
          {"failed_runs", b.state.failed_runs},
          {"events_in", b.state.events_in},
          {"events_out", b.state.events_out},
          {"dead_letters", b.state.dead_letters},
          {"commits", b.state.commits},
          {"reads", b.state.reads},
          {"writes", b.state.writes},
          {"inputs", std::move(inputs)}};
}

}  // namespace rstreams::bus
