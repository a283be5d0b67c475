#include <rstreams/bus/derive.hpp>

#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rb = rstreams::bus;
using json = nlohmann::json;

static_assert(std::is_same_v<decltype(rb::derive(rb::event<json>{}, std::string{})), rb::event<std::string>>);

TEST_CASE("derive: one child points at its parent and keeps the source time", "[bus][derive]") {
  rb::event<json> parent;
  parent.event = "orders";
  parent.eid = "z/2024/01/01/00/00/1704067200000-0000003";
  parent.timestamp = 200;
  parent.event_source_timestamp = 100;
  const auto child = rb::derive(parent, 42);
  REQUIRE(child.payload == 42);
  REQUIRE(child.correlation_id == rb::correlation{"orders", parent.eid, "", 1});
  REQUIRE(child.event_source_timestamp == 100);
  parent.event_source_timestamp = 0;  // an event that entered the bus itself
  REQUIRE(rb::derive(parent, 1).event_source_timestamp == 200);
}

TEST_CASE("derive: N parents make a range with units and the first parent's source time", "[bus][derive]") {
  std::vector<rb::event<json>> parents(3);
  for (std::size_t i = 0; i < 3; ++i) {
    parents[i].event = "orders";
    parents[i].eid = "z/2024/01/01/00/00/1704067200000-000000" + std::to_string(i);
    parents[i].event_source_timestamp = 50 - static_cast<std::int64_t>(i);
  }
  const auto sum = rb::derive(parents, json{{"n", 3}});
  REQUIRE(sum.correlation_id == rb::correlation{"orders", parents[0].eid, parents[2].eid, 3});
  // The first parent's, not the earliest: the rule of enrich's batches and of the SDK.
  REQUIRE(sum.event_source_timestamp == 50);
  REQUIRE_THROWS_AS(rb::derive(std::vector<rb::event<json>>{}, 1), rstreams::config_error);
}
