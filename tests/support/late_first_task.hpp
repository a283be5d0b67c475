#pragma once
// A scheduler that starts each task on a thread of its own but holds the first one back until
// every other task has finished: a task that never gets a core while the others run (a
// parallel stage's feeder, spawned first), made deterministic. `give_up()` starts it anyway,
// so that a stage that waits for it fails its test instead of hanging; `gave_up()` says so.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace rstreams::test {

class late_first_task {
 public:
  late_first_task() = default;
  late_first_task(const late_first_task&) = delete;
  late_first_task& operator=(const late_first_task&) = delete;
  ~late_first_task() {
    give_up();
    for (auto& t : threads_) t.join();
  }

  void execute(std::function<void()> task) {
    std::lock_guard lock(mutex_);
    if (!held_) {
      held_ = true;
      threads_.emplace_back([this, t = std::move(task)] {
        wait_for_the_others();
        t();
      });
      return;
    }
    ++running_;
    ++started_;
    threads_.emplace_back([this, t = std::move(task)] {
      t();
      std::lock_guard done(mutex_);
      --running_;
      turn_.notify_all();
    });
  }

  void give_up() {
    std::lock_guard lock(mutex_);
    gave_up_ = true;
    turn_.notify_all();
  }
  bool gave_up() {
    std::lock_guard lock(mutex_);
    return gave_up_;
  }

 private:
  void wait_for_the_others() {
    std::unique_lock lock(mutex_);
    turn_.wait(lock, [this] { return gave_up_ || (started_ != 0 && running_ == 0); });
  }

  std::mutex mutex_;
  std::condition_variable turn_;
  bool held_ = false;
  bool gave_up_ = false;
  std::size_t running_ = 0;
  std::size_t started_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace rstreams::test
