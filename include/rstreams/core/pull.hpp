#pragma once
// The two pull primitives for every source, whichever of them it implements, plus the
// `start` hook that hands the run context down the chain.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>

#include <cstddef>
#include <optional>
#include <utility>

namespace rstreams {

struct pull_fn {
  /// One element, or an empty optional at the end of the source.
  template <source S>
  std::optional<value_t<S>> operator()(S& s) const {
    if constexpr (detail::has_next<S>) {
      return s.next();
    } else {
      // Adapter over the bulk path: a filtering upstream may deliver nothing for a
      // while, so ask again until one item arrives or the source ends.
      std::optional<value_t<S>> out;
      while (!out) {
        const flow f = s.push(1, [&out](auto&& x) {
          out.emplace(std::forward<decltype(x)>(x));
          return false;
        });
        if (f == flow::done) break;
      }
      return out;
    }
  }
};

struct push_fn {
  /// Pushes up to `n` elements into `f` (each call returns false to stop early).
  template <source S, class F>
  flow operator()(S& s, std::size_t n, F&& f) const {
    if constexpr (detail::has_push<S>) {
      return s.push(n, std::forward<F>(f));
    } else {
      for (std::size_t k = 0; k < n; ++k) {
        auto v = s.next();
        if (!v) return flow::done;
        if (!f(std::move(*v))) return flow::more;
      }
      return flow::more;
    }
  }
};

struct start_fn {
  /// Hands the run context to `x` (a source or a consumer) if it wants it.
  template <class X>
  void operator()(X& x, const run_context& ctx) const {
    if constexpr (requires { x.start(ctx); }) x.start(ctx);
  }
};

inline constexpr pull_fn pull{};
inline constexpr push_fn push{};
inline constexpr start_fn start{};

}  // namespace rstreams
