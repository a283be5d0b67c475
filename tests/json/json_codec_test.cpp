// A type's own JSON decoder and encoder (rstreams_decode / rstreams_encode) replace nlohmann's
// from_json / to_json wherever the library reads or writes that type; errors keep their place.
#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/io/parse.hpp>
#include <rstreams/json/detail/json_text.hpp>
#include <rstreams/json/json_codec.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace codec_test {

// `{"n":<digits>}` only; counts its calls so a test can tell it was used, not from_json.
struct counter {
  std::uint64_t n = 0;
};
inline int decodes = 0;
inline int encodes = 0;
inline void rstreams_decode(std::string_view text, counter& out) {
  ++decodes;
  constexpr std::string_view head = R"({"n":)";
  if (text.substr(0, head.size()) != head) throw rstreams::json_decode_error(0, R"(expected {"n":)");
  const char* end = text.data() + text.size() - 1;
  const auto r = std::from_chars(text.data() + head.size(), end, out.n);
  if (r.ec != std::errc{} || r.ptr != end || *end != '}')
    throw rstreams::json_decode_error(static_cast<std::size_t>(r.ptr - text.data()),
                                      "expected digits then }");
}
inline void rstreams_encode(const counter& c, std::string& out) {
  ++encodes;
  out += R"({"n":)";
  out += std::to_string(c.n);
  out += '}';
}

// Only nlohmann's from_json / to_json: the default path.
struct plain {
  int n = 0;
};
inline void to_json(json& j, const plain& p) {
  j = json{{"n", p.n}};
}
inline void from_json(const json& j, plain& p) {
  p.n = j.at("n").get<int>();
}

}  // namespace codec_test

using codec_test::counter;
using codec_test::plain;

static_assert(rstreams::json_decodable<counter>);
static_assert(rstreams::json_encodable<counter>);
static_assert(!rstreams::json_decodable<plain>);
static_assert(!rstreams::json_encodable<plain>);
static_assert(!rstreams::json_decodable<json>);

TEST_CASE("json_codec: a type's own decoder and encoder replace from_json / to_json", "[json][json_codec]") {
  codec_test::decodes = codec_test::encodes = 0;
  REQUIRE(rstreams::detail::decode_json<counter>(R"({"n":42})").n == 42);
  std::string out = "x";
  rstreams::detail::encode_json_append(out, counter{7});
  REQUIRE(out == R"(x{"n":7})");
  REQUIRE(codec_test::decodes == 1);
  REQUIRE(codec_test::encodes == 1);
  // The default stays nlohmann's.
  REQUIRE(rstreams::detail::decode_json<plain>(R"( { "n" : 3 } )").n == 3);
  out.clear();
  rstreams::detail::encode_json_append(out, plain{4});
  REQUIRE(out == R"({"n":4})");
}

TEST_CASE("json_codec: a bot reads and writes a typed payload through its codec", "[json][json_codec][bus]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  codec_test::decodes = codec_test::encodes = 0;
  for (std::uint64_t i = 1; i <= 3; ++i) rb::put(bus, "loader", "counts", counter{i});
  REQUIRE(codec_test::encodes == 3);
  const auto stats = rb::enrich(bus, {.bot = "doubler", .in = "counts", .out = "doubled"},
                                [](counter&& c) { return counter{c.n * 2}; });
  REQUIRE(stats.out == 3);
  REQUIRE(codec_test::decodes == 3);
  REQUIRE(codec_test::encodes == 6);
  const auto got = rt::read_all(bus, "doubled");
  REQUIRE(got.size() == 3);
  REQUIRE(got[2].payload == R"({"n":6})");
  REQUIRE(rb::to_event<counter>(got[2]).payload.n == 6);
}

TEST_CASE("json_codec: a decoder's error names the queue, the eid and the byte", "[json][json_codec][bus]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  const auto eid = rb::put(bus, "loader", "counts", json{{"n", "seven"}});
  try {
    rb::enrich(bus, {.bot = "doubler", .in = "counts", .out = "doubled"}, [](counter&& c) { return c; });
    FAIL("a payload that does not decode was accepted");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    INFO(what);
    REQUIRE(what.find("queue counts") != std::string::npos);
    REQUIRE(what.find(eid) != std::string::npos);
    REQUIRE(what.find("at byte 5: expected digits then }") != std::string::npos);
  }
  rb::record r;
  r.event = "counts";
  r.eid = eid;
  r.payload = "[1]";
  REQUIRE_THROWS_WITH(rb::to_event<counter>(r), Catch::Contains("queue counts") && Catch::Contains(eid) &&
                                                    Catch::Contains("at byte 0"));
}

