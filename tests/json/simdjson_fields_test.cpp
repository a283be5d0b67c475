// decode_json_fields / decode_with_simdjson (the simdjson part): members into variables, the
// others skipped, every failure a json_decode_error with the byte where simdjson knows it.
#include <support/catch.hpp>

#if defined(RSTREAMS_WITH_SIMDJSON)

#include <rstreams/bus/record.hpp>
#include <rstreams/json/detail/json_text.hpp>
#include <rstreams/json/json_codec.hpp>
#include <rstreams/json/simdjson_fields.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace simd_test {

struct order {
  std::uint64_t id = 0;
  std::string customer;
  double total = 0;
  std::int8_t priority = 0;
  bool paid = false;
  std::optional<std::string> note;
};

inline void rstreams_decode(std::string_view text, order& o) {
  rstreams::decode_json_fields(
      text, rstreams::json_field("id", o.id), rstreams::json_field("customer", o.customer),
      rstreams::json_field("total", o.total), rstreams::json_optional_field("priority", o.priority),
      rstreams::json_optional_field("paid", o.paid), rstreams::json_optional_field("note", o.note));
}

}  // namespace simd_test

using simd_test::order;

static_assert(rstreams::json_decodable<order>);

namespace {

std::string error_of(std::string_view text) {
  try {
    (void)rstreams::detail::decode_json<order>(text);
  } catch (const rstreams::json_decode_error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("decode_json_fields: members into variables, unknown members skipped", "[json][simdjson_fields]") {
  const auto o = rstreams::detail::decode_json<order>(
      R"({"id":7,"extra":{"a":[1,2]},"customer":"c\"1\u00e9","total":12.5,"paid":true,"note":null,"priority":-3})");
  REQUIRE(o.id == 7);
  REQUIRE(o.customer == "c\"1\xc3\xa9");
  REQUIRE(o.total == 12.5);
  REQUIRE(o.priority == -3);
  REQUIRE(o.paid);
  REQUIRE_FALSE(o.note);
  REQUIRE(rstreams::detail::decode_json<order>(R"({"id":1,"customer":"x","total":2,"note":"n"})").note ==
          "n");
}

TEST_CASE("decode_json_fields: failures say what and where", "[json][simdjson_fields]") {
  REQUIRE(error_of(R"({"id":1,"customer":"x"})") == R"(missing member "total")");
  REQUIRE(error_of(R"({"id":"1","customer":"x","total":1})").find("at byte 6: member \"id\"") == 0);
  REQUIRE(error_of(R"({"id":1,"customer":"x","total":1,"priority":300})").find("member \"priority\"") !=
          std::string::npos);
  // simdjson refuses a root object followed by more text before any member is read.
  REQUIRE(error_of(R"({"id":1,"customer":"x","total":1} [])").find("not one JSON object") !=
          std::string::npos);
  REQUIRE(error_of(R"({"id":1,"customer":"x","total":1} 5)").find("not one JSON object") !=
          std::string::npos);
  REQUIRE(error_of("[1,2]").find("not one JSON object") != std::string::npos);
  REQUIRE(error_of(R"({"id":1,"customer":"x)") != "no error");
  REQUIRE(error_of("") != "no error");
}

TEST_CASE("decode_json_fields: a bus read names the queue and the eid", "[json][simdjson_fields][bus]") {
  rstreams::bus::record r;
  r.event = "orders";
  r.eid = "z/2026/01/01/00/00/1-0000001";
  r.payload = R"({"id":-1,"customer":"x","total":1})";
  REQUIRE_THROWS_WITH(rstreams::bus::to_event<order>(r), Catch::Contains("queue orders") &&
                                                             Catch::Contains(r.eid) &&
                                                             Catch::Contains("at byte 6"));
}

TEST_CASE("decode_with_simdjson: a document for code the field helper does not cover",
          "[json][simdjson_fields]") {
  const auto sum = rstreams::decode_with_simdjson(R"({"xs":[1,2,3]})", [](simdjson::ondemand::document& doc) {
    std::int64_t total = 0;
    for (auto x : doc["xs"].get_array()) total += x.get_int64().value();
    return total;
  });
  REQUIRE(sum == 6);
  // Not re-entrant: a nested call says so, and the thread's parser works again afterwards.
  REQUIRE_THROWS_AS(
      rstreams::decode_with_simdjson(
          "{}", [](simdjson::ondemand::document&) { return rstreams::detail::decode_json<order>("{}"); }),
      std::logic_error);
  REQUIRE(rstreams::detail::decode_json<order>(R"({"id":2,"customer":"y","total":3})").id == 2);
}

#endif
