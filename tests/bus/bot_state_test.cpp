#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/local/local_backend.hpp>

#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

namespace rb = rstreams::bus;
using json = nlohmann::json;

namespace {
struct no_state_store {};
}  // namespace

static_assert(rb::stores_bot_state<rb::local_backend>);
static_assert(!rb::stores_bot_state<no_state_store>);

TEST_CASE("bot_state round-trips through JSON; missing fields read as defaults", "[bus][bot_state]") {
  const rb::bot_state s{4, true, "timeout"};
  REQUIRE(json(s).get<rb::bot_state>() == s);
  REQUIRE(json::parse("{}").get<rb::bot_state>() == rb::bot_state{});
}

TEST_CASE("local backend: bot state is stored per bot, replaced whole, and errors name the file",
          "[bus][bot_state]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string());
  REQUIRE_FALSE(bus.get_bot_state("b1"));
  bus.put_bot_state("b1", {2, false, "x"});
  bus.put_bot_state("b1", {3, true, "y"});
  REQUIRE(bus.get_bot_state("b1") == rb::bot_state{3, true, "y"});
  REQUIRE_FALSE(bus.get_bot_state("b2"));
  REQUIRE_THROWS_AS(bus.put_bot_state("bad name", {}), rstreams::config_error);

  const auto path = dir.path() / "checkpoints" / "b1" / ".state.json";
  std::ofstream(path, std::ios::trunc) << "{broken";
  REQUIRE_THROWS_WITH(bus.get_bot_state("b1"), Catch::Matchers::Contains(path.string()) &&
                                                   Catch::Matchers::Contains("unreadable bot state"));
}
