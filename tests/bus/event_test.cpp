#include <rstreams/bus/event.hpp>

#include <support/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>

namespace rb = rstreams::bus;

namespace {
struct member {
  std::string name;
  int age = 0;
  friend bool operator==(const member&, const member&) = default;
};
void to_json(nlohmann::json& j, const member& p) {
  j = nlohmann::json{{"name", p.name}, {"age", p.age}};
}
void from_json(const nlohmann::json& j, member& p) {
  j.at("name").get_to(p.name);
  j.at("age").get_to(p.age);
}
}  // namespace

static_assert(std::is_same_v<decltype(rb::event<>{}.payload), nlohmann::json>);
static_assert(std::is_aggregate_v<rb::event<member>>);

TEST_CASE("event converts to and from RStreams' JSON envelope", "[bus][event]") {
  rb::event<member> e;
  e.id = "loader";
  e.event = "people";
  e.payload = {"Ada", 36};
  e.eid = "z/2021/06/14/17/19/1623691151425-0000000";
  e.timestamp = 1623691151425;
  e.event_source_timestamp = 1623691151000;
  e.correlation_id = rb::correlation{"raw", "z/2021/06/14/17/19/1623691151000-0000004", "", 1};
  const nlohmann::json j = e;
  REQUIRE(j["id"] == "loader");
  REQUIRE(j["event"] == "people");
  REQUIRE(j["payload"]["name"] == "Ada");
  REQUIRE(j["event_source_timestamp"] == 1623691151000);
  REQUIRE(j["correlation_id"]["source"] == "raw");
  const auto back = j.get<rb::event<member>>();
  REQUIRE(back.payload == e.payload);
  REQUIRE(back.eid == e.eid);
  REQUIRE(back.correlation_id == e.correlation_id);
  REQUIRE(back.timestamp == e.timestamp);
}

TEST_CASE("event reads missing envelope fields as defaults, but not a bad payload", "[bus][event]") {
  const auto e = nlohmann::json::parse(R"({"event":"q","payload":{"a":1}})").get<rb::event<>>();
  REQUIRE(e.event == "q");
  REQUIRE(e.payload["a"] == 1);
  REQUIRE_FALSE(e.correlation_id.has_value());
  REQUIRE(e.timestamp == 0);
  REQUIRE_THROWS_AS(nlohmann::json::parse(R"({"payload":{"name":"x"}})").get<rb::event<member>>(),
                    nlohmann::json::exception);
}

TEST_CASE("event has an fmt formatter printing its JSON", "[bus][event]") {
  rb::event<> e{"bot", "q", nlohmann::json{{"x", 1}}, "", 5, 4, std::nullopt};
  REQUIRE(fmt::format("{}", e) ==
          R"({"event":"q","event_source_timestamp":4,"id":"bot","payload":{"x":1},"timestamp":5})");
}
