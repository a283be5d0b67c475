#pragma once

#include <rstreams/agg/keyed.hpp>
#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

template <source S, class F>
class key_by_source;

namespace detail {
template <class T>
inline constexpr bool is_key_by_source_v = false;
template <class S, class F>
inline constexpr bool is_key_by_source_v<key_by_source<S, F>> = true;
}  // namespace detail

template <source S, class F>
class key_by_source : public stage_source<key_by_source<S, F>, S> {
  using base = stage_source<key_by_source<S, F>, S>;

 public:
  static constexpr std::string_view name = "key_by";
  using key_type = std::remove_cvref_t<std::invoke_result_t<F&, const value_t<S>&>>;
  using value_type = keyed<key_type, value_t<S>>;

  key_by_source(S up, F f) : base(std::move(up)), f_(std::move(f)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      key_type k = detail::invoke_stage(name, base::position, i++, f_, std::as_const(x));
      return g(value_type{std::move(k), value_t<S>(std::forward<decltype(x)>(x))});
    });
    index_ = i;
    return r;
  }

  /// For the keyed operators that follow: pushes up to `n` upstream elements as `h(key, x)`,
  /// the key as the key function returns it (a reference when it returns one) and the element
  /// as upstream gave it, without building a `keyed` pair: no copy of either per element.
  template <class H>
  flow push_keys(std::size_t n, H&& h) {
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      decltype(auto) k = detail::invoke_stage(name, base::position, i++, f_, std::as_const(x));
      if constexpr (std::is_same_v<std::remove_cvref_t<decltype(x)>, value_t<S>>)
        return h(std::as_const(k), std::forward<decltype(x)>(x));
      else
        return h(std::as_const(k), value_t<S>(std::forward<decltype(x)>(x)));
    });
    index_ = i;
    return r;
  }

 private:
  F f_;
  std::size_t index_ = 0;
};

struct key_by_fn {
  static constexpr std::string_view name = "key_by";

  template <source_like R, class F>
  auto operator()(R&& r, F f) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<F&, const value_t<S>&>, RSTREAMS_DIAG_NOT_INVOCABLE("key_by"));
    if constexpr (std::invocable<F&, const value_t<S>&>) {
      using K = std::remove_cvref_t<std::invoke_result_t<F&, const value_t<S>&>>;
      static_assert(!std::is_void_v<K>, "rstreams::key_by: the key function returns void; return the key.");
      static_assert(
          requires(const K& k) {
            { std::hash<K>{}(k) } -> std::convertible_to<std::size_t>;
            { k == k } -> std::convertible_to<bool>;
          },
          "rstreams::key_by: the key type needs std::hash and ==. Specialise std::hash for it, or key by a "
          "string or integer field.");
      return key_by_source<S, F>(as_source(std::forward<R>(r)), std::move(f));
    }
  }
  template <class F>
  auto operator()(F f) const {
    return detail::bind_stage<key_by_fn>(std::move(f));
  }
};

/// Tags every element with its key: `source<T>` to `source<keyed<K, T>>`, `K` the decayed
/// result of `f(const T&)`. The keyed operators that follow (`fold_by_key`, `reduce_by_key`,
/// `scan_by_key`, `window`) keep their state per key.
///
/// Forms: `key_by(src, f)` · `src | key_by(f)`
/// Requires: `f(const T&)` returns a key with `std::hash` and `==`.
/// Demand: one upstream element per element; buffers nothing. Example: examples/40-counts-per-minute.cpp
/// Cost: `fold_by_key` and `reduce_by_key` right after `key_by` take keys and elements from
/// upstream as they are, without building pairs: a key function returning a reference (such as
/// `std::identity{}` or `-> const std::string&`) then copies a key only the first time it is seen.
inline constexpr key_by_fn key_by{};

}  // namespace rstreams
