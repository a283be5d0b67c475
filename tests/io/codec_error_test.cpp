#include <rstreams/io/codec_error.hpp>

#include <support/catch.hpp>

#include <string>
#include <type_traits>

namespace rs = rstreams;

static_assert(std::is_base_of_v<rs::error, rs::codec_error>);

TEST_CASE("codec_error names the stage, source, line and column", "[io][codec_error]") {
  const rs::codec_error e("parse", "a.jsonl", 3, 14, "syntax error");
  REQUIRE(std::string(e.what()) == "rstreams: parse: a.jsonl: line 3, column 14: syntax error");
  REQUIRE(e.stage() == "parse");
  REQUIRE(e.source() == "a.jsonl");
  REQUIRE(e.line() == 3);
  REQUIRE(e.column() == 14);
}

TEST_CASE("codec_error reads as a whole line or a byte offset when there is no column", "[io][codec_error]") {
  REQUIRE(std::string(rs::codec_error("csv_parse", "t.csv", 4, 0, "3 fields").what()) ==
          "rstreams: csv_parse: t.csv: line 4: 3 fields");
  REQUIRE(std::string(rs::codec_error("gunzip", "x.gz", 0, 1234, "truncated").what()) ==
          "rstreams: gunzip: x.gz: offset 1234: truncated");
}
