#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/first.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/repeat.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<decltype(rs::repeat(7)), int>);
static_assert(rs::source_of<decltype(rs::repeat(7, 3)), int>);
static_assert(rs::source_of<decltype(rs::repeat(std::string("a"), 2u)), std::string>);
static_assert(rs::source_of<decltype(rs::repeat("text")), const char*>);

TEST_CASE("repeat(x, n) yields n copies and then ends", "[sources][repeat]") {
  REQUIRE(rs::run(rs::repeat(std::string("ab"), 3) | rs::to_vector()) ==
          std::vector<std::string>{"ab", "ab", "ab"});
  REQUIRE(rs::run(rs::repeat(1, 0) | rs::count()) == 0);
  REQUIRE(rs::run(rs::repeat(1, std::size_t{10'000}) | rs::count()) == 10'000);
}

TEST_CASE("repeat(x) has no end; a sink that stops ends the run", "[sources][repeat]") {
  int calls = 0;
  auto got = rs::run(rs::repeat(5) | rs::transform([&calls](int x) { return x + calls++; }) | rs::first());
  REQUIRE(got == 5);
  REQUIRE(calls == 1);
}

TEST_CASE("repeat copies the value each time; the source keeps its own", "[sources][repeat]") {
  auto src = rs::repeat(std::vector<int>{1, 2}, 4);
  std::vector<std::vector<int>> seen;
  for (auto&& v : src) {
    v.push_back(0);  // changing the element does not change the next copy
    seen.push_back(v);
  }
  REQUIRE(seen.size() == 4);
  for (const auto& v : seen) REQUIRE(v == std::vector<int>{1, 2, 0});
}

TEST_CASE("a finished repeat stays finished", "[sources][repeat]") {
  auto src = rs::repeat(1, 2);
  REQUIRE(rs::run(src | rs::count()) == 2);
  REQUIRE(rs::run(src | rs::count()) == 0);
  REQUIRE_FALSE(rs::pull(src).has_value());
}

TEST_CASE("a negative count is a config_error at construction", "[sources][repeat]") {
  REQUIRE_THROWS_AS(rs::repeat(1, -1), rs::config_error);
  try {
    (void)rs::repeat(1, -3);
  } catch (const rs::config_error& e) {
    REQUIRE(std::string(e.what()).find("-3") != std::string::npos);
  }
}
