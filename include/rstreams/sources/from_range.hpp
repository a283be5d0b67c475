#pragma once
// `from_range(r)`: any std or range-v3 input range as a source. The source type
// (`range_source`), `source_like` and `as_source` are core vocabulary and live in
// core/range_source.hpp and core/as_source.hpp, included here so older includes keep working.

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/range_source.hpp>

#include <utility>

namespace rstreams {

struct from_range_fn {
  template <source_range R>
  auto operator()(R&& r) const {
    return range_source<R>(std::forward<R>(r));
  }
};

/// `from_range(r)`: a source over `r`'s elements; owned if `r` is an rvalue, else borrowed.
/// Demand: one element per pull; buffers nothing.
inline constexpr from_range_fn from_range{};

}  // namespace rstreams
