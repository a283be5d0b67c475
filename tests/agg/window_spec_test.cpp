#include <rstreams/agg/window_spec.hpp>
#include <rstreams/core/error.hpp>

#include <support/catch.hpp>

#include <chrono>

namespace rs = rstreams;
using namespace std::chrono_literals;

static_assert(rs::window_spec<rs::count_window_spec>);
static_assert(rs::window_spec<rs::time_window_spec>);
static_assert(rs::window_spec<rs::session_window_spec>);
static_assert(!rs::window_spec<int>);

TEST_CASE("window specs carry their size and slide", "[agg][window_spec]") {
  const auto t = rs::tumbling(5);
  REQUIRE(t.size == 5);
  REQUIRE(t.slide == 5);
  const auto s = rs::sliding(1min, 10s);
  REQUIRE(s.size == 60s);
  REQUIRE(s.slide == 10s);
  REQUIRE(rs::session(30min).gap == 30min);
}

TEST_CASE("a zero size, a zero slide or a slide larger than the size is rejected", "[agg][window_spec]") {
  REQUIRE_THROWS_WITH(rs::tumbling(0),
                      "rstreams::window: tumbling window size must be at least 1 element (got 0)");
  REQUIRE_THROWS_WITH(rs::tumbling(0s), "rstreams::window: tumbling window size must be positive (got 0 ns)");
  REQUIRE_THROWS_WITH(
      rs::sliding(5, 10),
      "rstreams::window: the slide (10 elements) is larger than the size (5 elements); windows "
      "would skip elements");
  REQUIRE_THROWS_WITH(rs::sliding(1s, 2s),
                      "rstreams::window: the slide (2000000000 ns) is larger than the size (1000000000 ns); "
                      "windows would skip events");
  REQUIRE_THROWS_AS(rs::sliding(10ms, 0ms), rs::config_error);
  REQUIRE_THROWS_AS(rs::sliding(10, -1), rs::config_error);
  REQUIRE_THROWS_AS(rs::session(0s), rs::config_error);
  REQUIRE_THROWS_AS(rs::session(-1s), rs::config_error);
  REQUIRE_THROWS_WITH(
      rs::tumbling(std::chrono::hours(24 * 365 * 100)),
      "rstreams::window: tumbling window size is too large (at most 2^60 ns, about 36 years)");
}
