#pragma once
// How an error names the failing element without every stage counting every element.
//
// An element's number is given where the element is made: by the source (its position) or by a
// stage that makes elements out of others (flat_map's output). The stages that pass elements
// on one at a time keep their numbers: a transform's result, and what filter, take, tap,
// take_while and drop_while let through, carry the number of the element they came from, so an
// error points at the record to look at in the input, whatever the filters in between dropped.
//
// The stages that number elements know the number anyway (a source's position, flat_map's
// place in its output); the stages after them keep no count. When a stage's function throws
// there, the exception leaves the stage as an unnamed_element_error, unwinds through the calls
// of the stages in between, and the nearest upstream stage that numbers the element it is
// handing on turns it into the stage_error (`hand_on`). Nothing is counted on the path the
// elements take; the number is worked out on the exceptional path only.
//
// A stage declares `static constexpr bool names_elements = true` only if every call it makes
// of its consumer goes through `hand_on`, or happens inside its own upstream's call (its
// upstream naming elements) with the element it was handed or one made from it alone
// (`invoke_kept_number`, `hand_on_kept`). A source that cannot say its position (a user source,
// an input range) names nothing: the first of those stages after it whose function can throw
// counts its input and numbers the elements from there. Other stages (chunk, windows, error
// policies, concurrent stages, sinks) number their own input.

#include <rstreams/core/detail/invoke.hpp>
#include <rstreams/core/error.hpp>

#include <cstddef>
#include <exception>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams::detail {

/// A stage's function failed; the index of the element is not known yet. Never leaves a push
/// of a source that names elements.
struct unnamed_element_error {
  std::string_view stage;
  std::size_t position;
  std::exception_ptr cause;
};

/// True when `S` names the elements it hands on (see above).
template <class S>
inline constexpr bool names_elements_v = [] {
  if constexpr (requires { S::names_elements; })
    return bool{S::names_elements};
  else
    return false;
}();

/// The stage_error for `e`, `index` being the failing element's number, the stage's exception
/// nested.
[[noreturn]] inline void throw_named(const unnamed_element_error& e, std::size_t index) {
  try {
    std::rethrow_exception(e.cause);
  } catch (...) {
    std::throw_with_nested(stage_error(e.stage, e.position, index, describe_current_exception()));
  }
}

/// Calls a stage's function in a stage whose upstream names elements: an exception leaves as an
/// unnamed_element_error, for the upstream to name.
template <class F, class... A>
decltype(auto) invoke_unnamed(std::string_view stage, std::size_t position, F& f, A&&... args) {
  if constexpr (std::is_nothrow_invocable_v<F&, A...>) {
    return detail::invoke(f, std::forward<A>(args)...);
  } else {
    try {
      return detail::invoke(f, std::forward<A>(args)...);
    } catch (...) {
      throw unnamed_element_error{stage, position, std::current_exception()};
    }
  }
}

/// Hands `x` to the consumer `g` of a stage that names elements: an unnamed error from
/// downstream leaves as the stage_error for element `index()` (called on that path only).
template <class G, class X, class I>
decltype(auto) hand_on(G& g, X&& x, I index) {
  try {
    return g(std::forward<X>(x));
  } catch (const unnamed_element_error& e) {
    throw_named(e, index());
  }
}

/// Calls the function `f` of a stage that keeps its elements' numbers (core/detail/
/// element_naming.hpp), whose upstream is `S`: when `S` names elements, an exception leaves
/// unnamed, for the upstream to name; otherwise the stage numbers its input, `i` being the
/// element's number (counted here).
template <class S, class F, class... A>
decltype(auto) invoke_kept_number(std::string_view stage, std::size_t position, std::size_t& i, F& f,
                                  A&&... args) {
  if constexpr (names_elements_v<S>)
    return invoke_unnamed(stage, position, f, std::forward<A>(args)...);
  else if constexpr (std::is_nothrow_invocable_v<F&, A...>)
    return detail::invoke(f, std::forward<A>(args)...);
  else
    return invoke_stage(stage, position, i++, f, std::forward<A>(args)...);
}

/// True when a stage with upstream `S` and function `F` (called on `A`) counts its input to
/// number the elements: the upstream cannot and the function can throw.
template <class S, class F, class... A>
inline constexpr bool numbers_input_v = !names_elements_v<S> && !std::is_nothrow_invocable_v<F&, A...>;

/// Hands `x` to the consumer `g` of a stage that keeps its elements' numbers: when it numbers
/// its input (`Counts`), an unnamed error from downstream is named by `number()`; otherwise it
/// passes, for the upstream to name.
template <bool Counts, class G, class X, class I>
decltype(auto) hand_on_kept(G& g, X&& x, I number) {
  if constexpr (Counts)
    return hand_on(g, std::forward<X>(x), number);
  else
    return g(std::forward<X>(x));
}

/// True when `S` is a stage of a metered pipeline (core/metered.hpp's `metered_source`, asked
/// here without that header), which reads what the stage after it hands on from that stage's
/// `handed_on()`: a filter keeps the count of what it drops only then.
template <class S>
inline constexpr bool in_metered_pipeline_v = requires(const S& s) {
  s.metered_output_link();
};

}  // namespace rstreams::detail
