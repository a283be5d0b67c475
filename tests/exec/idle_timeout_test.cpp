#include <rstreams/core/clock.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/idle_timeout.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/blocking_source.hpp>
#include <support/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <vector>

namespace rs = rstreams;
using namespace std::chrono_literals;

static_assert(rs::source_of<decltype(rs::iota(0, 3) | rs::idle_timeout(1s)), int>);

TEST_CASE("idle_timeout ends the stream when a blocked source stays silent", "[exec][idle_timeout]") {
  rs::manual_clock clock;
  std::atomic<bool> blocked{false};
  auto result = std::async(std::launch::async, [&] {
    return rs::run(rs::test::blocking_source(3, &blocked) | rs::idle_timeout(30s) | rs::to_vector(),
                   rs::run_context{{}, &clock});
  });
  while (!blocked.load()) std::this_thread::yield();
  clock.wait_for_sleeps(1);
  clock.advance(29s);
  REQUIRE(result.wait_for(0s) == std::future_status::timeout);
  clock.advance(1s);
  REQUIRE(result.get() == std::vector<int>{0, 1, 2});
}

TEST_CASE("idle_timeout passes a busy source through to its end", "[exec][idle_timeout]") {
  rs::manual_clock clock;
  const auto v =
      rs::run(rs::iota(0, 1000) | rs::idle_timeout(1s) | rs::to_vector(), rs::run_context{{}, &clock});
  REQUIRE(v.size() == 1000);
  REQUIRE(v.back() == 999);
}

TEST_CASE("idle_timeout rejects a non-positive time", "[exec][idle_timeout]") {
  REQUIRE_THROWS_AS(rs::idle_timeout(0s), rs::config_error);
  REQUIRE_THROWS_AS(rs::idle_timeout(-1s), rs::config_error);
}
