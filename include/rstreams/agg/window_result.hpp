#pragma once

#include <rstreams/core/detail/chrono.hpp>

#include <cstdint>

namespace rstreams {

/// One window's result: the key, the bounds `[start, end)` and the aggregate. Time windows
/// have nanosecond bounds (`B = std::chrono::nanoseconds`, since the epoch of the event
/// timestamps or of the run's clock); count windows have element indices within the key
/// (`B = std::uint64_t`). `late` is true for a result emitted after the watermark had passed
/// the window's end (a late event within the allowed lateness, or a reopened session): it
/// replaces any earlier result with the same key and bounds.
template <class K, class R, class B = std::chrono::nanoseconds>
struct window_result {
  K key;
  B start;
  B end;
  R value;
  bool late = false;

  friend bool operator==(const window_result&, const window_result&) = default;
};

}  // namespace rstreams
