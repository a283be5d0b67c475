// The behaviour of put on every backend: support/contract/put_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/put.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
struct order {
  int id = 0;
  double total = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(order, id, total)
}  // namespace

static_assert(std::is_invocable_r_v<std::string, rb::put_fn, rt::local_bus::backend_type&, const char*,
                                    const char*, order>);

TEST_CASE("put: bad names are config errors", "[bus][put]") {
  rt::local_bus fx;
  REQUIRE_THROWS_AS(rb::put(fx.bus(), "loader", "a/b", json{}), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::put(fx.bus(), "bad bot", "q", json{}), rstreams::config_error);
}
