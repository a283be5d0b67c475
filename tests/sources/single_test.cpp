#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/single.hpp>

#include <support/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<decltype(rs::single(1)), int>);
static_assert(rs::source_of<decltype(rs::single(std::make_unique<int>(1))), std::unique_ptr<int>>);

TEST_CASE("single yields its one element, then ends", "[sources][single]") {
  REQUIRE(rs::run(rs::single(std::string("x")) | rs::to_vector()) == std::vector<std::string>{"x"});

  auto src = rs::single(3);
  REQUIRE(rs::pull(src) == 3);
  REQUIRE_FALSE(rs::pull(src).has_value());
  REQUIRE(rs::push(src, 10, [](int) { return true; }) == rs::flow::done);
}

TEST_CASE("single moves its element out, so move-only types work", "[sources][single]") {
  auto got = rs::run(rs::single(std::make_unique<int>(42)) | rs::to_vector());
  REQUIRE(got.size() == 1);
  REQUIRE(*got[0] == 42);
}

TEST_CASE("single through a stage, and a push of zero keeps the element", "[sources][single]") {
  auto src = rs::single(20);
  REQUIRE(rs::push(src, 0, [](int) { return true; }) == rs::flow::more);
  REQUIRE(rs::run(src | rs::transform([](int x) { return x + 1; }) | rs::to_vector()) ==
          std::vector<int>{21});
  REQUIRE(rs::run(src | rs::count()) == 0);
}
