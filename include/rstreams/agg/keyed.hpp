#pragma once
// The element of a keyed stream: a key and the value it was computed from.

#include <cstddef>
#include <functional>
#include <type_traits>

namespace rstreams {

/// An element tagged with its key, as produced by `key_by` and consumed by the keyed
/// operators (`fold_by_key`, `window`, ...), which keep their state per key.
template <class K, class V>
struct keyed {
  using key_type = K;
  using value_type = V;

  K key;
  V value;

  friend bool operator==(const keyed&, const keyed&) = default;
};

/// The key of an unkeyed stream: every element shares it, so a window over an unkeyed
/// stream keeps one state.
struct no_key {
  friend constexpr bool operator==(no_key, no_key) noexcept { return true; }
};

namespace detail {

template <class T>
inline constexpr bool is_keyed_v = false;
template <class K, class V>
inline constexpr bool is_keyed_v<keyed<K, V>> = true;

/// The key and value types seen by a keyed operator over elements `T` (an unkeyed `T` has
/// the single key `no_key`).
template <class T>
struct key_traits {
  using key_type = no_key;
  using value_type = T;
  static no_key key(const T&) noexcept { return {}; }
  static const T& value(const T& x) noexcept { return x; }
  static T&& value(T&& x) noexcept { return static_cast<T&&>(x); }
};
template <class K, class V>
struct key_traits<keyed<K, V>> {
  using key_type = K;
  using value_type = V;
  static const K& key(const keyed<K, V>& x) noexcept { return x.key; }
  static const V& value(const keyed<K, V>& x) noexcept { return x.value; }
  static V&& value(keyed<K, V>&& x) noexcept { return static_cast<V&&>(x.value); }
};

}  // namespace detail

}  // namespace rstreams

template <>
struct std::hash<rstreams::no_key> {
  std::size_t operator()(rstreams::no_key) const noexcept { return 0; }
};
