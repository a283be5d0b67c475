#pragma once

#include <rstreams/agg/counters.hpp>
#include <rstreams/agg/detail/keyed_fold.hpp>
#include <rstreams/agg/key_limit.hpp>
#include <rstreams/agg/keyed.hpp>
#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>

#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

template <source S, class F>
class reduce_by_key_source : public detail::keyed_fold_source<reduce_by_key_source<S, F>, S,
                                                              typename value_t<S>::value_type, F, true> {
  using base =
      detail::keyed_fold_source<reduce_by_key_source<S, F>, S, typename value_t<S>::value_type, F, true>;

 public:
  static constexpr std::string_view name = "reduce_by_key";
  using base::base;
};

struct reduce_by_key_fn {
  static constexpr std::string_view name = "reduce_by_key";

  template <source_like R, class F>
  auto operator()(R&& r, F f, key_limit limit = {}, agg_counters* counters = nullptr) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::is_keyed_v<value_t<S>>,
                  "rstreams::reduce_by_key: the elements have no key. Put key_by(f) before reduce_by_key.");
    if constexpr (detail::is_keyed_v<value_t<S>>) {
      using V = typename value_t<S>::value_type;
      static_assert(std::invocable<F&, V&, const V&> || std::invocable<F&, V, const V&>,
                    "rstreams::reduce_by_key: the step must be callable as f(V, const V&) -> V or "
                    "f(V&, const V&) -> void, V being the value type of the keyed elements.");
      return reduce_by_key_source<S, F>(as_source(std::forward<R>(r)), std::optional<V>{}, std::move(f),
                                        limit, counters);
    }
  }
  template <class F>
  auto operator()(F f, key_limit limit = {}, agg_counters* counters = nullptr) const {
    return detail::bind_stage<reduce_by_key_fn>(std::move(f), limit, counters);
  }
};

/// Combines the values of each key with `f`, the first value starting the key's state:
/// `keyed<K, V>` to `keyed<K, V>`, one result per key when the input ends, in the order the
/// keys were first seen.
///
/// Forms: `reduce_by_key(src, f[, limit[, &counters]])` · `src | reduce_by_key(f[, limit[, &counters]])`
/// Requires: keyed elements (`key_by`); `f(V, const V&) -> V` or `f(V&, const V&)`.
/// State: as `fold_by_key` (bounded by `limit`, CLOCK eviction).
/// Demand: reads the whole input before the first result (except evictions).
inline constexpr reduce_by_key_fn reduce_by_key{};

}  // namespace rstreams
