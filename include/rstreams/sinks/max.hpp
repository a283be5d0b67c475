#pragma once

#include <rstreams/sinks/detail/extremum.hpp>

#include <functional>
#include <utility>

namespace rstreams {

struct max_fn {
  template <class Comp = std::ranges::less>
  auto operator()(Comp comp = {}) const {
    return detail::extremum_closure<true, Comp>(std::move(comp));
  }
};

/// The greatest element (the first of equals), or an empty `std::optional` for an empty source.
///
/// Forms: `src | max()` · `src | max(comp)` (`comp(a, b)`: a strict "a before b", as for std::sort)
/// Requires: `comp(const T&, const T&)` convertible to bool (by default `<`). An exception from
/// `comp` leaves `run` as a `stage_error` naming `max` and the element index.
/// Demand: takes everything; buffers one element.
inline constexpr max_fn max{};

}  // namespace rstreams
