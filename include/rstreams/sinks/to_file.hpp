#pragma once

#include <rstreams/core/context.hpp>
#include <rstreams/core/detail/errno_text.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
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

struct to_file_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "write_lines";

    explicit closure(std::filesystem::path path) : path_(std::move(path)) {}

    template <class T>
    class consumer_type {
     public:
      explicit consumer_type(std::filesystem::path path) : path_(std::move(path)), label_(path_.string()) {}

      // Opened when the run starts, so a bad path fails before anything is pulled.
      void start(const run_context& /*ctx*/) { open(); }

      bool accept(const T& x) {
        if (!out_.is_open()) open();
        errno = 0;
        out_ << x << '\n';
        if (!out_) throw io_error(label_, detail::write_failure(errno));
        ++lines_;
        return true;
      }

      std::size_t finish() {
        if (!out_.is_open()) open();
        errno = 0;
        out_.flush();
        if (!out_) throw io_error(label_, detail::write_failure(errno));
        out_.close();
        if (!out_) throw io_error(label_, detail::write_failure(errno));
        return lines_;
      }

     private:
      void open() {
        if (out_.is_open()) return;
        errno = 0;
        out_.open(path_, std::ios::out | std::ios::trunc | std::ios::binary);
        if (!out_.is_open()) throw io_error(label_, "cannot open for writing: " + detail::errno_text(errno));
      }

      std::filesystem::path path_;
      std::string label_;
      std::ofstream out_;
      std::size_t lines_ = 0;
    };

    template <class T>
    consumer_type<T> consumer(std::size_t /*position*/) && {
      static_assert(detail::ostreamable<T>,
                    "rstreams::write_lines: the element type cannot be written with `os << x`. Define an "
                    "operator<< for it, or transform the elements to strings first.");
      return consumer_type<T>(std::move(path_));
    }

   private:
    std::filesystem::path path_;
  };

  closure operator()(std::filesystem::path path) const { return closure(std::move(path)); }
};

/// Writes every element to a file, one line each (`os << x` then `\n`), replacing the file;
/// yields the number of lines written. The file is created when the run starts (so an empty
/// source leaves an empty file), flushed and closed when the source ends, and closed if the run
/// throws.
///
/// Forms: `src | write_lines(path)` (`to_file`, its old name, is deprecated)
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
