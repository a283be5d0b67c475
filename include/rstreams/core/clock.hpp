#pragma once
// Time for stages: the real steady clock in production, a manual clock in tests,
// so batching by age, throttling, windows and run-time limits run without sleeps.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <stop_token>

namespace rstreams {

/// The clock a pipeline takes its time from. Calls happen per batch or per timer,
/// never per element, so a virtual call is cheap enough and keeps stages untemplated on it.
class clock {
 public:
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<std::chrono::steady_clock, duration>;

  virtual ~clock() = default;
  [[nodiscard]] virtual time_point now() const = 0;
  /// Blocks until `now() >= deadline` or a stop is requested; true when the deadline was reached.
  virtual bool sleep_until(time_point deadline, std::stop_token stop) = 0;

  bool sleep_for(duration d, std::stop_token stop) { return sleep_until(now() + d, std::move(stop)); }
};

/// The real monotonic clock.
class steady_clock final : public clock {
 public:
  [[nodiscard]] time_point now() const override {
    return std::chrono::time_point_cast<duration>(std::chrono::steady_clock::now());
  }
  bool sleep_until(time_point deadline, std::stop_token stop) override {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait_until(lock, stop, deadline, [] { return false; });
    return !stop.stop_requested();
  }
};

/// The process-wide real clock every run uses unless told otherwise.
inline steady_clock& steady_clock_source() noexcept {
  static steady_clock instance;
  return instance;
}

/// A clock that moves only when the test says so. Sleepers wake when `advance`
/// or `set` passes their deadline, or on a stop request.
class manual_clock final : public clock {
 public:
  explicit manual_clock(time_point start = time_point{}) : now_(start) {}

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

}  // namespace rstreams
