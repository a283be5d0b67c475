#pragma once

#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/io/detail/file_reader.hpp>
#include <rstreams/io/detail/line_splitter.hpp>
#include <rstreams/sources/lines.hpp>

#include <concepts>
#include <cstddef>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

class read_lines_source : public source_interface<read_lines_source> {
 public:
  static constexpr std::string_view name = "read_lines";
  using value_type = std::string;

  read_lines_source(std::filesystem::path p, file_read_options o)
      : reader_(p, o), lines_(p.string(), o.max_line) {}

  void start(const run_context& ctx) { reader_.start(ctx); }

  template <class F>
  flow push(std::size_t n, F&& f) {
    if (done_ || n == 0) return done_ ? flow::done : flow::more;
    std::size_t left = n;
    bool stopped = false;
    auto emit = [&](std::string&& line) {
      if (!f(std::move(line)) || --left == 0) stopped = true;
      return !stopped;
    };
    if (off_ < chunk_.size()) {
      off_ += lines_.decode(std::string_view(chunk_).substr(off_), emit);
      if (stopped) return flow::more;
    }
    for (;;) {
      if (!fresh_) {
        lines_.reset(reader_.current());
        fresh_ = true;
      }
      switch (reader_.next(chunk_)) {
        case detail::file_reader::event::chunk:
          off_ = lines_.decode(chunk_, emit);
          if (stopped) return flow::more;
          break;
        case detail::file_reader::event::file_end:
          chunk_.clear();
          off_ = 0;
          fresh_ = false;
          lines_.finish(emit);
          if (stopped) return flow::more;
          break;
        case detail::file_reader::event::end:
          done_ = true;
          return flow::done;
      }
    }
  }

 private:
  detail::file_reader reader_;
  detail::line_splitter lines_;
  std::string chunk_;
  std::size_t off_ = 0;
  bool fresh_ = false;
  bool done_ = false;
};

struct read_lines_fn {
  read_lines_source operator()(std::filesystem::path p, file_read_options o = {}) const {
    if (o.chunk_size == 0) throw config_error("rstreams::read_lines: chunk_size must be positive");
    return read_lines_source(std::move(p), o);
  }

  /// The lines of a `std::istream`: borrowed from an lvalue (which must outlive the source),
  /// owned when given an rvalue.
  template <class Stream>
  requires std::derived_from<std::remove_cvref_t<Stream>, std::istream>
  auto operator()(Stream&& stream) const {
    if constexpr (std::is_lvalue_reference_v<Stream>)
      return istream_lines_source<std::istream&>(stream);
    else
      return istream_lines_source<std::remove_cvref_t<Stream>>(std::move(stream));
  }
};

/// A source of the lines (without "\n" / "\r\n") of a file, a directory's files or a glob's
/// matches, in name order; a line never spans two files; ".gz" files are gunzipped
/// (with <rstreams/io/gunzip.hpp> in the program, as for read_file).
///
/// Forms: `read_lines(path, opts)` (options as read_file, plus `max_line`) ·
/// `read_lines(stream)` (a std::istream: an lvalue is borrowed, an rvalue owned; as
/// sources/lines.hpp's `lines(stream)`, the old name)
/// Following: the last, unfinished line of a followed file is held until its newline
/// arrives, and dropped if the run stops first.
/// Demand: reads chunks until n lines are out; holds one chunk and one partial line.
/// Example: examples/30-json-lines.cpp
inline constexpr read_lines_fn read_lines{};

}  // namespace rstreams
