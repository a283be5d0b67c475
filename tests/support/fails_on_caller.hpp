#pragma once
// A function for a parallel stage with workers = 2 whose calls on the thread that runs the
// pipeline (the caller, one of the workers) all fail, and whose calls on the worker thread wait
// (at most 10 s) until the caller has computed one: so the caller surely computes, and the error
// is that of the first element it took (`first()`).

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace rstreams::test {

class fails_on_caller {
 public:
  /// The stage's function; `*this` must outlive the run.
  auto fn() {
    return [this](int x) {
      if (std::this_thread::get_id() == caller_) {
        int none = -1;
        first_.compare_exchange_strong(none, x);
        throw std::runtime_error("on the caller");
      }
      while (first_.load() < 0 && std::chrono::steady_clock::now() < until_)
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      return x;
    };
  }
  /// The first element the caller computed, or -1.
  [[nodiscard]] int first() const { return first_.load(); }

 private:
  std::thread::id caller_ = std::this_thread::get_id();
  std::atomic<int> first_{-1};
  std::chrono::steady_clock::time_point until_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
};

}  // namespace rstreams::test
