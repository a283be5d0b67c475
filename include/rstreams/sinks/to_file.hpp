#pragma once

#include <rstreams/core/context.hpp>
#include <rstreams/core/detail/errno_text.hpp>
#include <rstreams/core/detail/owner.hpp>
#include <rstreams/core/detail/path_text.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/sinks/detail/line_file.hpp>

#include <cerrno>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams {

namespace detail {

template <class T>
concept ostreamable = requires(std::ostream& os, const T& x) {
  os << x;
};

inline std::string write_failure(int code) {
  return "write failed: " + errno_text(code);
}

}  // namespace detail

/// What `to_file` does with a file that exists: `replace` it (the default) or `append` to it.
enum class file_mode { replace, append };

struct to_file_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "write_lines";

    /// `path`: a std::filesystem::path, a std::string or a string literal.
    template <detail::path_text_like P>
    explicit closure(const P& path, file_mode mode = file_mode::replace)
        : path_(detail::path_text(path)), mode_(mode) {}

    /// True when a run destroys what an earlier run wrote (bus::offload refuses such a sink).
    [[nodiscard]] bool replaces_output() const noexcept { return mode_ == file_mode::replace; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

    template <class T>
    class consumer_type {
     public:
      consumer_type(std::string path, file_mode mode) : label_(std::move(path)), mode_(mode) {}

      // Opened when the run starts, so a bad path fails before anything is pulled.
      void start(const run_context& /*ctx*/) { open(); }

      bool accept(const T& x) {
        if (!file_) open();
        errno = 0;
        file_->out << x << '\n';
        if (!file_->out) throw io_error(label_, detail::write_failure(errno));
        ++lines_;
        return true;
      }

      std::size_t finish() {
        if (!file_) open();
        errno = 0;
        file_->out.flush();
        if (!file_->out) throw io_error(label_, detail::write_failure(errno));
        const bool closed = file_->buf.close();
        file_.reset();
        if (!closed) throw io_error(label_, detail::write_failure(errno));
        return lines_;
      }

     private:
      void open() {
        if (file_) return;
        detail::owner<detail::line_file> file(new detail::line_file());
        errno = 0;
        if (!file->buf.open(label_, mode_ == file_mode::append))
          throw io_error(label_, "cannot open for writing: " + detail::errno_text(errno));
        file_ = std::move(file);
      }

      std::string label_;
      file_mode mode_;
      detail::owner<detail::line_file> file_;  // open from start() to finish()
      std::size_t lines_ = 0;
    };

    template <class T>
    consumer_type<T> consumer(std::size_t /*position*/) && {
      static_assert(detail::ostreamable<T>,
                    "rstreams::write_lines: the element type cannot be written with `os << x`. Define an "
                    "operator<< for it, or transform the elements to strings first.");
      return consumer_type<T>(std::move(path_), mode_);
    }

   private:
    std::string path_;
    file_mode mode_;
  };

  template <detail::path_text_like P>
  closure operator()(const P& path, file_mode mode = file_mode::replace) const {
    return closure(path, mode);
  }
};

/// Writes every element to a file, one line each (`os << x` then `\n`), replacing the file
/// (or appending to it with `file_mode::append`); yields the number of lines written. The file is created when the run starts (so an empty
/// source leaves an empty file), flushed and closed when the source ends, and closed if the run
/// throws.
///
/// Forms: `src | write_lines(path)` · `src | write_lines(path, file_mode::append)` (what a bot
/// that runs again and again needs: `bus::offload` refuses a replacing file writer). `to_file`,
/// its old name, is deprecated.
/// Requires: `os << x` for the element type. A file that cannot be opened or written makes `run`
/// throw `io_error` naming the path and the reason ("cannot open for writing: Permission
/// denied", "write failed: No space left on device").
/// Demand: takes everything; buffers what the file stream buffers.
/// Example: README (offload to a file)
inline constexpr to_file_fn write_lines{};
using write_lines_fn = to_file_fn;

/// Deprecated name of `write_lines` (the text-lines file writer; `write_file` in io writes
/// byte chunks), kept for one release.
[[deprecated("use rstreams::write_lines")]] inline constexpr to_file_fn to_file{};

}  // namespace rstreams
