#include <rstreams/core/run.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <algorithm>
#include <iterator>
#include <ranges>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
using iota_t = decltype(rs::iota(0, 10));
using strings_t = decltype(rs::iota(0, 3) | rs::transform([](int x) { return std::to_string(x); }));
}  // namespace

static_assert(std::ranges::input_range<iota_t>);
static_assert(std::ranges::input_range<strings_t>);
static_assert(std::ranges::input_range<rs::test::counting_next_source>);
static_assert(std::input_iterator<std::ranges::iterator_t<iota_t>>);
static_assert(std::same_as<std::ranges::range_value_t<strings_t>, std::string>);
static_assert(!std::ranges::forward_range<iota_t>);  // single pass

TEST_CASE("a source works in range-for", "[core][source_interface]") {
  std::vector<std::string> seen;
  for (auto&& s :
       rs::iota(1, 4) | rs::transform([](int x) { return std::string(static_cast<std::size_t>(x), '*'); }))
    seen.push_back(std::move(s));  // elements are modifiable: moving out is fine
  REQUIRE(seen == std::vector<std::string>{"*", "**", "***"});
}

TEST_CASE("std::ranges algorithms work on a source lvalue", "[core][source_interface]") {
  auto src = rs::iota(0, 100);
  auto it = std::ranges::find(src, 42);
  REQUIRE(it != std::ranges::end(src));
  REQUIRE(*it == 42);

  auto evens = rs::iota(0, 10) | rs::filter([](int x) { return x % 2 == 0; });
  std::vector<int> out;
  std::ranges::copy(evens, std::back_inserter(out));
  REQUIRE(out == std::vector<int>{0, 2, 4, 6, 8});

  auto more = rs::iota(0, 10);
  REQUIRE(std::ranges::count_if(more, [](int x) { return x > 6; }) == 3);

  auto ends = rs::iota(0, 10);
  REQUIRE(std::ranges::any_of(ends, [](int x) { return x == 9; }));
}

TEST_CASE("iteration is single-pass: a run continues where a loop stopped", "[core][source_interface]") {
  auto src = rs::iota(0, 10);
  for (int x : src)
    if (x == 2) break;
  REQUIRE(rs::run(src | rs::to_vector()) == std::vector<int>{3, 4, 5, 6, 7, 8, 9});
  int after_end = 0;
  for (int x : src) after_end += x + 1;
  REQUIRE(after_end == 0);
}

TEST_CASE("iteration pulls one element ahead at most", "[core][source_interface]") {
  rs::test::pull_counts seen;
  rs::test::counting_source src(seen);
  auto it = src.begin();
  REQUIRE(*it == 0);
  REQUIRE(seen.items == 1);
  ++it;
  ++it;
  REQUIRE(*it == 2);
  REQUIRE(seen.items == 3);
}
