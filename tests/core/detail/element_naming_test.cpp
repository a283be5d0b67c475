// Errors name the element a stage failed on by its number, given where it was made: by the
// source or by flat_map, kept through transforms, filters and take (core/detail/
// element_naming.hpp). Each chain below runs once cleanly, counting the calls of every stage's
// function; then, for every stage that can throw, it runs again with that stage failing on a
// few of those calls, and the error must name that stage and the failing element's number. The
// number is read off the calls of the first stage after where the elements were made (the
// chain's "origin" for that stage): the elements flow one at a time, so when a stage is called,
// that stage's latest call was on the same element.
#include <rstreams/core/detail/element_naming.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/metered.hpp>
#include <rstreams/core/metrics.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/drop_while.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/flat_map.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/take_while.hpp>
#include <rstreams/ops/tap.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rs = rstreams;

namespace {

constexpr std::size_t no_stage = 99;

/// Which stage fails on which of its calls, the calls each stage saw, and the number of the
/// element the planned failure happened on.
struct plan {
  std::size_t fail_position = no_stage;
  std::size_t fail_call = 0;
  std::size_t origin = no_stage;  // whose calls number the failing stage's elements
  std::size_t number = 0;
  std::array<std::size_t, 16> calls{};
};

/// `f` at stage `position`, counting its calls in the plan; fails as planned unless `Noexcept`.
template <bool Noexcept, class F>
struct probe {
  plan* p;
  std::size_t position;
  F f;

  template <class X>
  auto operator()(X&& x) const noexcept(Noexcept) -> decltype(f(std::forward<X>(x))) {
    const std::size_t call = p->calls[position]++;
    if constexpr (!Noexcept)
      if (position == p->fail_position && call == p->fail_call) {
        p->number = p->calls[p->origin] - 1;
        throw std::runtime_error("planned");
      }
    return f(std::forward<X>(x));
  }
};

template <class F>
probe<false, F> may_throw(plan& p, std::size_t position, F f) {
  return {&p, position, std::move(f)};
}
template <class F>
probe<true, F> never_throws(plan& p, std::size_t position, F f) {
  return {&p, position, std::move(f)};
}

enum class drive { run, pull_one_by_one };

template <class Source>
std::vector<int> consume(Source src, drive how) {
  if (how == drive::run) return rs::run(std::move(src) | rs::to_vector());
  std::vector<int> out;
  while (auto v = rs::pull(src)) out.push_back(*v);
  return out;
}

/// `make(plan&)` builds the pipeline's source; `names[k]` is stage k's operator, "" where the
/// stage cannot throw; `origins[k]` the first stage after where stage k's elements were made.
template <class Make>
void check_every_failure(Make make, const std::vector<std::string>& names,
                         const std::vector<std::size_t>& origins, drive how) {
  REQUIRE(origins.size() == names.size());
  plan clean;
  const auto expected = consume(make(clean), how);
  REQUIRE_FALSE(expected.empty());
  for (std::size_t k = 1; k < names.size(); ++k) {
    if (names[k].empty()) continue;
    const std::size_t n = clean.calls[k];
    REQUIRE(n > 2);
    for (const std::size_t m : {std::size_t{0}, std::size_t{1}, n / 3, n / 2, n - 1}) {
      plan p;
      p.fail_position = k;
      p.fail_call = m;
      p.origin = origins[k];
      CAPTURE(k, m, n, static_cast<int>(how));
      try {
        consume(make(p), how);
        FAIL("the planned failure did not happen");
      } catch (const rs::stage_error& e) {
        CHECK(e.stage() == names[k]);
        CHECK(e.position() == k);
        CHECK(e.element() == p.number);
        CHECK_THROWS_WITH(std::rethrow_if_nested(e), "planned");
      }
    }
  }
}

void check_both_ways(auto make, const std::vector<std::string>& names,
                     const std::vector<std::size_t>& origins) {
  check_every_failure(make, names, origins, drive::run);
  check_every_failure(make, names, origins, drive::pull_one_by_one);
}

const auto plus1 = [](int x) { return x + 1; };
const auto odd = [](int x) { return x % 2 != 0; };
const auto not_div3 = [](int x) { return x % 3 != 0; };
const auto up_to_two = [](int x) { return rs::iota(x, x + x % 3); };

}  // namespace

