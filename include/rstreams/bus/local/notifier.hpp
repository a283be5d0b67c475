#pragma once
// Wakes waiting readers when any process appends to a queue. One inotify instance per bus handle
// watches every waited-on queue's directory (or the directory of queues until the queue exists):
// a process waiting on 200 queues uses one instance, not 200 of the user's 128.
//
// No thread is started: of the threads waiting at a time, one polls the instance and passes
// what it read on to the others (a leader/follower hand-over under one mutex).
//
// When inotify cannot be had (the per-user instance limit, or ENOSPC for the watch limit) waits
// fall back to polling every few milliseconds, and `status()` says so and why (see
// local_backend::notifier_status()).
// Closing an inotify instance waits for an RCU grace period (milliseconds), so the instance lives
// as long as the bus handle.

#include <rstreams/bus/detail/fork_generation.hpp>
#include <rstreams/bus/local/file.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace rstreams::bus {

/// How a bus handle learns of appends by other handles and processes.
struct notifier_status {
  /// "inotify": one instance for the handle; "polling": waits check every 2 ms because inotify
  /// could not be had (`reason` says why); "mixed": some queues could not be watched
  /// (the watch limit) and are polled; "idle": nothing waited on yet.
  std::string mode = "idle";
  std::string reason;         ///< why a fallback happened (empty when none did)
  std::size_t instances = 0;  ///< inotify instances held by this handle (0 or 1)
  std::size_t watches = 0;    ///< directories watched
  std::size_t polled = 0;     ///< queues that could not be watched and are polled
};

namespace detail {

class bus_notifier {
 public:
  /// What a waiter watches; obtained by `arm`, then passed to `wait_until`.
  struct ticket {
    int wd = -1;             // -1: polled
    std::uint64_t seen = 0;  // the watch's generation when armed
    std::uint64_t all = 0;   // the overflow generation when armed
    bool queue_dir = false;  // the queue's own directory (not the directory of queues)
  };

  bus_notifier() = default;
  bus_notifier(const bus_notifier&) = delete;
  bus_notifier& operator=(const bus_notifier&) = delete;

  /// Watches the queue's directory if it exists (else the directory of queues) and records what
  /// has been seen so far; call it before checking for data, never after.
  ticket arm(const std::string& queue_dir, const std::string& parent_dir) {
    std::lock_guard l(mu_);
    ensure_instance();
    ticket t;
    t.all = overflow_gen_;
    if (!ino_) return t;
    constexpr std::uint32_t mask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE;
    if (int wd = watch(queue_dir, mask); wd >= 0) {
      t.wd = wd;
      t.queue_dir = true;
    } else if (wd == -ENOENT || wd == -ENOTDIR) {
      // The queue does not exist yet: its creation wakes us. (A queue that exists but could not
      // be watched is polled: the directory of queues does not see its appends.)
      if (int pwd = watch(parent_dir, IN_CREATE | IN_MOVED_TO); pwd >= 0) t.wd = pwd;
    }
    if (t.wd >= 0) t.seen = gens_[t.wd];
    return t;
  }

