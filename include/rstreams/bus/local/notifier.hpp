#pragma once
// Wakes a waiting reader when any process appends to a queue: inotify on the queue's directory
// (or on the directory of queues until the queue exists), plus an eventfd that a stop request
// signals. Without inotify it falls back to polling every few milliseconds.
// Closing an inotify instance waits for an RCU grace period (milliseconds), so instances are
// kept and reused by the backend rather than made per wait.

#include <rstreams/bus/local/file.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace rstreams::bus::detail {

class change_notifier {
 public:
  /// Arms the watch at once, so that a change after construction is never missed.
  change_notifier(std::string queue_dir, std::string parent_dir)
      : queue_dir_(std::move(queue_dir)), parent_dir_(std::move(parent_dir)) {
    ino_ = unique_fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    stop_ = unique_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    (void)arm();
  }

  /// True once the queue's directory is watched (then a new watch is not needed).
  [[nodiscard]] bool watching_queue() const noexcept { return queue_watched_; }

  /// Forgets changes seen so far (call it before checking for data, never after).
  void clear() {
    (void)arm();
    drain();
  }

  /// Blocks until something changed in the watched directory, the deadline passes or stop is
  /// requested (spurious wake-ups are possible; the caller checks again).
  void wait_until(std::chrono::steady_clock::time_point deadline, const std::stop_token& stop) {
    // A watch on the queue added just now may have missed an append since the caller checked:
    // return so that it checks again, now covered by the watch.
    if (arm()) return;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline || stop.stop_requested()) return;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    const bool polling = !queue_watched_ && !parent_watched_;
    left = std::min<std::int64_t>(left, polling ? 2 : 1000);
    std::stop_callback on_stop(stop, [this] {
      const std::uint64_t one = 1;
      (void)!::write(stop_.get(), &one, sizeof one);
    });
    pollfd fds[2] = {{ino_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};  // poll skips a -1 descriptor
    if (::poll(fds, 2, static_cast<int>(left)) > 0) drain();
  }

 private:
  // Watches the queue's directory if it exists now (true when that watch is new), else its parent.
  bool arm() {
    if (!ino_ || queue_watched_) return false;
    constexpr std::uint32_t mask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE;
    if (::inotify_add_watch(ino_.get(), queue_dir_.c_str(), mask) >= 0) {
      queue_watched_ = true;
      return true;
    }
    if (!parent_watched_ &&
        ::inotify_add_watch(ino_.get(), parent_dir_.c_str(), IN_CREATE | IN_MOVED_TO) >= 0)
      parent_watched_ = true;
    return false;
  }

  void drain() {
    char buf[4096];
    if (ino_)
      while (::read(ino_.get(), buf, sizeof buf) > 0) {
      }
    std::uint64_t v;
    if (stop_) (void)!::read(stop_.get(), &v, sizeof v);
  }

  std::string queue_dir_;
  std::string parent_dir_;
  unique_fd ino_;
  unique_fd stop_;
  bool queue_watched_ = false;
  bool parent_watched_ = false;
};

}  // namespace rstreams::bus::detail
