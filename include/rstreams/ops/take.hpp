#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/element_naming.hpp>
#include <rstreams/core/detail/write_back.hpp>
#include <rstreams/core/stage_source.hpp>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>

namespace rstreams {

template <source S>
class take_source : public stage_source<take_source<S>, S> {
  using base = stage_source<take_source<S>, S>;

 public:
  static constexpr std::string_view name = "take";
  /// Every element it receives it hands on (it stops upstream after the last): metered
  /// pipelines count it once (core/metered.hpp).
  static constexpr bool one_to_one = true;
  using value_type = value_t<S>;
  /// What it hands on keeps its number: the upstream names it, or this names it by its count
  /// of what is left (core/detail/element_naming.hpp).
  static constexpr bool names_elements = true;

  take_source(S up, std::size_t n) : base(std::move(up)), count_(n), left_(n) {}

  /// How many elements it has handed on.
  [[nodiscard]] std::size_t handed_on() const noexcept { return count_ - left_; }

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (left_ == 0) return flow::done;
    // Never ask upstream for more than is still to be taken: an infinite or expensive
    // source is pulled exactly `count` times in total.
    // Counted in a local (see core/detail/write_back.hpp).
    std::size_t left = left_;
    const detail::write_back keep(left_, left);
    const flow r = rstreams::push(this->up_, std::min(n, left), [&](auto&& x) {
      --left;
      if constexpr (detail::names_elements_v<S>)
        return g(std::forward<decltype(x)>(x)) && left != 0;
      else
        return detail::hand_on(g, std::forward<decltype(x)>(x), [&] { return count_ - left - 1; }) &&
               left != 0;
    });
    return left == 0 ? flow::done : r;
  }

 private:
  std::size_t count_;
  std::size_t left_;
};

struct take_fn {
  static constexpr std::string_view name = "take";

  template <source_like R>
  auto operator()(R&& r, std::size_t n) const {
    using S = decltype(as_source(std::forward<R>(r)));
    return take_source<S>(as_source(std::forward<R>(r)), n);
  }
  auto operator()(std::size_t n) const { return detail::bind_stage<take_fn>(n); }
};

/// The first `count` elements, then the end (even if the source goes on forever).
///
/// Forms: `take(src, count)` · `src | take(count)`
/// Requires: nothing of the elements.
/// Demand: asks upstream for min(n, what is left) per push of n, so upstream is pulled at most
/// `count` times in all and never after the last element; buffers nothing.
inline constexpr take_fn take{};

}  // namespace rstreams
