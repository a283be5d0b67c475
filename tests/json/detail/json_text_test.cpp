#include <rstreams/json/detail/json_text.hpp>

#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace rd = rstreams::detail;
using json = nlohmann::json;

namespace {
// The fast path took `text` (no fallback to nlohmann).
bool scanned(std::string_view text) {
  json j;
  return rd::json_scanner::parse(text, j);
}
std::string dumped(const json& j) {
  std::string out;
  rd::dump_json_append(out, j);
  return out;
}
}  // namespace

static_assert(std::is_same_v<decltype(rd::parse_json(std::string_view{})), json>);

TEST_CASE("parse_json builds what nlohmann's parser builds, with the same number types",
          "[json][json_text]") {
  const char* docs[] = {
      R"({"id":17,"customer":"customer-000017","email":"c17@example.com","total":123.45,"country":"NL"})",
      R"( { "a" : [ 1 , -2 , 3.5e2 , true , false , null , "x\"y\\z\/\b\f\n\r\t" ] , "b" : { } , "c" : [ ] } )",
      R"([0,-0,18446744073709551615,-9223372036854775808,1E3,2.5e-3,0.0])",
      R"("just a string")",
      R"(42)",
      R"({"z":1,"a":2,"m":{"k":[[[]]]}})",
  };
  for (const auto* d : docs) {
    INFO(d);
    REQUIRE(scanned(d));
    const auto fast = rd::parse_json(d);
    const auto slow = json::parse(d);
    REQUIRE(fast == slow);
    REQUIRE(fast.dump() == slow.dump());
  }
  const auto nums = rd::parse_json("[1,-1,1.0]");
  REQUIRE(nums[0].is_number_unsigned());
  REQUIRE(nums[1].is_number_integer());
  REQUIRE_FALSE(nums[1].is_number_unsigned());
  REQUIRE(nums[2].is_number_float());
}

TEST_CASE("parse_json: a repeated key keeps the last value, as nlohmann does", "[json][json_text]") {
  REQUIRE(rd::parse_json(R"({"a":1,"a":2})") == json::parse(R"({"a":1,"a":2})"));
  REQUIRE(rd::parse_json(R"({"a":1,"a":2})")["a"] == 2);
}

TEST_CASE("parse_json hands unusual text to nlohmann, which gives the same result", "[json][json_text]") {
  const char* docs[] = {
      R"({"name":"Zoë"})",              // non-ASCII: nlohmann validates UTF-8
      R"({"s":"\u00e9\ud83d\ude00"})",  // \u escapes and a surrogate pair
      R"([18446744073709551616])",      // beyond 64 bits: nlohmann makes it a float
      R"([-9223372036854775809])",
  };
  for (const auto* d : docs) {
    INFO(d);
    REQUIRE_FALSE(scanned(d));
    REQUIRE(rd::parse_json(d) == json::parse(d));
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  REQUIRE_FALSE(scanned(deep));
  REQUIRE(rd::parse_json(deep) == json::parse(deep));
}

TEST_CASE("parse_json rejects what is not JSON with nlohmann's parse_error", "[json][json_text]") {
  const char* bad[] = {"",       "{",       R"({"a":})", R"({"a" 1})", "[1,]",  "01",        "1.",
                       "-",      "tru",     "nul",       R"("abc)",    "[1 2]", "{}x",       R"({"a":1,})",
                       "\"\t\"", R"("\x")", "1e",        ".5",         "[-]",   "{\"a\":1}}"};
  for (const auto* b : bad) {
    INFO(b);
    REQUIRE_FALSE(scanned(b));
    REQUIRE_THROWS_AS(rd::parse_json(b), json::parse_error);
  }
}

TEST_CASE("dump_json_append writes what nlohmann's dump writes", "[json][json_text]") {
  const json docs[] = {
      json::parse(R"({"id":17,"customer":"c-1","ok":true,"none":null,"neg":-5,"list":[1,[2,{}],[]]})"),
      json("quote \" backslash \\ controls \b\f\n\r\t \x01\x1f end"),
      json(std::numeric_limits<std::uint64_t>::max()),
      json(std::numeric_limits<std::int64_t>::min()),
      json::parse(R"({"name":"Zoë","emoji":"\ud83d\ude00"})"),  // non-ASCII: nlohmann writes it
      json::object(),
      json::array(),
  };
  for (const auto& j : docs) {
    INFO(j.dump());
    REQUIRE(dumped(j) == j.dump());
  }
}

TEST_CASE("dump_json_append: floats read back as the same floats", "[json][json_text]") {
  const double values[] = {500.0, 123.45, 0.1, -2.5e-7, 1e21, 1e15, 5e-324, 1.7976931348623157e308, -0.0};
  for (const double v : values) {
    INFO(v);
    const auto text = dumped(json(v));
    const auto back = json::parse(text);
    REQUIRE(back.is_number_float());
    REQUIRE(back.get<double>() == v);
  }
  REQUIRE(dumped(json(500.0)) == "500.0");
  REQUIRE(dumped(json(std::numeric_limits<double>::infinity())) == "null");
  REQUIRE(dumped(json(std::numeric_limits<double>::quiet_NaN())) == "null");
}

TEST_CASE("dump_json_append appends, and invalid UTF-8 throws as nlohmann's dump does", "[json][json_text]") {
  std::string out = "prefix:";
  rd::dump_json_append(out, json{{"a", 1}});
  REQUIRE(out == R"(prefix:{"a":1})");
  REQUIRE_THROWS_AS(dumped(json("bad \xff byte")), json::type_error);
}

namespace {
struct xy_point {
  int x = 0;
  int y = 0;
};
void from_json(const json& j, xy_point& p) {
  p.x = j.at("x").get<int>();
  p.y = j.at("y").get<int>();
}
}  // namespace

TEST_CASE("decode_json: JSON values as they are, user types through from_json, errors as nlohmann's",
          "[json][json_text]") {
  REQUIRE(rd::decode_json<json>(R"({"x":1,"y":[2,3]})") == json::parse(R"({"x":1,"y":[2,3]})"));
  const auto p = rd::decode_json<xy_point>(R"({"x":4,"y":-5})");
  REQUIRE(p.x == 4);
  REQUIRE(p.y == -5);
  REQUIRE_THROWS_AS(rd::decode_json<json>(R"({"x":)"), json::parse_error);
  REQUIRE_THROWS_AS(rd::decode_json<xy_point>(R"({"x":4})"), json::out_of_range);
}
