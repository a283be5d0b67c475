#pragma once

#include <rstreams/sinks/detail/extremum.hpp>

#include <functional>
#include <utility>

namespace rstreams {

struct min_fn {
  template <class Comp = std::ranges::less>
  auto operator()(Comp comp = {}) const {
    return detail::extremum_closure<false, Comp>(std::move(comp));
  }
};

/// The least element (the first of equals), or an empty `std::optional` for an empty source.
///
/// Forms: `src | min()` · `src | min(comp)` (`comp(a, b)`: a strict "a before b", as for std::sort)
/// Requires: `comp(const T&, const T&)` convertible to bool (by default `<`). An exception from
/// `comp` leaves `run` as a `stage_error` naming `min` and the element index.
/// Demand: takes everything; buffers one element.
inline constexpr min_fn min{};

}  // namespace rstreams
