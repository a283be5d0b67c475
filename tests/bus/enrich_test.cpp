// The behaviour of enrich on every backend: support/contract/enrich_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/raw_json.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/set_checkpoint.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_spy.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
struct person {
  std::string name;
  int age = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(person, name, age)

struct greeting {
  std::string text;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(greeting, text)

auto greet = [](const person& p) { return greeting{"hello " + p.name}; };

}  // namespace

static_assert(std::is_invocable_r_v<rb::bot_stats, rb::enrich_fn, rt::local_bus::backend_type&,
                                    const rb::enrich_options&, decltype(greet)>);

TEST_CASE("enrich: bad options are config errors", "[bus][enrich]") {
  rt::local_bus fx;
  REQUIRE_THROWS_AS(rb::enrich(fx.bus(), {.bot = "b", .in = "in put", .out = "x"}, greet),
                    rstreams::config_error);
  REQUIRE_THROWS_AS(rb::enrich(fx.bus(), {.bot = "", .in = "in", .out = "x"}, greet), rstreams::config_error);
  rb::enrich_options o{.bot = "b", .in = "in", .out = "x"};
  o.write.records = 0;
  REQUIRE_THROWS_AS(rb::enrich(fx.bus(), o, greet), rstreams::config_error);
}
