#pragma once
// How far a bot is behind in one input queue, from positions (the backend's index), never by
// reading the pending events.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/queue_stats.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rstreams::bus {

/// A bot's lag in one queue.
/// * `checkpoint`: its stored checkpoint (nothing: it reads from the beginning);
/// * `lag_events`: records after the checkpoint = head position - checkpoint position, exact
///   after any checkpoint move (reset, replay, a time prefix), since both are log positions;
/// * `lag_ms` (read lag in time): the last eid's time minus the checkpoint eid's time (the first
///   stored eid's time when there is no checkpoint); 0 when nothing is pending;
/// * `source_lag_ms`: the moment of the report minus the `event_source_timestamp` of the last
///   event the bot processed (stored with its checkpoint); 0 without one.
struct bot_lag {
  std::string bot;
  std::string queue;
  std::optional<bus::checkpoint> checkpoint;
  std::uint64_t checkpoint_position = 0;
  std::uint64_t head_position = 0;
  std::uint64_t lag_events = 0;
  std::int64_t lag_ms = 0;
  std::int64_t source_lag_ms = 0;

  friend bool operator==(const bot_lag&, const bot_lag&) = default;
};

namespace detail {
inline std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The lag of `cp` in a queue whose figures are `q` (one position lookup).
template <reports_stats B>
bot_lag lag_against(B& bus, std::string_view bot, const queue_stats& q, std::optional<checkpoint> cp,
                    std::int64_t now_ms) {
  bot_lag l;
  l.bot = std::string(bot);
  l.queue = q.name;
  l.head_position = q.head_position;
  const std::string at = cp ? cp->eid : std::string();
  l.checkpoint_position =
      at.empty() ? q.first_position : std::max(bus.position(q.name, at), q.first_position);
  l.lag_events = l.head_position > l.checkpoint_position ? l.head_position - l.checkpoint_position : 0;
  if (l.lag_events > 0 && !q.last_eid.empty()) {
    const bool before_first = at.empty() || l.checkpoint_position <= q.first_position;
    const auto from = before_first && !q.first_eid.empty() ? eid_to_ms(q.first_eid) : eid_to_ms(at);
    l.lag_ms = std::max<std::int64_t>(0, q.last_write_ms - from);
  }
  if (cp && cp->source_timestamp > 0)
    l.source_lag_ms = std::max<std::int64_t>(0, now_ms - cp->source_timestamp);
  l.checkpoint = std::move(cp);
  return l;
}
}  // namespace detail

/// `bot`'s lag in `queue` now: the queue's figures, its checkpoint, one position lookup.
template <reports_stats B>
requires backend<B> bot_lag lag(B& bus, std::string_view bot, std::string_view queue) {
  validate_bot_name(bot);
  const auto q = bus.queue_stats(queue);
  return detail::lag_against(bus, bot, q, bus.get_checkpoint(bot, queue), detail::wall_clock_ms());
}

}  // namespace rstreams::bus
