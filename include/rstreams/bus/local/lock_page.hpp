#pragma once
// The queue's lock page: the first 128 bytes of its lock file, mapped shared by the processes
// that change the queue (docs/local-log-format.md, "Lock file"). It holds
// * the queue mutex: a process-shared, robust pthread mutex that appenders hold while they
//   change the queue (segment format version 5). Uncontended, a lock and an unlock are an atomic
//   instruction each, where a flock(2) pair is two system calls: 2.5-4 us on this machine, more
//   than half of a one-record append;
// * the tail generation: a counter that every appender bumps before it changes the queue. An
//   appender that finds it where its own last bump left it knows that its cached tail (segment,
//   end, last eid) is still the queue's, and skips the stat calls that would tell it so;
// * the writing flag, set while a change is under way: readers that may not lock (a bus opened
//   read-only) read it and the generation around what they read to tell a still view from one
//   taken during a change.
//
// A mutex kept in a file outlives its processes. One left locked by a process that died is
// handed to the next locker with EOWNERDEAD (the mutex is robust), who then looks at the files
// instead of its cache. One left locked in the file by a crash of the machine, or of every
// process that had it mapped, is set up again by the next process to attach: attached processes
// hold a read lock (an open-file-description lock, fcntl F_OFD_SETLK) on the byte after the page,
// so a process that can take a write lock there is the only one. Attaching is serialised by
// flock(2) on the file, as the previous library serialised writing the file's header.

#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/lock.hpp>
#include <rstreams/bus/local/record_codec.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <exception>
#include <random>
#include <string>

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

namespace rstreams::bus::detail {

/// The lock page's layout (version 2): magic "RSLK", version (u16), 2 bytes reserved, the tail
/// generation (u64), the writing flag (u32), the mutex's kind (u32: see lock_mutex_kind), zeros,
/// and the mutex at 64. Version 1 (the previous library's) is the first 16 bytes alone.
inline constexpr std::uint32_t lock_magic = 0x4B4C5352u;  // "RSLK" little-endian
inline constexpr std::uint16_t lock_version = 2;
inline constexpr std::size_t lock_counter_offset = 8;
inline constexpr std::size_t lock_writing_offset = 16;
inline constexpr std::size_t lock_kind_offset = 20;
inline constexpr std::size_t lock_mutex_offset = 64;
inline constexpr std::size_t lock_page_size = 128;
inline constexpr std::size_t lock_v1_size = 16;
/// The byte whose read lock says "attached" (past the page, so no read or write touches it).
inline constexpr off_t lock_attach_byte = lock_page_size;

static_assert(sizeof(pthread_mutex_t) <= lock_page_size - lock_mutex_offset);

/// Which C library's mutex the page holds, and its size: processes built against another C
/// library must not share it (their mutexes differ in layout).
inline constexpr std::uint32_t lock_mutex_kind =
#ifdef __GLIBC__
    0x10000u |
#endif
    static_cast<std::uint32_t>(sizeof(pthread_mutex_t));

/// One process's view of a queue's lock page. Not thread-safe: its user serialises calls (the
/// queue's appender mutex).
class lock_page {
 public:
  lock_page() = default;
  lock_page(const lock_page&) = delete;
  lock_page& operator=(const lock_page&) = delete;
  ~lock_page() { detach(); }

  /// True once the page is mapped with its mutex usable.
  [[nodiscard]] bool attached() const noexcept { return base_ != nullptr; }

