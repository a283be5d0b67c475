#pragma once

#include <rstreams/exec/route.hpp>

#include <cstddef>
#include <functional>
#include <utility>

namespace rstreams {

struct partition_fn {
  template <class Pred, sink KT, sink KF>
  auto operator()(Pred pred, KT if_true, KF if_false) const {
    auto key = [p = std::move(pred)](const auto& x) mutable -> std::size_t {
      return static_cast<bool>(std::invoke(p, x)) ? 0 : 1;
    };
    return route_sink<decltype(key), KT, KF>(std::move(key), std::move(if_true), std::move(if_false));
  }
};

/// Sends the elements for which `pred(x)` holds to `if_true`, the others to `if_false`; yields
/// the tuple of both results.
///
/// Forms: `src | partition(pred, if_true, if_false)`
/// Demand: takes everything; buffers nothing.
inline constexpr partition_fn partition{};

}  // namespace rstreams
