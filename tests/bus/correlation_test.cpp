#include <rstreams/bus/correlation.hpp>

#include <support/catch.hpp>

#include <nlohmann/json.hpp>

namespace rb = rstreams::bus;

static_assert(std::regular<rb::correlation>);

TEST_CASE("correlation converts to and from JSON with RStreams' field names", "[bus][correlation]") {
  const rb::correlation c{"orders", "z/2021/06/14/17/19/1623691151425-0000000", "", 1};
  const nlohmann::json j = c;
  REQUIRE(j == nlohmann::json::parse(
                   R"({"source":"orders","start":"z/2021/06/14/17/19/1623691151425-0000000","units":1})"));
  REQUIRE(j.get<rb::correlation>() == c);
  REQUIRE(c.last() == c.start);

  const rb::correlation many{"orders", "z/a", "z/b", 3};
  const nlohmann::json jm = many;
  REQUIRE(jm["end"] == "z/b");
  REQUIRE(jm.get<rb::correlation>() == many);
  REQUIRE(many.last() == "z/b");
}

TEST_CASE("correlation reads missing and null fields as defaults", "[bus][correlation]") {
  const auto c = nlohmann::json::parse(R"({"source":"q","start":"z/1","end":null})").get<rb::correlation>();
  REQUIRE(c.end.empty());
  REQUIRE(c.units == 1);
  REQUIRE_THROWS_AS(nlohmann::json::parse(R"({"source":5})").get<rb::correlation>(),
                    nlohmann::json::type_error);
}
