#pragma once
// Run-time limits in the RStreams sense: run for a duration, or until a deadline, then stop
// the source, let what is in flight reach the sink, and return the sink's result normally.

#include <rstreams/core/clock.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/scheduler.hpp>

#include <type_traits>
#include <utility>

namespace rstreams {

struct run_until_fn {
  template <runnable P>
  decltype(auto) operator()(P&& p, clock::time_point deadline, const run_context& ctx = {}) const {
    return detail::run_scoped(p, nullptr, ctx, deadline);
  }
  template <runnable P, scheduler E>
  decltype(auto) operator()(P&& p, clock::time_point deadline, E& sched, const run_context& ctx = {}) const {
    if constexpr (std::is_base_of_v<executor, std::remove_cvref_t<E>>) {
      return detail::run_scoped(p, &sched, ctx, deadline);
    } else {
      detail::executor_ref<std::remove_cvref_t<E>> ex(sched);
      return detail::run_scoped(p, &ex, ctx, deadline);
    }
  }
};

/// `run_until(p, deadline [, scheduler] [, ctx])`: runs `p` until it ends by itself or the
/// deadline of the context's clock passes; then a stop request reaches the sources (blocked ones
/// included), what is in flight after async boundaries still reaches the sink, and the sink's
/// result is returned normally. A stop requested through `ctx.stop` ends the run the same way.
inline constexpr run_until_fn run_until{};

struct run_for_fn {
  template <runnable P, class... A>
  decltype(auto) operator()(P&& p, clock::duration limit, A&&... args) const {
    const clock& c = *context_of(args...).clock;
    return run_until(std::forward<P>(p), c.now() + limit, std::forward<A>(args)...);
  }

 private:
  static run_context context_of() { return {}; }
  template <class A>
  static const run_context& pick(const A& a, const run_context& fallback) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, run_context>)
      return a;
    else
      return fallback;
  }
  template <class... A>
  static run_context context_of(const A&... args) {
    run_context found{};
    ((found = pick(args, found)), ...);
    return found;
  }
};

/// `run_for(p, duration [, scheduler] [, ctx])`: `run_until(p, now + duration, ...)`, `now` read
/// from the context's clock (so a `manual_clock` drives it in tests).
/// Example: examples/11-batch-by-time.cpp
inline constexpr run_for_fn run_for{};

}  // namespace rstreams
