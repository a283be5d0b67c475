#include <rstreams/bus/trace.hpp>

#include <support/catch.hpp>
#include <support/ops_backends.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;

namespace {
template <class B>
std::string put_one(B& bus, const std::string& queue, std::optional<rb::correlation> c = std::nullopt) {
  std::vector<rb::record> r(1);
  r[0].id = "test";
  r[0].event = queue;  // as put() sets it (the nats backend stores what the writer gives)
  r[0].payload = "{}";
  r[0].correlation_id = std::move(c);
  return bus.append(queue, r);
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("trace follows correlation back to the source and forward across queues",
                        "[bus][trace]", rt::ops_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto o0 = put_one(bus, "orders");
  const auto o1 = put_one(bus, "orders");
  put_one(bus, "orders");
  const auto e0 = put_one(bus, "enriched", rb::correlation{"orders", o0, {}, 1});
  const auto e1 = put_one(bus, "enriched", rb::correlation{"orders", o1, {}, 1});
  put_one(bus, "noise");
  const auto a = put_one(bus, "analytics", rb::correlation{"enriched", e0, e1, 2});  // N->1

  auto l = rb::trace(bus, "orders", o1);
  REQUIRE(l.event.eid == o1);
  REQUIRE(l.ancestors.empty());
  REQUIRE(l.descendants.size() == 2);
  REQUIRE(l.descendants[0].event.eid == e1);
  REQUIRE(l.descendants[0].event.event == "enriched");
  REQUIRE(l.descendants[0].depth == 1);
  REQUIRE(l.descendants[1].event.eid == a);
  REQUIRE(l.descendants[1].depth == 2);
  REQUIRE_FALSE(l.truncated);

  l = rb::trace(bus, "analytics", a);
  REQUIRE(l.ancestors.size() == 2);
  REQUIRE(l.ancestors[0].event.eid == e0);
  REQUIRE(l.ancestors[1].event.eid == o0);
  REQUIRE(l.ancestors[1].event.event == "orders");
  REQUIRE(l.descendants.empty());

  // Eids are numbered per queue: another queue written in the same ms may hold e1 too.
  const auto found = rb::find_events(bus, e1);
  REQUIRE(std::count_if(found.begin(), found.end(), [](const auto& f) { return f.queue == "enriched"; }) ==
          1);
  for (const auto& f : found) REQUIRE(f.event.eid == e1);
  REQUIRE(rb::find_event(bus, "enriched", e1)->event == "enriched");
  REQUIRE(rb::find_events(bus, "z/1999/01/01/00/00/915148800000-0000000").empty());
  REQUIRE_THROWS_AS(rb::trace(bus, "orders", "z/1999/01/01/00/00/915148800000-0000000"),
                    rstreams::config_error);

  // The bound: one record per queue and level, then the trace says it stopped short.
  l = rb::trace(bus, "orders", o0, {.max_scan_per_queue = 1, .max_depth = 16});
  REQUIRE(l.truncated);
}

#if !defined(RSTREAMS_TEST_NATS_BUS)  // imports keeping eids: the local backend's
TEST_CASE("find_events: every queue holding an eid, by queue name", "[bus][trace]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  const auto eid = put_one(bus, "orders");
  std::vector<rb::record> twin(1);
  twin[0].id = "importer";
  twin[0].eid = eid;
  twin[0].payload = "{}";
  bus.append_keeping_eids("archive", twin);
  const auto found = rb::find_events(bus, eid);
  REQUIRE(found.size() == 2);
  REQUIRE(found[0].queue == "archive");
  REQUIRE(found[0].event.id == "importer");
  REQUIRE(found[1].queue == "orders");
  REQUIRE(found[1].event.eid == eid);
  REQUIRE_THROWS_AS(rb::find_events(bus, "z/20x"), rb::eid_error);
}
#endif
