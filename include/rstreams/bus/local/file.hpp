#pragma once
// Thin POSIX file helpers for the local backend: an owning descriptor, full reads and writes,
// fsync of files and directories, and the atomic replace (temp, fsync, rename, fsync dir).

#include <rstreams/core/detail/errno_text.hpp>
#include <rstreams/core/error.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

namespace rstreams::bus::detail {

/// A change the local log made to the file system, as a file_recorder sees it.
struct file_op {
  enum kind_t { mkdir, create, write, truncate, fsync, dirsync, rename } kind = write;
  std::string path;          // for rename: the old name
  std::string to;            // for rename: the new name
  std::uint64_t offset = 0;  // write: where; truncate: the new size
  std::string bytes;         // write: what
};

/// Test hook (the power-loss simulation): when set, sees every change the log makes, after it
/// succeeded. One pointer test per write, fsync or create; never set outside tests.
struct file_recorder {
  virtual void record(const file_op& op) = 0;

 protected:
  ~file_recorder() = default;
};
inline file_recorder* active_file_recorder = nullptr;

[[noreturn]] inline void throw_errno(const std::string& path, const std::string& what, int err = errno) {
  throw io_error(path, what + ": " + rstreams::detail::errno_text(err));
}

/// An owned file descriptor.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }
  [[nodiscard]] int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// The error of a failed open; with O_NOFOLLOW, ELOOP means the path is a symbolic link.
[[noreturn]] inline void throw_open_error(const std::string& path, int flags, int err) {
  if (err == ELOOP && (flags & O_NOFOLLOW) != 0)
    throw io_error(path,
                   "is a symbolic link; rstreams does not follow links it did not create (left untouched)");
  throw_errno(path, "cannot open", err);
}

inline unique_fd open_file(const std::string& path, int flags, mode_t mode = 0644) {
  const bool created =
      active_file_recorder != nullptr && (flags & O_CREAT) != 0 && ::access(path.c_str(), F_OK) != 0;
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw_open_error(path, flags, errno);
  if (active_file_recorder != nullptr) {
    if (created) active_file_recorder->record({file_op::create, path, {}, 0, {}});
    if ((flags & O_TRUNC) != 0 && !created)
      active_file_recorder->record({file_op::truncate, path, {}, 0, {}});
  }
  return unique_fd(fd);
}

/// Opens, or returns an empty descriptor when the file does not exist.
inline unique_fd open_if_exists(const std::string& path, int flags) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    throw_open_error(path, flags, errno);
  }
  return unique_fd(fd);
}

inline std::uint64_t file_size(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno(path, "cannot stat");
  return static_cast<std::uint64_t>(st.st_size);
}

inline bool path_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

inline bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// Reads up to n bytes at offset (fewer only at end of file).
inline std::size_t pread_full(int fd, void* buf, std::size_t n, std::uint64_t offset,
                              const std::string& path) {
  std::size_t done = 0;
  auto* p = static_cast<char*>(buf);
  while (done < n) {
    const auto r = ::pread(fd, p + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw_errno(path, "read failed at offset " + std::to_string(offset + done));
    }
    if (r == 0) break;
    done += static_cast<std::size_t>(r);
  }
  return done;
}

/// Writes all n bytes at offset.
inline void pwrite_full(int fd, const void* buf, std::size_t n, std::uint64_t offset,
                        const std::string& path) {
  std::size_t done = 0;
  const auto* p = static_cast<const char*>(buf);
  while (done < n) {
    const auto r = ::pwrite(fd, p + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw_errno(path, "write failed at offset " + std::to_string(offset + done));
    }
    done += static_cast<std::size_t>(r);
  }
  if (active_file_recorder != nullptr)
    active_file_recorder->record(
        {file_op::write, path, {}, offset, std::string(static_cast<const char*>(buf), n)});
}

