#pragma once
// A number that changes in the child of every fork(). State that must not cross a fork (a
// queue's descriptors and flock, its cached tail, read buffers, an inotify instance) is stamped
// with the generation it was made in and dropped when the stamp differs. getpid() answers the
// same question, but it is a system call (about 1 us on a VM) and appends and reads ask it every
// time. Processes made by clone() without fork()'s handlers (posix_spawn's child execs at once)
// never run library code, so they need no answer.

#include <atomic>
#include <cstdint>

#include <pthread.h>
#include <unistd.h>

namespace rstreams::bus::detail {

// Starts at 1, so a stamp of 0 ("made in no generation") never matches.
inline std::atomic<std::uint64_t> forks_seen{1};

/// This process's fork generation: the same until the process forks, then different in the
/// child (the parent keeps its own).
inline std::uint64_t fork_generation() noexcept {
  // The handler is registered before the first stamp exists, so no stamped state can cross a
  // fork unseen; a child inherits the registration with the parent's memory.
  static const int registered =
      ::pthread_atfork(nullptr, nullptr, [] { forks_seen.fetch_add(1, std::memory_order_relaxed); });
  // Without the handler (out of memory at the first call), the pid answers: never 0, and it
  // changes only in a child.
  if (registered != 0) [[unlikely]]
    return static_cast<std::uint64_t>(::getpid());
  return forks_seen.load(std::memory_order_relaxed);
}

}  // namespace rstreams::bus::detail
