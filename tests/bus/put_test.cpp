// The behaviour of put on every backend: support/contract/put_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/write.hpp>
#include <rstreams/core/run.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
using rt::order;
}  // namespace

static_assert(std::is_invocable_r_v<std::string, rb::put_fn, rt::local_bus::backend_type&, const char*,
                                    const char*, order>);

TEST_CASE("put: bad names are config errors", "[bus][put]") {
  rt::local_bus fx;
  REQUIRE_THROWS_AS(rb::put(fx.bus(), "loader", "a/b", json{}), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::put(fx.bus(), "bad bot", "q", json{}), rstreams::config_error);
}

TEST_CASE("put: an empty payload is refused at the put, naming the queue (a payload is JSON text)",
          "[bus][put]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  REQUIRE_THROWS_WITH(rb::put(bus, "loader", "orders", rb::raw_json{""}),
                      Catch::Contains("queue orders") && Catch::Contains("empty payload"));
  std::vector<rb::event<rb::raw_json>> events(2);
  events[0].payload.text = "{}";
  REQUIRE_THROWS_AS(rb::put_events(bus, "loader", "orders", events), rstreams::error);
  REQUIRE(rt::read_all(bus, "orders").empty());  // nothing of the refused batch was stored
  // JSON null is the way to say "no value", and reads back as null.
  rb::put(bus, "loader", "orders", json(nullptr));
  REQUIRE(json::parse(rt::read_all(bus, "orders").at(0).payload).is_null());
}

TEST_CASE("put: invalid UTF-8 in a payload names the queue and the element; write can replace it",
          "[bus][put]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  std::vector<json> batch{json{{"s", "ok"}}, json{{"s", "bad \xff"}}};
  REQUIRE_THROWS_WITH(rb::put_events(bus, "loader", "orders", batch), Catch::Contains("queue orders") &&
                                                                          Catch::Contains("element 1") &&
                                                                          Catch::Contains("UTF-8"));
  REQUIRE_THROWS_WITH(rb::put(bus, "loader", "orders", batch[1]), Catch::Contains("queue orders"));
  REQUIRE(rt::read_all(bus, "orders").empty());
  rstreams::run(batch | rb::write(bus, "w", "orders", {.invalid_utf8 = rstreams::invalid_utf8::replace}));
  const auto all = rt::read_all(bus, "orders");
  REQUIRE(all.size() == 2);
  REQUIRE(json::parse(all[1].payload)["s"] == "bad \xEF\xBF\xBD");
  try {
    rstreams::run(batch | rb::write(bus, "w", "orders"));
    FAIL("expected a stage_error");
  } catch (const rstreams::stage_error& e) {
    REQUIRE(e.stage() == "write");
    REQUIRE(e.element() == 1);
    REQUIRE_THAT(e.what(), Catch::Contains("queue orders"));
  }
}