  /// Maps the page of lock file `fd` (open read-write; `path` names it in errors) and holds it
  /// attached until detach(). Sets the page up when the file holds nothing, zeros (a header a
  /// power cut lost) or a version 1 header (upgraded in place: the generation keeps its place
  /// and value for the previous library's processes), and sets the mutex up again when no other
  /// process has the page attached. Returns false, mapping nothing, when the file is not a lock
  /// file of this version (somebody's bytes, a newer header): the queue is then locked with
  /// flock alone, by every process alike. Throws io_error when the page is this version's but
  /// cannot be used (it cannot be read, written, mapped or locked, or holds another C library's
  /// mutex while that library's processes have it attached): locking without the mutex would
  /// not exclude those that hold it.
  bool attach(int fd, const std::string& path) {
    if (base_ != nullptr) return true;
    if (foreign_) return false;
    flock_guard serialise(fd, path);
    char h[lock_page_size] = {};
    const auto got = pread_full(fd, h, sizeof h, 0, path);
    const auto size = file_size(fd, path);
    const bool magic = got >= lock_v1_size && get_le<std::uint32_t>(h) == lock_magic;
    const auto version = magic ? get_le<std::uint16_t>(h + 4) : 0;
    const bool blank = std::all_of(h, h + got, [](char c) { return c == 0; }) && size <= lock_page_size;
    const bool v1 = version == 1 && size <= lock_page_size;
    const bool v2 = version == lock_version && size == lock_page_size;
    if (!blank && !v1 && !v2) {
      foreign_ = true;
      return false;
    }
    const bool alone = try_attach_lock(fd, path, F_WRLCK);
    if (!alone && !v2)
      throw io_error(path,
                     "the queue's lock file changed while processes had it attached; stop them and "
                     "remove the file (it holds no data)");
    if (!alone && get_le<std::uint32_t>(h + lock_kind_offset) != lock_mutex_kind)
      throw io_error(path,
                     "the queue's lock is held by programs built with another C library; one "
                     "queue is appended to by programs of one C library at a time");
    if (alone) {
      // Nobody else has the page: whatever the mutex and the flag say is left from processes
      // that are gone. The generation keeps its value (or starts at a random one).
      std::fill(h + lock_writing_offset, h + sizeof h, char{0});
      put_le<std::uint32_t>(h, lock_magic);
      put_le<std::uint16_t>(h + 4, lock_version);
      if (blank) put_le<std::uint64_t>(h + lock_counter_offset, first_value());
      put_le<std::uint32_t>(h + lock_kind_offset, lock_mutex_kind);
      try {
        pwrite_full(fd, h, sizeof h, 0, path);
      } catch (...) {
        release_attach_lock(fd);  // else it would keep every other process from attaching
        throw;
      }
    }
    void* m = ::mmap(nullptr, lock_page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
      const int err = errno;
      release_attach_lock(fd);
      throw_errno(path, "cannot map the queue's lock file", err);
    }
#ifdef MADV_POPULATE_WRITE
    // The first load and store would fault twice (~20 us on a virtual machine); this maps the
    // page writable in one call. A kernel before 5.14 says EINVAL: the faults happen as before.
    (void)::madvise(m, lock_page_size, MADV_POPULATE_WRITE);
#endif
    auto* base = static_cast<char*>(m);
    if (alone) {
      pthread_mutexattr_t a;
      pthread_mutexattr_init(&a);
      pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
      pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
      const int rc = pthread_mutex_init(mutex_at(base), &a);
      pthread_mutexattr_destroy(&a);
      if (rc != 0) {
        ::munmap(m, lock_page_size);
        release_attach_lock(fd);
        throw_errno(path, "cannot set up the queue's mutex", rc);
      }
    }
    try {
      if (!try_attach_lock(fd, path, F_RDLCK))  // never refused: only attachers write-lock, under flock
        throw io_error(path, "cannot hold the queue's lock file attached");
    } catch (...) {
      ::munmap(m, lock_page_size);
      release_attach_lock(fd);
      throw;
    }
    base_ = base;
    fd_ = fd;
    return true;
  }

