#pragma once
// The inline scheduler: drives demand backward from the sink, in a loop.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/executor.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/run_scope.hpp>

#include <cstddef>
#include <stop_token>
#include <type_traits>
#include <utility>

namespace rstreams {

/// Items a sink asks for per step when it does not say (`demand()` on its consumer).
/// Large enough that the loop around the fused push costs nothing per item, small enough
/// that a stop request is seen promptly.
inline constexpr std::size_t default_demand = 4096;

namespace detail {

template <class C>
std::size_t demand_of(const C& c) {
  if constexpr (requires { c.demand(); })
    return c.demand();
  else
    return default_demand;
}

/// True when a stop request must not end the driving loop at once because the chain holds
/// an asynchronous boundary: then the stop reaches the sources, which close their channels,
/// and the loop drains what is in flight until the end arrives (RStreams' run-time limit).
template <class S>
constexpr bool drains_on_stop() {
  if constexpr (requires { S::drains_on_stop; })
    return S::drains_on_stop;
  else if constexpr (requires(const S& s) { s.upstream(); })
    return drains_on_stop<std::remove_cvref_t<decltype(std::declval<const S&>().upstream())>>();
  else
    return false;
}

/// The loop at the heart of every run: ask for `demand` items, push them through the fused
/// chain into the consumer, repeat until the source ends, the sink is satisfied or a stop
/// is requested. Iterative, so the stack does not grow with the number of items.
/// Always inlined: the consumer then stays a local of the function running the loop, so a
/// sink's accumulator can live in a register. Where GCC left it out of line (chain10's metered
/// stages built in a program of their own), the sink was reached through a reference and its
/// total loaded and stored on every element.
template <source S, class C>
[[gnu::always_inline]] inline decltype(auto) drive(S& src, C& consumer, const run_context& ctx) {
  rstreams::start(src, ctx);
  rstreams::start(consumer, ctx);
  const std::size_t n = demand_of(consumer);
  constexpr bool drains = drains_on_stop<S>();
  while (drains || !ctx.stop_requested()) {
    bool wants_more = true;
    const flow f = rstreams::push(src, n, [&](auto&& x) {
      wants_more = consumer.accept(std::forward<decltype(x)>(x));
      return wants_more;
    });
    if (f == flow::done || !wants_more) break;
  }
  return consumer.finish();
}

/// Runs `p` in `scope`: concurrent stages spawn their tasks there, and every task has returned
/// (and its first error has been rethrown) before this returns.
template <class P>
decltype(auto) run_in_scope(P& p, run_scope& scope, const run_context& outer) {
  using S = typename std::remove_cvref_t<P>::source_type;
  static_assert(sink_for<typename std::remove_cvref_t<P>::sink_type, S>,
                "rstreams::run: the sink cannot consume the source's element type.");
  run_context ctx{scope.token(), outer.clock, &scope};
  auto consumer = std::move(p.sink()).template consumer<value_t<S>>(position_v<S> + 1);
  using R = decltype(consumer.finish());
  if constexpr (std::is_void_v<R>) {
    drive(p.source(), consumer, ctx);
    scope.stop_and_join();
    scope.rethrow_if_error();
  } else {
    R result = drive(p.source(), consumer, ctx);
    scope.stop_and_join();
    scope.rethrow_if_error();
    return result;
  }
}

/// Runs `p` inside a scope of its own, its concurrent parts on `ex` (or on new threads when it
/// is null). core/scheduler.hpp adds the form with a deadline.
template <class P>
decltype(auto) run_scoped(P& p, executor* ex, const run_context& outer) {
  run_scope scope(ex, outer.stop);
  return run_in_scope(p, scope, outer);
}

}  // namespace detail

struct run_fn {
  /// Runs on the calling thread and returns the sink's result (or rethrows the first error).
  template <runnable P>
  decltype(auto) operator()(P&& p) const {
    return (*this)(std::forward<P>(p), run_context{});
  }

  /// Runs until the source ends, the sink is satisfied, or `stop` is requested; a stopped
  /// run still flushes the sink and returns its result normally.
  template <runnable P>
  decltype(auto) operator()(P&& p, std::stop_token stop) const {
    return (*this)(std::forward<P>(p), run_context{std::move(stop)});
  }

  /// Runs with the given stop token and clock. Explicit async boundaries and parallel stages
  /// run their parts on threads of their own, all joined before this returns.
  template <runnable P>
  decltype(auto) operator()(P&& p, const run_context& ctx) const {
    return detail::run_scoped(p, nullptr, ctx);
  }

  /// Runs with the concurrent parts (segments upstream of async boundaries, parallel workers,
  /// timers) on `sched`, e.g. a `thread_pool`; the sink's segment runs on the calling thread.
  template <runnable P, scheduler E>
  decltype(auto) operator()(P&& p, E& sched, const run_context& ctx = {}) const {
    if constexpr (std::is_base_of_v<executor, std::remove_cvref_t<E>>) {
      return detail::run_scoped(p, &sched, ctx);
    } else {
      detail::executor_ref<std::remove_cvref_t<E>> ex(sched);
      return detail::run_scoped(p, &ex, ctx);
    }
  }
};

/// `run(source | ... | sink)`: executes a pipeline; see run_fn for the forms.
inline constexpr run_fn run{};

}  // namespace rstreams
