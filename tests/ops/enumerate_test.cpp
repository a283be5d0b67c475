#include <rstreams/core/run.hpp>
#include <rstreams/ops/enumerate.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace rs = rstreams;

using indexed = std::pair<std::size_t, std::string>;

static_assert(rs::source_of<decltype(std::vector<std::string>{} | rs::enumerate()), indexed>);
static_assert(rs::stage<decltype(rs::enumerate())>);

TEST_CASE("enumerate pairs each element with its index", "[ops][enumerate]") {
  std::vector<std::string> words{"x", "y", "z"};
  auto got = rs::run(rs::from_range(std::move(words)) | rs::enumerate() | rs::to_vector());
  REQUIRE(got == std::vector<indexed>{{0, "x"}, {1, "y"}, {2, "z"}});
}

TEST_CASE("enumerate counts the elements that reach it", "[ops][enumerate]") {
  auto got = rs::run(rs::enumerate(rs::iota(0) | rs::filter([](int x) { return x % 3 == 0; })) | rs::take(3) |
                     rs::to_vector());
  REQUIRE(got == std::vector<std::pair<std::size_t, int>>{{0, 0}, {1, 3}, {2, 6}});
}

TEST_CASE("enumerate keeps counting across pushes", "[ops][enumerate]") {
  auto src = rs::iota(10) | rs::enumerate();
  std::vector<std::size_t> idx;
  auto sink = [&](const std::pair<std::size_t, int>& p) {
    idx.push_back(p.first);
    return true;
  };
  rs::push(src, 2, sink);
  rs::push(src, 3, sink);
  REQUIRE(idx == std::vector<std::size_t>{0, 1, 2, 3, 4});
}
