#pragma once

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

  iota_source(T lo, Bound hi) : cur_(lo), last_(hi) {}

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
        if (!f(T(v))) break;
      }
      return c == static_cast<T>(last_) ? flow::done : flow::more;
    } else {
      for (; n != 0; --n) {
        if constexpr (bounded)
          if (cur_ == last_) return flow::done;
        const T v = cur_;
        ++cur_;
        if (!f(T(v))) return flow::more;
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

 private:
  std::size_t remaining() const noexcept {
    return cur_ < static_cast<T>(last_) ? static_cast<std::size_t>(static_cast<T>(last_) - cur_) : 0;
  }
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
