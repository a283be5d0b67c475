#pragma once
// What may stand left of `|` (`source_like`: a source or an input range) and how it becomes
// a source (`as_source`). Core vocabulary, used by `|` (core/pipe.hpp) and by every operator
// that takes "anything that may start a pipeline".

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/range_source.hpp>
#include <rstreams/core/source_ref.hpp>

#include <ranges>
#include <type_traits>
#include <utility>

namespace rstreams {

/// An input range that is not itself a source.
template <class R>
concept source_range = !source<R> && std::ranges::input_range<std::remove_reference_t<R>>;

/// What may stand left of `|`: a source, or a range that becomes one.
template <class X>
concept source_like = source<X> || source_range<X>;

struct as_source_fn {
  template <source_like X>
  auto operator()(X&& x) const {
    if constexpr (source<X>) {
      if constexpr (std::is_lvalue_reference_v<X>)
        return source_ref<std::remove_cvref_t<X>>(x);
      else
        return std::remove_cvref_t<X>(std::move(x));
    } else {
      return range_source<X>(std::forward<X>(x));
    }
  }
};

/// Turns anything that may start a pipeline into a source (sources pass through, moved or
/// borrowed; ranges are wrapped in a `range_source`, as by `from_range`).
inline constexpr as_source_fn as_source{};

}  // namespace rstreams
