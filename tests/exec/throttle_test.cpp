#include <rstreams/core/clock.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/throttle.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <chrono>
#include <future>
#include <stop_token>
#include <vector>

namespace rs = rstreams;
using namespace std::chrono_literals;

static_assert(rs::source_of<decltype(rs::iota(0, 3) | rs::throttle(2, 1s)), int>);

TEST_CASE("throttle lets a burst through, then one element per period/count", "[exec][throttle]") {
  rs::manual_clock clock;
  auto result = std::async(std::launch::async, [&] {
    return rs::run(rs::iota(0, 6) | rs::throttle(2, 1s) |
                       rs::transform([&](int) { return clock.now().time_since_epoch(); }) | rs::to_vector(),
                   rs::run_context{{}, &clock});
  });
  for (std::size_t k = 1; k <= 4; ++k) {
    clock.wait_for_sleeps(k);
    clock.advance(500ms);
  }
  const std::vector<rs::clock::duration> expected{0ms, 0ms, 500ms, 1000ms, 1500ms, 2000ms};
  REQUIRE(result.get() == expected);
}

TEST_CASE("a stop request ends a throttled wait", "[exec][throttle]") {
  rs::manual_clock clock;
  std::stop_source stop;
  auto result = std::async(std::launch::async, [&] {
    return rs::run(rs::iota(0) | rs::throttle(1, 1h) | rs::to_vector(),
                   rs::run_context{stop.get_token(), &clock});
  });
  clock.wait_for_sleeps(1);
  stop.request_stop();
  REQUIRE(result.get() == std::vector<int>{0, 1});  // the element waiting when stopped still goes out
}

TEST_CASE("throttle rejects bad rates at construction", "[exec][throttle]") {
  REQUIRE_THROWS_AS(rs::throttle(0, 1s), rs::config_error);
  REQUIRE_THROWS_AS(rs::throttle(-1, 1s), rs::config_error);
  REQUIRE_THROWS_WITH(rs::throttle(5, 0s), "rstreams::throttle: the period must be positive");
}
