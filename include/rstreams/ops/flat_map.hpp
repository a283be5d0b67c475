#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/ops/detail/expand_source.hpp>

#include <concepts>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

template <source S, class F>
class flat_map_source : public detail::expand_source<flat_map_source<S, F>, S, F> {
  using base = detail::expand_source<flat_map_source<S, F>, S, F>;

 public:
  static constexpr std::string_view name = "flat_map";
  using base::base;
};

struct flat_map_fn {
  static constexpr std::string_view name = "flat_map";

  template <source_like R, class F>
  auto operator()(R&& r, F f) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<F&, value_t<S>>, RSTREAMS_DIAG_NOT_INVOCABLE("flat_map"));
    if constexpr (std::invocable<F&, value_t<S>>) {
      using X = std::remove_cvref_t<std::invoke_result_t<F&, value_t<S>>>;
      static_assert(source_like<X>, RSTREAMS_DIAG_FLAT_MAP_NOT_RANGE);
      if constexpr (source_like<X>) return flat_map_source<S, F>(as_source(std::forward<R>(r)), std::move(f));
    }
  }
  template <class F>
  auto operator()(F f) const {
    return detail::bind_stage<flat_map_fn>(std::move(f));
  }
};

/// Maps each element to a range or a source and passes on its elements one by one (0, 1 or
/// many per input): `flat_map([](int x) { return std::vector{x, x}; })`. A result returned by
/// reference is copied, since it may point into the element.
///
/// Forms: `flat_map(src, f)` · `src | flat_map(f)`
/// Requires: `f(T)` returns an input range or an rstreams source.
/// Demand: a push of n delivers at most n elements; it stops mid-expansion when n is reached or
/// downstream says stop, and keeps the rest of that expansion for the next push. Upstream is
/// pulled one element at a time, only when the current expansion is used up.
inline constexpr flat_map_fn flat_map{};

}  // namespace rstreams
