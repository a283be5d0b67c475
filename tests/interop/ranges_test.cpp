#include <rstreams/interop/ranges.hpp>

#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/flat_map.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <range/v3/algorithm/count_if.hpp>
#include <range/v3/algorithm/find.hpp>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/chunk.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/iota.hpp>
#include <range/v3/view/join.hpp>
#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>
#include <range/v3/view/zip.hpp>

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace rs = rstreams;

namespace {
using ints = std::vector<int>;

using iota_src = decltype(rs::iota(0));
using evens_view = decltype(ranges::views::iota(0) | ranges::views::filter([](int x) { return x % 2 == 0; }));
}  // namespace

// Sources are range-v3 input ranges, and viewable as lvalues; they are not views (not copyable
// or default-constructible in general), so temporaries are not viewable.
static_assert(ranges::input_range<iota_src&>);
static_assert(ranges::viewable_range<iota_src&>);
static_assert(!ranges::view_<iota_src>);
static_assert(ranges::input_range<rs::test::counting_source&>);
// range-v3 views are sources through from_range.
static_assert(rs::source_range<evens_view>);
static_assert(rs::source_of<decltype(rs::from_range(std::declval<evens_view>())), int>);

TEST_CASE("range-v3 views are sources", "[interop][ranges]") {
  auto evens = ranges::views::iota(0) | ranges::views::filter([](int x) { return x % 2 == 0; });
  REQUIRE(rs::run(evens | rs::take(4) | rs::to_vector()) == ints{0, 2, 4, 6});
  REQUIRE(rs::run(rs::from_range(ranges::views::iota(1, 5)) | rs::sum()) == 10);
  const std::vector<ints> nested{{1, 2}, {3}};
  REQUIRE(rs::run(nested | ranges::views::join | rs::transform([](int x) { return x * 2; }) |
                  rs::to_vector()) == ints{2, 4, 6});
  const ints a{1, 2, 3};
  const ints b{10, 20, 30};
  auto zipped = ranges::views::zip(a, b);
  REQUIRE(rs::run(zipped | rs::transform([](auto&& p) { return p.first * p.second; }) | rs::sum()) == 140);
}

TEST_CASE("a flat_map may return a range-v3 view", "[interop][ranges]") {
  auto got = rs::run(rs::iota(1, 4) | rs::flat_map([](int x) { return ranges::views::iota(0, x); }) |
                     rs::to_vector());
  REQUIRE(got == ints{0, 0, 1, 0, 1, 2});
}

TEST_CASE("an lvalue source pipes into range-v3 views", "[interop][ranges]") {
  auto src = rs::iota(0) | rs::filter([](int x) { return x % 3 == 0; });
  auto first = src | ranges::views::take(3) | ranges::views::transform([](int x) { return x + 1; }) |
               ranges::to<std::vector>();
  REQUIRE(first == ints{1, 4, 7});
  // Single-pass: the source continues where the view stopped pulling it.
  auto more = src | ranges::views::take(2) | ranges::to<std::vector>();
  REQUIRE(more.size() == 2);
  REQUIRE(more.back() > 6);
}

TEST_CASE("range-v3 take over a source pulls no more than it takes", "[interop][ranges]") {
  rs::test::pull_counts pulled;
  rs::test::counting_source src(pulled);
  auto got = src | ranges::views::take(5) | ranges::to<std::vector>();
  REQUIRE(got == ints{0, 1, 2, 3, 4});
  REQUIRE(pulled.items == 5);
}

TEST_CASE("range-v3 algorithms accept an lvalue source", "[interop][ranges]") {
  auto src = rs::iota(0, 10);
  REQUIRE(ranges::count_if(src, [](int x) { return x % 2 == 1; }) == 5);
  auto src2 = rs::iota(0, 10) | rs::transform([](int x) { return x * x; });
  auto it = ranges::find(src2, 49);
  REQUIRE(it != ranges::end(src2));
  REQUIRE(*it == 49);
  // range-v3 chunk over a source groups what it pulls.
  auto src3 = rs::iota(0, 5);
  auto groups = src3 | ranges::views::chunk(2) |
                ranges::views::transform([](auto&& g) { return ranges::to<std::vector<int>>(g); }) |
                ranges::to<std::vector>();
  REQUIRE(groups == std::vector<ints>{{0, 1}, {2, 3}, {4}});
}
