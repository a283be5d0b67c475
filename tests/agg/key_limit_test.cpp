#include <rstreams/agg/key_limit.hpp>
#include <rstreams/core/error.hpp>

#include <support/catch.hpp>

namespace rs = rstreams;

TEST_CASE("the default key limit is bounded and emits what it evicts", "[agg][key_limit]") {
  const rs::key_limit d;
  REQUIRE(d.bounded);
  REQUIRE(d.max_keys == 65536);
  REQUIRE(d.policy == rs::on_evict::emit);
  const rs::key_limit small(3, rs::on_evict::discard);
  REQUIRE(small.max_keys == 3);
  REQUIRE(small.policy == rs::on_evict::discard);
}

TEST_CASE("unbounded_keys is the explicit opt-out", "[agg][key_limit]") {
  REQUIRE_FALSE(rs::unbounded_keys().bounded);
  REQUIRE_THROWS_AS(rs::key_limit(0), rs::config_error);
}
