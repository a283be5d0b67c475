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
#include <support/bus_payloads.hpp>
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
using rt::item;

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

TEST_CASE("read: a start made from a time includes the events at that time", "[bus][read][eid]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  const auto eids = rb::put_events(bus, "loader", "items", std::vector<item>{{0}, {1}, {2}, {3}, {4}});
  const auto count = [&](const std::string& start) {
    std::vector<int> got;
    for (auto&& e : rb::read_as<item>(bus, "r", "items", {.start = start})) got.push_back(e.payload.n);
    return got;
  };
  // The first event of the batch has sequence 0 at its ms: a start from that ms includes it.
  const auto first = rb::parse_eid(eids[0]);
  REQUIRE(first.seq == 0);
  for (const auto g : {rb::eid_granularity::full, rb::eid_granularity::millisecond,
                       rb::eid_granularity::second, rb::eid_granularity::minute}) {
    INFO(rb::eid_from_time(first.ms, g));
    REQUIRE(count(rb::eid_from_time(first.ms, g)) == std::vector<int>{0, 1, 2, 3, 4});
  }
  // One ms later: only what came after.
  const auto later = count(rb::eid_from_time(first.ms + 1));
  REQUIRE(later.size() <= 5);
  for (std::size_t i = 0; i < later.size(); ++i)
    REQUIRE(rb::parse_eid(eids[5 - later.size() + i]).ms > first.ms);
}