  /// Blocks until the watched directory changed since `t` was armed, the deadline passes or stop
  /// is requested (spurious wake-ups are possible; the caller checks again).
  void wait_until(const ticket& t, std::chrono::steady_clock::time_point deadline,
                  const std::stop_token& stop) {
    // Made before the lock is taken: it runs at once when stop was already requested.
    std::stop_callback on_stop(stop, [this] {
      { std::lock_guard g(mu_); }  // a waiter between its check and its sleep sees the request
      cv_.notify_all();
      const std::uint64_t one = 1;
      if (wake_) (void)!::write(wake_.get(), &one, sizeof one);
    });
    std::unique_lock l(mu_);
    const auto polled_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
    while (true) {
      if (changed(t) || stop.stop_requested()) return;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return;
      if (t.wd < 0) {  // not watched: poll
        cv_.wait_until(l, std::min(deadline, polled_until));
        return;
      }
      if (!leader_) {
        leader_ = true;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
        const int ino = ino_.get();
        const int wake = wake_.get();
        l.unlock();
        pollfd fds[2] = {{ino, POLLIN, 0}, {wake, POLLIN, 0}};
        const int ready = ::poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left, 1000)));
        l.lock();
        if (ready > 0) drain();
        leader_ = false;
        cv_.notify_all();  // results for the others, and one of them leads next
        continue;
      }
      cv_.wait_until(l, deadline);
    }
  }

  [[nodiscard]] notifier_status status() {
    std::lock_guard l(mu_);
    notifier_status s;
    s.instances = ino_ ? 1 : 0;
    s.watches = by_path_.size();
    s.polled = polled_.size();
    s.reason = reason_;
    if (!tried_)
      s.mode = "idle";
    else if (!ino_)
      s.mode = "polling";
    else if (!polled_.empty())
      s.mode = "mixed";
    else
      s.mode = "inotify";
    return s;
  }

 private:
  // After fork() the child shares its parent's instance (reading from it would steal the
  // parent's events): it makes its own.
  void ensure_instance() {
    if (tried_ && fork_ == fork_generation()) return;
    const bool forked = tried_;
    tried_ = true;
    fork_ = fork_generation();
    by_path_.clear();
    gens_.clear();
    polled_.clear();
    leader_ = false;
    if (forked) reason_.clear();
    ino_ = unique_fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!ino_) {
      const int e = errno;
      reason_ = std::string("inotify_init1 failed (") + std::strerror(e) + ")" +
                (e == EMFILE ? ": the per-user limit of inotify instances "
                               "(fs.inotify.max_user_instances) is reached"
                             : "") +
                "; waits poll every 2 ms";
      return;
    }
    wake_ = unique_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  }

  int watch(const std::string& path, std::uint32_t mask) {
    if (auto it = by_path_.find(path); it != by_path_.end()) return it->second;
    const int wd = ::inotify_add_watch(ino_.get(), path.c_str(), mask);
    if (wd >= 0) {
      by_path_[path] = wd;
      return wd;
    }
    const int e = errno;
    if (e == ENOSPC && reason_.empty()) {
      reason_ = "inotify_add_watch(" + path +
                ") failed: the per-user limit of inotify watches (fs.inotify.max_user_watches) is "
                "reached; queues that could not be watched are polled every 2 ms";
    }
    if (e == ENOSPC) polled_.insert(path);
    return e > 0 ? -e : -1;  // -errno
  }

  [[nodiscard]] bool changed(const ticket& t) const {
    if (overflow_gen_ != t.all) return true;
    if (t.wd < 0) return false;
    auto it = gens_.find(t.wd);
    return it == gens_.end() ? true : it->second != t.seen;  // removed watch: look again
  }

  // Reads every pending event (mu_ held); bumps the generation of each watch that saw one.
  void drain() {
    alignas(inotify_event) char buf[8192];
    while (true) {
      const auto n = ::read(ino_.get(), buf, sizeof buf);
      if (n <= 0) break;
      for (char* p = buf; p < buf + n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(p);
        if ((ev->mask & IN_Q_OVERFLOW) != 0) ++overflow_gen_;
        if (ev->wd >= 0) {
          if ((ev->mask & IN_IGNORED) != 0) {  // the directory went away: watch it again next time
            gens_.erase(ev->wd);
            for (auto it = by_path_.begin(); it != by_path_.end(); ++it) {
              if (it->second == ev->wd) {
                by_path_.erase(it);
                break;
              }
            }
            ++overflow_gen_;
          } else {
            ++gens_[ev->wd];
          }
        }
        p += sizeof(inotify_event) + ev->len;
      }
    }
    std::uint64_t v;
    if (wake_) (void)!::read(wake_.get(), &v, sizeof v);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool tried_ = false;
  std::uint64_t fork_ = 0;  // fork_generation() the instance belongs to
  unique_fd ino_;
  unique_fd wake_;
  bool leader_ = false;
  std::map<std::string, int> by_path_;
  std::map<int, std::uint64_t> gens_;
  std::uint64_t overflow_gen_ = 0;
  std::set<std::string> polled_;  // directories that could not be watched
  std::string reason_;
};

}  // namespace detail
}  // namespace rstreams::bus
