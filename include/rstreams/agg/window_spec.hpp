#pragma once
// The shapes of windows: tumbling and sliding by count or by time, and sessions by a gap.

#include <rstreams/core/detail/chrono.hpp>
#include <rstreams/core/error.hpp>

#include <concepts>
#include <cstdint>
#include <string>

namespace rstreams {

/// Tumbling (`slide == size`) or sliding windows over each key's elements, by count:
/// window k holds the key's elements `[k*slide, k*slide + size)`.
struct count_window_spec {
  std::uint64_t size;
  std::uint64_t slide;
};

/// Tumbling or sliding windows by time, aligned to the epoch: window k is
/// `[k*slide, k*slide + size)` in nanoseconds.
struct time_window_spec {
  std::chrono::nanoseconds size;
  std::chrono::nanoseconds slide;
};

/// Session windows: a key's session ends after `gap` without an event; a session holding
/// events at t1 <= ... <= tn spans `[t1, tn + gap)`.
struct session_window_spec {
  std::chrono::nanoseconds gap;
};

template <class W>
concept window_spec = std::same_as<W, count_window_spec> || std::same_as<W, time_window_spec> ||
    std::same_as<W, session_window_spec>;

namespace detail {

/// Durations of windows, lateness and out-of-orderness stay below 2^60 ns (36 years) so the
/// window arithmetic cannot overflow with timestamps up to 2^62 ns (year 2116).
inline constexpr std::int64_t max_span_ns = std::int64_t{1} << 60;

template <class Rep, class Period>
std::chrono::nanoseconds checked_span(const char* what, std::chrono::duration<Rep, Period> d,
                                      bool allow_zero) {
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  // Compare in the caller's unit first: converting a huge value to nanoseconds could overflow.
  if (d > duration_cast<std::chrono::duration<Rep, Period>>(nanoseconds(max_span_ns)))
    throw config_error(std::string("rstreams::window: ") + what +
                       " is too large (at most 2^60 ns, about 36 years)");
  const auto ns = duration_cast<nanoseconds>(d);
  if (ns.count() < 0 || (!allow_zero && ns.count() == 0))
    throw config_error(std::string("rstreams::window: ") + what + " must be " +
                       (allow_zero ? "non-negative" : "positive") + " (got " + std::to_string(ns.count()) +
                       " ns)");
  return ns;
}

template <std::integral N>
std::uint64_t checked_count(const char* what, N n) {
  if (n <= 0)
    throw config_error(std::string("rstreams::window: ") + what + " must be at least 1 element (got " +
                       std::to_string(n) + ")");
  return static_cast<std::uint64_t>(n);
}

}  // namespace detail

struct tumbling_fn {
  template <std::integral N>
  count_window_spec operator()(N size) const {
    const auto s = detail::checked_count("tumbling window size", size);
    return {s, s};
  }
  template <class Rep, class Period>
  time_window_spec operator()(std::chrono::duration<Rep, Period> size) const {
    const auto s = detail::checked_span("tumbling window size", size, false);
    return {s, s};
  }
};

/// `tumbling(n)`: windows of n elements per key; `tumbling(d)`: windows of duration d.
/// A size of zero throws `config_error`.
inline constexpr tumbling_fn tumbling{};

struct sliding_fn {
  template <std::integral N, std::integral M>
  count_window_spec operator()(N size, M slide) const {
    const auto s = detail::checked_count("sliding window size", size);
    const auto h = detail::checked_count("sliding window slide", slide);
    if (h > s)
      throw config_error("rstreams::window: the slide (" + std::to_string(h) +
                         " elements) is larger than the size (" + std::to_string(s) +
                         " elements); windows would skip elements");
    return {s, h};
  }
  template <class R1, class P1, class R2, class P2>
  time_window_spec operator()(std::chrono::duration<R1, P1> size, std::chrono::duration<R2, P2> slide) const {
    const auto s = detail::checked_span("sliding window size", size, false);
    const auto h = detail::checked_span("sliding window slide", slide, false);
    if (h > s)
      throw config_error("rstreams::window: the slide (" + std::to_string(h.count()) +
                         " ns) is larger than the size (" + std::to_string(s.count()) +
                         " ns); windows would skip events");
    return {s, h};
  }
};

/// `sliding(size, slide)`: windows of `size` starting every `slide` (elements or durations),
/// so each element is in `size/slide` windows. A zero size or slide, or a slide larger than
/// the size, throws `config_error`.
inline constexpr sliding_fn sliding{};

struct session_fn {
  template <class Rep, class Period>
  session_window_spec operator()(std::chrono::duration<Rep, Period> gap) const {
    return {detail::checked_span("session gap", gap, false)};
  }
};

/// `session(gap)`: per-key sessions closed by `gap` without events. A zero gap throws `config_error`.
inline constexpr session_fn session{};

}  // namespace rstreams
