#pragma once
// A bounded multi-producer single-consumer channel: the hand-off of a merge.

#include <rstreams/core/error.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

namespace rstreams {

/// Several producers, one consumer, at most `capacity` items held. Producers reserve room
/// first (`reserve`), fill a local batch, and `put` it under one lock; the consumer takes
/// everything there in one lock and returns the room once it delivered the items (`release`),
/// so items count against the capacity until the consumer is done with them. Producers are
/// counted: the channel ends when every producer called `done` and the items are gone.
template <class T>
class mpsc_channel {
 public:
  mpsc_channel(std::size_t capacity, std::size_t producers) : capacity_(capacity), producers_(producers) {
    if (capacity == 0) throw config_error("rstreams: a channel capacity must be at least 1");
  }

  /// Room for up to `want` items, waiting for at least one; 0 on stop or cancel.
  std::size_t reserve(std::size_t want, std::stop_token stop) {
    std::unique_lock lock(mutex_);
    space_cv_.wait(lock, stop, [&] { return held_ < capacity_ || cancelled_; });
    if (cancelled_ || stop.stop_requested()) return 0;
    const std::size_t n = std::min(want, capacity_ - held_);
    held_ += n;
    return n;
  }

  /// Adds a batch (after `reserve(k)` with k >= items.size()); returns the unused room.
  void put(std::vector<T>& items, std::size_t reserved) {
    {
      std::lock_guard lock(mutex_);
      for (auto& x : items) queue_.push_back(std::move(x));
      held_ -= reserved - items.size();
    }
    items.clear();
    items_cv_.notify_one();
    if (reserved != 0) space_cv_.notify_all();
  }

  /// One producer has finished (with an error, which ends the merge after what came before).
  void done(std::exception_ptr error = nullptr) {
    {
      std::lock_guard lock(mutex_);
      --producers_;
      if (error && !error_) error_ = std::move(error);
    }
    items_cv_.notify_one();
  }

  /// Moves every queued item into `out` (waiting for one); false when the channel ended. The
  /// items keep their room until `release(out.size())`.
  bool take(std::deque<T>& out, std::stop_token cancel) {
    std::unique_lock lock(mutex_);
    items_cv_.wait(lock, cancel, [&] { return !queue_.empty() || producers_ == 0 || error_; });
    if (error_) std::rethrow_exception(error_);
    if (queue_.empty()) return false;
    while (!queue_.empty()) {
      out.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return true;
  }

  void release(std::size_t n) {
    if (n == 0) return;
    {
      std::lock_guard lock(mutex_);
      held_ -= n;
    }
    space_cv_.notify_all();
  }

  /// The consumer left: waiting producers give up.
  void cancel() {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
    }
    space_cv_.notify_all();
  }

 private:
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable_any space_cv_, items_cv_;
  std::deque<T> queue_;
  std::size_t held_ = 0;  // reserved by producers + queued + taken but not yet delivered
  std::size_t producers_;
  bool cancelled_ = false;
  std::exception_ptr error_;
};

}  // namespace rstreams
