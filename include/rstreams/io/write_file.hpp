#pragma once

#include <rstreams/core/context.hpp>
#include <rstreams/core/detail/errno_text.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/io/detail/bytes.hpp>
#include <rstreams/io/detail/gzip_hook.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace rstreams {

/// Options of `write_file`.
struct file_write_options {
  /// Start a new file before the bytes written to the current one would pass this many
  /// (uncompressed) bytes; 0: no limit. A single larger chunk still goes whole into one file.
  std::size_t max_bytes = 0;
  /// Start a new file after this many chunks; 0: no limit.
  std::size_t max_items = 0;
  /// Compress when the file name ends in ".gz".
  bool compress = true;
  /// zlib level for ".gz" files.
  int level = -1;
  /// fsync each file before it is renamed into place.
  bool sync = true;
};

/// Deprecated name of `file_write_options`, kept for one release.
using write_options [[deprecated(
    "use rstreams::file_write_options (io); rstreams::bus::queue_write_options is the bus one")]] =
    file_write_options;

/// What write_file did: the files it completed, in order, and the chunks and bytes it took.
struct write_result {
  std::vector<std::filesystem::path> files;
  std::size_t items = 0;
  std::size_t bytes = 0;
};

namespace detail {

/// One output file under construction: written to a hidden temporary next to its final
/// name, renamed into place when complete, removed if abandoned.
class atomic_file {
 public:
  atomic_file(std::filesystem::path final_path, bool gz, int level, bool sync)
      : final_(std::move(final_path)), sync_(sync) {
    static std::atomic<unsigned> counter{0};
    temp_ = final_.parent_path() / ("." + final_.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                                    "-" + std::to_string(counter++));
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw io_error(final_.string(), "cannot create " + temp_.string() + ": " + errno_text(errno));
    if (gz) gz_ = gzip_file_codecs_or_throw("write_file", final_.string()).deflater(level);
  }
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  ~atomic_file() {
    if (fd_ >= 0) {
      ::close(fd_);
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
    }
  }

  void write(std::string_view bytes) {
    if (gz_) {
      auto out = [&](std::string&& c) {
        raw_write(c);
        return true;
      };
      gz_->decode(bytes, out);
    } else {
      raw_write(bytes);
    }
  }

  /// Flushes, syncs, closes and renames into place.
  void commit() {
    if (gz_) {
      auto out = [&](std::string&& c) {
        raw_write(c);
        return true;
      };
      gz_->finish(out);
    }
    if (sync_ && ::fsync(fd_) != 0) throw io_error(final_.string(), "fsync failed: " + errno_text(errno));
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) {
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
      throw io_error(final_.string(), "close failed: " + errno_text(errno));
    }
    std::error_code ec;
    std::filesystem::rename(temp_, final_, ec);
    if (ec) {
      std::filesystem::remove(temp_, ec);
      throw io_error(final_.string(), "cannot rename the finished file into place: " + ec.message());
    }
  }

 private:
  void raw_write(std::string_view b) {
    while (!b.empty()) {
      const ::ssize_t n = ::write(fd_, b.data(), b.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw io_error(final_.string(), "write failed: " + errno_text(errno));
      }
      b.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  std::filesystem::path final_;
  std::filesystem::path temp_;
  int fd_ = -1;
  bool sync_;
  std::unique_ptr<file_codec> gz_;
};

}  // namespace detail

struct write_file_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "write_file";

    closure(std::filesystem::path pattern, file_write_options o) : pattern_(std::move(pattern)), o_(o) {}

    template <class T>
    auto consumer(std::size_t /*position*/) && {
      static_assert(detail::byte_chunk<T>,
                    "rstreams::write_file: the elements must be byte chunks (std::string, "
                    "std::string_view or std::vector<char>); use stringify or csv_format first.");
      class consumer_type {
       public:
        consumer_type(std::filesystem::path pattern, file_write_options o)
            : pattern_(std::move(pattern)), o_(o) {}

        bool accept(const T& x) {
          const std::string_view b = detail::as_bytes(x);
          if (file_ &&
              ((o_.max_items != 0 && items_in_file_ >= o_.max_items) ||
               (o_.max_bytes != 0 && bytes_in_file_ != 0 && bytes_in_file_ + b.size() > o_.max_bytes)))
            rotate();
          if (!file_) open();
          file_->write(b);
          ++items_in_file_;
          bytes_in_file_ += b.size();
          ++result_.items;
          result_.bytes += b.size();
          return true;
        }

        write_result finish() {
          if (!file_ && result_.files.empty()) open();  // an empty input still makes its (empty) file
          if (file_) rotate();
          return std::move(result_);
        }

       private:
        std::filesystem::path name_for(std::size_t n) const {
          std::string s = pattern_.string();
          const auto at = s.find("{n}");
          if (at != std::string::npos) s.replace(at, 3, std::to_string(n));
          return s;
        }
        void open() {
          current_ = name_for(result_.files.size());
          const bool gz = o_.compress && current_.extension() == ".gz";
          file_ = std::make_unique<detail::atomic_file>(current_, gz, o_.level, o_.sync);
          items_in_file_ = 0;
          bytes_in_file_ = 0;
        }
        void rotate() {
          auto f = std::move(file_);
          f->commit();
          result_.files.push_back(current_);
        }

        std::filesystem::path pattern_;
        file_write_options o_;
        std::unique_ptr<detail::atomic_file> file_;
        std::filesystem::path current_;
        std::size_t items_in_file_ = 0;
        std::size_t bytes_in_file_ = 0;
        write_result result_;
      };
      return consumer_type(std::move(pattern_), o_);
    }

   private:
    std::filesystem::path pattern_;
    file_write_options o_;
  };

  closure operator()(std::filesystem::path path, file_write_options o = {}) const {
    const bool rotating = o.max_bytes != 0 || o.max_items != 0;
    if (rotating && path.string().find("{n}") == std::string::npos)
      throw config_error(
          "rstreams::write_file: rotation needs a file name with {n} for the file number, e.g. "
          "\"out-{n}.jsonl.gz\" (got \"" +
          path.string() + "\")");
    if (o.level < -1 || o.level > 9) throw config_error("rstreams::write_file: level must be -1 or 0..9");
    return closure(std::move(path), o);
  }
};

/// A sink that writes byte chunks to a file, atomically: each file is written to a hidden
/// temporary beside it and renamed into place only when complete, so a crash never leaves a
/// half-written file under the final name. Names ending in ".gz" are gzip-compressed
/// when the program includes <rstreams/io/gzip.hpp> (part rstreams::gzip), else a config_error.
///
/// Forms: `src | write_file(path, opts)`; with rotation (`max_bytes`, `max_items`) the path
/// holds `{n}` (0, 1, 2, ...). Yields a write_result (files, chunks, bytes).
/// Errors: io_error naming the file. Demand: takes everything; buffers one compressed chunk.
/// Example: examples/31-gzip-files.cpp
inline constexpr write_file_fn write_file{};

}  // namespace rstreams
