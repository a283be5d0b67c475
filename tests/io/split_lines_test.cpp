#include <rstreams/core/run.hpp>
#include <rstreams/io/split_lines.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
using lines_t = decltype(std::vector<std::string>{} | rs::split_lines());
using lines_from_vectors = decltype(std::vector<std::vector<char>>{} | rs::split_lines());
}  // namespace

static_assert(rs::source_of<lines_t, std::string>);
static_assert(rs::source_of<lines_from_vectors, std::string>);
static_assert(rs::stage<decltype(rs::split_lines())>);

TEST_CASE("split_lines cuts chunks into lines, across chunk boundaries", "[io][split_lines]") {
  const std::string text = "alpha\nbeta\r\ngamma\n\ndelta";
  for (std::size_t size : {1u, 2u, 3u, 5u, 7u, 100u}) {
    auto lines = io_test::collect(io_test::chunks_of(text, size) | rs::split_lines());
    REQUIRE(lines == std::vector<std::string>{"alpha", "beta", "gamma", "", "delta"});
  }
}

TEST_CASE("split_lines takes std::vector<char> chunks", "[io][split_lines]") {
  std::vector<std::vector<char>> chunks{{'a', '\n', 'b'}, {'c', '\n'}};
  REQUIRE(io_test::collect(chunks | rs::split_lines()) == std::vector<std::string>{"a", "bc"});
}

TEST_CASE("split_lines delivers at most n lines per push and resumes mid-chunk", "[io][split_lines]") {
  std::vector<std::string> chunks{"1\n2\n3\n4\n5\n"};
  auto src = rs::split_lines(chunks);
  std::vector<std::string> got;
  auto f = rs::push(src, 2, [&](std::string s) {
    got.push_back(s);
    return true;
  });
  REQUIRE(f == rs::flow::more);
  REQUIRE(got.size() == 2);
  f = rs::push(src, 1, [&](std::string s) {
    got.push_back(s);
    return false;
  });
  REQUIRE(got.size() == 3);
  while (rs::push(src, 10, [&](std::string s) {
           got.push_back(s);
           return true;
         }) == rs::flow::more) {
  }
  REQUIRE(got == std::vector<std::string>{"1", "2", "3", "4", "5"});
}

TEST_CASE("split_lines composes with transform and a sink", "[io][split_lines]") {
  std::vector<std::string> chunks{"10\n2", "0\n30\n"};
  const auto total = rs::run(chunks | rs::split_lines() |
                             rs::transform([](const std::string& s) { return std::stoi(s); }) | rs::sum());
  REQUIRE(total == 60);
}

TEST_CASE("split_lines refuses a line over the limit, naming the source and line", "[io][split_lines]") {
  std::vector<std::string> chunks{"ok\nfine\n", "this line is far too long", " and grows\n"};
  auto src = chunks | rs::split_lines({.source = "feed.txt", .max_line = 10});
  try {
    io_test::collect(src);
    FAIL("expected a codec_error");
  } catch (const rs::codec_error& e) {
    REQUIRE(e.source() == "feed.txt");
    REQUIRE(e.line() == 3);
    REQUIRE(std::string(e.what()).find("feed.txt: line 3") != std::string::npos);
  }
}

TEST_CASE("split_lines of nothing is nothing", "[io][split_lines]") {
  REQUIRE(io_test::collect(std::vector<std::string>{} | rs::split_lines()).empty());
  REQUIRE(io_test::collect(std::vector<std::string>{"", ""} | rs::split_lines()).empty());
}
