#include <rstreams/core/run.hpp>
#include <rstreams/exec/zip.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <string>
#include <tuple>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<decltype(rs::zip(rs::iota(0, 3), std::vector<std::string>{})),
                            std::tuple<int, std::string>>);

TEST_CASE("zip pairs elements and ends with the shortest source", "[exec][zip]") {
  const auto v = rs::run(rs::zip(rs::iota(0), std::vector<std::string>{"a", "b"}) | rs::to_vector());
  REQUIRE(v == std::vector<std::tuple<int, std::string>>{{0, "a"}, {1, "b"}});
}

TEST_CASE("zip takes three sources", "[exec][zip]") {
  const auto v = rs::run(rs::zip(rs::iota(0, 3), rs::iota(10, 20), rs::iota(100, 200)) | rs::to_vector());
  REQUIRE(v.size() == 3);
  REQUIRE(v[2] == std::tuple<int, int, int>{2, 12, 102});
}
