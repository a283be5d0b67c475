#pragma once

#include <rstreams/agg/aggregator.hpp>
#include <rstreams/agg/detail/count_windows.hpp>
#include <rstreams/agg/detail/time_windows.hpp>
#include <rstreams/agg/keyed.hpp>
#include <rstreams/agg/window_config.hpp>
#include <rstreams/agg/window_result.hpp>
#include <rstreams/agg/window_spec.hpp>
#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>

#include <concepts>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

struct window_fn {
  static constexpr std::string_view name = "window";

  template <source_like R, window_spec W, class A, class Cfg = decltype(processing_time())>
  requires is_window_config_v<Cfg>
  auto operator()(R&& r, W spec, A agg, Cfg cfg = processing_time()) const {
    using S = decltype(as_source(std::forward<R>(r)));
    using V = typename detail::key_traits<value_t<S>>::value_type;
    static_assert(aggregator_for<A, V>,
                  "rstreams::window: the aggregator cannot take the elements. It needs init(), add(acc, "
                  "const V&), merge(acc, const acc&) and result(acc), V being the element (or the value of a "
                  "keyed element); see counting() and aggregate(init, add, merge).");
    if constexpr (aggregator_for<A, V>) {
      if constexpr (std::same_as<W, count_window_spec>) {
        static_assert(
            !Cfg::is_event_time,
            "rstreams::window: count windows do not use time; drop event_time(...) or use a time window.");
        return detail::count_window_source<S, A, Cfg>(as_source(std::forward<R>(r)), spec, std::move(agg),
                                                      std::move(cfg));
      } else {
        if constexpr (Cfg::is_event_time)
          static_assert(
              std::invocable<decltype(cfg.timestamp())&, const V&>,
              "rstreams::window: the event_time extractor cannot be called with the element (or the "
              "value of a keyed element).");
        return detail::time_window_source<S, W, A, Cfg>(as_source(std::forward<R>(r)), spec, std::move(agg),
                                                        std::move(cfg));
      }
    }
  }
  template <window_spec W, class A, class Cfg = decltype(processing_time())>
  requires is_window_config_v<Cfg>
  auto operator()(W spec, A agg, Cfg cfg = processing_time()) const {
    return detail::bind_stage<window_fn>(spec, std::move(agg), std::move(cfg));
  }
};

/// Aggregates windows of a stream, per key when the elements are `keyed` (see `key_by`):
/// `source<T>` to `source<window_result<K, R, B>>` with the key, the bounds and the aggregate.
///
/// Forms: `window(src, spec, agg[, time])` · `src | window(spec, agg[, time])`
///   spec: `tumbling(n | d)`, `sliding(size, slide)` (by count or by duration), `session(gap)`;
///   agg:  `counting()`, `aggregate(init, add, merge[, result])`, or any `aggregator_for`;
///   time: `processing_time()` (the run's clock, the default) or `event_time(ts)` with
///         `.out_of_orderness(d)`, `.allowed_lateness(d)`, `.on_late(f)`, `.max_ahead(d)`,
///         `.on_bad_input(policy)`; both with `.idle_timeout(d)`, `.keys(limit)`, `.counters(&c)`,
///         `.batch(n)`.
/// Requires: `agg` aggregates the element (or the keyed value); `ts(const V&)` returns a
/// `std::chrono` duration or time point.
/// Semantics: count windows fire when a key's window is full. At the end of the input, a key
/// whose last elements are in no emitted window gets its oldest unfinished window as it stands
/// (bounds `[start, end)` with `end - start < size`), so every element is counted somewhere:
/// `tumbling(3)` over a key's 7 elements gives [0,3) [3,6) [6,7); `sliding(4, 2)` over 7 gives
/// [0,4) [2,6) [4,7). Keep only full windows with a filter on `end - start == size`.
/// Time windows fire when the watermark passes their end, and all of them at the end of the
/// input; results of one firing come by window end, then by key in the order keys were first
/// seen. Late events (behind the watermark by more than the allowed lateness) go to `on_late`
/// and are counted. Bad input (a throwing extractor, a timestamp out of range) follows
/// `on_bad_input`, an `rstreams::on_error` policy (fail by default).
/// Demand: pulls `batch` upstream elements per step (fewer when the consumer is satisfied by
/// a firing); buffers one accumulator per key and open pane (or session), and those results
/// of a firing that exceed the consumer's demand (the others are handed over directly).
/// Examples: examples/40-counts-per-minute.cpp, examples/41-user-sessions.cpp
inline constexpr window_fn window{};

}  // namespace rstreams
