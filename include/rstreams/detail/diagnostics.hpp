#pragma once
// The wording of the compile-time messages for the most common mistakes, in one place
// so that it stays consistent. tests/compile_fail locks it.

#define RSTREAMS_DIAG_NOT_INVOCABLE(op)                                         \
  "rstreams::" op                                                               \
  ": the function cannot be called with the source's element type. Change its " \
  "parameter, or convert the elements before " op "."

#define RSTREAMS_DIAG_NOT_PREDICATE(op)                                         \
  "rstreams::" op                                                               \
  ": the predicate must return something convertible to bool for the source's " \
  "element type. Return a bool, or compare explicitly."

#define RSTREAMS_DIAG_SOURCE_PIPE_SOURCE                                                       \
  "rstreams: a source cannot be piped into another source (`src | src`). Put transforms or a " \
  "sink right of `|`; to join sources use concat, merge or zip."

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

namespace rstreams::detail {
/// For `static_assert` in templates that must only fire when instantiated.
template <class...>
inline constexpr bool always_false = false;
}  // namespace rstreams::detail
