#pragma once
// A clock for tests: time moves only when the test says so, so stages that wait on time
// (batching by age, throttling, windows, run-time limits) are tested without sleeps.

#include <rstreams/core/clock.hpp>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <stop_token>

namespace rstreams {

/// A clock that moves only when the test says so. Sleepers wake when `advance`
/// or `set` passes their deadline, or on a stop request.
/// (A template only so that a translation unit that includes this header without using it compiles
/// none of its body: the umbrella's compile time, benchmarks/compile_time. Use the name below.)
template <class = void>
class basic_manual_clock final : public clock {
 public:
  explicit basic_manual_clock(time_point origin = time_point{}) : now_(origin) {}

  [[nodiscard]] time_point now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  bool sleep_until(time_point deadline, std::stop_token stop) override {
    std::unique_lock lock(mutex_);
    ++sleepers_;
    ++sleeps_;
    changed_.notify_all();
    const bool reached = changed_.wait(lock, stop, [&] { return now_ >= deadline; });
    --sleepers_;
    return reached;
  }
  void advance(duration d) {
    {
      std::lock_guard lock(mutex_);
      now_ += d;
    }
    changed_.notify_all();
  }
  void set(time_point t) {
    {
      std::lock_guard lock(mutex_);
      now_ = t;
    }
    changed_.notify_all();
  }
  /// Waits until at least `n` threads sleep on this clock: lets a test advance time
  /// only once a worker is known to be waiting, without sleeping itself.
  void wait_for_sleepers(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return sleepers_ >= n; });
  }
  /// Waits until `sleep_until` has been called at least `n` times in all: a test can advance
  /// time step by step, each step once the next wait (with its deadline) is registered.
  void wait_for_sleeps(std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return sleeps_ >= n; });
  }
  [[nodiscard]] int sleepers() const {
    std::lock_guard lock(mutex_);
    return sleepers_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  time_point now_;
  int sleepers_ = 0;
  std::size_t sleeps_ = 0;
};

/// A clock for tests (basic_manual_clock above).
using manual_clock = basic_manual_clock<>;

}  // namespace rstreams
