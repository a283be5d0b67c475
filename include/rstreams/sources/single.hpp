#pragma once

#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

/// Exactly one element, then the end.
template <class T>
class single_source : public source_interface<single_source<T>> {
 public:
  static constexpr std::string_view name = "single";
  using value_type = T;

  explicit single_source(T value) : value_(std::move(value)) {}

  std::optional<T> next() {
    std::optional<T> out = std::move(value_);
    value_.reset();
    return out;
  }

  template <class F>
  flow push(std::size_t n, F&& f) {
    if (n != 0 && value_) {
      // Reset before the call: the element leaves even if the callback throws.
      T v = std::move(*value_);
      value_.reset();
      f(std::move(v));
    }
    return value_ ? flow::more : flow::done;
  }

 private:
  std::optional<T> value_;
};

struct single_fn {
  template <class T>
  requires std::move_constructible<std::decay_t<T>>
  auto operator()(T&& value) const { return single_source<std::decay_t<T>>(std::forward<T>(value)); }
};

/// A source of the one element `x`.
///
/// Forms: `single(x)`
/// Requires: `x` movable (it is stored, then moved out).
/// Demand: one element on the first pull, the end after; buffers the one element.
inline constexpr single_fn single{};

}  // namespace rstreams
