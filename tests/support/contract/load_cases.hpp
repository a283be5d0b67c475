#pragma once
// The backend contract cases of load (run on every backend; see support/backend_contract.hpp).

#include <rstreams/bus/load.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/contract/registry.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rstreams::test::contract_load {
namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {

/// The load cases on fixture `TestType` (see support/bus_backends.hpp).
template <class TestType>
void add_load_cases(const contract_registry& cases) {
  cases.add("load puts any source of payloads into a queue", "[bus][load]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto r = rstreams::run(rstreams::iota(0, 1000) | rstreams::transform([](int i) {
                                   return json{{"i", i}};
                                 }) |
                                 rb::load(bus, "counter", "ints"));
    REQUIRE(r.events == 1000);
    const auto all = rt::read_all(bus, "ints");
    REQUIRE(all.size() == 1000);
    REQUIRE(r.last_eid == all.back().eid);
    for (std::size_t i = 0; i < all.size(); ++i) {
      REQUIRE(json::parse(all[i].payload)["i"] == i);
      REQUIRE(all[i].id == "counter");
      REQUIRE(all[i].event == "ints");
    }
    REQUIRE(bus.bots().empty());  // loading commits no checkpoint
  });

  cases.add("load keeps the envelope of events", "[bus][load]", [] {
    TestType fx;
    auto& bus = fx.bus();
    std::vector<rb::event<std::string>> events(1);
    events[0].payload = "hi";
    events[0].event_source_timestamp = 42;
    events[0].correlation_id = rb::correlation{"elsewhere", "z/2020/", "", 1};
    rstreams::run(events | rb::load(bus, "relay", "greetings"));
    const auto all = rt::read_all(bus, "greetings");
    REQUIRE(all[0].payload == "\"hi\"");
    REQUIRE(all[0].event_source_timestamp == 42);
    REQUIRE(all[0].correlation_id->source == "elsewhere");
  });
}
}  // namespace

}  // namespace rstreams::test::contract_load
