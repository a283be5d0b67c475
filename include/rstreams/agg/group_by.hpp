#pragma once

#include <rstreams/agg/keyed.hpp>
#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rstreams {

template <source S, class F>
class group_by_source : public stage_source<group_by_source<S, F>, S> {
  using base = stage_source<group_by_source<S, F>, S>;
  using key_type = std::remove_cvref_t<std::invoke_result_t<F&, const value_t<S>&>>;

 public:
  static constexpr std::string_view name = "group_by";
  using value_type = keyed<key_type, std::vector<value_t<S>>>;

  group_by_source(S up, F f) : base(std::move(up)), f_(std::move(f)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    while (!collected_) {
      std::size_t i = index_;
      const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
        key_type k = detail::invoke_stage(name, base::position, i++, f_, std::as_const(x));
        auto [it, fresh] = index_of_.try_emplace(k, groups_.size());
        if (fresh) groups_.push_back(value_type{std::move(k), {}});
        groups_[it->second].value.push_back(value_t<S>(std::forward<decltype(x)>(x)));
        return true;
      });
      index_ = i;
      if (r == flow::done) {
        collected_ = true;
        index_of_.clear();
      } else {
        return flow::more;  // lets the scheduler see a stop request between batches
      }
    }
    for (; n != 0 && next_ < groups_.size(); --n)
      if (!g(std::move(groups_[next_++]))) break;
    return next_ == groups_.size() ? flow::done : flow::more;
  }

 private:
  F f_;
  std::unordered_map<key_type, std::size_t> index_of_;
  std::vector<value_type> groups_;
  std::size_t index_ = 0;
  std::size_t next_ = 0;
  bool collected_ = false;
};

struct group_by_fn {
  static constexpr std::string_view name = "group_by";

  template <source_like R, class F>
  auto operator()(R&& r, F f) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<F&, const value_t<S>&>, RSTREAMS_DIAG_NOT_INVOCABLE("group_by"));
    if constexpr (std::invocable<F&, const value_t<S>&>)
      return group_by_source<S, F>(as_source(std::forward<R>(r)), std::move(f));
  }
  template <class F>
  auto operator()(F f) const {
    return detail::bind_stage<group_by_fn>(std::move(f));
  }
};

/// Groups a finite source by key: `source<T>` to `source<keyed<K, std::vector<T>>>`, one group
/// per key in the order the keys first appeared, each group in input order.
///
/// Forms: `group_by(src, f)` · `src | group_by(f)`
/// Requires: a finite source; `f(const T&)` returns a key with `std::hash` and `==`.
/// Demand: reads the whole input before the first group and holds all of it (unbounded by
/// nature: for a stream, use `window` or `fold_by_key`, which keep bounded state).
inline constexpr group_by_fn group_by{};

}  // namespace rstreams
