#pragma once
// The base every rstreams source derives from: the opt-in tag, and iteration as an
// input range so a source works in range-for and with std / range-v3 algorithms.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/detail/diagnostics.hpp>

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

  source_iterator() = default;
  explicit source_iterator(S& s) : src_(std::addressof(s)) { advance(); }

  value_type& operator*() const { return *current_; }
  value_type* operator->() const { return std::addressof(*current_); }
  source_iterator& operator++() {
    advance();
    return *this;
  }
  void operator++(int) { advance(); }
  friend bool operator==(const source_iterator& it, std::default_sentinel_t) noexcept {
    return !it.current_.has_value();
  }

 private:
  void advance() {
    current_.reset();
    if (auto v = rstreams::pull(*src_)) current_.emplace(std::move(*v));
  }
  S* src_ = nullptr;
  // Mutable so that `*it` yields a modifiable element from a const iterator, as an input range may.
  mutable std::optional<value_type> current_;
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
  friend void operator|(L&&, R&&) {
    static_assert(detail::always_false<R>, RSTREAMS_DIAG_SOURCE_PIPE_SOURCE);
  }
};

}  // namespace rstreams
