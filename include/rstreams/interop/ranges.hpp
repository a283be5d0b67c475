#pragma once
// range-v3 and rstreams, both ways.
//
// * range-v3 views are sources: every range-v3 view models `std::ranges::input_range`, so
//   `ranges::views::iota(0, 10) | rs::filter(p)` and `rs::from_range(view)` work as with any
//   std range (owned when given an rvalue, borrowed when given an lvalue).
// * sources are range-v3 input ranges: `source_interface` gives every source `begin()`/`end()`
//   with an input iterator, so range-v3 algorithms and views accept a source **lvalue**:
//   `ranges::count_if(src, p)`, `src | ranges::views::take(3) | ranges::to<std::vector>()`.
//   Iterating pulls the source, one element per step; it is single-pass.
//
// A source is not a range-v3 view: range-v3 requires views to be default-constructible and
// copyable, which sources need not be, so `ranges::enable_view` is deliberately left alone.
// Piping a temporary source into a range-v3 view is therefore rejected; this header turns the
// error into an explanation. Link `rstreams::ranges` to get range-v3.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/sources/from_range.hpp>

#include <range/v3/range/concepts.hpp>
#include <range/v3/view/view.hpp>

#include <concepts>
#include <type_traits>

namespace rstreams {

namespace detail {
template <class C>
concept range_v3_view_closure = std::derived_from<std::remove_cvref_t<C>, ranges::views::view_closure_base>;
}  // namespace detail

/// `temporary_source | ranges::views::xxx`: explains why not and what to write instead.
/// Found by argument-dependent lookup on the source; lvalue sources are not affected.
/// (The deduced return type makes the compiler instantiate the body, and so print the
/// explanation, at the offending `|`, before any error about what the result is used for.)
template <class L, class C>
requires source<L> &&(!std::is_lvalue_reference_v<L>)&&detail::range_v3_view_closure<C> auto operator|(L&&,
                                                                                                       C&&) {
  static_assert(detail::always_false<L>, RSTREAMS_DIAG_RVALUE_SOURCE_INTO_RANGE_V3);
  return detail::pipe_error{};
}

}  // namespace rstreams
