#pragma once
// Reads a list of files chunk by chunk, gunzipping ".gz" files, optionally following the last
// one as it grows. Shared by read_file (chunks) and read_lines (lines, cut per file).

#include <rstreams/core/context.hpp>
#include <rstreams/core/detail/errno_text.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/io/detail/gzip_hook.hpp>

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace rstreams {

/// What following a file met (file_read_options.follow_counts), readable while the run goes on.
struct follow_counts {
  /// The followed name was moved away and a new file took it (logrotate's `create` mode).
  std::atomic<std::uint64_t> renamed{0};
  /// The followed file shrank (logrotate's `copytruncate`): read again from its start.
  std::atomic<std::uint64_t> truncated{0};
};

/// Options of `read_file` and `read_lines`.
struct file_read_options {
  /// Bytes per read (and the largest chunk read_file delivers).
  std::size_t chunk_size = 64 * 1024;
  /// Decompress files whose name ends in ".gz".
  bool decompress = true;
  /// After the end of the last file, wait for it to grow until the run's stop token is set,
  /// as `tail -F` does: when the name comes to point at another file (a rename rotation), the
  /// old file is read to its end and the name is opened again (from its start; for read_lines
  /// a new file, so its line numbers start over); a file that shrinks was truncated
  /// (copytruncate) and is read again from its start. A truncation followed by more writes
  /// than were read before, within one poll interval, cannot be told from growth (as in tail).
  bool follow = false;
  /// How often a followed file is checked (on the run's clock).
  std::chrono::milliseconds poll_interval{100};
  /// When set, counts the rotations and truncations a follow met.
  rstreams::follow_counts* follow_counts = nullptr;
  /// read_lines: a line longer than this many bytes is an error naming the file and the line
  /// (16 MiB by default, so a runaway line or a small gzip bomb cannot take the memory; 0: no
  /// limit).
  std::size_t max_line = 16u << 20;
  /// ".gz" files: gzip checks a member only at its end, so a damaged member's bytes go out
  /// before the error (which says how many lines of it did). When members are bounded in size,
  /// set this to that bound: each member is held back (up to this many bytes; a larger one is
  /// an error) and delivered only once it checks. 0: off.
  std::size_t verify_gzip_members = 0;
};

/// Deprecated name of `file_read_options`, kept for one release.
using read_options
    [[deprecated("use rstreams::file_read_options (io); rstreams::bus::queue_read_options is the bus one")]] =
        file_read_options;

namespace detail {

inline bool has_glob(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

/// The files a path names: itself, the regular files of a directory, or the matches of a
/// glob in its last component; sorted by name.
inline std::vector<std::filesystem::path> expand_files(const std::filesystem::path& p) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  std::error_code ec;
  const std::string leaf = p.filename().string();
  if (has_glob(leaf)) {
    const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (!fs::is_directory(dir, ec)) throw io_error(p.string(), "no such directory: " + dir.string());
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file() && ::fnmatch(leaf.c_str(), e.path().filename().c_str(), FNM_PERIOD) == 0)
        out.push_back(e.path());
    }
  } else if (fs::is_directory(p, ec)) {
    for (const auto& e : fs::directory_iterator(p))
      if (e.is_regular_file()) out.push_back(e.path());
  } else {
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

class file_reader {
 public:
  enum class event { chunk, file_end, end };

  file_reader(std::filesystem::path file, file_read_options o) : path_(std::move(file)), o_(o) {}
  file_reader(file_reader&& other) noexcept
      : path_(std::move(other.path_)),
        o_(other.o_),
        files_(std::move(other.files_)),
        listed_(other.listed_),
        index_(other.index_),
        fd_(std::exchange(other.fd_, -1)),
        offset_(other.offset_),
        rotated_(other.rotated_),
        gz_(std::move(other.gz_)),
        raw_(std::move(other.raw_)),
        raw_off_(other.raw_off_),
        ctx_(std::move(other.ctx_)) {}
  file_reader& operator=(file_reader&&) = delete;
  ~file_reader() { close(); }

  void start(const run_context& ctx) { ctx_ = ctx; }

  /// The file being read (for error messages and line sources).
  [[nodiscard]] std::string current() {
    list();
    return index_ < files_.size() ? files_[index_].string() : path_.string();
  }

  event next(std::string& out) {
    list();
    for (;;) {
      if (fd_ < 0) {
        if (index_ >= files_.size()) return event::end;
        open_current();
      }
      if (gz_ && raw_off_ < raw_.size()) {
        if (inflate_one(out)) return event::chunk;
        continue;
      }
      if (buf_.size() != o_.chunk_size) buf_.resize(o_.chunk_size);
      const ::ssize_t n = ::read(fd_, buf_.data(), buf_.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw io_error(current(), "read failed: " + rstreams::detail::errno_text(errno));
      }
      if (n > 0) {
        offset_ += static_cast<std::size_t>(n);
        if (!gz_) {
          out.assign(buf_.data(), static_cast<std::size_t>(n));
          return event::chunk;
        }
        raw_.assign(buf_.data(), static_cast<std::size_t>(n));
        raw_off_ = 0;
        continue;
      }
      // End of this file.
      if (gz_) {
        std::optional<std::string> got;
        auto one = [&](std::string&& s) {
          got.emplace(std::move(s));
          return false;
        };
        const bool done = gz_->finish(one);
        if (got) {
          out = std::move(*got);
          return event::chunk;
        }
        if (!done) continue;
      }
      if (o_.follow && index_ + 1 == files_.size() && !gz_) {
        if (rotated_) {  // the renamed file is read to its end: the name's new file comes next
          rotated_ = false;
          close();
          if (o_.follow_counts != nullptr) ++o_.follow_counts->renamed;
          return event::file_end;  // index_ stays: the same name is opened again
        }
        if (ctx_.stop_requested() || !ctx_.clock->sleep_for(o_.poll_interval, ctx_.stop)) return event::end;
        struct ::stat st {};
        struct ::stat by_name {};
        if (::fstat(fd_, &st) == 0) {
          const std::string name = files_[index_].string();
          if (::stat(name.c_str(), &by_name) == 0 &&
              (by_name.st_ino != st.st_ino || by_name.st_dev != st.st_dev)) {
            rotated_ = true;  // read what is left of the old file first
          } else if (static_cast<std::size_t>(st.st_size) < offset_) {
            ::lseek(fd_, 0, SEEK_SET);
            offset_ = 0;
            if (o_.follow_counts != nullptr) ++o_.follow_counts->truncated;
          }
        }
        continue;
      }
      close();
      ++index_;
      return event::file_end;
    }
  }

 private:
  void list() {
    if (listed_) return;
    files_ = expand_files(path_);
    listed_ = true;
  }

  bool inflate_one(std::string& out) {
    bool got = false;
    auto one = [&](std::string&& s) {
      out = std::move(s);
      got = true;
      return false;
    };
    raw_off_ += gz_->decode(std::string_view(raw_).substr(raw_off_), one);
    return got;
  }

  void open_current() {
    const std::string name = files_[index_].string();
    for (;;) {
      fd_ = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ >= 0) break;
      const int err = errno;
      if (err == ENOENT && o_.follow && index_ + 1 == files_.size()) {
        // Following a file that does not exist yet: wait for it.
        if (ctx_.stop_requested() || !ctx_.clock->sleep_for(o_.poll_interval, ctx_.stop)) {
          index_ = files_.size();
          return;
        }
        continue;
      }
      throw io_error(name, "cannot open: " + rstreams::detail::errno_text(err));
    }
    offset_ = 0;
    const bool is_gz = o_.decompress && files_[index_].extension() == ".gz";
    if (is_gz && o_.follow && index_ + 1 == files_.size())
      throw config_error("rstreams::read_file: cannot follow a compressed file (" + name + ")");
    gz_.reset();
    if (is_gz)
      gz_ = gzip_file_codecs_or_throw("read_file", name).inflater(name, "read_file", o_.verify_gzip_members);
    raw_.clear();
    raw_off_ = 0;
  }

  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::filesystem::path path_;
  file_read_options o_;
  std::vector<std::filesystem::path> files_;
  bool listed_ = false;
  std::size_t index_ = 0;
  int fd_ = -1;
  std::size_t offset_ = 0;
  bool rotated_ = false;
  std::unique_ptr<file_codec> gz_;
  std::string raw_;
  std::size_t raw_off_ = 0;
  std::string buf_;
  run_context ctx_{};
};

}  // namespace detail
}  // namespace rstreams
