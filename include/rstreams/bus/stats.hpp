#pragma once
// Everything an operator watches, in one call: every queue's size and write rate, every bot's
// state, lease and lag in each queue it reads. Built from positions and stored state only, so
// its cost does not depend on how many events are stored or pending.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_lag.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/queue_stats.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rstreams::bus {

/// One bot: its stored state (pause, errors, last run, totals; default where the backend
/// stores none), the live holder of its lease, and its lag in each queue it has a checkpoint on.
struct bot_report {
  std::string id;
  bot_state state;
  std::optional<lease_holder> lease;
  std::vector<bot_lag> inputs;
};

/// The bus at one moment (`at_ms`).
struct bus_stats {
  std::string bus;
  std::int64_t at_ms = 0;
  std::vector<queue_stats> queues;
  std::vector<bot_report> bots;
};

/// `rate_window_ms`: the span queue_stats::write_rate averages over; `now_ms`: the moment of the
/// report (the system clock when unset).
struct stats_options {
  std::int64_t rate_window_ms = 60'000;
  std::optional<std::int64_t> now_ms;
};

/// The figures of one queue, with its write rate over `opt.rate_window_ms` (a second position
/// lookup, skipped when the last write is older than the window).
template <reports_stats B>
queue_stats queue_stats_of(B& bus, std::string_view queue, std::int64_t now_ms, std::int64_t window_ms) {
  auto q = bus.queue_stats(queue);
  q.rate_window_ms = window_ms;
  if (window_ms > 0 && q.events > 0 && q.last_write_ms > now_ms - window_ms) {
    const auto from = now_ms - window_ms;
    const auto before = from > 0 ? bus.position(queue, previous(make_eid(from))) : q.first_position;
    const auto n = q.head_position > before ? q.head_position - before : 0;
    q.write_rate = static_cast<double>(n) * 1000.0 / static_cast<double>(window_ms);
  }
  return q;
}

/// Every queue and every bot of `bus` (queues sorted by name, bots by id). Per queue: a stats
/// call and at most one position lookup; per bot: its state, its lease and one position lookup
/// per checkpoint.
template <reports_stats B>
requires backend<B> bus_stats stats(B& bus, const stats_options& opt = {}) {
  bus_stats out;
  out.bus = bus.describe();
  out.at_ms = opt.now_ms ? *opt.now_ms : detail::wall_clock_ms();
  std::map<std::string, std::size_t, std::less<>> by_name;
  for (const auto& qi : bus.queues()) {
    by_name.emplace(qi.name, out.queues.size());
    out.queues.push_back(queue_stats_of(bus, qi.name, out.at_ms, opt.rate_window_ms));
  }
  for (auto& b : bus.bots()) {
    bot_report r;
    r.id = b.id;
    if constexpr (stores_bot_state<B>) r.state = bus.get_bot_state(b.id).value_or(bot_state{});
    r.lease = bus.lease_holder(b.id);
    for (auto& [queue, cp] : b.checkpoints) {
      auto it = by_name.find(queue);
      const queue_stats q = it != by_name.end() ? out.queues[it->second] : bus.queue_stats(queue);
      r.inputs.push_back(
          detail::lag_against(bus, b.id, q, std::optional<checkpoint>(std::move(cp)), out.at_ms));
    }
    out.bots.push_back(std::move(r));
  }
  return out;
}

}  // namespace rstreams::bus
