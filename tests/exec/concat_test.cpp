#include <rstreams/core/run.hpp>
#include <rstreams/exec/concat.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<decltype(rs::concat(rs::iota(0, 3), std::vector<int>{})), int>);

TEST_CASE("concat yields the sources one after another", "[exec][concat]") {
  const std::vector<int> middle{10, 11};
  const auto v = rs::run(rs::concat(rs::iota(0, 3), middle, rs::iota(20, 22)) | rs::to_vector());
  REQUIRE(v == std::vector<int>{0, 1, 2, 10, 11, 20, 21});
}

TEST_CASE("concat stops pulling when the sink is satisfied", "[exec][concat]") {
  const auto v = rs::run(rs::concat(rs::iota(0, 2), rs::iota(100)) | rs::take(4) | rs::to_vector());
  REQUIRE(v == std::vector<int>{0, 1, 100, 101});
}

TEST_CASE("concat skips empty sources", "[exec][concat]") {
  const auto v =
      rs::run(rs::concat(std::vector<int>{}, rs::iota(0, 2), std::vector<int>{}) | rs::to_vector());
  REQUIRE(v == std::vector<int>{0, 1});
}
