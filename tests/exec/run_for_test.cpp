#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/run_for.hpp>
#include <rstreams/exec/thread_pool.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/blocking_source.hpp>
#include <support/catch.hpp>
#include <support/in_flight.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <thread>
#include <vector>

namespace rs = rstreams;
using namespace std::chrono_literals;

TEST_CASE("run_for stops an endless inline pipeline when the manual clock passes the limit",
          "[exec][run_for]") {
  rs::manual_clock clock;
  std::atomic<int> seen{0};
  auto result = std::async(std::launch::async, [&] {
    return rs::run_for(rs::iota(0) | rs::transform([&](int x) {
                         ++seen;
                         return x;
                       }) | rs::count(),
                       10s, rs::run_context{{}, &clock});
  });
  clock.wait_for_sleepers(1);  // the run's timer waits for the deadline
  while (seen.load() == 0) std::this_thread::yield();
  clock.advance(9s);
  REQUIRE(result.wait_for(0s) == std::future_status::timeout);
  clock.advance(1s);
  REQUIRE(result.get() > 0);
}

TEST_CASE("run_for stops the source and flushes what is in flight", "[exec][run_for]") {
  rs::manual_clock clock;
  rs::test::in_flight_meter meter;
  auto result = std::async(std::launch::async, [&] {
    return rs::run_for(rs::test::metered_source(meter) | rs::async(8) | rs::async(4) |
                           rs::test::metered_sink(meter, SIZE_MAX, [] {}),
                       1min, rs::run_context{{}, &clock});
  });
  clock.wait_for_sleepers(1);
  while (meter.received.load() < 100) std::this_thread::yield();
  clock.advance(1min);
  const auto got = result.get();
  REQUIRE(got >= 100);
  REQUIRE(static_cast<std::int64_t>(got) == meter.produced.load());  // nothing lost in the channels
}

TEST_CASE("run_until wakes a blocked source at the deadline and runs on a pool", "[exec][run_for]") {
  rs::manual_clock clock;
  rs::thread_pool pool(2);
  std::atomic<bool> blocked{false};
  auto result = std::async(std::launch::async, [&] {
    return rs::run_until(rs::test::blocking_source(4, &blocked) | rs::async(8) | rs::to_vector(),
                         clock.now() + 5s, pool, rs::run_context{{}, &clock});
  });
  clock.wait_for_sleepers(1);
  while (!blocked.load()) std::this_thread::yield();
  clock.advance(5s);
  REQUIRE(result.get() == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("a pipeline that ends before the deadline returns at once", "[exec][run_for]") {
  rs::manual_clock clock;
  REQUIRE(rs::run_for(rs::iota(0, 10) | rs::async(2) | rs::count(), 1h, rs::run_context{{}, &clock}) == 10);
}
