#pragma once
// A bounded single-producer single-consumer channel: the hand-off between two segments.

#include <rstreams/core/detail/chrono.hpp>
#include <rstreams/core/error.hpp>

#include <atomic>
#include <bit>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>

namespace rstreams {

namespace detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

inline constexpr std::size_t cache_line = 64;

}  // namespace detail

/// A bounded ring between one producer thread and one consumer thread that moves items in
/// batches: the producer writes items into free slots (each visible at once through a release
/// store) and ends a batch with `publish`, the only fenced signal; the consumer hands out what
/// is there and returns credit (the freed slots) every half capacity and at the end of each
/// `consume`, not per item. Head and tail
/// sit on separate cache lines and each side caches the other's index, so the shared lines
/// move only when a side runs out. A side that finds nothing to do spins briefly, then blocks
/// on a condition variable (with the stop token where one is given) until the other side
/// signals; signals cost a fence and a load unless someone actually sleeps.
///
/// At most `capacity` items are held at any time, counting those the consumer is handing out.
/// The producer may `close` (optionally with an error); the consumer may `cancel` (it left).
template <class T>
class spsc_channel {
 public:
  using value_type = T;

  explicit spsc_channel(std::size_t capacity)
      : capacity_(checked(capacity)),
        mask_(std::bit_ceil(capacity) - 1),
        release_every_(capacity / 2 == 0 ? 1 : capacity / 2),
        slots_(std::allocator<T>{}.allocate(mask_ + 1)) {}

  spsc_channel(const spsc_channel&) = delete;
  spsc_channel& operator=(const spsc_channel&) = delete;

