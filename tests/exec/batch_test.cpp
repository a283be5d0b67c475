#include <rstreams/core/clock.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/batch.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/blocking_source.hpp>
#include <support/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

namespace rs = rstreams;
using namespace std::chrono_literals;
using ints = std::vector<int>;

static_assert(rs::source_of<decltype(rs::iota(0, 3) | rs::batch(2)), std::vector<int>>);
static_assert(rs::stage<decltype(rs::batch({.count = 2, .age = 1s}))>);

TEST_CASE("batch by count groups elements and delivers the last partial batch", "[exec][batch]") {
  const auto v = rs::run(rs::iota(0, 7) | rs::batch(3) | rs::to_vector());
  REQUIRE(v == std::vector<ints>{{0, 1, 2}, {3, 4, 5}, {6}});
}

TEST_CASE("batch by bytes closes a batch when the sizes reach the limit", "[exec][batch]") {
  const std::vector<std::string> words{"ab", "cde", "f", "ghij", "k"};
  const auto v = rs::run(words | rs::batch({.bytes = 4}) | rs::to_vector());
  REQUIRE(v == std::vector<std::vector<std::string>>{{"ab", "cde"}, {"f", "ghij"}, {"k"}});
}

TEST_CASE("batch takes a size function, and the first limit to trip wins", "[exec][batch]") {
  const auto v =
      rs::run(rs::iota(1, 8) | rs::batch({.count = 3, .bytes = 5}, [](int x) { return std::size_t(x); }) |
              rs::to_vector());
  REQUIRE(v == std::vector<ints>{{1, 2, 3}, {4, 5}, {6}, {7}});
}

TEST_CASE("batch by age closes a batch when its first element is old enough", "[exec][batch]") {
  rs::manual_clock clock;
  std::atomic<bool> blocked{false};
  std::stop_source stop;
  std::mutex m;
  std::vector<ints> seen;
  auto result = std::async(std::launch::async, [&] {
    return rs::run(rs::test::blocking_source(3, &blocked) | rs::batch({.count = 100, .age = 5s}) |
                       rs::for_each([&](ints&& b) {
                         std::lock_guard lock(m);
                         seen.push_back(std::move(b));
                       }),
                   rs::run_context{stop.get_token(), &clock});
  });
  while (!blocked.load()) std::this_thread::yield();
  clock.wait_for_sleeps(1);  // the timer waits for the first batch's deadline
  clock.advance(4s);
  {
    std::lock_guard lock(m);
    REQUIRE(seen.empty());
  }
  clock.advance(1s);
  for (;;) {
    std::lock_guard lock(m);
    if (!seen.empty()) break;
  }
  stop.request_stop();
  REQUIRE(result.get() == 1);
  REQUIRE(seen == std::vector<ints>{{0, 1, 2}});
}

TEST_CASE("batch by age still closes batches by count, and flushes at the end", "[exec][batch]") {
  rs::manual_clock clock;
  const auto v = rs::run(rs::iota(0, 5) | rs::async(2) | rs::batch({.count = 2, .age = 1h}) | rs::to_vector(),
                         rs::run_context{{}, &clock});
  REQUIRE(v == std::vector<ints>{{0, 1}, {2, 3}, {4}});
}

TEST_CASE("batch stops an endless source when the sink is satisfied", "[exec][batch]") {
  rs::manual_clock clock;
  const auto v = rs::run(rs::iota(0) | rs::batch({.count = 2, .age = 1h}) | rs::take(2) | rs::to_vector(),
                         rs::run_context{{}, &clock});
  REQUIRE(v == std::vector<ints>{{0, 1}, {2, 3}});
}

TEST_CASE("batch rejects missing, zero or negative limits at construction", "[exec][batch]") {
  REQUIRE_THROWS_WITH(rs::batch(rs::batch_limits{}),
                      "rstreams::batch: set at least one limit (count, bytes or age), each at least 1");
  REQUIRE_THROWS_WITH(rs::batch(0), "rstreams::batch: count must be at least 1 (got 0)");
  REQUIRE_THROWS_AS(rs::batch(-5), rs::config_error);
  REQUIRE_THROWS_AS(rs::batch({.count = 3, .age = -1s}), rs::config_error);
}
