#include <rstreams/core/on_error.hpp>
#include <rstreams/io/csv_parse.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
using rows_t = decltype(std::vector<std::string>{} | rs::csv_parse());
using field = std::optional<std::string>;
}  // namespace

static_assert(rs::source_of<rows_t, rs::csv_row>);
static_assert(rs::stage<decltype(rs::csv_parse())>);

TEST_CASE("csv_parse maps the header row to named fields", "[io][csv_parse]") {
  const std::string text = "id,name,note\r\n1,tea,\"hot, strong\"\r\n2,cake,\"say \"\"hi\"\"\"\r\n";
  for (std::size_t size : {1u, 3u, 1000u}) {
    auto rows = io_test::collect(io_test::chunks_of(text, size) | rs::csv_parse());
    REQUIRE(rows.size() == 2);
    REQUIRE(rows[0]["name"] == field("tea"));
    REQUIRE(rows[0]["note"] == field("hot, strong"));
    REQUIRE(rows[1]["note"] == field("say \"hi\""));
    REQUIRE(rows[1][0] == field("2"));
    REQUIRE_THROWS_AS(rows[0]["nope"], rs::error);
  }
}

TEST_CASE("csv_parse strips a UTF-8 byte-order mark at the start, in any chunking", "[io][csv_parse]") {
  const std::string text = "\xEF\xBB\xBFid,name\n1,tea\n";
  for (std::size_t size : {1u, 2u, 4u, 1000u}) {
    auto rows = io_test::collect(io_test::chunks_of(text, size) | rs::csv_parse());
    REQUIRE(rows.size() == 1);
    REQUIRE((*rows[0].header)[0] == "id");
    REQUIRE(rows[0]["id"] == field("1"));
  }
  // Only at the very start: the same bytes later are data.
  auto rows = io_test::collect(std::vector<std::string>{"a\n\xEF\xBB\xBF"
                                                        "b\n"} |
                               rs::csv_parse({.header = false}));
  REQUIRE(rows[1].fields == std::vector<field>{"\xEF\xBB\xBF"
                                               "b"});
  // A prefix of a mark that is not one stays in the field.
  rows = io_test::collect(std::vector<std::string>{"\xEF\xBBx\n"} | rs::csv_parse({.header = false}));
  REQUIRE(rows[0].fields == std::vector<field>{"\xEF\xBBx"});
}

TEST_CASE("csv_parse keeps newlines inside quoted fields and handles LF, CRLF, no final newline",
          "[io][csv_parse]") {
  const std::string text = "a,b\n\"line1\nline2\",x\r\n\n\"\",last";
  auto rows = io_test::collect(io_test::chunks_of(text, 2) | rs::csv_parse({.header = false}));
  REQUIRE(rows.size() == 3);
  REQUIRE(rows[1].fields == std::vector<field>{"line1\nline2", "x"});
  REQUIRE(rows[2].fields == std::vector<field>{"", "last"});
  REQUIRE(rows[0].header == nullptr);
}

TEST_CASE("csv_parse honours the delimiter and the null token", "[io][csv_parse]") {
  std::vector<std::string> in{"k;v\n1;NULL\n2;\"NULL\"\n3;\n"};
  auto rows = io_test::collect(in | rs::csv_parse({.delimiter = ';', .null_token = "NULL"}));
  REQUIRE(rows.size() == 3);
  REQUIRE(rows[0]["v"] == std::nullopt);
  REQUIRE(rows[1]["v"] == field("NULL"));  // quoted: text, not null
  REQUIRE(rows[2]["v"] == field(""));
  REQUIRE(rows[0].value_or("v", "-") == "-");
}

TEST_CASE("malformed CSV names the source, line and column", "[io][csv_parse]") {
  auto first_error = [](const std::string& text) {
    try {
      io_test::collect(std::vector<std::string>{text} | rs::csv_parse({.source = "t.csv"}));
    } catch (const rs::codec_error& e) {
      return e;
    }
    FAIL("expected a codec_error");
    return rs::codec_error("", "", 0, 0, "");
  };
  const auto stray = first_error("a,b\n1,x\"y\n");
  REQUIRE(stray.line() == 2);
  REQUIRE(stray.column() == 4);
  REQUIRE(stray.source() == "t.csv");
  const auto unterminated = first_error("a,b\n1,2\n3,\"open\nmore\n");
  REQUIRE(unterminated.line() == 3);
  REQUIRE(unterminated.column() == 3);
  REQUIRE_THAT(unterminated.what(), Catch::Matchers::Contains("unterminated"));
  const auto width = first_error("a,b\n1,2\n\n3,4,5\n");
  REQUIRE(width.line() == 4);
  REQUIRE_THAT(width.what(), Catch::Matchers::Contains("3 fields, the header has 2"));
  const auto after = first_error("a,b\n\"x\"y,2\n");
  REQUIRE(after.line() == 2);
  REQUIRE(after.column() == 4);
}

TEST_CASE("csv_parse refuses a delimiter equal to the quote", "[io][csv_parse]") {
  REQUIRE_THROWS_AS(rs::csv_parse({.delimiter = '"'}), rs::config_error);
}

TEST_CASE("csv_parse under on_error::skip drops malformed records and resumes at the next line",
          "[io][csv_parse]") {
  const std::string text = "a,b\n1,2\n3,x\"y\n4,5\n6,7,8\n\"9\"z,10\n11,12\n\"open,13\n";
  std::atomic<std::size_t> skipped{0};
  for (std::size_t size : {1u, 5u, 1000u}) {
    skipped = 0;
    auto rows =
        io_test::collect(io_test::chunks_of(text, size) | rs::csv_parse({}, rs::on_error::skip{&skipped}));
    REQUIRE(rows.size() == 3);
    REQUIRE(rows[0]["a"] == field("1"));
    REQUIRE(rows[1]["a"] == field("4"));
    REQUIRE(rows[2]["b"] == field("12"));
    REQUIRE(skipped == 4);
  }
}

TEST_CASE("csv_parse under on_error::dead_letter hands over the fields read so far", "[io][csv_parse]") {
  std::vector<rs::dead_letter_record<rs::csv_row>> dead;
  auto to_dead = [&](rs::dead_letter_record<rs::csv_row>&& r) { dead.push_back(std::move(r)); };
  auto rows = io_test::collect(std::vector<std::string>{"a,b\n1,2\n3,4,5\n6,7\n"} |
                               rs::csv_parse({.source = "in.csv"}, rs::on_error::dead_letter{to_dead}));
  REQUIRE(rows.size() == 2);
  REQUIRE(dead.size() == 1);
  REQUIRE(dead[0].element.fields == std::vector<field>{"3", "4", "5"});
  REQUIRE(dead[0].index == 2);  // line 3
  REQUIRE_THAT(dead[0].reason, Catch::Matchers::Contains("in.csv: line 3"));
}
