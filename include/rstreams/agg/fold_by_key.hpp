#pragma once

#include <rstreams/agg/counters.hpp>
#include <rstreams/agg/detail/keyed_fold.hpp>
#include <rstreams/agg/key_limit.hpp>
#include <rstreams/agg/keyed.hpp>
#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>

#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

template <source S, class Acc, class F>
class fold_by_key_source : public detail::keyed_fold_source<fold_by_key_source<S, Acc, F>, S, Acc, F, false> {
  using base = detail::keyed_fold_source<fold_by_key_source<S, Acc, F>, S, Acc, F, false>;

 public:
  static constexpr std::string_view name = "fold_by_key";
  using base::base;
};

struct fold_by_key_fn {
  static constexpr std::string_view name = "fold_by_key";

  template <source_like R, class Acc, class F>
  auto operator()(R&& r, Acc init, F f, key_limit limit = {}, agg_counters* counters = nullptr) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::is_keyed_v<value_t<S>>,
                  "rstreams::fold_by_key: the elements have no key. Put key_by(f) before fold_by_key.");
    if constexpr (detail::is_keyed_v<value_t<S>>) {
      using V = typename value_t<S>::value_type;
      static_assert(std::invocable<F&, Acc&, const V&> || std::invocable<F&, Acc, const V&>,
                    "rstreams::fold_by_key: the step must be callable as f(Acc, const V&) -> Acc or "
                    "f(Acc&, const V&) -> void, V being the value type of the keyed elements.");
      return fold_by_key_source<S, Acc, F>(as_source(std::forward<R>(r)), std::move(init), std::move(f),
                                           limit, counters);
    }
  }
  template <class Acc, class F>
  auto operator()(Acc init, F f, key_limit limit = {}, agg_counters* counters = nullptr) const {
    return detail::bind_stage<fold_by_key_fn>(std::move(init), std::move(f), limit, counters);
  }
};

/// Folds the values of each key: `keyed<K, V>` to `keyed<K, Acc>`, one result per key when
/// the input ends, in the order the keys were first seen (an evicted key's slot is reused).
///
/// Forms: `fold_by_key(src, init, f[, limit[, &counters]])` · `src | fold_by_key(init, f[, limit[, &counters]])`
/// Requires: keyed elements (`key_by`); `f(Acc, const V&) -> Acc` or `f(Acc&, const V&)`.
/// State: at most `limit.max_keys` accumulators (default 65536); a new key in a full table evicts
/// a key not updated for a CLOCK sweep (see `key_limit`), emitting its partial result (`on_evict::emit`) or dropping it
/// (`on_evict::discard`, counted). `unbounded_keys()` lifts the limit.
/// Demand: reads the whole input before the first result (except evictions); buffers one
/// accumulator per key.
inline constexpr fold_by_key_fn fold_by_key{};

}  // namespace rstreams
