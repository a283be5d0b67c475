#pragma once
// The latest live update, shared by every /api/events stream: one text and its sequence
// number, replaced at each sample. Streams wait for a newer one; nothing queues per client, so
// a slow or idle client costs no memory however long it stays.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace rstreams::dashboard {

/// One published text at a time, numbered from 1.
class live_feed {
 public:
  /// Replaces the latest update and wakes every waiter.
  void publish(std::string update) {
    {
      std::lock_guard lock(mu_);
      latest_ = std::move(update);
      ++seq_;
    }
    cv_.notify_all();
  }

  /// The latest update when it is newer than `seen`, waiting up to `timeout` for one; nothing on
  /// timeout or once closed.
  std::optional<std::pair<std::uint64_t, std::string>> next_after(std::uint64_t seen,
                                                                  std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return closed_ || seq_ > seen; });
    if (closed_ || seq_ <= seen) return std::nullopt;
    return std::pair{seq_, latest_};
  }

  /// Wakes every waiter for good (the server is stopping).
  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

  [[nodiscard]] bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  [[nodiscard]] std::uint64_t sequence() const {
    std::lock_guard lock(mu_);
    return seq_;
  }
  /// Bytes held: the latest update only.
  [[nodiscard]] std::size_t held_bytes() const {
    std::lock_guard lock(mu_);
    return latest_.capacity();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string latest_;
  std::uint64_t seq_ = 0;
  bool closed_ = false;
};

}  // namespace rstreams::dashboard
