#include <rstreams/core/run.hpp>
#include <rstreams/ops/chunk.hpp>
#include <rstreams/ops/join.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
using ints = std::vector<int>;
}  // namespace

static_assert(rs::source_of<decltype(std::vector<ints>{} | rs::join()), int>);
static_assert(rs::stage<decltype(rs::join())>);

TEST_CASE("join flattens a source of ranges", "[ops][join]") {
  const std::vector<ints> batches{{1, 2}, {}, {3}, {4, 5, 6}};
  REQUIRE(rs::run(batches | rs::join() | rs::to_vector()) == ints{1, 2, 3, 4, 5, 6});
  REQUIRE(batches.size() == 4);  // borrowed elements are copied, not moved from
  REQUIRE(rs::run(rs::join(std::vector<std::string>{"ab", "c"}) | rs::to_vector()) ==
          std::vector<char>{'a', 'b', 'c'});
}

TEST_CASE("join undoes chunk", "[ops][join]") {
  REQUIRE(rs::run(rs::iota(0, 10) | rs::chunk(3) | rs::join() | rs::to_vector()) ==
          ints{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("join flattens a source of sources and resumes a partly used one", "[ops][join]") {
  auto src = rs::iota(2, 4) | rs::transform([](int x) { return rs::iota(0, x); }) | rs::join();
  ints got;
  auto sink = [&](int x) {
    got.push_back(x);
    return true;
  };
  REQUIRE(rs::push(src, 1, sink) == rs::flow::more);
  REQUIRE(got == ints{0});
  REQUIRE(rs::push(src, 3, sink) == rs::flow::more);
  REQUIRE(got == ints{0, 1, 0, 1});
  REQUIRE(rs::push(src, 10, sink) == rs::flow::done);
  REQUIRE(got == ints{0, 1, 0, 1, 2});
}

TEST_CASE("join takes only the batches it needs", "[ops][join]") {
  std::size_t made = 0;
  auto got = rs::run(rs::iota(0) | rs::transform([&](int x) {
                       ++made;
                       return ints{x, x};
                     }) |
                     rs::join() | rs::take(3) | rs::to_vector());
  REQUIRE(got == ints{0, 0, 1});
  REQUIRE(made == 2);
}
