#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <concepts>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>

namespace rstreams {

namespace detail {

/// distinct's default key: the element itself.
struct identity_key_fn {
  template <class T>
  const T& operator()(const T& x) const noexcept {
    return x;
  }
};

template <class K>
concept distinct_hashable_key = std::equality_comparable<K> && requires(const K& k) {
  { std::hash<K>{}(k) } -> std::convertible_to<std::size_t>;
};

template <class K>
concept distinct_rememberable_key = distinct_hashable_key<K> || std::totally_ordered<K>;

/// Hashed when it can be, else ordered.
template <class K>
using distinct_key_set_t = std::conditional_t<distinct_hashable_key<K>, std::unordered_set<K>, std::set<K>>;

inline std::optional<std::size_t> checked_max_keys(std::size_t max_keys) {
  if (max_keys == 0)
    throw config_error(
        "rstreams::distinct: max_keys must be at least 1 (got 0); omit it to remember every key");
  return max_keys;
}

}  // namespace detail

template <source S, class KeyFn>
class distinct_source : public stage_source<distinct_source<S, KeyFn>, S> {
  using base = stage_source<distinct_source<S, KeyFn>, S>;

 public:
  static constexpr std::string_view name = "distinct";
  using value_type = value_t<S>;
  using key_type = std::remove_cvref_t<std::invoke_result_t<KeyFn&, const value_type&>>;

  /// `max_keys` empty: remembers every key (unbounded memory). Else remembers the `max_keys`
  /// most recently first-seen keys; the oldest is forgotten first (FIFO), after which an element
  /// with that key passes again.
  distinct_source(S up, KeyFn key, std::optional<std::size_t> max_keys)
      : base(std::move(up)), key_(std::move(key)), max_keys_(max_keys) {
    if (max_keys_) detail::checked_max_keys(*max_keys_);
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      if (!remember(key_type(detail::invoke_stage(name, base::position, i++, key_, std::as_const(x)))))
        return true;
      return g(std::forward<decltype(x)>(x));
    });
    index_ = i;
    return r;
  }

  /// How many keys are remembered now (at most max_keys when bounded).
  [[nodiscard]] std::size_t remembered() const noexcept { return seen_.size(); }

 private:
  // True when `k` was not remembered (so its element passes).
  bool remember(key_type&& k) {
    if (!max_keys_) return seen_.insert(std::move(k)).second;
    if (seen_.contains(k)) return false;
    if (seen_.size() == *max_keys_) {
      seen_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(k);
    seen_.insert(std::move(k));
    return true;
  }

  KeyFn key_;
  std::optional<std::size_t> max_keys_;
  detail::distinct_key_set_t<key_type> seen_;
  std::deque<key_type> order_;  // first-seen order, used only when bounded
  std::size_t index_ = 0;
};

struct distinct_fn {
  static constexpr std::string_view name = "distinct";

  /// Unbounded: remembers every key it sees.
  template <source_like R, class KeyFn = detail::identity_key_fn>
  auto operator()(R&& r, KeyFn key = {}) const {
    return make(std::forward<R>(r), std::move(key), std::nullopt);
  }
  /// Bounded: remembers at most `max_keys` keys, forgetting the oldest first.
  template <source_like R, class KeyFn>
  auto operator()(R&& r, KeyFn key, std::size_t max_keys) const {
    return make(std::forward<R>(r), std::move(key), detail::checked_max_keys(max_keys));
  }

  auto operator()() const { return detail::bind_stage<distinct_fn>(detail::identity_key_fn{}); }
  template <class KeyFn>
  requires(!source_like<KeyFn>) auto operator()(KeyFn key) const {
    return detail::bind_stage<distinct_fn>(std::move(key));
  }
  template <class KeyFn>
  requires(!source_like<KeyFn>) auto operator()(KeyFn key, std::size_t max_keys) const {
    return detail::bind_stage<distinct_fn>(std::move(key), detail::checked_max_keys(max_keys).value());
  }

 private:
  template <class R, class KeyFn>
  static auto make(R&& r, KeyFn key, std::optional<std::size_t> max_keys) {
    using S = decltype(as_source(std::forward<R>(r)));
    using A = const value_t<S>&;
    static_assert(std::invocable<KeyFn&, A>, RSTREAMS_DIAG_NOT_INVOCABLE("distinct"));
    if constexpr (std::invocable<KeyFn&, A>) {
      using K = std::remove_cvref_t<std::invoke_result_t<KeyFn&, A>>;
      static_assert(detail::distinct_rememberable_key<K>, RSTREAMS_DIAG_DISTINCT_KEY);
      if constexpr (detail::distinct_rememberable_key<K>)
        return distinct_source<S, KeyFn>(as_source(std::forward<R>(r)), std::move(key), max_keys);
    }
  }
};

/// Passes on each element whose key (`key(x)`, the element itself by default) was not seen
/// before.
///
/// Forms: `distinct(src)` · `distinct(src, key)` · `distinct(src, key, max_keys)` ·
/// `src | distinct()` · `src | distinct(key)` · `src | distinct(key, max_keys)`
/// Requires: the key is hashable (std::hash and ==) or ordered (<); `max_keys >= 1`.
/// Demand: up to n upstream elements per push of n; may deliver fewer. Memory: without
/// `max_keys` it remembers every distinct key, so it grows with the number of keys (unbounded,
/// by choice of this form); with `max_keys` it keeps at most that many, forgetting the oldest
/// first (FIFO), so a key forgotten may pass again.
inline constexpr distinct_fn distinct{};

}  // namespace rstreams
