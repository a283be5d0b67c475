#include <rstreams/bus/transfer/envelope_json.hpp>

#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace rb = rstreams::bus;
using json = nlohmann::json;

TEST_CASE("parse_envelope reads an RStreams envelope and writes it back", "[bus][transfer][envelope]") {
  const std::string line =
      R"({"id":"bot-a","event":"q","payload":{"b":[1,2],"a":"x"},"event_source_timestamp":5,"timestamp":6,)"
      R"("eid":"z/2024/01/15/12/30/1705321845123-0000042","correlation_id":{"source":"p","start":"e1","end":"e2","units":3}})";
  const auto r = rb::parse_envelope(line, {}, "f.jsonl", 7);
  REQUIRE(r.id == "bot-a");
  REQUIRE(r.event == "q");
  REQUIRE(r.eid == "z/2024/01/15/12/30/1705321845123-0000042");
  REQUIRE(r.timestamp == 6);
  REQUIRE(r.event_source_timestamp == 5);
  REQUIRE(r.correlation_id == rb::correlation{"p", "e1", "e2", 3});
  REQUIRE(json::parse(r.payload) == json{{"a", "x"}, {"b", {1, 2}}});
  std::string out;
  rb::append_envelope(out, r);
  REQUIRE(json::parse(out) == json::parse(line));
  REQUIRE(out.rfind(R"({"id":"bot-a","event":"q","payload":)", 0) == 0);
}

TEST_CASE("parse_envelope wraps bare payloads and reads partial_start", "[bus][transfer][envelope]") {
  const auto bare = rb::parse_envelope(R"({"n":1})", {.auto_detect_payload = true, .id = "importer"}, "f", 1);
  REQUIRE(bare.id == "importer");
  REQUIRE(bare.payload == R"({"n":1})");
  REQUIRE(bare.eid.empty());
  REQUIRE(rb::parse_envelope("42", {}, "f", 1).payload == "42");
  const auto partial = rb::parse_envelope(
      R"({"payload":1,"correlation_id":{"source":"orders","partial_start":"z/2024/","units":1}})", {}, "f",
      1);
  REQUIRE(partial.correlation_id == rb::correlation{"orders", "z/2024/", "", 1});
}

TEST_CASE("parse_envelope names the source and line of bad input", "[bus][transfer][envelope]") {
  const auto what = [](const std::string& line, rb::envelope_read_options o = {}) -> std::string {
    try {
      rb::parse_envelope(line, o, "in.jsonl", 12);
    } catch (const rb::envelope_error& e) {
      REQUIRE(e.line() == 12);
      return e.what();
    }
    return "no error";
  };
  REQUIRE(what("{nope").rfind("rstreams: in.jsonl line 12: not JSON", 0) == 0);
  REQUIRE(what(R"({"n":1})", {.auto_detect_payload = false}) ==
          "rstreams: in.jsonl line 12: not an event envelope (no \"payload\" field)");
  REQUIRE(what(R"({"payload":1,"eid":5})") == "rstreams: in.jsonl line 12: \"eid\" must be a string");
  REQUIRE(what(R"({"payload":1,"correlation_id":3})") ==
          "rstreams: in.jsonl line 12: \"correlation_id\" must be an object");
}
