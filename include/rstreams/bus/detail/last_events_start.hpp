#pragma once
// Where to read a queue's last n events from, with positions only (no scan): the CLI's
// `tail --from -N` and the dashboard's latest events.

#include <rstreams/bus/eid.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace rstreams::bus::detail {

/// The position to read after, and in `skip` how many events to pass over there, so that what
/// follows is the last `n` events of `queue` ("" and 0 when the queue holds n or fewer). A
/// binary search over the ms of the eids for the latest ms with at least n events at or after
/// it; the surplus of that one ms is skipped.
template <class B>
std::string last_events_start(B& bus, std::string_view queue, std::uint64_t n, std::uint64_t& skip) {
  skip = 0;
  const auto q = bus.queue_stats(queue);
  if (q.events <= n || q.first_eid.empty()) return {};
  const auto at_or_after = [&](std::int64_t t) {
    return q.head_position - std::min(q.head_position, bus.position(queue, previous(make_eid(t))));
  };
  std::int64_t lo = eid_to_ms(q.first_eid), hi = q.last_write_ms;
  while (lo < hi) {
    const auto mid = lo + (hi - lo + 1) / 2;
    if (at_or_after(mid) >= n) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  skip = at_or_after(lo) - n;
  return previous(make_eid(lo));
}

}  // namespace rstreams::bus::detail
