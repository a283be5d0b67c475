#pragma once
// Lines of text as a source: of a file, of any std::istream, or of the standard input.

#include <rstreams/core/detail/errno_text.hpp>
#include <rstreams/core/detail/owner.hpp>
#include <rstreams/core/detail/path_text.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>

#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {

struct close_file {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

inline void strip_cr(std::string& line) noexcept {
  if (!line.empty() && line.back() == '\r') line.pop_back();
}

}  // namespace detail

/// The lines of a file (opened at the first pull, closed at its end or when the source is
/// destroyed) or of the standard input (never closed).
/// (A template only so that a translation unit that includes this header without using it compiles
/// none of its body: the umbrella's compile time, benchmarks/compile_time. Use the name below.)
template <class Deferred = void>
class basic_file_lines_source : public source_interface<basic_file_lines_source<Deferred>> {
 public:
  static constexpr std::string_view name = "lines";
  using value_type = std::string;

  /// Bytes read from the file at a time.
  static constexpr std::size_t buffer_size = std::size_t{64} * 1024;

  /// `path`: a std::filesystem::path, a std::string or a string literal.
  template <detail::path_text_like P>
  explicit basic_file_lines_source(const P& path) : label_(detail::path_text(path)) {}

  /// A source over `stdin` (through the C stream, so it continues where `std::cin` and
  /// `std::scanf` stopped while they are synchronised with stdio, the default).
  static basic_file_lines_source standard_input() {
    basic_file_lines_source s;
    s.label_ = "<stdin>";
    s.stdin_ = true;
    return s;
  }

  template <class F>
  flow push(std::size_t n, F&& f) {
    if (done_) return flow::done;
    if (buffer_.empty()) open();
    for (; n != 0; --n) {
      if (!read_line()) {
        done_ = true;
        owned_.reset();
        std::string().swap(buffer_);
        return flow::done;
      }
      // Handed over as an rvalue: a consumer may keep it; if it does not, the next line reuses
      // the capacity, so counting or filtering lines allocates nothing per line.
      if (!f(std::move(line_))) return flow::more;
    }
    return flow::more;
  }

  /// The path, or `<stdin>`.
  [[nodiscard]] const std::string& label() const noexcept { return label_; }

 private:
  basic_file_lines_source() = default;

  void open() {
    if (!stdin_) {
      errno = 0;
      owned_ = detail::owner<std::FILE, detail::close_file>(std::fopen(label_.c_str(), "rb"));
      if (!owned_) throw io_error(label_, "cannot open for reading: " + detail::errno_text(errno));
    }
    buffer_.resize(buffer_size);
  }

  // Reads the next line into line_ (without '\n' or a trailing '\r'); false at the end.
  bool read_line() {
    carry_.clear();
    for (;;) {
      if (begin_ < end_) {
        const char* cursor = buffer_.data() + begin_;
        const auto* nl = static_cast<const char*>(std::memchr(cursor, '\n', end_ - begin_));
        if (nl != nullptr) {
          if (carry_.empty()) {
            line_.assign(cursor, nl);
          } else {
            carry_.append(cursor, nl);
            line_.swap(carry_);  // carry_ is cleared at the next call
          }
          begin_ = static_cast<std::size_t>(nl - buffer_.data()) + 1;
          detail::strip_cr(line_);
          return true;
        }
        carry_.append(cursor, end_ - begin_);
        begin_ = end_;
      }
      if (eof_ || !refill()) {
        // A last line without '\n'.
        if (carry_.empty()) return false;
        line_.swap(carry_);
        detail::strip_cr(line_);
        return true;
      }
    }
  }

  // Not cached in a pointer, so a moved-from source cannot read its successor's file.
  std::FILE* file() const noexcept { return stdin_ ? stdin : owned_.get(); }

  bool refill() {
    errno = 0;
    std::size_t got = 0;
    if (stdin_) {
      // A line at a time, so lines arriving on a pipe or a terminal flow on at once instead of
      // waiting for a full buffer. (A NUL byte inside such a line ends what is kept of it.)
      if (std::fgets(buffer_.data(), static_cast<int>(buffer_size), file()) != nullptr)
        got = std::strlen(buffer_.data());
    } else {
      got = std::fread(buffer_.data(), 1, buffer_size, file());
    }
    begin_ = 0;
    end_ = got;
    if (got == 0) {
      if (std::ferror(file())) throw io_error(label_, "read failed: " + detail::errno_text(errno));
      eof_ = true;
      return false;
    }
    return true;
  }

