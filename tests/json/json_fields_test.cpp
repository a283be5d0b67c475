// decode_json_fields: members into variables in one pass, the others checked and skipped, every
// failure a json_decode_error saying what and at which byte.
#include <rstreams/bus/record.hpp>
#include <rstreams/json/detail/json_text.hpp>
#include <rstreams/json/json_codec.hpp>
#include <rstreams/json/json_fields.hpp>

#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace fields_test {

struct order {
  std::uint64_t id = 0;
  std::string customer;
  double total = 0;
  std::int8_t priority = 0;
  bool paid = false;
  std::optional<std::string> note;
  float weight = 0;
};

inline void rstreams_decode(std::string_view text, order& o) {
  rstreams::decode_json_fields(
      text, rstreams::json_field("id", o.id), rstreams::json_field("customer", o.customer),
      rstreams::json_field("total", o.total), rstreams::json_optional_field("priority", o.priority),
      rstreams::json_optional_field("paid", o.paid), rstreams::json_optional_field("note", o.note),
      rstreams::json_optional_field("weight", o.weight));
}

}  // namespace fields_test

using fields_test::order;

static_assert(rstreams::json_decodable<order>);

namespace {

order decode(std::string_view text) {
  return rstreams::detail::decode_json<order>(text);
}

std::string error_of(std::string_view text) {
  try {
    (void)decode(text);
  } catch (const rstreams::json_decode_error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("decode_json_fields: members into variables, unknown members skipped", "[json][json_fields]") {
  const auto o = decode(
      R"( {"id":7,"extra":{"a":[1,2,{"b":null}],"c":"}"},"customer":"c\"1\u00e9\ud83d\ude00","total":12.5,)"
      R"("paid":true,"note":null,"priority":-3,"more":[[],{},"x",-0.5e-3,true,false]} )");
  REQUIRE(o.id == 7);
  REQUIRE(o.customer == "c\"1\xc3\xa9\xf0\x9f\x98\x80");
  REQUIRE(o.total == 12.5);
  REQUIRE(o.priority == -3);
  REQUIRE(o.paid);
  REQUIRE_FALSE(o.note);
  const auto n = decode(R"({"total":2,"note":"n\/\b\f\n\r\t\\","customer":"x","id":1})");
  REQUIRE(n.note == "n/\b\f\n\r\t\\");
  REQUIRE(n.total == 2.0);
  // A repeated member: the last one wins; a member name with escapes still matches.
  REQUIRE(decode(R"({"id":1,"customer":"a","total":1,"\u0069d":9})").id == 9);
  // Numbers as JSON writes them; non-ASCII text is passed through as it is.
  const auto m =
      decode(R"({"id":18446744073709551615,"customer":"Zürich 東京","total":-1.5E+2,"weight":0.25})");
  REQUIRE(m.id == std::numeric_limits<std::uint64_t>::max());
  REQUIRE(m.customer == "Zürich 東京");
  REQUIRE(m.total == -150.0);
  REQUIRE(m.weight == 0.25f);
  REQUIRE(decode(R"({"id":0,"customer":"","total":1e-400})").total == 0.0);  // too small: zero
}

TEST_CASE("decode_json_fields: wrong types and ranges name the member and the byte", "[json][json_fields]") {
  REQUIRE(error_of(R"({"id":1,"customer":"x"})") == R"(missing member "total")");
  REQUIRE(error_of(R"({"id":"1","customer":"x","total":1})") ==
          R"(at byte 6: member "id": expected an integer)");
  REQUIRE(error_of(R"({"id":1.5,"customer":"x","total":1})")
              .find("at byte 6: member \"id\": expected an integer") == 0);
  REQUIRE(error_of(R"({"id":-1,"customer":"x","total":1})") ==
          R"(at byte 6: member "id": out of range (negative))");
  REQUIRE(error_of(R"({"id":18446744073709551616,"customer":"x","total":1})") ==
          R"(at byte 6: member "id": out of range)");
  REQUIRE(error_of(R"({"id":1,"customer":"x","total":1,"priority":300})") ==
          R"(at byte 44: member "priority": out of range)");
  REQUIRE(error_of(R"({"id":1,"customer":"x","total":1e400})") ==
          R"(at byte 31: member "total": out of range)");
  REQUIRE(error_of(R"({"id":1,"customer":"x","total":1,"weight":1e300})") ==
          R"(at byte 42: member "weight": out of range)");
  REQUIRE(error_of(R"({"id":1,"customer":7,"total":1})") ==
          R"(at byte 19: member "customer": expected a string)");
  REQUIRE(error_of(R"({"id":1,"customer":"x","total":"1"})") ==
          R"(at byte 31: member "total": expected a number)");
  REQUIRE(error_of(R"({"id":1,"customer":"x","total":1,"paid":1})") ==
          R"(at byte 40: member "paid": expected true or false)");
  REQUIRE(error_of(R"({"id":1,"customer":null,"total":1})") ==
          R"(at byte 19: member "customer": expected a string)");
}

TEST_CASE("decode_json_fields: malformed JSON is refused where it is, also in skipped members",
          "[json][json_fields]") {
  REQUIRE(error_of("") == "at byte 0: the text is not a JSON object");
  REQUIRE(error_of("[1,2]") == "at byte 0: the text is not a JSON object");
  REQUIRE(error_of(R"({"id":1,"customer":"x","total":1} [])") == "at byte 34: text after the JSON object");
  REQUIRE(error_of(R"({"id":1,"customer":"x)") == "at byte 21: unterminated string");
  REQUIRE(error_of(R"({"id":1,"customer":"x","total":1,})") ==
          "at byte 33: expected a member name (a string)");
  REQUIRE(error_of(R"({"id":1 "customer":"x"})") == "at byte 8: expected ',' or '}' after a member");
  REQUIRE(error_of(R"({"id" 1})") == "at byte 6: expected ':' after a member name");
  REQUIRE(error_of(R"({"id":01,"customer":"x","total":1})").find("at byte 7") == 0);
  REQUIRE(error_of(R"({"x":[1,2,],"id":1,"customer":"x","total":1})") == "at byte 10: expected a value");
  REQUIRE(error_of(R"({"x":{"a":1,},"id":1})") == "at byte 12: expected a member name (a string)");
  REQUIRE(error_of(R"({"x":[1 2]})") == "at byte 8: expected ',' or ']' in an array");
  REQUIRE(error_of(R"({"x":{"a":1]})") == "at byte 11: expected ',' or '}' in an object");
  REQUIRE(error_of(R"({"x":tru})") == "at byte 5: expected a value");
  REQUIRE(error_of(R"({"x":-})") == "at byte 5: expected a value");
  REQUIRE(error_of(R"({"x":1.})") == "at byte 7: expected a digit after the decimal point");
  REQUIRE(error_of(R"({"x":1e})") == "at byte 7: expected a digit in the exponent");
  REQUIRE(error_of("{\"x\":\"a\tb\"}") == "at byte 7: control character in a string (it must be escaped)");
  REQUIRE(error_of(R"({"x":"\q"})") == R"(at byte 6: unknown escape \q)");
  REQUIRE(error_of(R"({"x":"\u12"})") == R"(at byte 6: a \u escape needs four hex digits)");
  REQUIRE(error_of(R"({"x":"\udc00"})") == R"(at byte 6: a lone low surrogate (\udc00))");
  REQUIRE(error_of(R"({"x":"\ud800x"})") == "at byte 6: a high surrogate not followed by a low one");
  REQUIRE(error_of("{\"x\":\"\xc3\"}") == "at byte 6: invalid UTF-8 in a string");
  REQUIRE(error_of("{\"x\":\"\xed\xa0\x80\"}") == "at byte 6: invalid UTF-8 in a string");      // a surrogate
  REQUIRE(error_of("{\"x\":\"\xc0\xaf\"}") == "at byte 6: invalid UTF-8 in a string");          // overlong
  REQUIRE(error_of("{\"x\":\"\xf4\x90\x80\x80\"}") == "at byte 6: invalid UTF-8 in a string");  // > U+10FFFF
  std::string deep = R"({"x":)" + std::string(1025, '[') + std::string(1025, ']') + "}";
  REQUIRE(error_of(deep) == "at byte 1029: nested deeper than 1024 levels");
  deep = R"({"id":1,"customer":"x","total":1,"x":)" + std::string(1024, '[') + std::string(1024, ']') + "}";
  REQUIRE(decode(deep).id == 1);
}

TEST_CASE("decode_json_fields: accepts exactly what nlohmann accepts as such an object",
          "[json][json_fields]") {
  // Texts near the edges of the grammar: both readers agree on whether they are JSON.
  const char* texts[] = {
      R"({"id":1,"customer":"x","total":1})",
      " \t\r\n{ \"id\" : 1 , \"customer\" : \"x\" , \"total\" : -0 } \n",
      R"({"id":1,"customer":"x","total":1,"s":"\u0000"})",
      R"({"id":1,"customer":"x","total":1,"s":[-0.0e+0,1E-1,0.1]})",
      R"({"id":1,"customer":"x","total":1,"s":+1})",
      R"({"id":1,"customer":"x","total":1,"s":.5})",
      R"({"id":1,"customer":"x","total":1,"s":NaN})",
      R"({"id":1,"customer":"x","total":1,"s":'a'})",
      R"({"id":1,"customer":"x","total":1,"s":"\ud83d\ude00"})",
      R"({"id":1,"customer":"x","total":1}})",
      R"({"id":1,"customer":"x","total":1)",
      "{\"id\":1,\"customer\":\"x\",\"total\":1,\"s\":\"\xe2\x82\xac\xf0\x9f\x98\x80\"}",
      "{\"id\":1,\"customer\":\"x\",\"total\":1,\"s\":\"\xe2\x82\"}",
  };
  for (const std::string_view t : texts) {
    INFO(t);
    const bool theirs = nlohmann::json::accept(t);
    const bool ours = error_of(t) == "no error";
    REQUIRE(ours == theirs);
  }
}

TEST_CASE("decode_json_fields: a bus read names the queue and the eid", "[json][json_fields][bus]") {
  rstreams::bus::record r;
  r.event = "orders";
  r.eid = "z/2026/01/01/00/00/1-0000001";
  r.payload = R"({"id":-1,"customer":"x","total":1})";
  REQUIRE_THROWS_WITH(rstreams::bus::to_event<order>(r), Catch::Contains("queue orders") &&
                                                             Catch::Contains(r.eid) &&
                                                             Catch::Contains("at byte 6"));
}
