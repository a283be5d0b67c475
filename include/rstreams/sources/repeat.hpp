#pragma once

#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

/// Copies of one value: without end when `Bounded` is false, else a given number of times.
template <std::copy_constructible T, bool Bounded>
class repeat_source : public source_interface<repeat_source<T, Bounded>> {
 public:
  static constexpr std::string_view name = "repeat";
  using value_type = T;
  /// Its elements come from memory: a call never waits (see iota_source::never_waits).
  static constexpr bool never_waits = true;

  explicit repeat_source(T value) requires(!Bounded) : value_(std::move(value)) {}
  repeat_source(T value, std::size_t times) requires Bounded : value_(std::move(value)), left_(times) {}

  template <class F>
  flow push(std::size_t n, F&& f) {
    if constexpr (Bounded) {
      for (std::size_t k = std::min(n, left_); k != 0; --k) {
        --left_;
        if (!f(T(value_))) break;
      }
      return left_ == 0 ? flow::done : flow::more;
    } else {
      for (; n != 0; --n)
        if (!f(T(value_))) break;
      return flow::more;
    }
  }

 private:
  T value_;
  std::size_t left_ = 0;
};

struct repeat_fn {
  template <class T>
  requires std::copy_constructible<std::decay_t<T>>
  auto operator()(T&& value) const { return repeat_source<std::decay_t<T>, false>(std::forward<T>(value)); }

  template <class T, std::integral N>
  requires std::copy_constructible<std::decay_t<T>>
  auto operator()(T&& value, N times) const {
    if constexpr (std::is_signed_v<N>) {
      if (times < 0)
        throw config_error("rstreams::repeat: the count must not be negative (got " + std::to_string(times) +
                           ").");
    }
    return repeat_source<std::decay_t<T>, true>(std::forward<T>(value), static_cast<std::size_t>(times));
  }
};

/// Repeats a value: `repeat(x)` yields copies of `x` without end, `repeat(x, n)` yields `n` copies.
///
/// Forms: `repeat(x)` · `repeat(x, n)`
/// Requires: `x` copyable; `n >= 0` (else `config_error`).
/// Demand: produces exactly what is asked, one copy per element; buffers nothing.
inline constexpr repeat_fn repeat{};

}  // namespace rstreams
