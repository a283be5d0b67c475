// The behaviour of read on every backend: support/contract/read_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/set_checkpoint.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/recording_sink.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
struct item {
  int n = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(item, n)

}  // namespace

static_assert(rstreams::source_of<rb::read_source<rt::local_bus::backend_type, json>, rb::event<json>>);
static_assert(rstreams::source_of<rb::read_source<rt::local_bus::backend_type, item>, rb::event<item>>);
static_assert(rstreams::source_of<rb::read_source<rt::local_bus::backend_type, rb::record>, rb::record>);

TEST_CASE("read: bad options and names are config errors", "[bus][read]") {
  rt::local_bus fx;
  REQUIRE_THROWS_AS(rb::read(fx.bus(), "r", "bad queue"), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::read(fx.bus(), "r", "q", {.batch = 0}), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::read(fx.bus(), "r", "q", {.start = "z/2024/13"}), rb::eid_error);
}
