#pragma once

#include <rstreams/core/detail/element_naming.hpp>
#include <rstreams/core/detail/write_back.hpp>
#include <rstreams/core/source_interface.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <string_view>
#include <type_traits>

namespace rstreams {

/// `first, first+1, ...` up to `last` (excluded), or without end when `Bound` is
/// `std::unreachable_sentinel_t`.
template <std::weakly_incrementable T, class Bound = T>
class iota_source : public source_interface<iota_source<T, Bound>> {
  static constexpr bool bounded = !std::same_as<Bound, std::unreachable_sentinel_t>;

 public:
  static constexpr std::string_view name = "iota";
  using value_type = T;
  /// An integral iota knows the index of each element it hands on (its distance from the
  /// first), so the stage after it need not count (core/detail/element_naming.hpp).
  static constexpr bool names_elements = std::integral<T>;
  /// Its elements come from memory: a call never waits for anything (a parallel stage takes
  /// from it on its computing threads, exec/detail/parallel_core.hpp).
  static constexpr bool never_waits = true;

  iota_source(T lo, Bound hi) : first_(lo), cur_(lo), last_(hi) {}

  template <class F>
  flow push(std::size_t n, F&& f) {
    if constexpr (bounded && std::integral<T>) {
      // Known count: one loop condition, the shape a hand-written loop has.
      // The position lives in a local while `f` runs (see core/detail/write_back.hpp).
      std::size_t k = std::min(n, remaining());
      T c = cur_;
      const detail::write_back keep(cur_, c);
      for (; k != 0; --k) {
        const T v = c;
        ++c;
        if (!hand_on(f, v)) break;
      }
      return c == static_cast<T>(last_) ? flow::done : flow::more;
    } else {
      for (; n != 0; --n) {
        if constexpr (bounded)
          if (cur_ == last_) return flow::done;
        const T v = cur_;
        ++cur_;
        if (!hand_on(f, v)) return flow::more;
      }
      if constexpr (bounded)
        return cur_ == last_ ? flow::done : flow::more;
      else
        return flow::more;
    }
  }

  /// The next value and the bound: stages that walk an integral iota in a loop of their own
  /// (flat_map's expansion) read them, and `skip_to` where they stopped.
  [[nodiscard]] T current() const noexcept { return cur_; }
  [[nodiscard]] Bound last() const noexcept { return last_; }
  void skip_to(T next) noexcept { cur_ = next; }

  /// How many elements it has handed on (integral iota).
  [[nodiscard]] std::size_t handed_on() const noexcept requires std::integral<T> { return index_of(cur_); }

 private:
  template <class F>
  bool hand_on(F& f, const T& v) {
    if constexpr (names_elements)
      return detail::hand_on(f, T(v), [&] { return index_of(v); });
    else
      return f(T(v));
  }
  std::size_t index_of(T v) const noexcept {
    using U = std::make_unsigned_t<T>;
    return static_cast<std::size_t>(static_cast<U>(static_cast<U>(v) - static_cast<U>(first_)));
  }

  std::size_t remaining() const noexcept {
    return cur_ < static_cast<T>(last_) ? static_cast<std::size_t>(static_cast<T>(last_) - cur_) : 0;
  }
  T first_;
  T cur_;
  Bound last_;
};

struct iota_fn {
  template <std::weakly_incrementable T>
  auto operator()(T lo) const {
    return iota_source<T, std::unreachable_sentinel_t>(lo, std::unreachable_sentinel);
  }
  template <class T, class U>
  requires std::integral<T> && std::integral<U>
  auto operator()(T lo, U hi) const {
    using C = std::common_type_t<T, U>;
    return iota_source<C>(static_cast<C>(lo), static_cast<C>(hi));
  }
  template <std::weakly_incrementable T>
  requires(!std::integral<T>) && std::equality_comparable<T> auto operator()(T lo, T hi) const {
    return iota_source<T>(lo, hi);
  }
};

/// Counts up: `iota(a)` without end, `iota(a, b)` over `[a, b)`.
///
/// Demand: produces exactly what is asked; buffers nothing.
inline constexpr iota_fn iota{};

}  // namespace rstreams
