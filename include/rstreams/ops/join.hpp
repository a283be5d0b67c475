#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/ops/detail/expand_source.hpp>

#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

template <source S>
class join_source : public detail::expand_source<join_source<S>, S, detail::join_decay_copy_fn> {
  using base = detail::expand_source<join_source<S>, S, detail::join_decay_copy_fn>;

 public:
  static constexpr std::string_view name = "join";
  explicit join_source(S up) : base(std::move(up), detail::join_decay_copy_fn{}) {}
};

struct join_fn {
  static constexpr std::string_view name = "join";

  template <source_like R>
  auto operator()(R&& r) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(source_like<value_t<S>>, RSTREAMS_DIAG_JOIN_NOT_RANGE);
    if constexpr (source_like<value_t<S>>) return join_source<S>(as_source(std::forward<R>(r)));
  }
  auto operator()() const { return detail::bind_stage<join_fn>(); }
};

/// Flattens a source of ranges (or of sources) into their elements: the inverse of chunk.
///
/// Forms: `join(src)` · `src | join()`
/// Requires: the elements are input ranges or rstreams sources.
/// Demand: as flat_map: at most n elements per push of n, resuming a partly used element on
/// the next push; upstream is pulled one element at a time.
inline constexpr join_fn join{};

}  // namespace rstreams
