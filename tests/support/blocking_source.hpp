#pragma once
// A source that hands out `ready` items and then blocks, as a followed file or a socket
// would, until its run is stopped (it honours the run context's stop token only).

#include <rstreams/core/context.hpp>
#include <rstreams/core/source_interface.hpp>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <stop_token>
#include <string_view>

namespace rstreams::test {

class blocking_source : public source_interface<blocking_source> {
 public:
  static constexpr std::string_view name = "blocking";
  using value_type = int;

  explicit blocking_source(int ready, std::atomic<bool>* blocked = nullptr)
      : ready_(ready), blocked_(blocked) {}
  blocking_source(blocking_source&& o) noexcept : ready_(o.ready_), blocked_(o.blocked_), stop_(o.stop_) {}

  void start(const run_context& ctx) { stop_ = ctx.stop; }

  template <class F>
  flow push(std::size_t n, F&& f) {
    for (; n != 0 && next_ < ready_; --n)
      if (!f(int(next_++))) return flow::more;
    if (n == 0) return flow::more;
    if (blocked_ != nullptr) blocked_->store(true);
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait(lock, stop_, [] { return false; });  // only a stop request ends the wait
    return flow::done;
  }

 private:
  int ready_;
  std::atomic<bool>* blocked_;
  std::stop_token stop_;
  int next_ = 0;
};

}  // namespace rstreams::test
