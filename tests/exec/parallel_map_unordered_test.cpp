#include <rstreams/core/run.hpp>
#include <rstreams/exec/parallel_map_unordered.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/in_flight.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <latch>
#include <thread>
#include <vector>

namespace rs = rstreams;

static_assert(
    rs::source_of<decltype(rs::iota(0, 3) | rs::parallel_map_unordered(2, [](int x) { return x * 0.5; })),
                  double>);

TEST_CASE("parallel_map_unordered lets a fast element overtake a slow one",
          "[exec][parallel_map_unordered]") {
  std::latch second_done(1);
  const auto v =
      rs::run(rs::iota(0, 2) |
              rs::parallel_map_unordered(2,
                                         [&](int x) {
                                           if (x == 0)
                                             second_done.wait();  // element 0 finishes only after element 1
                                           else
                                             second_done.count_down();
                                           return x;
                                         }) |
              rs::to_vector());
  REQUIRE(v == std::vector<int>{1, 0});
}

TEST_CASE("parallel_map_unordered delivers every element once", "[exec][parallel_map_unordered]") {
  auto v =
      rs::run(rs::iota(0, 500) | rs::parallel_map_unordered(3, [](int x) { return x; }) | rs::to_vector());
  std::sort(v.begin(), v.end());
  bool all = v.size() == 500;
  for (std::size_t i = 0; all && i < v.size(); ++i) all = v[i] == static_cast<int>(i);
  REQUIRE(all);
}

TEST_CASE("parallel_map_unordered keeps at most n elements in flight", "[exec][parallel_map_unordered]") {
  rs::test::in_flight_meter meter;
  const auto got = rs::run(rs::test::metered_source(meter) |
                           rs::parallel_map_unordered(2, [](std::uint64_t x) { return x; }) |
                           rs::test::metered_sink(meter, 2000, [] { std::this_thread::yield(); }));
  REQUIRE(got == 2000);
  REQUIRE(meter.max_in_flight.load() <= 2);
}

TEST_CASE("parallel_map_unordered rejects a zero parallelism", "[exec][parallel_map_unordered]") {
  REQUIRE_THROWS_AS(rs::parallel_map_unordered(0, [](int x) { return x; }), rs::config_error);
}
