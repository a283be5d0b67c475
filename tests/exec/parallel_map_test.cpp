#include <rstreams/core/error.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/parallel_map.hpp>
#include <rstreams/exec/thread_pool.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/in_flight.hpp>

#include <atomic>
#include <cstdint>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rs = rstreams;

namespace {
auto to_text = [](int x) { return std::to_string(x); };
using mapped = decltype(rs::iota(0, 3) | rs::parallel_map(2, to_text));
}  // namespace

static_assert(rs::source_of<mapped, std::string>);
static_assert(rs::stage<decltype(rs::parallel_map(2, to_text))>);

TEST_CASE("parallel_map keeps the input order", "[exec][parallel_map]") {
  // Early elements are the slowest, so they finish last.
  const auto v = rs::run(rs::iota(0, 200) |
                         rs::parallel_map(4,
                                          [](int x) {
                                            if (x % 4 == 0)
                                              for (int i = 0; i < 50; ++i) std::this_thread::yield();
                                            return x * 3;
                                          }) |
                         rs::to_vector());
  REQUIRE(v.size() == 200);
  bool in_order = true;
  for (std::size_t i = 0; i < v.size(); ++i) in_order = in_order && v[i] == static_cast<int>(i) * 3;
  REQUIRE(in_order);
}

TEST_CASE("parallel_map runs n calls at once without waiting for downstream", "[exec][parallel_map]") {
  // Each call waits until n calls have started: this only finishes if n run together.
  constexpr int n = 3;
  std::latch all_started(n);
  const auto total = rs::run(rs::iota(0, n) |
                             rs::parallel_map(n,
                                              [&](int x) {
                                                all_started.arrive_and_wait();
                                                return x;
                                              }) |
                             rs::sum());
  REQUIRE(total == 3);
}

TEST_CASE("parallel_map keeps at most n elements in flight", "[exec][parallel_map]") {
  rs::test::in_flight_meter meter;
  const auto got =
      rs::run(rs::test::metered_source(meter) | rs::parallel_map(4, [](std::uint64_t x) { return x; }) |
              rs::test::metered_sink(meter, 3000, [] { std::this_thread::yield(); }));
  REQUIRE(got == 3000);
  REQUIRE(meter.max_in_flight.load() <= 4);
}

TEST_CASE("parallel_map bounds add up with async boundaries", "[exec][parallel_map]") {
  rs::test::in_flight_meter meter;
  rs::thread_pool pool(2);
  const auto got = rs::run(rs::test::metered_source(meter) | rs::async(16) |
                               rs::parallel_map(3, [](std::uint64_t x) { return x + 1; }) | rs::async(8) |
                               rs::test::metered_sink(meter, 3000, [] {}),
                           pool);
  REQUIRE(got == 3000);
  REQUIRE(meter.max_in_flight.load() <= 16 + 3 + 8);
}

TEST_CASE("an exception in a worker surfaces as the stage_error of that element", "[exec][parallel_map]") {
  auto p = rs::iota(0, 1000) |
           rs::parallel_map(4,
                            [](int x) {
                              if (x == 123) throw std::runtime_error("bad lookup");
                              return x;
                            }) |
           rs::sum();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "parallel_map");
    REQUIRE(e.position() == 1);
    REQUIRE(e.element() == 123);
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "bad lookup");
  }
}

TEST_CASE("parallel_map stops its workers when the sink is satisfied", "[exec][parallel_map]") {
  const auto v =
      rs::run(rs::iota(0) | rs::parallel_map(2, [](int x) { return x; }) | rs::take(5) | rs::to_vector());
  REQUIRE(v == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("parallel_map under skip drops failed elements and counts them", "[exec][parallel_map]") {
  std::atomic<std::size_t> skipped{0};
  const auto v = rs::run(rs::iota(0, 10) |
                         rs::parallel_map(
                             3,
                             [](int x) {
                               if (x % 3 == 0) throw std::runtime_error("no");
                               return x;
                             },
                             rs::on_error::skip{&skipped}) |
                         rs::to_vector());
  REQUIRE(v == std::vector<int>{1, 2, 4, 5, 7, 8});
  REQUIRE(skipped.load() == 4);
}

TEST_CASE("parallel_map rejects a zero or negative parallelism at construction", "[exec][parallel_map]") {
  REQUIRE_THROWS_WITH(rs::parallel_map(0, to_text),
                      "rstreams::parallel_map: parallelism must be at least 1 (got 0)");
  REQUIRE_THROWS_AS(rs::parallel_map(-1, to_text), rs::config_error);
  REQUIRE_THROWS_AS(rs::parallel_map(rs::iota(0, 3), 0, to_text), rs::config_error);
}

TEST_CASE("parallel_map works as a plain range outside run", "[exec][parallel_map]") {
  auto src = rs::iota(0, 4) | rs::parallel_map(2, [](int x) { return x * x; });
  std::vector<int> seen;
  for (int x : src) seen.push_back(x);
  REQUIRE(seen == std::vector<int>{0, 1, 4, 9});
}
