#pragma once
// A test sink that records the elements it receives (its result, a std::vector), with a chosen
// demand per step and an optional point where it says "stop" — to test how operators honour
// demand and early termination:
//
//   auto got = rstreams::run(src | op | rstreams::test::recording_sink(/*demand=*/3, /*stop_after=*/5));
//
// It also notes whether `start(ctx)` was called, in an optional log the test owns.

#include <rstreams/core/context.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/run.hpp>

#include <cstddef>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams::test {

/// What a recording sink saw besides the elements.
struct sink_log {
  std::size_t starts = 0;      ///< calls of start(ctx)
  std::size_t accepts = 0;     ///< calls of accept(x)
  std::size_t finishes = 0;    ///< calls of finish()
  bool stop_possible = false;  ///< whether the context's stop token could be stopped
};

class recording_sink : public sink_closure<recording_sink> {
 public:
  static constexpr std::string_view name = "recording_sink";
  static constexpr std::size_t never = std::numeric_limits<std::size_t>::max();

  /// Asks for `demand` elements per step; returns false ("stop") on the `stop_after`-th element.
  explicit recording_sink(std::size_t demand = default_demand, std::size_t stop_after = never,
                          sink_log* log = nullptr) noexcept
      : demand_(demand), stop_after_(stop_after), log_(log) {}

  template <class T>
  class consumer_type {
   public:
    consumer_type(std::size_t demand, std::size_t stop_after, sink_log* log)
        : demand_(demand), stop_after_(stop_after), log_(log) {}

    [[nodiscard]] std::size_t demand() const noexcept { return demand_; }
    void start(const run_context& ctx) {
      if (log_) {
        ++log_->starts;
        log_->stop_possible = ctx.stop.stop_possible();
      }
    }
    template <class X>
    bool accept(X&& x) {
      if (log_) ++log_->accepts;
      items_.emplace_back(std::forward<X>(x));
      return items_.size() < stop_after_;
    }
    std::vector<T> finish() {
      if (log_) ++log_->finishes;
      return std::move(items_);
    }

   private:
    std::size_t demand_;
    std::size_t stop_after_;
    sink_log* log_;
    std::vector<T> items_;
  };

  template <class T>
  auto consumer(std::size_t /*position*/) && {
    return consumer_type<T>(demand_, stop_after_, log_);
  }

 private:
  std::size_t demand_;
  std::size_t stop_after_;
  sink_log* log_;
};

}  // namespace rstreams::test
