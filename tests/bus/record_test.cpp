#include <rstreams/bus/record.hpp>

#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace rb = rstreams::bus;

namespace {
struct line_item {
  int qty = 0;
};
void to_json(nlohmann::json& j, const line_item& o) {
  j = nlohmann::json{{"qty", o.qty}};
}
void from_json(const nlohmann::json& j, line_item& o) {
  j.at("qty").get_to(o.qty);
}
}  // namespace

static_assert(std::regular<rb::record>);
static_assert(std::is_base_of_v<rstreams::error, rb::payload_error>);

TEST_CASE("an event becomes a record with its payload as JSON text, and back", "[bus][record]") {
  rb::event<line_item> e{"bot", "orders", line_item{3}, "", 10, 9, rb::correlation{"raw", "z/1", "", 1}};
  const auto r = rb::to_record(e);
  REQUIRE(r.payload == R"({"qty":3})");
  REQUIRE(r.event == "orders");
  REQUIRE(r.correlation_id == e.correlation_id);
  const auto back = rb::to_event<line_item>(r);
  REQUIRE(back.payload.qty == 3);
  REQUIRE(back.timestamp == 10);
  REQUIRE(back.event_source_timestamp == 9);
  auto moved =
      rb::to_event(rb::to_record(rb::event<>{"b", "q", nlohmann::json{1, 2}, "", 0, 0, std::nullopt}));
  REQUIRE(moved.payload == nlohmann::json{1, 2});
}

TEST_CASE("a payload that does not decode names the queue and the eid", "[bus][record]") {
  rb::record r;
  r.event = "orders";
  r.eid = "z/2021/06/14/17/19/1623691151425-0000002";
  r.payload = R"({"quantity":3})";
  try {
    (void)rb::to_event<line_item>(r);
    FAIL("expected payload_error");
  } catch (const rb::payload_error& e) {
    REQUIRE(e.queue() == "orders");
    REQUIRE(e.eid() == r.eid);
    REQUIRE(std::string(e.what()).find("queue orders, event z/2021/06/14/17/19/1623691151425-0000002") !=
            std::string::npos);
  }
  r.payload = "{not json";
  REQUIRE_THROWS_AS(rb::to_event(r), rb::payload_error);
}