TEST_CASE("json_codec: parse reads lines through the decoder, errors at their line and column",
          "[json][json_codec][io]") {
  std::vector<std::string> lines{R"({"n":1})", R"({"n":x})"};
  std::vector<std::uint64_t> got;
  try {
    for (auto&& c : rstreams::parse<counter>(lines, {.source = "counts.jsonl"})) got.push_back(c.n);
    FAIL("a line that does not decode was accepted");
  } catch (const rstreams::codec_error& e) {
    REQUIRE(e.source() == "counts.jsonl");
    REQUIRE(e.line() == 2);
    REQUIRE(e.column() == 6);
  }
  REQUIRE(got == std::vector<std::uint64_t>{1});
}

TEST_CASE("json_codec: append_json_string writes JSON that reads back as the same string",
          "[json][json_codec]") {
  const std::string s = std::string("a\"b\\c\nd\te\x01 f/\xc3\xa9") + '\0' + "end";
  std::string out;
  rstreams::append_json_string(out, s);
  REQUIRE(out == "\"a\\\"b\\\\c\\nd\\te\\u0001 f/\xc3\xa9\\u0000end\"");
  REQUIRE(json::parse(out).get<std::string>() == s);
}

TEST_CASE("json_codec: append_json_number writes numbers that read back exactly", "[json][json_codec]") {
  const auto text = [](auto v) {
    std::string s;
    rstreams::append_json_number(s, v);
    return s;
  };
  REQUIRE(text(123.45) == "123.45");
  REQUIRE(text(0.1) == "0.1");
  REQUIRE(text(-2.5) == "-2.5");
  REQUIRE(text(5.0) == "5");
  REQUIRE(text(0.001) == "0.001");
  REQUIRE(text(0.0105) == "0.0105");
  REQUIRE(text(99999999999999.9) == "99999999999999.9");
  REQUIRE(text(0.30000000000000004) == "0.30000000000000004");  // 17 digits: to_chars' form
  REQUIRE(text(1e20) == "1e+20");
  REQUIRE(text(1e-7) == "1e-07");
  REQUIRE(text(-0.0) == "-0");
  REQUIRE(text(std::numeric_limits<double>::quiet_NaN()) == "null");
  REQUIRE(text(-std::numeric_limits<double>::infinity()) == "null");
  REQUIRE(text(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  REQUIRE(text(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
  REQUIRE(text(2.5f) == "2.5");

  // Every value reads back bit for bit, and is never longer than std::to_chars' shortest form.
  std::mt19937_64 rng(17);
  for (int i = 0; i < 200000; ++i) {
    double v = 0;
    switch (i % 4) {
      case 0: {  // any bit pattern
        const std::uint64_t bits = rng();
        std::memcpy(&v, &bits, sizeof v);
        if (!std::isfinite(v)) continue;
        break;
      }
      case 1:  // prices
        v = static_cast<double>(rng() % 10000000) / 100.0;
        break;
      case 2:  // a few decimals at many scales
        v = static_cast<double>(rng() % 100000) / std::pow(10.0, static_cast<double>(rng() % 12));
        break;
      default:  // results of arithmetic
        v = static_cast<double>(rng() % 1000) * 0.1 + static_cast<double>(rng() % 1000) * 0.01;
    }
    if (i % 3 == 0) v = -v;
    const auto s = text(v);
    double back = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), back);
    INFO(s);
    REQUIRE(r.ptr == s.data() + s.size());
    REQUIRE(std::memcmp(&back, &v, sizeof v) == 0);
    char shortest[40];
    const auto n = std::to_chars(shortest, shortest + sizeof shortest, v).ptr - shortest;
    REQUIRE(s.size() <= static_cast<std::size_t>(n));
  }
}
