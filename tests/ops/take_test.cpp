#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace rs = rstreams;

namespace {

// Records the n of every push it receives.
class demand_probe : public rs::source_interface<demand_probe> {
 public:
  using value_type = int;
  explicit demand_probe(std::vector<std::size_t>& asks) : asks_(&asks) {}
  template <class F>
  rs::flow push(std::size_t n, F&& f) {
    asks_->push_back(n);
    for (; n != 0; --n)
      if (!f(1)) break;
    return rs::flow::more;
  }

 private:
  std::vector<std::size_t>* asks_;
};

}  // namespace

static_assert(rs::source_of<decltype(rs::iota(0) | rs::take(3)), int>);
static_assert(rs::stage<decltype(rs::take(3))>);
static_assert(rs::detail::has_push<rs::take_source<rs::iota_source<int, int>>>);

TEST_CASE("take passes on the first n elements", "[ops][take]") {
  REQUIRE(rs::run(rs::iota(0, 100) | rs::take(4) | rs::to_vector()) == std::vector<int>{0, 1, 2, 3});
  REQUIRE(rs::run(rs::take(rs::iota(10, 13), 5) | rs::to_vector()) == std::vector<int>{10, 11, 12});
  REQUIRE(rs::run(rs::iota(0, 100) | rs::take(0) | rs::to_vector()).empty());
}

TEST_CASE("take(5) on an infinite source pulls exactly 5 and the run finishes", "[ops][take]") {
  rs::test::pull_counts pulled;
  SECTION("bulk upstream") {
    REQUIRE(rs::run(rs::test::counting_source(pulled) | rs::take(5) | rs::sum()) == 10);
    REQUIRE(pulled.items == 5);
  }
  SECTION("generic upstream") {
    REQUIRE(rs::run(rs::test::counting_next_source(pulled) | rs::take(5) | rs::sum()) == 10);
    REQUIRE(pulled.items == 5);
  }
  SECTION("through a transform") {
    REQUIRE(rs::run(rs::test::counting_source(pulled) | rs::transform([](int x) { return x * 2; }) |
                    rs::take(5) | rs::sum()) == 20);
    REQUIRE(pulled.items == 5);
  }
  SECTION("take(0) pulls nothing") {
    REQUIRE(rs::run(rs::test::counting_source(pulled) | rs::take(0) | rs::sum()) == 0);
    REQUIRE(pulled.items == 0);
  }
}

TEST_CASE("take asks upstream for no more than it still needs", "[ops][take]") {
  std::vector<std::size_t> asks;
  demand_probe probe(asks);
  auto src = rs::take(probe, 10);
  std::vector<int> got;
  auto sink = [&](int x) {
    got.push_back(x);
    return true;
  };
  REQUIRE(rs::push(src, 3, sink) == rs::flow::more);   // n smaller than what is left
  REQUIRE(rs::push(src, 50, sink) == rs::flow::done);  // n larger than what is left
  REQUIRE(rs::push(src, 50, sink) == rs::flow::done);  // and stays done, without pulling
  REQUIRE(asks == std::vector<std::size_t>{3, 7});
  REQUIRE(got.size() == 10);
}

TEST_CASE("take stops when downstream says stop and resumes after", "[ops][take]") {
  auto src = rs::iota(0) | rs::take(6);
  std::vector<int> got;
  REQUIRE(rs::push(src, 100, [&](int x) {
            got.push_back(x);
            return x != 1;
          }) == rs::flow::more);
  REQUIRE(got == std::vector<int>{0, 1});
  REQUIRE(rs::push(src, 100, [&](int x) {
            got.push_back(x);
            return true;
          }) == rs::flow::done);
  REQUIRE(got == std::vector<int>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("take after a filter counts kept elements", "[ops][take]") {
  rs::test::pull_counts pulled;
  auto evens = rs::run(rs::test::counting_source(pulled) | rs::filter([](int x) { return x % 2 == 0; }) |
                       rs::take(3) | rs::to_vector());
  REQUIRE(evens == std::vector<int>{0, 2, 4});
  REQUIRE(pulled.items == 5);
}

TEST_CASE("take is iterable and describes itself", "[ops][take]") {
  auto src = rs::iota(1) | rs::take(3);
  std::vector<int> seen;
  for (int x : src) seen.push_back(x);
  REQUIRE(seen == std::vector<int>{1, 2, 3});
  REQUIRE(rs::describe(rs::iota(1) | rs::take(3)) == "iota | take");
}
