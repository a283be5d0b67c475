#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace rs = rstreams;

static_assert(rs::sink<decltype(rs::to_vector())>);
static_assert(rs::sink_for<decltype(rs::to_vector()), decltype(rs::iota(0, 1))>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::to_vector())), std::vector<int>>);

TEST_CASE("to_vector collects the elements in order", "[sinks][to_vector]") {
  REQUIRE(rs::run(rs::iota(0, 5) | rs::to_vector()) == std::vector<int>{0, 1, 2, 3, 4});
  REQUIRE(rs::run(rs::iota(0, 0) | rs::to_vector()).empty());
  REQUIRE(rs::run(rs::iota(0, 10'000) | rs::filter([](int x) { return x % 1000 == 0; }) | rs::to_vector())
              .size() == 10);
}

TEST_CASE("to_vector copies from a borrowed range and moves owned move-only elements", "[sinks][to_vector]") {
  const std::vector<std::string> words{"a", "b"};
  REQUIRE(rs::run(words | rs::to_vector()) == words);
  REQUIRE(words.size() == 2);

  std::vector<std::unique_ptr<int>> boxes;
  boxes.push_back(std::make_unique<int>(1));
  boxes.push_back(std::make_unique<int>(2));
  auto got = rs::run(std::move(boxes) | rs::to_vector());
  REQUIRE(got.size() == 2);
  REQUIRE(*got[1] == 2);
}

TEST_CASE("a stage composed with to_vector is a sink", "[sinks][to_vector]") {
  auto squares = rs::transform([](int x) { return x * x; }) | rs::to_vector();
  REQUIRE(rs::run(rs::iota(1, 4) | squares) == std::vector<int>{1, 4, 9});
}
