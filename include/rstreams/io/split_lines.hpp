#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/io/detail/bytes.hpp>
#include <rstreams/io/detail/chunk_stage.hpp>
#include <rstreams/io/detail/line_splitter.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams {

/// Options of `split_lines`.
struct split_lines_options {
  /// Named in errors.
  std::string source = "input";
  /// A line longer than this many bytes is an error (0: no limit). Bounds the memory a
  /// line without a newline can take.
  std::size_t max_line = 0;
};

template <source S>
class split_lines_source : public detail::chunk_stage<split_lines_source<S>, S> {
  using base = detail::chunk_stage<split_lines_source<S>, S>;

 public:
  static constexpr std::string_view name = "split_lines";
  using value_type = std::string;

  split_lines_source(S up, split_lines_options o)
      : base(std::move(up)), lines_(std::move(o.source), o.max_line) {}

  template <class Emit>
  std::size_t decode(std::string_view in, Emit& emit) {
    return lines_.decode(in, emit);
  }
  template <class Emit>
  bool finish(Emit& emit) {
    return lines_.finish(emit);
  }

 private:
  detail::line_splitter lines_;
};

struct split_lines_fn {
  template <source_like R>
  auto operator()(R&& r, split_lines_options o = {}) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::byte_chunk<value_t<S>>,
                  "rstreams::split_lines: the elements must be byte chunks (std::string, "
                  "std::string_view or std::vector<char>).");
    return split_lines_source<S>(as_source(std::forward<R>(r)), std::move(o));
  }
  auto operator()(split_lines_options o = {}) const {
    return detail::bind_stage<split_lines_fn>(std::move(o));
  }
};

/// Cuts byte chunks into lines (without their "\n" or "\r\n"); a line may span chunks; a
/// last line without a newline is delivered at the end.
///
/// Forms: `split_lines(src, opts)` · `src | split_lines(opts)`
/// Requires: elements are contiguous char ranges. Errors: a line over `max_line` bytes is a
/// codec_error naming the line.
/// Demand: pulls chunks until n lines are out; keeps the unfinished line and the rest of
/// the current chunk. Example: examples/30-json-lines.cpp
inline constexpr split_lines_fn split_lines{};

}  // namespace rstreams