// Which sources and stages name the elements they hand on.
static_assert(rs::detail::names_elements_v<rs::iota_source<int>>);
static_assert(!rs::detail::names_elements_v<rs::test::counting_source>);
static_assert(rs::detail::names_elements_v<rs::range_source<std::vector<int>&>>);
static_assert(!rs::detail::names_elements_v<rs::range_source<std::list<int>&>>);
using throwing_fn = probe<false, decltype(plus1)>;
using nothrow_fn = probe<true, decltype(plus1)>;
static_assert(rs::detail::names_elements_v<rs::transform_source<rs::iota_source<int>, nothrow_fn>>);
static_assert(rs::detail::names_elements_v<rs::transform_source<rs::test::counting_source, throwing_fn>>);
static_assert(!rs::detail::names_elements_v<rs::transform_source<rs::test::counting_source, nothrow_fn>>);
using throwing_pred = probe<false, decltype(odd)>;
using nothrow_pred = probe<true, decltype(odd)>;
static_assert(rs::detail::names_elements_v<rs::filter_source<rs::iota_source<int>, throwing_pred>>);
static_assert(rs::detail::names_elements_v<rs::filter_source<rs::iota_source<int>, nothrow_pred>>);
static_assert(rs::detail::names_elements_v<rs::filter_source<rs::test::counting_source, throwing_pred>>);
static_assert(!rs::detail::names_elements_v<rs::filter_source<rs::test::counting_source, nothrow_pred>>);

TEST_CASE("element_naming: chain10's shape, every stage can throw", "[core][element_naming]") {
  check_both_ways(
      [](plan& p) {
        return rs::iota(0, 300) | rs::transform(may_throw(p, 1, plus1)) | rs::filter(may_throw(p, 2, odd)) |
               rs::flat_map(may_throw(p, 3, up_to_two)) | rs::transform(may_throw(p, 4, plus1)) |
               rs::filter(may_throw(p, 5, not_div3)) | rs::transform(may_throw(p, 6, plus1)) | rs::take(90) |
               rs::transform(may_throw(p, 8, plus1));
      },
      {"", "transform", "filter", "flat_map", "transform", "filter", "transform", "", "transform"},
      {0, 1, 1, 1, 4, 4, 4, 0, 4});
}

TEST_CASE("element_naming: filters in a row keep the source's numbers", "[core][element_naming]") {
  // An error from the last transform unwinds through three filters before the source names the
  // element: its number is the source's position, whatever the filters dropped.
  const auto not_div5 = [](int x) { return x % 5 != 0; };
  check_both_ways(
      [&](plan& p) {
        return rs::iota(0, 400) | rs::filter(may_throw(p, 1, odd)) | rs::transform(may_throw(p, 2, plus1)) |
               rs::filter(may_throw(p, 3, not_div3)) | rs::filter(may_throw(p, 4, not_div5)) |
               rs::transform(may_throw(p, 5, plus1));
      },
      {"", "filter", "transform", "filter", "filter", "transform"}, {0, 1, 1, 1, 1, 1});
}

TEST_CASE("element_naming: noexcept stages between throwing ones", "[core][element_naming]") {
  check_both_ways(
      [](plan& p) {
        return rs::iota(0, 300) | rs::transform(never_throws(p, 1, plus1)) |
               rs::filter(never_throws(p, 2, odd)) | rs::transform(may_throw(p, 3, plus1)) |
               rs::transform(may_throw(p, 4, plus1)) | rs::flat_map(never_throws(p, 5, up_to_two)) |
               rs::filter(may_throw(p, 6, not_div3)) | rs::filter(never_throws(p, 7, odd)) |
               rs::transform(may_throw(p, 8, plus1));
      },
      {"", "", "", "transform", "transform", "", "filter", "", "transform"}, {0, 1, 1, 1, 1, 1, 6, 6, 6});
}

TEST_CASE("element_naming: a source that does not name its elements", "[core][element_naming]") {
  rs::test::pull_counts counts;
  check_both_ways(
      [&counts](plan& p) {
        return rs::test::counting_source(counts, 300) | rs::transform(may_throw(p, 1, plus1)) |
               rs::transform(may_throw(p, 2, plus1)) | rs::filter(may_throw(p, 3, odd)) |
               rs::transform(may_throw(p, 4, plus1)) | rs::filter(never_throws(p, 5, not_div3)) |
               rs::transform(may_throw(p, 6, plus1));
      },
      {"", "transform", "transform", "filter", "transform", "", "transform"}, {0, 1, 1, 1, 1, 1, 1});
}

