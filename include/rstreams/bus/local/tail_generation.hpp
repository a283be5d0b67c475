#pragma once
// The queue's tail generation: a counter in the queue's lock file that every appender of a
// version 4 segment bumps, under the queue's lock, before it changes the queue's tail (appends,
// truncates a torn tail, starts a segment, repairs). An appender that finds the counter where
// its own last bump left it knows that its cached tail (segment, end, last eid) is still the
// queue's, and skips the two stat calls that would otherwise tell it so: on this machine they
// were an eighth of a batch append's time and more of a one-record append's
// (docs/local-log-format.md, "Lock file").
//
// The counter lives in shared memory (the lock file's page, mapped, as SQLite maps its -shm
// file), so reading it costs no system call; like that file, the lock file must not be truncated
// or rewritten while processes use the queue. It is only a hint of "nothing changed": whenever
// it cannot be used (a lock file that cannot be mapped, a header of another version) every check
// says "changed" and the appender checks the files, as it would without it.

#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/record_codec.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <random>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace rstreams::bus::detail {

/// The lock file's layout: magic "RSLK", version (u16), 2 bytes reserved, the counter (u64).
inline constexpr std::uint32_t lock_magic = 0x4B4C5352u;  // "RSLK" little-endian
inline constexpr std::uint16_t lock_version = 1;
inline constexpr std::size_t lock_counter_offset = 8;
inline constexpr std::size_t lock_file_size = 16;

/// The tail generation of one queue as one appender sees it. Use it under the queue's
/// exclusive lock only.
class tail_generation {
 public:
  tail_generation() = default;
  tail_generation(const tail_generation&) = delete;
  tail_generation& operator=(const tail_generation&) = delete;
  ~tail_generation() { detach(); }

  [[nodiscard]] bool attached() const noexcept { return counter_ != nullptr; }

  /// Maps the counter of lock file `fd` (held under its exclusive lock), writing the header
  /// first when the file holds nothing but zeros (a lock file of the previous library is empty;
  /// a power cut can leave a new header's blocks zeroed). A file that holds something else is
  /// left as it is, unmapped; so is one that cannot be read or written (a full disk): the
  /// counter is a hint, and an append must not fail for want of it. Only the first call after
  /// construction or detach() does anything, so a lock file that is not used is read once.
  void attach(int fd, const std::string& path) noexcept {
    if (tried_) return;
    tried_ = true;
    try {
      char h[lock_file_size] = {};
      const auto got = pread_full(fd, h, sizeof h, 0, path);
      if (std::all_of(h, h + got, [](char c) { return c == 0; }) && file_size(fd, path) <= lock_file_size) {
        put_le<std::uint32_t>(h, lock_magic);
        put_le<std::uint16_t>(h + 4, lock_version);
        put_le<std::uint64_t>(h + lock_counter_offset, first_value());
        pwrite_full(fd, h, sizeof h, 0, path);
      } else if (got < lock_file_size || get_le<std::uint32_t>(h) != lock_magic ||
                 get_le<std::uint16_t>(h + 4) != lock_version) {
        return;
      }
    } catch (const std::exception&) {
      return;
    }
    void* m = ::mmap(nullptr, lock_file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return;
#ifdef MADV_POPULATE_WRITE
    // The first load and store would fault twice (~20 us on a virtual machine); this maps the
    // page writable in one call. A kernel before 5.14 says EINVAL: the faults happen as before.
    (void)::madvise(m, lock_file_size, MADV_POPULATE_WRITE);
#endif
    map_ = m;
    counter_ = reinterpret_cast<std::uint64_t*>(static_cast<char*>(m) + lock_counter_offset);
  }

  void detach() noexcept {
    if (map_ != nullptr) ::munmap(map_, lock_file_size);
    map_ = nullptr;
    counter_ = nullptr;
    tried_ = false;
  }

  /// True when nobody has bumped the counter since this appender's last bump.
  [[nodiscard]] bool unchanged() const noexcept {
    return counter_ != nullptr && load() == mine_;
  }

  /// Says that this appender is about to change the tail: before the change, so that an
  /// appender that dies halfway has still told the others to look.
  void bump() noexcept {
    if (counter_ == nullptr) return;
    mine_ = load() + 1;
    std::atomic_ref<std::uint64_t>(*counter_).store(mine_, std::memory_order_release);
  }

 private:
  // The counter starts at a random value: a value that a process remembers from a lock file
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

  [[nodiscard]] std::uint64_t load() const noexcept {
    return std::atomic_ref<std::uint64_t>(*counter_).load(std::memory_order_acquire);
  }

  void* map_ = nullptr;
  std::uint64_t* counter_ = nullptr;
  std::uint64_t mine_ = 0;
  bool tried_ = false;  // attach() ran since construction or detach()
};

}  // namespace rstreams::bus::detail
