#pragma once
// A source over any std or range-v3 input range: owned when given an rvalue, referenced
// when given an lvalue (the range must then outlive the pipeline). Core vocabulary: a range
// left of `|` becomes one of these (core/as_source.hpp); `from_range` is its public form.

#include <rstreams/core/detail/element_naming.hpp>
#include <rstreams/core/detail/write_back.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {
struct no_begin {};  // a range_source that does not name elements keeps no begin iterator
}  // namespace detail

/// A source over the elements of an input range `R` (a reference type when borrowed).
template <class R>
class range_source : public source_interface<range_source<R>> {
  using range_type = std::remove_reference_t<R>;
  static constexpr bool owned = !std::is_lvalue_reference_v<R>;
  using stored = std::conditional_t<owned, range_type, range_type*>;
  using iterator = std::ranges::iterator_t<range_type>;
  using sentinel = std::ranges::sentinel_t<range_type>;

 public:
  static constexpr std::string_view name = "from_range";
  using value_type = std::ranges::range_value_t<range_type>;
  /// A random-access range knows the index of each element it hands on (its offset from the
  /// begin), so the stage after it need not count (core/detail/element_naming.hpp).
  static constexpr bool names_elements = std::ranges::random_access_range<range_type>;
  /// A forward range can be walked twice, so it reads no stream: its elements are in memory or
  /// computed (a container, a view over one, `std::views::iota`) and a call waits for nothing
  /// but its iterators' own code; an input range may read a stream (see
  /// iota_source::never_waits).
  static constexpr bool never_waits = std::ranges::forward_range<range_type>;

  explicit range_source(range_type&& r) requires owned : range_(std::move(r)) {}
  explicit range_source(range_type& r) requires(!owned) : range_(std::addressof(r)) {}

  // Iterators are taken at the first pull, once the source sits where it will run:
  // moving an owned std::array or a small string would invalidate them.
  range_source(range_source&& other) noexcept(std::is_nothrow_move_constructible_v<stored>)
      : range_(std::move(other.range_)) {}
  range_source& operator=(range_source&& other) noexcept(std::is_nothrow_move_assignable_v<stored>) {
    range_ = std::move(other.range_);
    pos_.reset();
    return *this;
  }

  /// How many elements it has handed on (exact once a push has returned or thrown): metered
  /// pipelines read it instead of counting each element (core/metered.hpp).
  [[nodiscard]] std::size_t handed_on() const noexcept requires names_elements {
    return pos_ ? static_cast<std::size_t>(pos_->first - begin_) : 0;
  }

  template <class F>
  flow push(std::size_t n, F&& f) {
    if (!pos_) {
      pos_.emplace(std::ranges::begin(get()), std::ranges::end(get()));
      if constexpr (names_elements) begin_ = pos_->first;
    }
    auto& [member, end] = *pos_;
    if constexpr (std::copyable<iterator>) {
      // The position lives in a local while `f` runs (see core/detail/write_back.hpp).
      iterator it = member;
      const detail::write_back keep(member, it);
      if constexpr (std::sized_sentinel_for<sentinel, iterator>) {
        // Known count: one loop condition, as in a hand-written loop.
        for (auto k = std::min(n, static_cast<std::size_t>(end - it)); k != 0; --k)
          if (!deliver(it, f)) break;
        return it == end ? flow::done : flow::more;
      } else {
        return walk(it, end, n, f);
      }
    } else {
      return walk(member, end, n, f);
    }
  }

 private:
  // Hands `*it` to `f` (moved out when the range is owned) and steps past it.
  template <class F>
  bool deliver(iterator& it, F& f) {
    bool go;
    if constexpr (names_elements) {
      // Stepped past first, as iota does: an element that throws downstream has been handed on,
      // and handed_on() counts it.
      const iterator cur = it++;
      const auto index = [&] { return static_cast<std::size_t>(cur - begin_); };
      if constexpr (owned)
        return detail::hand_on(f, std::ranges::iter_move(cur), index);
      else
        return detail::hand_on(f, *cur, index);
    } else if constexpr (owned) {
      go = f(std::ranges::iter_move(it));
    } else {
      go = f(*it);
    }
    ++it;
    return go;
  }

  template <class F>
  flow walk(iterator& it, const sentinel& end, std::size_t n, F& f) {
    for (; n != 0; --n) {
      if (it == end) return flow::done;
      if (!deliver(it, f)) break;
    }
    return it == end ? flow::done : flow::more;
  }

  range_type& get() {
    if constexpr (owned)
      return range_;
    else
      return *range_;
  }
  stored range_;
  std::optional<std::pair<iterator, sentinel>> pos_;
  [[no_unique_address]] std::conditional_t<names_elements, iterator, detail::no_begin> begin_{};
};

}  // namespace rstreams
