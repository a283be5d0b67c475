#pragma once
// How an error names the failing element without every stage counting every element.
//
// A stage whose upstream "names elements" keeps no count: when its function throws, the
// exception leaves the stage as an unnamed_element_error. That error unwinds through the
// upstream's call of the stage's callback, and the nearest upstream stage that knows the index
// of the element it is handing on turns it into the stage_error there. Those are the stages
// that can change the count, which know it anyway (a source's position, flat_map's and take's
// place in the push); one-to-one stages (transform) in between pass it through. A filter in
// between counts what it drops, not what it passes: as the error unwinds through it, it adds
// its count to the error's `shift` (`pass_on`), and the stage that names the element subtracts
// the shift from its own index. The drops are counted on the branch that does nothing else
// (the passing branch carries the rest of the chain and its registers), so the index costs
// nothing on the path the elements take and is worked out on the exceptional path only.
//
// A stage declares `static constexpr bool names_elements = true` only if every call it makes
// of its consumer goes through `hand_on`, or happens inside its own upstream's call (its
// upstream naming elements) either one to one (transform) or through `pass_on` (filter).
// Unmarked sources, user sources among them, are unaffected: the stage after them counts its
// input as before.

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
  std::size_t shift = 0;  // elements the filters it unwound through dropped before it
};

/// True when `S` names the elements it hands on (see above).
template <class S>
inline constexpr bool names_elements_v = [] {
  if constexpr (requires { S::names_elements; })
    return bool{S::names_elements};
  else
    return false;
}();

/// The stage_error for `e`, `index` being what the stage that names it handed on before the
/// element (the filters in between dropped `e.shift` of those), the stage's exception nested.
[[noreturn]] inline void throw_named(const unnamed_element_error& e, std::size_t index) {
  try {
    std::rethrow_exception(e.cause);
  } catch (...) {
    std::throw_with_nested(stage_error(e.stage, e.position, index - e.shift, describe_current_exception()));
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

/// Hands `x` to the consumer `g` of a stage that drops elements without naming them (a
/// filter): an unnamed error from downstream leaves with the `dropped` elements so far added to
/// its shift, for the stage upstream that names the element.
template <class G, class X>
decltype(auto) pass_on(G& g, X&& x, const std::size_t& dropped) {
  try {
    return g(std::forward<X>(x));
  } catch (unnamed_element_error& e) {
    e.shift += dropped;
    throw;
  }
}

}  // namespace rstreams::detail
