#include <rstreams/core/on_error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/io/parse.hpp>
#include <rstreams/io/read_lines.hpp>
#include <rstreams/io/split_lines.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace order_ns {
struct order {
  int id = 0;
  std::string item;
  double price = 0;
};
inline void from_json(const nlohmann::json& j, order& o) {
  j.at("id").get_to(o.id);
  j.at("item").get_to(o.item);
  j.at("price").get_to(o.price);
}
}  // namespace order_ns

namespace {
using json_lines = decltype(std::vector<std::string>{} | rs::parse());
using orders = decltype(std::vector<std::string>{} | rs::parse<order_ns::order>());
}  // namespace

static_assert(rs::source_of<json_lines, nlohmann::json>);
static_assert(rs::source_of<orders, order_ns::order>);
static_assert(rs::stage<decltype(rs::parse<order_ns::order>())>);

TEST_CASE("parse reads JSON lines as nlohmann::json by default", "[io][parse]") {
  std::vector<std::string> lines{R"({"a":1})", "", "  ", "[1,2]", "3"};
  auto docs = io_test::collect(lines | rs::parse());
  REQUIRE(docs.size() == 3);
  REQUIRE(docs[0]["a"] == 1);
  REQUIRE(docs[1].is_array());
  REQUIRE(docs[2] == 3);
}

TEST_CASE("parse<T> converts through from_json", "[io][parse]") {
  std::vector<std::string> chunks{"{\"id\":1,\"item\":\"tea\",\"price\":2.5}\n{\"id\":2,",
                                  "\"item\":\"cake\",\"price\":4}\n"};
  auto got = io_test::collect(chunks | rs::split_lines() | rs::parse<order_ns::order>());
  REQUIRE(got.size() == 2);
  REQUIRE(got[1].item == "cake");
  const auto total = rs::run(chunks | rs::split_lines() | rs::parse<order_ns::order>() |
                             rs::filter([](const order_ns::order& o) { return o.price > 3; }) |
                             rs::transform([](const order_ns::order& o) { return o.id; }) | rs::sum());
  REQUIRE(total == 2);
}

TEST_CASE("a malformed line names the source, the line and the column", "[io][parse]") {
  std::vector<std::string> lines{R"({"a":1})", "", R"({"a":2,,})"};
  try {
    io_test::collect(lines | rs::parse({.source = "orders.jsonl"}));
    FAIL("expected a codec_error");
  } catch (const rs::codec_error& e) {
    REQUIRE(e.stage() == "parse");
    REQUIRE(e.source() == "orders.jsonl");
    REQUIRE(e.line() == 3);  // blank lines count
    REQUIRE(e.column() == 8);
    REQUIRE_THAT(e.what(), Catch::Matchers::StartsWith("rstreams: parse: orders.jsonl: line 3, column 8: "));
  }
}

TEST_CASE("a malformed line read from files names the real file and one line and column", "[io][parse]") {
  rs::test::temp_file dir("parse-dir", "");
  std::filesystem::create_directories(dir.path());
  {
    std::ofstream(dir.path() / "a.jsonl") << "{\"a\":1}\n{\"a\":2}\n";
    std::ofstream(dir.path() / "b.jsonl") << "{\"a\":3}\n\n{\"a\":4,,}\n";
  }
  try {
    io_test::collect(rs::read_lines(dir.path()) | rs::filter([](const std::string&) { return true; }) |
                     rs::parse());
    FAIL("expected a codec_error");
  } catch (const rs::codec_error& e) {
    REQUIRE(e.source() == (dir.path() / "b.jsonl").string());
    REQUIRE(e.line() == 3);  // the line in b.jsonl, not the fifth line parse saw
    REQUIRE(e.column() == 8);
    const std::string what = e.what();
    REQUIRE_THAT(what, Catch::Matchers::Contains("b.jsonl: line 3, column 8: "));
    REQUIRE_THAT(what, !Catch::Matchers::Contains("line 1"));  // nlohmann's own position is left out
    REQUIRE_THAT(what, !Catch::Matchers::Contains("json.exception"));
  }
}

TEST_CASE("a line that does not fit T names the line", "[io][parse]") {
  std::vector<std::string> lines{R"({"id":1,"item":"tea","price":1})",
                                 R"({"id":"two","item":"x","price":1})"};
  try {
    io_test::collect(lines | rs::parse<order_ns::order>());
    FAIL("expected a codec_error");
  } catch (const rs::codec_error& e) {
    REQUIRE(e.line() == 2);
    REQUIRE(e.column() == 0);
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("input: line 2: "));
  }
}

TEST_CASE("parse under on_error::skip drops malformed lines and counts them", "[io][parse]") {
  std::vector<std::string> lines{R"({"a":1})", "{bad", R"({"a":3})", "[", R"({"a":5})"};
  std::atomic<std::size_t> skipped{0};
  const auto docs = io_test::collect(lines | rs::parse({.source = "feed"}, rs::on_error::skip{&skipped}));
  REQUIRE(docs.size() == 3);
  REQUIRE(docs[2]["a"] == 5);
  REQUIRE(skipped == 2);
}

TEST_CASE("parse under on_error::dead_letter hands over the line, its number and the cause", "[io][parse]") {
  std::vector<std::string> lines{R"({"id":1,"item":"a","price":1})", R"({"id":"x","item":"b","price":2})",
                                 R"({"id":3,"item":"c","price":3})"};
  std::vector<rs::dead_letter_record<std::string>> dead;
  auto to_dead = [&](rs::dead_letter_record<std::string>&& r) { dead.push_back(std::move(r)); };
  const auto got = io_test::collect(
      lines | rs::parse<order_ns::order>({.source = "orders.jsonl"}, rs::on_error::dead_letter{to_dead}));
  REQUIRE(got.size() == 2);
  REQUIRE(dead.size() == 1);
  REQUIRE(dead[0].element == lines[1]);
  REQUIRE(dead[0].stage == "parse");
  REQUIRE(dead[0].index == 1);  // line 2
  REQUIRE_THAT(dead[0].reason, Catch::Matchers::Contains("orders.jsonl: line 2"));
  try {
    std::rethrow_exception(dead[0].cause);
  } catch (const rs::stage_error& e) {
    REQUIRE_THROWS_AS(std::rethrow_if_nested(e), rs::codec_error);
  }
}
