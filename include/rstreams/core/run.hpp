#pragma once
// The inline scheduler: drives demand backward from the sink, in a loop.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/pull.hpp>

#include <cstddef>
#include <stop_token>
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

/// The loop at the heart of every run: ask for `demand` items, push them through the fused
/// chain into the consumer, repeat until the source ends, the sink is satisfied or a stop
/// is requested. Iterative, so the stack does not grow with the number of items.
template <source S, class C>
decltype(auto) drive(S& src, C& consumer, const run_context& ctx) {
  rstreams::start(src, ctx);
  rstreams::start(consumer, ctx);
  const std::size_t n = demand_of(consumer);
  while (!ctx.stop_requested()) {
    bool wants_more = true;
    const flow f = rstreams::push(src, n, [&](auto&& x) {
      wants_more = consumer.accept(std::forward<decltype(x)>(x));
      return wants_more;
    });
    if (f == flow::done || !wants_more) break;
  }
  return consumer.finish();
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

  template <runnable P>
  decltype(auto) operator()(P&& p, const run_context& ctx) const {
    using S = typename std::remove_cvref_t<P>::source_type;
    static_assert(sink_for<typename std::remove_cvref_t<P>::sink_type, S>,
                  "rstreams::run: the sink cannot consume the source's element type.");
    auto consumer = std::move(p.sink()).template consumer<value_t<S>>(position_v<S> + 1);
    return detail::drive(p.source(), consumer, ctx);
  }
};

/// `run(source | ... | sink)`: executes a pipeline; see run_fn for the forms.
inline constexpr run_fn run{};

}  // namespace rstreams
