#pragma once
// The backend contract cases of offload (run on every backend; see support/backend_contract.hpp).

#include <rstreams/bus/offload.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/ops/transform.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/bus_spy.hpp>
#include <support/catch.hpp>
#include <support/contract/registry.hpp>
#include <support/recording_sink.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace rstreams::test::contract_offload {
namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
using rt::order;
using rt::put_orders;

/// The offload cases on fixture `TestType` (see support/bus_backends.hpp).
template <class TestType>
void add_offload_cases(const contract_registry& cases) {
  cases.add("offload hands each event to the side effect and commits after it", "[bus][offload]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_orders(bus, 30);
    std::vector<int> warehouse;
    const auto stats = rb::offload(bus, {.bot = "archiver", .in = "orders"},
                                   [&](const order& o) { warehouse.push_back(o.id); });
    REQUIRE(stats.in == 30);
    REQUIRE(warehouse.size() == 30);
    REQUIRE(warehouse[29] == 29);
    REQUIRE(stats.checkpoint == eids.back());
    REQUIRE(rt::checkpoint_of(bus, "archiver", "orders") == eids.back());
    // Nothing new: nothing offloaded twice.
    REQUIRE(rb::offload(bus, {.bot = "archiver", .in = "orders"}, [&](const order& o) {
              warehouse.push_back(o.id);
            }).in == 0);
    REQUIRE(warehouse.size() == 30);
  });

  cases.add("offload: a failed side effect stops before that event", "[bus][offload]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_orders(bus, 10);
    rb::offload_options o{.bot = "archiver", .in = "orders"};
    o.checkpoint.records = 1;
    std::vector<int> done;
    REQUIRE_THROWS_AS(rb::offload(bus, o,
                                  [&](const rb::event<order>& e) {
                                    if (e.payload.id == 6) throw std::runtime_error("disk full");
                                    done.push_back(e.payload.id);
                                  }),
                      rb::event_error);
    REQUIRE(rt::checkpoint_of(bus, "archiver", "orders") == eids[5]);
    rb::offload(bus, o, [&](const order& x) { done.push_back(x.id); });
    REQUIRE(done == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  });

  cases.add("offload: batches of events", "[bus][offload]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_orders(bus, 25);
    std::vector<std::size_t> sizes;
    rb::offload_options o{.bot = "bulk", .in = "orders"};
    o.batch = 10;
    rb::offload(bus, o, [&](const std::vector<rb::event<order>>& batch) { sizes.push_back(batch.size()); });
    REQUIRE(sizes == std::vector<std::size_t>{10, 10, 5});
    REQUIRE(rt::checkpoint_of(bus, "bulk", "orders") == eids.back());
  });

  cases.add("offload into any sink commits once the sink finished", "[bus][offload]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_orders(bus, 12);
    const auto stats =
        rb::offload(bus, {.bot = "to-sink", .in = "orders"}, rstreams::transform([](const rb::event<>& e) {
                                                               return e.payload["id"].get<int>();
                                                             }) | rt::recording_sink());
    REQUIRE(stats.in == 12);
    REQUIRE(stats.checkpoint == eids.back());
    REQUIRE(rt::checkpoint_of(bus, "to-sink", "orders") == eids.back());
    const auto again = rb::offload_as<order>(bus, {.bot = "to-sink", .in = "orders"}, rt::recording_sink());
    REQUIRE(again.in == 0);
    REQUIRE(rt::checkpoint_of(bus, "to-sink", "orders") == eids.back());
  });

  cases.add("offload: dead letters for payloads of the wrong shape", "[bus][offload]", [] {
    TestType fx;
    auto& bus = fx.bus();
    put_orders(bus, 2);
    const auto bad = rb::put(bus, "shop", "orders", json::array({1, 2}));
    const auto last = put_orders(bus, 1).back();
    rb::offload_options o{.bot = "archiver", .in = "orders"};
    o.on_failure = rb::on_failure::dead_letter;
    o.dead_letter_queue = "orders-rejected";
    int ok = 0;
    const auto stats = rb::offload(bus, o, [&](const order&) { ++ok; });
    REQUIRE(ok == 3);
    REQUIRE(stats.dead_letters == 1);
    const auto dead = rt::read_all(bus, "orders-rejected");
    REQUIRE(dead.size() == 1);
    REQUIRE(json::parse(dead[0].payload)["eid"] == bad);
    REQUIRE(rt::checkpoint_of(bus, "archiver", "orders") == last);
  });
}
}  // namespace

}  // namespace rstreams::test::contract_offload
