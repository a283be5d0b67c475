#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/chrono.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/exec/detail/checked_limit.hpp>

#include <concepts>
#include <cstddef>
#include <stop_token>
#include <string_view>
#include <utility>

namespace rstreams {

/// The source after a rate limit: a virtual-scheduling token bucket (GCRA) on the run's clock.
template <source S>
class throttle_source : public stage_source<throttle_source<S>, S> {
  using base = stage_source<throttle_source<S>, S>;

 public:
  static constexpr std::string_view name = "throttle";
  using value_type = value_t<S>;

  throttle_source(S up, std::size_t per_period, clock::duration period)
      : base(std::move(up)),
        interval_(period / static_cast<clock::duration::rep>(per_period)),
        tolerance_(period - interval_) {}

  void start(const run_context& ctx) {
    base::start(ctx);
    clock_ = ctx.clock;
    stop_ = ctx.stop;
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    bool stopped = false;
    const flow f = rstreams::push(this->up_, n, [&](auto&& x) {
      auto now = clock_->now();
      if (tat_ < now) tat_ = now;
      if (tat_ - now > tolerance_) {
        if (!clock_->sleep_until(tat_ - tolerance_, stop_)) {
          stopped = true;  // the element in hand still goes out
        }
      }
      tat_ += interval_;
      const bool go = g(std::forward<decltype(x)>(x));
      return go && !stopped;
    });
    return stopped ? flow::done : f;
  }

 private:
  clock::duration interval_;
  clock::duration tolerance_;
  clock::time_point tat_{};  // when the next element is due if the bucket were empty
  rstreams::clock* clock_ = &steady_clock_source();
  std::stop_token stop_;
};

struct throttle_fn {
  static constexpr std::string_view name = "throttle";

  template <source_like R, std::integral I>
  auto operator()(R&& r, I per_period, clock::duration period) const {
    const std::size_t c = detail::checked_limit("throttle", "count", per_period);
    check_period(period, c);
    using S = decltype(as_source(std::forward<R>(r)));
    return throttle_source<S>(as_source(std::forward<R>(r)), c, period);
  }
  template <std::integral I>
  auto operator()(I per_period, clock::duration period) const {
    const std::size_t c = detail::checked_limit("throttle", "count", per_period);
    check_period(period, c);
    return detail::bind_stage<throttle_fn>(c, period);
  }

 private:
  static void check_period(clock::duration period, std::size_t per_period) {
    if (period <= clock::duration::zero())
      throw config_error("rstreams::throttle: the period must be positive");
    if (period / static_cast<clock::duration::rep>(per_period) <= clock::duration::zero())
      throw config_error("rstreams::throttle: count per period is above one per nanosecond");
  }
};

/// Lets at most `count` elements through per `period`, evenly after an initial burst of `count`
/// (a token bucket holding `count` tokens, refilled one every period/count). Waits on the run's
/// clock; a stop request ends the wait and the stream.
///
/// Forms: `src | throttle(count, period)` · `throttle(src, count, period)`
/// Requires: count >= 1, period > 0 (else config_error).
/// Demand: one upstream element per element; buffers nothing.
inline constexpr throttle_fn throttle{};

}  // namespace rstreams
