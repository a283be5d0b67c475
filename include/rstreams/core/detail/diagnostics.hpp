#pragma once
// The wording of the compile-time messages for the most common mistakes, in one place so
// that it stays consistent; tests/compile_fail locks it. Each message says what is wrong,
// why rstreams needs it, and how to fix it. They are macros because `static_assert` takes
// only a string literal; the element and function types appear in the compiler's
// "In instantiation of ... [with ...]" line just above the message.

#include <concepts>
#include <type_traits>

#define RSTREAMS_DIAG_NOT_INVOCABLE(op)                                                            \
  "rstreams::" op                                                                                  \
  ": the function cannot be called with the source's element type; every element is passed to it " \
  "as its argument. Change its parameter to accept the element type (or `const auto&`), or "       \
  "convert the elements before " op "."

#define RSTREAMS_DIAG_NOT_PREDICATE(op)                                                           \
  "rstreams::" op                                                                                 \
  ": the predicate must return bool (or something convertible to bool) for the source's element " \
  "type, since " op " decides by its answer. Return a bool, or compare explicitly (`x != 0`)."

#define RSTREAMS_DIAG_SOURCE_PIPE_SOURCE                                                         \
  "rstreams: a source cannot be piped into another source (`src | src`): the right side of `|` " \
  "must be a transform or a sink. Put transforms or a sink right of `|`; to join sources use "   \
  "concat, merge or zip."

#define RSTREAMS_DIAG_AFTER_SINK                                                                  \
  "rstreams: nothing can follow a sink (`... | sink | x`): the sink ends the pipeline. Move the " \
  "stage before the sink, or run the pipeline and start a new one from its result."

#define RSTREAMS_DIAG_NOT_A_SOURCE                                                              \
  "rstreams: the left side of `|` is neither an rstreams source nor an input range. Start the " \
  "pipeline with a source (iota, from_range, lines, ...) or a range."

#define RSTREAMS_DIAG_SINK_ELEMENT(op)                                      \
  "rstreams::" op                                                           \
  ": this sink cannot consume the source's element type. Check the sink's " \
  "function or accumulator, or transform the elements first."

#define RSTREAMS_DIAG_FLAT_MAP_NOT_RANGE                                                       \
  "rstreams::flat_map: the function must return a range (a container, a view) or an rstreams " \
  "source, whose elements flat_map passes on one by one. Return a container of the results "   \
  "(`return std::vector<U>{};` for none), or use transform for exactly one result per element."

#define RSTREAMS_DIAG_JOIN_NOT_RANGE                                                               \
  "rstreams::join: the source's elements must be ranges or rstreams sources, whose elements join " \
  "passes on one by one. Use join on a source of containers (e.g. after chunk), or flat_map with " \
  "a function that makes a range from each element."

#define RSTREAMS_DIAG_SCAN_NOT_ACCUMULATOR                                                       \
  "rstreams::scan: the function must be callable as f(accumulator, element) and return a value " \
  "assignable to the accumulator, whose type is that of the initial value. Take the parameters " \
  "as (Acc, const T&), or give an initial value of the type the function returns."

#define RSTREAMS_DIAG_DISTINCT_KEY                                                                \
  "rstreams::distinct: the key must be hashable (std::hash<Key> and ==) or ordered (<), so that " \
  "distinct can remember the keys it has seen. Return a key such as an id or a string from the "  \
  "key function, or specialise std::hash for the key type."

#define RSTREAMS_DIAG_RVALUE_SOURCE_INTO_RANGE_V3                                                 \
  "rstreams: a temporary source cannot be piped into a range-v3 view: range-v3 views need a "     \
  "copyable view or an lvalue range to refer to, and a source is neither. Name the source first " \
  "(`auto src = ...; src | ranges::views::take(3)`), or use the rstreams operator (`rs::take`)."

namespace rstreams::detail {

/// For `static_assert` in templates that must only fire when instantiated.
template <class...>
inline constexpr bool always_false = false;

/// What a rejected `|` returns after its static_assert, so that no second error follows.
struct pipe_error {};

/// `P(A)` gives something usable as a bool (the second check of a predicate, after invocable).
template <class P, class A>
concept boolean_result = std::invocable<P&, A> && std::convertible_to < std::invoke_result_t<P&, A>,
bool > ;

}  // namespace rstreams::detail
