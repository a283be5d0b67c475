#pragma once
// The base every rstreams source derives from: the opt-in tag, and iteration as an
// input range so a source works in range-for and with std / range-v3 algorithms.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/pull.hpp>

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>

namespace rstreams {

namespace detail {

template <class S>
class source_iterator {
 public:
  using value_type = typename S::value_type;
  using difference_type = std::ptrdiff_t;
  using iterator_concept = std::input_iterator_tag;
  // The classic nested types too, so that std::iterator_traits is populated: range-v3
  // (counted_iterator, views::take over a source) reads the category from it.
  using iterator_category = std::input_iterator_tag;
  using reference = value_type&;
  using pointer = value_type*;

  source_iterator() = default;
  explicit source_iterator(S& s) : cur_(std::make_shared<cursor>(std::addressof(s))) {}

  value_type& operator*() const { return *cur_->fill(); }
  value_type* operator->() const { return std::addressof(**this); }
  source_iterator& operator++() {
    cur_->fill();  // an element stepped over unread is still consumed
    cur_->fresh = false;
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const source_iterator& it, std::default_sentinel_t) {
    return !it.cur_->fill().has_value();
  }

 private:
  // Pulls lazily, when an element or the end is asked for, never on `++`: a counted loop
  // (`ranges::views::take(n)` over a source) then pulls exactly n elements and leaves the
  // rest in the source for whoever reads it next. Copies of an iterator share one cursor,
  // as input iterators over one stream do (range adaptors compare and read through copies).
  struct cursor {
    explicit cursor(S* s) : src(s) {}
    std::optional<value_type>& fill() {
      if (!fresh) {
        current.reset();
        if (auto v = rstreams::pull(*src)) current.emplace(std::move(*v));
        fresh = true;
      }
      return current;
    }
    S* src;
    std::optional<value_type> current;
    bool fresh = false;
  };
  std::shared_ptr<cursor> cur_;
};

}  // namespace detail

/// Derive a source from `source_interface<Self>` to opt in and to make it iterable:
/// `for (auto&& x : src)` pulls it to the end (a source is single-pass).
template <class D>
class source_interface {
 public:
  using source_concept = source_tag;

  auto begin() { return detail::source_iterator<D>(static_cast<D&>(*this)); }
  std::default_sentinel_t end() const noexcept { return {}; }

  template <class L, class R>
  requires std::same_as<std::remove_cvref_t<L>, D> && source<R>
  friend auto operator|(L&&, R&&) {
    // A deduced return type makes the compiler print this at the offending `|`, first.
    static_assert(detail::always_false<R>, RSTREAMS_DIAG_SOURCE_PIPE_SOURCE);
    return detail::pipe_error{};
  }
};

}  // namespace rstreams
