#pragma once
// The backend contract cases of write (run on every backend; see support/backend_contract.hpp).

#include <rstreams/bus/derive.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/write.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/chunk.hpp>
#include <rstreams/ops/flat_map.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sources/from_range.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_spy.hpp>
#include <support/catch.hpp>
#include <support/contract/registry.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace rstreams::test::contract_write {
namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
template <class B>
std::vector<std::string> put_numbers(B& bus, int n) {
  std::vector<json> v;
  for (int i = 0; i < n; ++i) v.push_back({{"n", i}});
  return rb::put_events(bus, "loader", "numbers", v);
}
template <class Spy>
std::vector<std::size_t> append_sizes(const Spy& spy, std::string_view queue) {
  std::vector<std::size_t> out;
  for (const auto& c : spy.calls)
    if (c.op == "append" && c.queue == queue) out.push_back(c.records.size());
  return out;
}

/// The write cases on fixture `TestType` (see support/bus_backends.hpp).
template <class TestType>
void add_write_cases(const contract_registry& cases) {
  cases.add("write: micro-batches by records and bytes", "[bus][write]", [] {
    TestType fx;
    rt::bus_spy<typename TestType::backend_type> bus(fx.bus());
    std::vector<json> payloads(10, json{{"text", std::string(40, 'x')}});
    auto result = rstreams::run(payloads | rb::write(bus, "w", "by-records", {.records = 4}));
    REQUIRE(result.events == 10);
    REQUIRE(append_sizes(bus, "by-records") == std::vector<std::size_t>{4, 4, 2});
    REQUIRE(result.last_eid == rt::read_all(fx.bus(), "by-records").back().eid);

    rstreams::run(payloads | rb::write(bus, "w", "by-bytes", {.bytes = 100}));  // ~50 bytes per payload
    REQUIRE(append_sizes(bus, "by-bytes") == std::vector<std::size_t>{2, 2, 2, 2, 2});
  });

  cases.add("write: micro-batches by time on the run's clock", "[bus][write]", [] {
    TestType fx;
    rt::bus_spy<typename TestType::backend_type> bus(fx.bus());
    rstreams::manual_clock clock;
    std::vector<int> xs{0, 1, 2, 3, 4, 5};
    auto ticking = rstreams::from_range(xs) | rstreams::transform([&](int x) {
                     if (x == 2 || x == 5) clock.advance(std::chrono::milliseconds{250});
                     return json{{"n", x}};
                   });
    std::stop_source never;
    rstreams::run(std::move(ticking) | rb::write(bus, "w", "timed", {.time = std::chrono::milliseconds{200}}),
                  rstreams::run_context{never.get_token(), &clock});
    // 0,1 wait; 2 arrives 250 ms after the batch began -> flush of 3; then 3,4 + 5 after 250 ms.
    REQUIRE(append_sizes(bus, "timed") == std::vector<std::size_t>{3, 3});
  });

  cases.add("write: commits the source checkpoint from correlations once written", "[bus][write]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_numbers(bus, 10);
    const auto r =
        rstreams::run(rb::read(bus, "doubler", "numbers") | rstreams::transform([](const rb::event<>& e) {
                        return rb::derive(e, json{{"d", e.payload["n"].template get<int>() * 2}});
                      }) |
                      rb::write(bus, "doubler", "doubled"));
    REQUIRE(r.events == 10);
    REQUIRE(rt::checkpoint_of(bus, "doubler", "numbers") == eids.back());
    const auto out = rt::read_all(bus, "doubled");
    REQUIRE(out[3].correlation_id == rb::correlation{"numbers", eids[3], "", 1});
    REQUIRE(out[3].id == "doubler");
  });

  cases.add("write: 1->N children split across batches never commit their parent early", "[bus][write]", [] {
    TestType fx;
    const auto eids = put_numbers(fx.bus(), 12);
    rt::bus_spy<typename TestType::backend_type> bus(fx.bus());
    rb::queue_write_options o{.records = 5};
    o.checkpoint.records = 1;
    rstreams::run(rb::read(bus, "fan", "numbers") | rstreams::flat_map([](const rb::event<>& e) {
                    std::vector<rb::event<json>> kids;
                    for (int k = 0; k < 3; ++k) kids.push_back(rb::derive(e, json{{"k", k}}));
                    return kids;
                  }) |
                  rb::write(bus, "fan", "kids", o));
    bool any = false;
    for (const auto& c : bus.calls) {
      if (c.op != "commit") continue;
      any = true;
      const auto parent = static_cast<std::size_t>(std::find(eids.begin(), eids.end(), c.eid) - eids.begin());
      REQUIRE(parent < eids.size());
      REQUIRE(bus.appended_before_commit("kids", "numbers", c.eid) >= 3 * (parent + 1));
    }
    REQUIRE(any);
    REQUIRE(rt::checkpoint_of(fx.bus(), "fan", "numbers") == eids.back());
  });

  cases.add("write: N->1 events commit the end of their range", "[bus][write]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_numbers(bus, 10);
    rstreams::run(rb::read(bus, "sum4", "numbers") | rstreams::chunk(4) |
                  rstreams::transform([](const std::vector<rb::event<>>& group) {
                    int total = 0;
                    for (const auto& e : group) total += e.payload["n"].template get<int>();
                    return rb::derive(group, json{{"total", total}});
                  }) |
                  rb::write(bus, "sum4", "sums"));
    const auto out = rt::read_all(bus, "sums");
    REQUIRE(out.size() == 3);
    REQUIRE(out[0].correlation_id == rb::correlation{"numbers", eids[0], eids[3], 4});
    REQUIRE(out[2].correlation_id == rb::correlation{"numbers", eids[8], eids[9], 2});
    REQUIRE(json::parse(out[1].payload)["total"] == 4 + 5 + 6 + 7);
    REQUIRE(rt::checkpoint_of(bus, "sum4", "numbers") == eids.back());
    REQUIRE(bus.get_checkpoint("sum4", "numbers")->records == 10);
  });

  cases.add("write: auto_checkpoint off commits nothing", "[bus][write]", [] {
    TestType fx;
    auto& bus = fx.bus();
    put_numbers(bus, 3);
    rb::queue_write_options o;
    o.auto_checkpoint = false;
    rstreams::run(rb::read(bus, "quiet", "numbers") |
                  rstreams::transform([](const rb::event<>& e) { return rb::derive(e, e.payload); }) |
                  rb::write(bus, "quiet", "copy", o));
    REQUIRE(rt::read_all(bus, "copy").size() == 3);
    REQUIRE_FALSE(bus.get_checkpoint("quiet", "numbers"));
  });
}
}  // namespace

}  // namespace rstreams::test::contract_write
