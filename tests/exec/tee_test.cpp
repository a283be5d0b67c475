#include <rstreams/core/error.hpp>
#include <rstreams/core/metrics.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/tee.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/in_flight.hpp>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace rs = rstreams;

static_assert(rs::sink<decltype(rs::tee(rs::sum(), rs::to_vector()))>);

TEST_CASE("tee copies every element into each sink and yields their results", "[exec][tee]") {
  const auto [total, items] = rs::run(rs::iota(0, 100) | rs::tee(rs::sum(), rs::to_vector()));
  REQUIRE(total == 4950);
  REQUIRE(items.size() == 100);
  REQUIRE(items[99] == 99);
}

TEST_CASE("broadcast is tee, with a capacity per branch", "[exec][tee]") {
  const auto [a, b, c] = rs::run(rs::iota(0, 1000) | rs::broadcast(2, rs::count(), rs::sum(), rs::count()));
  REQUIRE(a == 1000);
  REQUIRE(b == 499500);
  REQUIRE(c == 1000);
}

TEST_CASE("the slowest branch sets the pace and bounds what is in flight", "[exec][tee]") {
  rs::test::in_flight_meter meter;
  const auto [slow, fast] = rs::run(
      rs::test::metered_source(meter, 2000) |
      rs::tee(4, rs::test::metered_sink(meter, SIZE_MAX, [] { std::this_thread::yield(); }), rs::count()));
  REQUIRE(slow == 2000);
  REQUIRE(fast == 2000);
  REQUIRE(meter.max_in_flight.load() <= 4);
}

TEST_CASE("a satisfied branch stops receiving while the others go on", "[exec][tee]") {
  const auto [firsts, all] = rs::run(rs::iota(0, 50) | rs::tee(rs::take(3) | rs::to_vector(), rs::count()));
  REQUIRE(firsts == std::vector<int>{0, 1, 2});
  REQUIRE(all == 50);
}

TEST_CASE("an error in a branch leaves run", "[exec][tee]") {
  auto p = rs::iota(0, 100) | rs::tee(rs::count(), rs::for_each([](int x) {
                                        if (x == 42) throw std::runtime_error("branch failed");
                                      }));
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "for_each");
    REQUIRE(e.element() == 42);
  }
}

TEST_CASE("tee rejects a zero capacity", "[exec][tee]") {
  REQUIRE_THROWS_AS(rs::tee(0, rs::count()), rs::config_error);
}

TEST_CASE("a metered tee reports each branch's elements, channel depth and capacity",
          "[exec][tee][metrics]") {
  rs::metrics_registry reg;
  std::atomic<int> slow_seen{0};
  const auto [firsts, slow, all] =
      rs::run(rs::iota(0, 500) | rs::tee(8, rs::take(3) | rs::to_vector(), rs::for_each([&](int) {
                                           if (slow_seen.fetch_add(1) < 20) std::this_thread::yield();
                                         }),
                                         rs::count())
                                     .metered(reg, "fanout"));
  REQUIRE(firsts.size() == 3);
  REQUIRE(all == 500);
  (void)slow;
  const auto snap = reg.snapshot();
  REQUIRE(snap.size() == 3);
  for (std::size_t i = 0; i < snap.size(); ++i) {
    INFO(i);
    REQUIRE(snap[i].pipeline == "fanout");
    REQUIRE(snap[i].position == i);
    REQUIRE(snap[i].stage == "tee branch");
    REQUIRE(snap[i].channel_capacity == 8);
    REQUIRE(snap[i].channel_depth >= 1);
    REQUIRE(snap[i].channel_depth <= 8);
  }
  // The satisfied branch took 3 and was handed no more than its channel holds after them.
  REQUIRE(snap[0].out >= 3);
  REQUIRE(snap[0].in <= snap[0].out + 8);
  REQUIRE(snap[1].in == 500);
  REQUIRE(snap[1].out == 500);
  REQUIRE(snap[2].in == 500);
  REQUIRE(snap[2].out == 500);
}
