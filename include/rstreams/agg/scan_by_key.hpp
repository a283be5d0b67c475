#pragma once

#include <rstreams/agg/counters.hpp>
#include <rstreams/agg/detail/key_table.hpp>
#include <rstreams/agg/detail/keyed_fold.hpp>
#include <rstreams/agg/key_limit.hpp>
#include <rstreams/agg/keyed.hpp>
#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/stage_source.hpp>

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

template <source S, class Acc, class F>
class scan_by_key_source : public stage_source<scan_by_key_source<S, Acc, F>, S> {
  using base = stage_source<scan_by_key_source<S, Acc, F>, S>;
  using traits = detail::key_traits<value_t<S>>;
  using key_type = typename traits::key_type;

 public:
  static constexpr std::string_view name = "scan_by_key";
  using value_type = keyed<key_type, Acc>;

  scan_by_key_source(S up, Acc init, F f, key_limit limit, agg_counters* counters)
      : base(std::move(up)), init_(std::move(init)), f_(std::move(f)), table_(limit), counters_(counters) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      if (counters_) ++counters_->elements;
      const auto found = table_.touch(
          traits::key(x), [&] { return init_; },
          [&](const key_type&, Acc&) {
            if (counters_) ++counters_->evicted;
          },
          [&](Acc& a) { a = init_; });
      Acc& acc = table_.last_value();
      detail::apply_step(name, base::position, i++, f_, acc, traits::value(std::as_const(x)));
      return g(value_type{table_.key(found.slot), acc});
    });
    index_ = i;
    return r;
  }

 private:
  Acc init_;
  F f_;
  detail::key_table<key_type, Acc> table_;
  agg_counters* counters_;
  std::size_t index_ = 0;
};

struct scan_by_key_fn {
  static constexpr std::string_view name = "scan_by_key";

  template <source_like R, class Acc, class F>
  auto operator()(R&& r, Acc init, F f, key_limit limit = {}, agg_counters* counters = nullptr) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::is_keyed_v<value_t<S>>,
                  "rstreams::scan_by_key: the elements have no key. Put key_by(f) before scan_by_key.");
    if constexpr (detail::is_keyed_v<value_t<S>>) {
      using V = typename value_t<S>::value_type;
      static_assert(std::invocable<F&, Acc&, const V&> || std::invocable<F&, Acc, const V&>,
                    "rstreams::scan_by_key: the step must be callable as f(Acc, const V&) -> Acc or "
                    "f(Acc&, const V&) -> void, V being the value type of the keyed elements.");
      return scan_by_key_source<S, Acc, F>(as_source(std::forward<R>(r)), std::move(init), std::move(f),
                                           limit, counters);
    }
  }
  template <class Acc, class F>
  auto operator()(Acc init, F f, key_limit limit = {}, agg_counters* counters = nullptr) const {
    return detail::bind_stage<scan_by_key_fn>(std::move(init), std::move(f), limit, counters);
  }
};

/// Running fold per key: for every `keyed<K, V>` element, emits `keyed<K, Acc>` holding the
/// key's accumulator after that element.
///
/// Forms: `scan_by_key(src, init, f[, limit[, &counters]])` · `src | scan_by_key(init, f[, limit[, &counters]])`
/// Requires: keyed elements (`key_by`); `f(Acc, const V&) -> Acc` or `f(Acc&, const V&)`.
/// State: at most `limit.max_keys` accumulators; an evicted key starts again from `init` when
/// it returns (its states were all emitted already, so the policy makes no difference).
/// Demand: one upstream element per element.
inline constexpr scan_by_key_fn scan_by_key{};

}  // namespace rstreams
