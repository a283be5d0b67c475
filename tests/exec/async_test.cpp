#include <rstreams/core/error.hpp>
#include <rstreams/core/metered.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/thread_pool.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/blocking_source.hpp>
#include <support/catch.hpp>
#include <support/in_flight.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<decltype(rs::iota(0, 3) | rs::async(4)), int>);
static_assert(rs::stage<decltype(rs::async(4))>);
static_assert(rs::detail::drains_on_stop<decltype(rs::iota(0, 3) | rs::async(4) |
                                                  rs::transform([](int x) { return x; }))>());
static_assert(
    !rs::detail::drains_on_stop<decltype(rs::iota(0, 3) | rs::transform([](int x) { return x; }))>());

TEST_CASE("async passes every element, in order, across a thread", "[exec][async]") {
  const auto v = rs::run(rs::iota(0, 10'000) | rs::transform([](int x) { return x * 2; }) | rs::async(16) |
                         rs::to_vector());
  REQUIRE(v.size() == 10'000);
  bool in_order = true;
  for (int i = 0; i < 10'000; ++i) in_order = in_order && v[static_cast<std::size_t>(i)] == 2 * i;
  REQUIRE(in_order);
}

TEST_CASE("async segments chain, and the upstream runs on another thread", "[exec][async]") {
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> on_caller{false};
  const auto total = rs::run(rs::iota(1, 1001) | rs::transform([&](int x) {
                               if (std::this_thread::get_id() == caller) on_caller = true;
                               return x;
                             }) |
                             rs::async(8) | rs::async(3) | rs::sum());
  REQUIRE(total == 500500);
  REQUIRE_FALSE(on_caller.load());
}

TEST_CASE("async works as a plain range outside run", "[exec][async]") {
  auto src = rs::iota(0, 5) | rs::async(2);
  std::vector<int> seen;
  for (int x : src) seen.push_back(x);
  REQUIRE(seen == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("an infinite fast source into a slow sink keeps in flight at most the capacities",
          "[exec][async]") {
  rs::test::in_flight_meter meter;
  const auto got = rs::run(rs::test::metered_source(meter) | rs::async(8) |
                           rs::transform([](std::uint64_t x) { return x; }) | rs::async(5) |
                           rs::test::metered_sink(meter, 2000, [] { std::this_thread::yield(); }));
  REQUIRE(got == 2000);
  REQUIRE(meter.max_in_flight.load() <= 8 + 5);
  REQUIRE(meter.max_in_flight.load() >= 1);
}

TEST_CASE("an exception on the worker surfaces from run as the original stage_error", "[exec][async]") {
  auto p = rs::iota(0, 1000) | rs::transform([](int x) {
             if (x == 77) throw std::runtime_error("boom");
             return x;
           }) |
           rs::async(4) | rs::sum();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "transform");
    REQUIRE(e.element() == 77);
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "boom");
  }
}

TEST_CASE("a downstream error stops the worker and run still joins it", "[exec][async]") {
  auto p = rs::iota(0) | rs::async(4) | rs::transform([](int x) {
             if (x == 10) throw std::runtime_error("late");
             return x;
           }) |
           rs::sum();
  REQUIRE_THROWS_AS(rs::run(p), rs::stage_error);
}

TEST_CASE("a satisfied sink stops an infinite upstream segment", "[exec][async]") {
  const auto v = rs::run(rs::iota(0) | rs::async(4) | rs::take(3) | rs::to_vector());
  REQUIRE(v == std::vector<int>{0, 1, 2});
}

TEST_CASE("a blocked source behind async stops within 100 ms of a stop request", "[exec][async]") {
  std::atomic<bool> blocked{false};
  std::stop_source stop;
  auto result = std::async(std::launch::async, [&] {
    return rs::run(rs::test::blocking_source(3, &blocked) | rs::async(4) | rs::to_vector(), stop.get_token());
  });
  while (!blocked.load()) std::this_thread::yield();
  const auto asked = std::chrono::steady_clock::now();
  stop.request_stop();
  const auto v = result.get();
  const auto took = std::chrono::steady_clock::now() - asked;
  REQUIRE(v == std::vector<int>{0, 1, 2});  // what was in flight still arrives
  REQUIRE(took < std::chrono::milliseconds(100));
}

TEST_CASE("a blocked source in an inline run stops within 100 ms of a stop request", "[exec][async]") {
  std::atomic<bool> blocked{false};
  std::stop_source stop;
  auto result = std::async(std::launch::async, [&] {
    return rs::run(rs::test::blocking_source(2, &blocked) | rs::to_vector(), stop.get_token());
  });
  while (!blocked.load()) std::this_thread::yield();
  const auto asked = std::chrono::steady_clock::now();
  stop.request_stop();
  const auto v = result.get();
  REQUIRE(std::chrono::steady_clock::now() - asked < std::chrono::milliseconds(100));
  REQUIRE(v == std::vector<int>{0, 1});
}

TEST_CASE("async rejects a zero or negative capacity at construction", "[exec][async]") {
  REQUIRE_THROWS_WITH(rs::async(0), "rstreams::async: capacity must be at least 1 (got 0)");
  REQUIRE_THROWS_WITH(rs::async(-3), "rstreams::async: capacity must be at least 1 (got -3)");
  REQUIRE_THROWS_AS(rs::async(rs::iota(0, 3), 0u), rs::config_error);
}

TEST_CASE("async segments run on a thread pool given to run", "[exec][async]") {
  rs::thread_pool pool(3);  // one thread per async segment; the sink's segment runs on the caller
  for (int round = 0; round < 3; ++round) {
    const auto total =
        rs::run(rs::iota(0, 1000) | rs::async(8) | rs::async(8) | rs::async(8) | rs::sum(), pool);
    REQUIRE(total == 499500);
  }
}

TEST_CASE("async: metered, its channel's capacity and depth", "[exec][async][metered]") {
  rs::metrics_registry reg;
  const auto total =
      rs::run(rs::iota(0, 1000) |
              rs::metered(reg, "p", rs::transform([](int x) { return x + 1; }) | rs::async(16)) | rs::sum());
  CHECK(total == 500500);
  const auto all = reg.snapshot();
  REQUIRE(all.size() == 2);
  const auto& a = all[1];
  CHECK(a.stage == "async");
  CHECK(a.position == 2);
  CHECK(a.in == 1000);
  CHECK(a.out == 1000);
  CHECK(a.channel_capacity == 16);
  // The depth the consumer last found: something, never more than the capacity.
  CHECK(a.channel_depth >= 1);
  CHECK(a.channel_depth <= 16);
  CHECK(all[0].channel_capacity == -1);
}
