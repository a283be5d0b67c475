#pragma once
// How a window operator tells time (the run's clock, or a timestamp in each event), how it
// treats disorder, late events, quiet inputs and bad input, and how much state it may keep.

#include <rstreams/agg/counters.hpp>
#include <rstreams/agg/key_limit.hpp>
#include <rstreams/agg/window_spec.hpp>
#include <rstreams/core/detail/chrono.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/on_error.hpp>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {
struct processing_time_tag {};
struct no_late_handler {
  template <class T>
  void operator()(const T&) const noexcept {}
};
}  // namespace detail

/// The time settings of a window; made by `processing_time()` or `event_time(ts)`, then
/// refined by chained calls. `Ts` is the timestamp extractor (or the processing-time tag),
/// `Late` the side sink for late events, `P` the error policy for bad input.
template <class Ts, class Late = detail::no_late_handler, class P = on_error::fail>
class window_config {
 public:
  static constexpr bool is_event_time = !std::is_same_v<Ts, detail::processing_time_tag>;

  explicit window_config(Ts ts, Late late = {}, P policy = {})
      : ts_(std::move(ts)), late_(std::move(late)), policy_(std::move(policy)) {}

  /// Event time: the watermark trails the largest timestamp seen by `d`, so events up to `d`
  /// out of order still land in their windows.
  template <class Rep, class Period>
  window_config out_of_orderness(std::chrono::duration<Rep, Period> d) const requires is_event_time {
    auto c = *this;
    c.ooo_ = detail::checked_span("out_of_orderness", d, true).count();
    return c;
  }
  /// Event time: a window keeps its state `d` past its end; an event arriving in that time
  /// re-emits the window's updated result (`late == true`). Later events are late events.
  template <class Rep, class Period>
  window_config allowed_lateness(std::chrono::duration<Rep, Period> d) const requires is_event_time {
    auto c = *this;
    c.lateness_ = detail::checked_span("allowed_lateness", d, true).count();
    return c;
  }
  /// Event time: late events go to `f(const T&)` (a side sink) instead of being only counted.
  template <class F>
  window_config<Ts, F, P> on_late(F f) const requires is_event_time {
    window_config<Ts, F, P> c(ts_, std::move(f), policy_);
    c.copy_settings(*this);
    return c;
  }
  /// Event time: an event more than `d` ahead of the largest timestamp seen so far is bad
  /// input (it would otherwise close every open window at once).
  template <class Rep, class Period>
  window_config max_ahead(std::chrono::duration<Rep, Period> d) const requires is_event_time {
    auto c = *this;
    c.max_ahead_ = detail::checked_span("max_ahead", d, false).count();
    return c;
  }
  /// When no element arrives for `d` of the run's clock, time is taken to move on with the
  /// clock (event time: the watermark advances by the quiet time), so windows close although
  /// the input went quiet. Needs an upstream that returns when it has nothing (a poll), not one
  /// that blocks. Processing-time windows already close by the clock at every step, so there
  /// the setting changes nothing.
  template <class Rep, class Period>
  window_config idle_timeout(std::chrono::duration<Rep, Period> d) const {
    auto c = *this;
    c.idle_ = detail::checked_span("idle_timeout", d, false).count();
    return c;
  }
  /// The bound on per-key state (default: 65536 keys; a key not updated for a CLOCK sweep is
  /// evicted and its open windows emitted early, see `key_limit`). `unbounded_keys()` lifts it.
  window_config keys(key_limit limit) const {
    auto c = *this;
    c.keys_ = limit;
    return c;
  }
  /// Event time: the error policy for bad input, that is a timestamp extractor that throws or
  /// an event timestamp outside the accepted range (beyond ±2^62 ns, or past `max_ahead`):
  /// `on_error::fail{}` (the default) stops the run with a `stage_error` naming the stage and
  /// element; `skip`, `retry` and `dead_letter` as for any stage (core/on_error.hpp; a dead
  /// letter receives the element as the window got it). Dropped elements are also counted in
  /// `agg_counters::skipped`.
  template <error_policy Q>
  window_config<Ts, Late, Q> on_bad_input(Q policy) const requires is_event_time {
    detail::validate_policy("window", policy);
    window_config<Ts, Late, Q> c(ts_, late_, std::move(policy));
    c.copy_settings(*this);
    return c;
  }
  /// Where the operator counts what it did; the struct must outlive the run.
  window_config counters(agg_counters* c) const {
    auto x = *this;
    x.counters_ = c;
    return x;
  }
  /// Elements pulled from upstream per step (default 1024). Processing time is read once
  /// per step, so all elements of a step share one timestamp; 1 gives each its own.
  window_config batch(std::size_t n) const {
    if (n == 0) throw config_error("rstreams::window: batch must be at least 1 (got 0)");
    auto c = *this;
    c.batch_ = n;
    return c;
  }

  // Read by the operators.
  Ts& timestamp() noexcept { return ts_; }
  Late& late_handler() noexcept { return late_; }
  std::int64_t ooo_ns() const noexcept { return ooo_; }
  std::int64_t lateness_ns() const noexcept { return lateness_; }
  std::int64_t idle_ns() const noexcept { return idle_; }
  std::int64_t max_ahead_ns() const noexcept { return max_ahead_; }
  const key_limit& key_bound() const noexcept { return keys_; }
  const P& bad_input_policy() const noexcept { return policy_; }
  agg_counters* counters_ptr() const noexcept { return counters_; }
  std::size_t batch_size() const noexcept { return batch_; }

 private:
  template <class, class, class>
  friend class window_config;

  template <class O>
  void copy_settings(const O& o) {
    ooo_ = o.ooo_;
    lateness_ = o.lateness_;
    idle_ = o.idle_;
    max_ahead_ = o.max_ahead_;
    keys_ = o.keys_;
    counters_ = o.counters_;
    batch_ = o.batch_;
  }

  Ts ts_;
  Late late_;
  P policy_;
  std::int64_t ooo_ = 0;
  std::int64_t lateness_ = 0;
  std::int64_t idle_ = 0;
  std::int64_t max_ahead_ = 0;
  key_limit keys_{};
  agg_counters* counters_ = nullptr;
  std::size_t batch_ = 1024;
};

template <class C>
inline constexpr bool is_window_config_v = false;
template <class Ts, class Late, class P>
inline constexpr bool is_window_config_v<window_config<Ts, Late, P>> = true;

struct processing_time_fn {
  window_config<detail::processing_time_tag> operator()() const {
    return window_config(detail::processing_time_tag{});
  }
};

/// Windows by the run's clock (`run_context::clock`): an element's time is when it arrived.
/// The default of `window`.
inline constexpr processing_time_fn processing_time{};

struct event_time_fn {
  template <class F>
  window_config<F> operator()(F timestamp) const {
    return window_config<F>(std::move(timestamp));
  }
};

/// Windows by a timestamp in each event: `event_time(f)`, `f(const T&)` returning a
/// `std::chrono::duration` or `time_point` (taken since its epoch). Refine with
/// `.out_of_orderness(d)`, `.allowed_lateness(d)`, `.on_late(f)`, `.idle_timeout(d)`, `.max_ahead(d)`,
/// `.on_bad_input(policy)`.
inline constexpr event_time_fn event_time{};

}  // namespace rstreams
