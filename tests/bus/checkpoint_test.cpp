#include <rstreams/bus/checkpoint.hpp>

#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace rb = rstreams::bus;

static_assert(std::regular<rb::checkpoint>);
static_assert(std::is_base_of_v<rstreams::error, rb::stale_checkpoint>);

TEST_CASE("checkpoint round-trips through JSON", "[bus][checkpoint]") {
  const rb::checkpoint c{"z/2021/06/14/17/19/1623691151425-0000002", 42, 1623691151000, 1623691152000};
  const nlohmann::json j = c;
  REQUIRE(j.get<rb::checkpoint>() == c);
}

TEST_CASE("stale_checkpoint names the bot, the queue and both eids", "[bus][checkpoint]") {
  const rb::stale_checkpoint e("enricher", "orders", std::nullopt, std::string("z/2"));
  REQUIRE(
      std::string(e.what()) ==
      "rstreams: stale checkpoint for bot enricher on queue orders: expected none, found \"z/2\" (another "
      "instance moved it; commit with force to override)");
  REQUIRE(e.bot() == "enricher");
  REQUIRE(e.queue() == "orders");
  REQUIRE_FALSE(e.expected().has_value());
  REQUIRE(e.found() == "z/2");
}