  std::string label_;
  detail::owner<std::FILE, detail::close_file> owned_;
  bool stdin_ = false;
  std::string buffer_;  // buffer_size bytes while open, empty before and after
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  bool done_ = false;
  std::string carry_;  // the start of a line that continues in the next read
  std::string line_;
};

/// The lines of a file or of the standard input (basic_file_lines_source above).
using file_lines_source = basic_file_lines_source<>;

/// The lines of a `std::istream`: owned when given an rvalue stream, borrowed from an lvalue
/// (which must then outlive the source).
template <class Stream>
class istream_lines_source : public source_interface<istream_lines_source<Stream>> {
  static constexpr bool owned = !std::is_lvalue_reference_v<Stream>;
  using stream_type = std::remove_reference_t<Stream>;
  using stored = std::conditional_t<owned, stream_type, stream_type*>;

 public:
  static constexpr std::string_view name = "lines";
  using value_type = std::string;

  explicit istream_lines_source(stream_type&& s) requires owned : stream_(std::move(s)) {}
  explicit istream_lines_source(stream_type& s) requires(!owned) : stream_(std::addressof(s)) {}

  template <class F>
  flow push(std::size_t n, F&& f) {
    if (done_) return flow::done;
    std::istream& is = get();
    for (; n != 0; --n) {
      if (!std::getline(is, line_)) {
        done_ = true;
        if (is.bad()) throw io_error("<istream>", "read failed");
        return flow::done;
      }
      detail::strip_cr(line_);
      if (!f(std::move(line_))) return flow::more;
    }
    return flow::more;
  }

 private:
  std::istream& get() {
    if constexpr (owned)
      return stream_;
    else
      return *stream_;
  }
  stored stream_;
  std::string line_;
  bool done_ = false;
};

struct lines_fn {
  template <detail::path_text_like P>
  auto operator()(const P& path) const {
    return file_lines_source(path);
  }

  template <class Stream>
  requires std::derived_from<std::remove_cvref_t<Stream>, std::istream>
  auto operator()(Stream&& stream) const {
    if constexpr (std::is_lvalue_reference_v<Stream>)
      return istream_lines_source<std::istream&>(stream);
    else
      return istream_lines_source<std::remove_cvref_t<Stream>>(std::move(stream));
  }
};

/// The lines of a file or stream, as `std::string` without the line end (`\n`, and a `\r`
/// before it, so CRLF files read the same). A last line without `\n` is a line; an empty file
/// has none.
///
/// Forms: `lines(path)` · `lines(stream)` (an lvalue stream is borrowed, an rvalue one owned)
/// Requires: for a path, a readable file: a missing or unreadable one makes `run` throw
/// `io_error` naming the path and the reason ("cannot open for reading: No such file or
/// directory"). The file opens at the first pull and closes at its end or when the source is
/// destroyed (also when `run` throws).
/// Demand: one line per element; reads the file 64 KiB at a time.
///
/// Deprecated name, kept for one release: the line reader is `read_lines` (io/read_lines.hpp),
/// which takes a path (also a directory, a glob, ".gz") or a stream.
[[deprecated("use rstreams::read_lines (io/read_lines.hpp)")]] inline constexpr lines_fn lines{};

struct stdin_lines_fn {
  template <class Deferred = void>  // see basic_file_lines_source
  basic_file_lines_source<Deferred> operator()() const {
    return basic_file_lines_source<Deferred>::standard_input();
  }
};

/// The lines of the standard input, like `lines(path)`; `stdin` is never closed. Lines are
/// handed on as they arrive (from a pipe or a terminal), not when a buffer fills.
///
/// Forms: `stdin_lines()`
/// Demand: one line per element; reads one line at a time from the C stream's buffer.
inline constexpr stdin_lines_fn stdin_lines{};

}  // namespace rstreams
