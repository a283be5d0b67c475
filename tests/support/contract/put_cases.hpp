#pragma once
// The backend contract cases of put (run on every backend; see support/backend_contract.hpp).

#include <rstreams/bus/put.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/catch.hpp>
#include <support/contract/registry.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rstreams::test::contract_put {
namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
using rt::order;

/// The put cases on fixture `TestType` (see support/bus_backends.hpp).
template <class TestType>
void add_put_cases(const contract_registry& cases) {
  cases.add("put writes one event entering the bus now", "[bus][put]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto before = rb::detail::now_ms();
    const auto eid = rb::put(bus, "loader", "orders", order{7, 12.5});
    REQUIRE(rb::is_full_eid(eid));
    const auto all = rt::read_all(bus, "orders");
    REQUIRE(all.size() == 1);
    REQUIRE(all[0].eid == eid);
    REQUIRE(all[0].id == "loader");
    REQUIRE(all[0].event == "orders");
    REQUIRE(all[0].timestamp >= before);
    REQUIRE(all[0].event_source_timestamp == all[0].timestamp);
    REQUIRE_FALSE(all[0].correlation_id);
    REQUIRE(json::parse(all[0].payload) == json{{"id", 7}, {"total", 12.5}});
  });

  cases.add("put_events writes a batch and returns increasing eids", "[bus][put]", [] {
    TestType fx;
    auto& bus = fx.bus();
    std::vector<order> orders{{1, 1.0}, {2, 2.0}, {3, 3.0}};
    const auto eids = rb::put_events(bus, "loader", "orders", orders);
    REQUIRE(eids.size() == 3);
    REQUIRE(std::is_sorted(eids.begin(), eids.end()));
    REQUIRE(eids[0] < eids[1]);
    std::vector<rb::event<json>> events(2);
    events[0].payload = json{{"id", 4}};
    events[0].event_source_timestamp = 1234;
    events[1].payload = json{{"id", 5}};
    events[1].id = "someone-else";
    const auto more = rb::put_events(bus, "loader", "orders", events);
    REQUIRE(more.front() > eids.back());
    const auto all = rt::read_all(bus, "orders");
    REQUIRE(all.size() == 5);
    REQUIRE(all[3].event_source_timestamp == 1234);
    REQUIRE(all[4].id == "someone-else");
    REQUIRE(events[1].id == "someone-else");  // the caller's events are left as they were
    REQUIRE(rb::put_events(bus, "loader", "orders", std::vector<json>{}).empty());
  });
}
}  // namespace

}  // namespace rstreams::test::contract_put
