#pragma once
// What a backend reports about one queue without reading its events, and the positions that
// make a bot's lag exact: `reports_stats<B>` is the optional part of the backend contract that
// stats() and lag() use.

#include <rstreams/bus/backend.hpp>

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rstreams::bus {

/// A queue's size and recent activity.
/// * `first_position` / `head_position`: the log positions of the first stored record and just
///   after the last one (local: record numbers; nats: stream sequences - 1), so `events` is their
///   difference when nothing was removed in between;
/// * `last_write_ms`: the time in the last eid (the backend assigns it when it stores the event);
/// * `write_rate`: events per second over the `rate_window_ms` before the moment of the report
///   (filled by stats(); backends leave it 0).
struct queue_stats {
  std::string name{};
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  std::string first_eid{};
  std::string last_eid{};
  std::uint64_t first_position = 0;
  std::uint64_t head_position = 0;
  std::int64_t last_write_ms = 0;
  double write_rate = 0;
  std::int64_t rate_window_ms = 0;

  friend bool operator==(const queue_stats&, const queue_stats&) = default;
};

/// Who holds a bot's lease (nothing when it is free or expired).
struct lease_holder {
  std::string owner;            // local: "pid <n>"; nats: the connection's owner token
  std::int64_t expires_at = 0;  // ms since the epoch

  friend bool operator==(const lease_holder&, const lease_holder&) = default;
};

/// A backend that reports positions and queue statistics from its index, without reading
/// pending events:
/// * `position(queue, eid)`: the log position just after the last record whose eid is <= `eid`
///   (an eid or any prefix; "" = before the first record), so the records between two
///   positions are their difference. 0 for an unknown queue.
/// * `queue_stats(queue)`: the queue's figures (write_rate left 0); an unknown queue reports
///   zeros under its name.
/// * `lease_holder(bot)`: the live holder of the bot's lease, if any.
/// Each costs a few index lookups (local) or requests (nats: log2(n) message gets per
/// position), independent of how many events are pending.
template <class B>
concept reports_stats = requires(B& b, std::string_view name) {
  { b.position(name, name) } -> std::same_as<std::uint64_t>;
  { b.queue_stats(name) } -> std::same_as<queue_stats>;
  { b.lease_holder(name) } -> std::same_as<std::optional<lease_holder>>;
};

}  // namespace rstreams::bus