  /// Maps the page read-only, for a reader that must not write (a bus opened read-only): only
  /// generation() and writing() may be used. Call it holding the file's flock, shared: false
  /// when the file holds no page of this version, and then no appender uses the mutex.
  bool view(int fd) noexcept {
    if (base_ != nullptr) return true;
    char h[lock_page_size] = {};
    if (::pread(fd, h, sizeof h, 0) != static_cast<ssize_t>(sizeof h) ||
        get_le<std::uint32_t>(h) != lock_magic || get_le<std::uint16_t>(h + 4) != lock_version)
      return false;
    void* m = ::mmap(nullptr, lock_page_size, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return false;
    base_ = static_cast<char*>(m);
    return true;
  }

  /// Unmaps the page and lets go of the attach lock (the descriptor stays the caller's). In a
  /// child of fork() `let_go` is false: the lock belongs to the open file description, which
  /// the parent's descriptor still holds, and must stay with it.
  void detach(bool let_go = true) noexcept {
    if (base_ != nullptr) ::munmap(base_, lock_page_size);
    if (fd_ >= 0 && let_go) release_attach_lock(fd_);
    base_ = nullptr;
    fd_ = -1;
    foreign_ = false;
  }

  /// Locks the queue mutex; true when its last holder died holding it (its change may be half
  /// done: look at the files). Throws io_error when the mutex cannot be used.
  bool lock(const std::string& path) {
    const int rc = pthread_mutex_lock(mutex_at(base_));
    if (rc == 0) return false;
    if (rc == EOWNERDEAD) {
      pthread_mutex_consistent(mutex_at(base_));
      return true;
    }
    throw_errno(path, "cannot lock the queue", rc);
  }

  void unlock() noexcept {
    pthread_mutex_unlock(mutex_at(base_));
  }

  /// True when nobody has bumped the generation since this process's last bump.
  [[nodiscard]] bool unchanged() const noexcept {
    return base_ != nullptr && generation() == mine_;
  }

  /// Says that this process is about to change the queue: before the change, so that one that
  /// dies halfway has still told the others to look. Raises the writing flag.
  void bump() noexcept {
    if (base_ == nullptr) return;
    mine_ = generation() + 1;
    writing_ref().store(1, std::memory_order_relaxed);
    counter_ref().store(mine_, std::memory_order_release);
  }

  /// The change is over (the flag is down again). Under the mutex.
  void done() noexcept {
    if (base_ != nullptr) writing_ref().store(0, std::memory_order_release);
  }

  [[nodiscard]] std::uint64_t generation() const noexcept {
    return counter_ref().load(std::memory_order_acquire);
  }

  /// True while a change of the queue is under way (or its maker died before it was over).
  [[nodiscard]] bool writing() const noexcept {
    return writing_ref().load(std::memory_order_acquire) != 0;
  }

 private:
  static pthread_mutex_t* mutex_at(char* base) noexcept {
    return reinterpret_cast<pthread_mutex_t*>(base + lock_mutex_offset);
  }
  std::atomic_ref<std::uint64_t> counter_ref() const noexcept {
    return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(base_ + lock_counter_offset));
  }
  std::atomic_ref<std::uint32_t> writing_ref() const noexcept {
    return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(base_ + lock_writing_offset));
  }

  // Takes the attach byte's lock of `type` without waiting; false when another process holds a
  // conflicting one.
  static bool try_attach_lock(int fd, const std::string& path, short type) {
    struct flock l {};
    l.l_type = type;
    l.l_whence = SEEK_SET;
    l.l_start = lock_attach_byte;
    l.l_len = 1;
    while (::fcntl(fd, F_OFD_SETLK, &l) != 0) {
      if (errno == EAGAIN || errno == EACCES) return false;
      if (errno != EINTR) throw_errno(path, "cannot lock the queue's lock file");
    }
    return true;
  }

  static void release_attach_lock(int fd) noexcept {
    struct flock l {};
    l.l_type = F_UNLCK;
    l.l_whence = SEEK_SET;
    l.l_start = lock_attach_byte;
    l.l_len = 1;
    (void)::fcntl(fd, F_OFD_SETLK, &l);
  }

  // The generation starts at a random value: a value that a process remembers from a lock file
  // since deleted and created again must not match the new one's by chance.
  static std::uint64_t first_value() noexcept {
    try {
      std::random_device rd;
      return std::uint64_t{rd()} << 32 | rd();
    } catch (const std::exception&) {  // no entropy source: the clock and the pid will do
      return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
             (static_cast<std::uint64_t>(::getpid()) << 40);
    }
  }

  char* base_ = nullptr;
  int fd_ = -1;
  std::uint64_t mine_ = 0;
  bool foreign_ = false;  // attach() found a file that is not a lock file of this version
};

}  // namespace rstreams::bus::detail
