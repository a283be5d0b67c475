#pragma once
// Time for stages: the real steady clock in production, a manual clock in tests
// (core/manual_clock.hpp), so batching by age, throttling, windows and run-time limits run
// without sleeps.

#include <rstreams/core/detail/chrono.hpp>

#include <semaphore>
#include <stop_token>
#include <utility>

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
  // A semaphore rather than a condition variable: <stop_token> brings it along, and every
  // pipeline includes this header.
  bool sleep_until(time_point deadline, std::stop_token stop) override {
    std::binary_semaphore woken{0};
    std::stop_callback wake(stop, [&woken] { woken.release(); });
    while (!stop.stop_requested() && now() < deadline) (void)woken.try_acquire_until(deadline);
    return !stop.stop_requested();
  }
};

/// The process-wide real clock every run uses unless told otherwise.
inline steady_clock& steady_clock_source() noexcept {
  static steady_clock instance;
  return instance;
}

}  // namespace rstreams