/// ftruncate.
inline void truncate_fd(int fd, std::uint64_t size, const std::string& path) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
    throw_errno(path, "cannot truncate to " + std::to_string(size));
  if (active_file_recorder != nullptr) active_file_recorder->record({file_op::truncate, path, {}, size, {}});
}

inline void fsync_fd(int fd, const std::string& path, bool data_only = true) {
  int r;
  do {
    r = data_only ? ::fdatasync(fd) : ::fsync(fd);
  } while (r != 0 && errno == EINTR);
  if (r != 0) throw_errno(path, "fsync failed");
  if (active_file_recorder != nullptr) active_file_recorder->record({file_op::fsync, path, {}, 0, {}});
}

inline void fsync_dir(const std::string& dir) {
  auto fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  int r;
  do {
    r = ::fsync(fd.get());
  } while (r != 0 && errno == EINTR);
  if (r != 0) throw_errno(dir, "fsync failed");
  if (active_file_recorder != nullptr) active_file_recorder->record({file_op::dirsync, dir, {}, 0, {}});
}

/// The directory holding `path` ("." for a bare name).
inline std::string parent_dir(const std::string& path) {
  const auto at = path.find_last_of('/');
  if (at == std::string::npos) return ".";
  return at == 0 ? "/" : path.substr(0, at);
}

/// mkdir that accepts an existing path (then false; true when it created the directory).
inline bool make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0) {
    if (errno != EEXIST) throw_errno(path, "cannot create directory");
    return false;
  }
  if (active_file_recorder != nullptr) active_file_recorder->record({file_op::mkdir, path, {}, 0, {}});
  return true;
}

/// mkdir -p.
inline void make_dirs(const std::string& path) {
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      const auto part = path.substr(0, i);
      if (!is_directory(part)) make_dir(part);
    }
  }
}

/// Names in a directory (without "." and ".."); empty when it does not exist.
inline std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return names;
    throw_errno(path, "cannot list directory");
  }
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  return names;
}

/// The whole file, or nullopt when it does not exist.
inline std::optional<std::string> read_whole_file(const std::string& path) {
  auto fd = open_if_exists(path, O_RDONLY);
  if (!fd) return std::nullopt;
  std::string text(file_size(fd.get(), path), '\0');
  text.resize(pread_full(fd.get(), text.data(), text.size(), 0, path));
  return text;
}

/// Removes the temporary files of replace_file (`.<name>.tmp.<pid>`) in `dir` whose writer is gone
/// (a crash between writing and renaming); returns how many.
inline std::size_t remove_stale_temp_files(const std::string& dir) {
  std::size_t removed = 0;
  for (const auto& name : list_dir(dir)) {
    if (name.empty() || name.front() != '.') continue;
    const auto at = name.rfind(".tmp.");
    if (at == std::string::npos || at + 5 >= name.size()) continue;
    const auto digits = name.substr(at + 5);
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (::unlink((dir + "/" + name).c_str()) == 0) ++removed;
  }
  return removed;
}

/// Replaces `path` atomically with `content`: write a temp file beside it, fsync it, rename it
/// over `path`, fsync the directory (the fsyncs only when `durable`).
inline void replace_file(const std::string& dir, const std::string& name, std::string_view content,
                         bool durable) {
  const auto path = dir + "/" + name;
  const auto tmp = dir + "/." + name + ".tmp." + std::to_string(::getpid());
  try {
    auto fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW);
    pwrite_full(fd.get(), content.data(), content.size(), 0, tmp);
    if (durable) fsync_fd(fd.get(), tmp, false);
  } catch (...) {
    ::unlink(tmp.c_str());  // a full disk must not leave the temporary file behind
    throw;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw_errno(path, "cannot rename " + tmp + " over it", err);
  }
  if (active_file_recorder != nullptr) active_file_recorder->record({file_op::rename, tmp, path, 0, {}});
  if (durable) fsync_dir(dir);
}

}  // namespace rstreams::bus::detail