  ~spsc_channel() {
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    for (std::size_t p = chead_; p != tail; ++p) std::destroy_at(slot(p));
    std::allocator<T>{}.deallocate(slots_, mask_ + 1);
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  /// Items published and not yet released by the consumer (an instantaneous estimate).
  [[nodiscard]] std::size_t size_approx() const noexcept {
    return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
  }

  // ---- producer side -------------------------------------------------------------------

  /// Free slots, waiting until there is at least one; 0 when `stop` is requested or the
  /// consumer cancelled.
  std::size_t wait_for_space(std::stop_token stop = {}) {
    if (const std::size_t n = free_space()) return n;
    publish();  // the consumer may be waiting for what we hold
    block(producer_waiting_, stop, [&] {
      return cancelled_.load(std::memory_order_seq_cst) ||
             capacity_ - (ptail_ - head_.load(std::memory_order_seq_cst)) != 0;
    });
    if (cancelled()) return 0;
    return free_space();
  }

  /// Free slots now, without waiting (refreshes the cached head when it shows none).
  std::size_t free_space() noexcept {
    std::size_t n = capacity_ - (ptail_ - phead_);
    if (n == 0) {
      phead_ = head_.load(std::memory_order_acquire);
      n = capacity_ - (ptail_ - phead_);
    }
    return n;
  }

  /// Writes one item into a free slot. Precondition: `free_space()` counted it.
  /// The item is visible to the consumer at once (a release store, no fence), so a producer that
  /// blocks in the middle of a batch never holds items back; a consumer already asleep is woken.
  template <class... A>
  void emplace(A&&... args) {
    std::construct_at(slot(ptail_), std::forward<A>(args)...);
    ++ptail_;
    tail_.store(ptail_, std::memory_order_release);
    if (consumer_waiting_.load(std::memory_order_relaxed)) notify();
  }

  /// Ends a batch of `emplace`: wakes the consumer if it went to sleep meanwhile (the only
  /// point with a full fence on the producer side).
  void publish() noexcept {
    tail_.store(ptail_, std::memory_order_seq_cst);  // seq_cst: ordered before reading the flag in wake
    wake(consumer_waiting_);
  }

  /// No more items (after publishing what was written); `error` reaches the consumer after
  /// the items before it.
  void close(std::exception_ptr error = nullptr) noexcept {
    publish();
    error_ = std::move(error);
    closed_.store(true, std::memory_order_seq_cst);
    wake(consumer_waiting_);
  }

  [[nodiscard]] bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

  // ---- consumer side -------------------------------------------------------------------

  /// Items ready to consume, waiting until there is one; 0 when the channel is closed and
  /// empty (then `error()` tells whether it ended by an error), or when `stop` is requested.
  std::size_t wait_for_items(std::stop_token stop = {}) {
    if (const std::size_t n = available()) return n;
    release();
    block(consumer_waiting_, stop, [&] {
      return tail_.load(std::memory_order_seq_cst) != chead_ || closed_.load(std::memory_order_seq_cst);
    });
    if (const std::size_t n = available()) return n;
    if (closed_.load(std::memory_order_acquire)) {
      ctail_ = tail_.load(std::memory_order_acquire);  // items published just before closing
      return ctail_ - chead_;
    }
    return 0;
  }

  /// Items ready now, without waiting.
  std::size_t available() noexcept {
    std::size_t n = ctail_ - chead_;
    if (n == 0) {
      ctail_ = tail_.load(std::memory_order_acquire);
      n = ctail_ - chead_;
    }
    return n;
  }

  /// Hands up to `limit` ready items to `f(T&&)` (which returns false to stop after that item);
  /// returns how many were handed out. Credit goes back every half capacity and at the end.
  template <class F>
  std::size_t consume(std::size_t limit, F&& f) {
    std::size_t n = available();
    if (n > limit) n = limit;
    std::size_t taken = 0;
    while (taken < n) {
      T* p = slot(chead_);
      T item(std::move(*p));
      std::destroy_at(p);
      ++chead_;
      ++taken;
      const bool go = f(std::move(item));  // the slot stays counted until the item was handed on
      if (++unreleased_ >= release_every_) release();
      if (!go) break;
    }
    release();
    return taken;
  }

  /// The error the producer closed with, if any (meaningful once `wait_for_items` said 0).
  [[nodiscard]] std::exception_ptr error() const noexcept {
    return closed_.load(std::memory_order_acquire) ? error_ : nullptr;
  }

  /// The consumer leaves: a producer waiting for space wakes up and stops.
  void cancel() noexcept {
    cancelled_.store(true, std::memory_order_seq_cst);
    wake(producer_waiting_);
  }

 private:
  static std::size_t checked(std::size_t capacity) {
    if (capacity == 0) throw config_error("rstreams: a channel capacity must be at least 1");
    if (capacity > (std::size_t{1} << 40))
      throw config_error("rstreams: a channel capacity of " + std::to_string(capacity) +
                         " is too large (a negative number converted?)");
    return capacity;
  }

  T* slot(std::size_t pos) const noexcept { return slots_ + (pos & mask_); }

  void release() noexcept {
    if (unreleased_ == 0) return;
    unreleased_ = 0;
    head_.store(chead_, std::memory_order_seq_cst);
    wake(producer_waiting_);
  }

  template <class Ready>
  void block(std::atomic<bool>& waiting, const std::stop_token& stop, Ready ready) {
    for (int i = 0; i < 128; ++i) {
      if (ready() || stop.stop_requested()) return;
      if (i < 64)
        detail::cpu_relax();
      else
        std::this_thread::yield();
    }
    std::unique_lock lock(mutex_);
    // Dekker-style: the flag store and the index loads in `ready` are seq_cst, as are the
    // other side's index store and flag load in `wake`, so one of the two sees the other.
    waiting.store(true, std::memory_order_seq_cst);
    // Per-item signals are not fenced, so one may be missed: a sleeper looks again every
    // millisecond. Batch ends are fenced and never missed.
    while (!ready() && !stop.stop_requested()) cv_.wait_for(lock, stop, std::chrono::milliseconds(1), ready);
    waiting.store(false, std::memory_order_relaxed);
  }

  void wake(std::atomic<bool>& waiting) noexcept {
    if (waiting.load(std::memory_order_seq_cst)) notify();
  }
  void notify() noexcept {
    std::lock_guard lock(mutex_);
    cv_.notify_all();
  }

  const std::size_t capacity_;
  const std::size_t mask_;
  const std::size_t release_every_;
  T* const slots_;

  // The published indices each on a line of their own, then each side's private view on
  // another, so that writing a private index never evicts what the other side reads.
  alignas(detail::cache_line) std::atomic<std::size_t> head_{0};
  alignas(detail::cache_line) std::atomic<std::size_t> tail_{0};
  alignas(detail::cache_line) std::size_t chead_ = 0;
  std::size_t ctail_ = 0;
  std::size_t unreleased_ = 0;

  alignas(detail::cache_line) std::size_t ptail_ = 0;
  std::size_t phead_ = 0;

  // Rarely written: who sleeps, and the end.
  alignas(detail::cache_line) std::atomic<bool> consumer_waiting_{false};
  std::atomic<bool> producer_waiting_{false};
  std::atomic<bool> closed_{false};
  std::atomic<bool> cancelled_{false};
  std::exception_ptr error_;
  std::mutex mutex_;
  std::condition_variable_any cv_;
};

}  // namespace rstreams
