#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {
/// `f(acc, x)` can become the next accumulator.
template <class F, class Acc, class T>
concept scan_accumulator_for =
    std::invocable<F&, Acc, T> && std::assignable_from<Acc&, std::invoke_result_t<F&, Acc, T>>;
}  // namespace detail

template <source S, class Acc, class F>
class scan_source : public stage_source<scan_source<S, Acc, F>, S> {
  using base = stage_source<scan_source<S, Acc, F>, S>;

 public:
  static constexpr std::string_view name = "scan";
  using value_type = Acc;

  scan_source(S up, Acc init, F f) : base(std::move(up)), acc_(std::move(init)), f_(std::move(f)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      acc_ =
          detail::invoke_stage(name, base::position, i++, f_, std::move(acc_), std::forward<decltype(x)>(x));
      // Downstream sees the accumulator read-only: the next element still needs it.
      return g(std::as_const(acc_));
    });
    index_ = i;
    return r;
  }

 private:
  Acc acc_;
  F f_;
  std::size_t index_ = 0;
};

struct scan_fn {
  static constexpr std::string_view name = "scan";

  template <source_like R, class Init, class F>
  auto operator()(R&& r, Init init, F f) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::scan_accumulator_for<F, Init, value_t<S>>, RSTREAMS_DIAG_SCAN_NOT_ACCUMULATOR);
    if constexpr (detail::scan_accumulator_for<F, Init, value_t<S>>)
      return scan_source<S, Init, F>(as_source(std::forward<R>(r)), std::move(init), std::move(f));
  }
  template <class Init, class F>
  auto operator()(Init init, F f) const {
    return detail::bind_stage<scan_fn>(std::move(init), std::move(f));
  }
};

/// Running accumulation: `acc = f(std::move(acc), x)` for each element, emitting each new `acc`
/// (the initial value itself is not emitted). `scan(0, std::plus{})` gives running sums.
///
/// Forms: `scan(src, init, f)` · `src | scan(init, f)`
/// Requires: `f(Acc, T)` assignable to `Acc`, where `Acc` is the type of `init`.
/// Demand: one upstream element per element; keeps the accumulator.
inline constexpr scan_fn scan{};

}  // namespace rstreams
