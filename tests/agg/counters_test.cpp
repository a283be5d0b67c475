#include <rstreams/agg/counters.hpp>

#include <support/catch.hpp>

namespace rs = rstreams;

TEST_CASE("counters start at zero", "[agg][counters]") {
  const rs::agg_counters c;
  REQUIRE(c.elements == 0);
  REQUIRE(c.evicted == 0);
  REQUIRE(c.dropped == 0);
  REQUIRE(c.late == 0);
  REQUIRE(c.skipped == 0);
  REQUIRE(c.idle_advances == 0);
  REQUIRE(c.fired == 0);
}