TEST_CASE("element_naming: flat_map's results that stop mid-way and resume", "[core][element_naming]") {
  // A vector (walked by offset), a list (kept as an inner source) and an iota (a counted loop),
  // with a take small enough that pushes end inside an expansion.
  const auto three = [](int x) { return std::vector<int>{x, x + 1, x + 2}; };
  const auto two = [](int x) { return std::list<int>{x, x + 1}; };
  check_both_ways(
      [three, two](plan& p) {
        return rs::iota(0, 100) | rs::flat_map(may_throw(p, 1, three)) |
               rs::transform(may_throw(p, 2, plus1)) | rs::flat_map(may_throw(p, 3, two)) |
               rs::filter(may_throw(p, 4, not_div3)) | rs::flat_map(may_throw(p, 5, up_to_two)) |
               rs::take(150) | rs::transform(may_throw(p, 7, plus1));
      },
      {"", "flat_map", "transform", "flat_map", "filter", "flat_map", "", "transform"},
      {0, 1, 2, 2, 4, 4, 0, 7});
}

TEST_CASE("element_naming: tap, take_while and drop_while keep the numbers too", "[core][element_naming]") {
  const auto below20 = [](int x) { return x < 20; };
  const auto below250 = [](int x) { return x < 250; };
  check_both_ways(
      [&](plan& p) {
        return rs::iota(0, 300) | rs::filter(may_throw(p, 1, odd)) | rs::tap(may_throw(p, 2, plus1)) |
               rs::drop_while(may_throw(p, 3, below20)) | rs::take_while(may_throw(p, 4, below250)) |
               rs::transform(may_throw(p, 5, plus1));
      },
      {"", "filter", "tap", "drop_while", "take_while", "transform"}, {0, 1, 1, 1, 1, 1});
  rs::test::pull_counts counts;
  // After a source that cannot say its position and a noexcept filter, tap numbers its input.
  check_both_ways(
      [&](plan& p) {
        return rs::test::counting_source(counts, 300) | rs::filter(never_throws(p, 1, odd)) |
               rs::tap(may_throw(p, 2, plus1)) | rs::drop_while(may_throw(p, 3, below20)) |
               rs::take_while(may_throw(p, 4, below250)) | rs::transform(may_throw(p, 5, plus1));
      },
      {"", "", "tap", "drop_while", "take_while", "transform"}, {0, 1, 2, 2, 2, 2});
  // There drop_while numbers its input, and goes on counting once it has stopped dropping.
  check_both_ways(
      [&](plan& p) {
        return rs::test::counting_source(counts, 300) | rs::filter(never_throws(p, 1, odd)) |
               rs::tap(never_throws(p, 2, plus1)) | rs::drop_while(may_throw(p, 3, below20)) |
               rs::transform(may_throw(p, 4, plus1));
      },
      {"", "", "", "drop_while", "transform"}, {0, 1, 2, 2, 2});
}

TEST_CASE("element_naming: a range source that is not random access", "[core][element_naming]") {
  std::list<int> data;
  for (int i = 0; i < 200; ++i) data.push_back(i);
  check_both_ways(
      [&](plan& p) {
        return rs::from_range(data) | rs::transform(may_throw(p, 1, plus1)) |
               rs::filter(may_throw(p, 2, odd)) | rs::transform(may_throw(p, 3, plus1));
      },
      {"", "transform", "filter", "transform"}, {0, 1, 1, 1});
}

TEST_CASE("element_naming: a range source and a metered chain", "[core][element_naming]") {
  std::vector<int> data(200);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<int>(i);
  rs::metrics_registry reg;
  check_both_ways(
      [&](plan& p) {
        return rs::from_range(data) |
               rs::metered(reg, "p",
                           rs::transform(may_throw(p, 1, plus1)) | rs::filter(may_throw(p, 2, odd)) |
                               rs::flat_map(may_throw(p, 3, up_to_two)) |
                               rs::transform(may_throw(p, 4, plus1))) |
               rs::transform(may_throw(p, 5, plus1));
      },
      {"", "transform", "filter", "flat_map", "transform", "transform"}, {0, 1, 1, 1, 4, 4});
}

TEST_CASE("element_naming: an unnamed error becomes the stage_error with the cause nested",
          "[core][element_naming]") {
  auto f = [](int) -> int { throw std::out_of_range("bad"); };
  auto consumer = [&](int x) { return rs::detail::invoke_unnamed("transform", 4, f, x) != 0; };
  try {
    rs::detail::hand_on(consumer, 7, [] { return std::size_t{12}; });
    FAIL("should have thrown");
  } catch (const rs::stage_error& e) {
    CHECK(std::string(e.what()) == "rstreams: transform (stage 4) failed on element 12: bad");
    CHECK_THROWS_AS(std::rethrow_if_nested(e), std::out_of_range);
  }
}
