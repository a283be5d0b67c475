#include <rstreams/core/error.hpp>
#include <rstreams/core/metered.hpp>
#include <rstreams/core/metrics.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/merge.hpp>
#include <rstreams/exec/thread_pool.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/blocking_source.hpp>
#include <support/catch.hpp>
#include <support/in_flight.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<decltype(rs::merge(rs::iota(0, 3), rs::iota(5, 8))), int>);

TEST_CASE("merge delivers every element of every source", "[exec][merge]") {
  auto v = rs::run(rs::merge(rs::iota(0, 500), rs::iota(500, 1000), std::vector<int>{1000, 1001}) |
                   rs::to_vector());
  std::sort(v.begin(), v.end());
  REQUIRE(v.size() == 1002);
  REQUIRE(v.front() == 0);
  REQUIRE(v.back() == 1001);
  REQUIRE(std::adjacent_find(v.begin(), v.end()) == v.end());
}

TEST_CASE("merge keeps each source's order", "[exec][merge]") {
  const auto v = rs::run(rs::merge(rs::iota(0, 300), rs::iota(1000, 1300)) | rs::to_vector());
  int last_low = -1, last_high = 999;
  bool ordered = true;
  for (int x : v) {
    if (x < 1000) {
      ordered = ordered && x > last_low;
      last_low = x;
    } else {
      ordered = ordered && x > last_high;
      last_high = x;
    }
  }
  REQUIRE(ordered);
}

TEST_CASE("merge passes elements as they arrive, even while another source is blocked", "[exec][merge]") {
  std::stop_source stop;
  auto result = std::async(std::launch::async, [&] {
    return rs::run(rs::merge(rs::test::blocking_source(0), rs::iota(0, 3)) | rs::take(3) | rs::to_vector(),
                   stop.get_token());
  });
  REQUIRE(result.get() == std::vector<int>{0, 1, 2});
}

TEST_CASE("merge keeps in flight within its capacity", "[exec][merge]") {
  rs::test::in_flight_meter meter;
  rs::thread_pool pool(2);
  const auto got = rs::run(rs::merge(8, rs::test::metered_source(meter), rs::test::metered_source(meter)) |
                               rs::test::metered_sink(meter, 3000, [] { std::this_thread::yield(); }),
                           pool);
  REQUIRE(got == 3000);
  REQUIRE(meter.max_in_flight.load() <= 8);
}

TEST_CASE("an error in one merged source leaves run", "[exec][merge]") {
  auto bad = rs::iota(0, 100) | rs::transform([](int x) {
               if (x == 50) throw std::runtime_error("bad source");
               return x;
             });
  REQUIRE_THROWS_AS(rs::run(rs::merge(std::move(bad), rs::iota(0)) | rs::to_vector()), rs::stage_error);
}

TEST_CASE("merge rejects a zero capacity", "[exec][merge]") {
  REQUIRE_THROWS_AS(rs::merge(0, rs::iota(0, 1)), rs::config_error);
}

TEST_CASE("merge: metered, its channel's capacity and depth and what it hands on", "[exec][merge][metered]") {
  rs::metrics_registry reg;
  // The async input is not metered: its own channel must not report into the merge's counters.
  auto v =
      rs::run(rs::metered(reg, "p", rs::merge(16, rs::iota(0, 500) | rs::async(4), rs::iota(500, 1000))) |
              rs::metered(reg, "p", rs::filter([](int x) { return x % 2 == 0; })) | rs::to_vector());
  REQUIRE(v.size() == 500);
  const auto all = reg.snapshot();
  REQUIRE(all.size() == 2);
  const auto& m = all[0];
  CHECK(m.stage == "merge");
  CHECK(m.position == 0);
  CHECK(m.in == 1000);
  CHECK(m.out == 1000);
  CHECK(m.channel_capacity == 16);
  // The depth the consumer last found: something, never more than the capacity.
  CHECK(m.channel_depth >= 1);
  CHECK(m.channel_depth <= 16);
  const auto& f = all[1];
  CHECK(f.stage == "filter");
  CHECK(f.position == 1);
  CHECK(f.in == 1000);
  CHECK(f.out == 500);
  CHECK(f.channel_capacity == -1);
}
