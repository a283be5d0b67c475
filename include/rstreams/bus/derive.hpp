#pragma once
// Derived events carry their lineage by construction: correlation and source timestamp come
// from the parent(s), never copied by hand.

#include <rstreams/bus/correlation.hpp>
#include <rstreams/bus/event.hpp>
#include <rstreams/core/error.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams::bus {

namespace detail {
template <class T>
std::int64_t source_time_of(const event<T>& e) {
  return e.event_source_timestamp != 0 ? e.event_source_timestamp : e.timestamp;
}
}  // namespace detail

struct derive_fn {
  /// One event derived from `parent` (1->1, or one of 1->N).
  template <class T, class U>
  event<std::remove_cvref_t<U>> operator()(const event<T>& parent, U&& payload) const {
    event<std::remove_cvref_t<U>> e;
    e.payload = std::forward<U>(payload);
    e.event_source_timestamp = detail::source_time_of(parent);
    e.correlation_id = correlation{parent.event, parent.eid, {}, 1};
    return e;
  }
  /// One event derived from consecutive parents (N->1): covers first..last, units = N.
  template <class T, class U>
  event<std::remove_cvref_t<U>> operator()(std::span<const event<T>> parents, U&& payload) const {
    if (parents.empty()) throw config_error("rstreams::bus::derive: no parent events");
    event<std::remove_cvref_t<U>> e;
    e.payload = std::forward<U>(payload);
    // The first parent's, as enrich's batches and the RStreams SDK do (one rule everywhere).
    e.event_source_timestamp = detail::source_time_of(parents.front());
    e.correlation_id = correlation{parents.front().event, parents.front().eid,
                                   parents.size() > 1 ? parents.back().eid : std::string{}, parents.size()};
    return e;
  }
  template <class T, class U>
  event<std::remove_cvref_t<U>> operator()(const std::vector<event<T>>& parents, U&& payload) const {
    return (*this)(std::span<const event<T>>(parents), std::forward<U>(payload));
  }
};

/// `derive(parent, payload)`: a new event whose correlation_id points at `parent` (its queue
/// and eid) and whose event_source_timestamp is the parent's; `derive(parents, payload)` for
/// N->1 (a span of consecutive parents from one queue), with the first parent's
/// event_source_timestamp, as enrich's N->1 batches and the RStreams SDK. `write` checkpoints from these.
inline constexpr derive_fn derive{};

}  // namespace rstreams::bus
