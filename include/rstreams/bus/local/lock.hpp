#pragma once
// Inter-process locks for the local backend: flock(2) on a lock file. flock locks belong to an
// open file description, so two descriptors of one file exclude each other even inside one
// process, and the kernel drops the lock when its holder dies.

#include <rstreams/bus/local/file.hpp>

#include <cerrno>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>

namespace rstreams::bus::detail {

enum class lock_mode { shared, exclusive };

/// Blocks until `fd` is locked; unlocks on destruction. The descriptor stays owned by the caller.
class flock_guard {
 public:
  flock_guard(int fd, const std::string& file, lock_mode mode = lock_mode::exclusive) : fd_(fd) {
    const int op = mode == lock_mode::exclusive ? LOCK_EX : LOCK_SH;
    while (::flock(fd_, op) != 0) {
      if (errno != EINTR) throw_errno(file, "cannot lock");
    }
  }
  flock_guard(const flock_guard&) = delete;
  flock_guard& operator=(const flock_guard&) = delete;
  ~flock_guard() { ::flock(fd_, LOCK_UN); }

 private:
  int fd_;
};

/// A lock file opened for the time of one locked section (its own open file description, so it
/// also excludes other threads of this process that open the same file).
class file_lock {
 public:
  explicit file_lock(const std::string& file, lock_mode mode = lock_mode::exclusive)
      : fd_(open_file(file, O_RDWR | O_CREAT)), guard_(fd_.get(), file, mode) {}

 private:
  unique_fd fd_;
  flock_guard guard_;
};

}  // namespace rstreams::bus::detail
