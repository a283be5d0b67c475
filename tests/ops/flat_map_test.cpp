#include <rstreams/core/error.hpp>
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

#include <array>
#include <cstddef>
#include <list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace rs = rstreams;

namespace {
using ints = std::vector<int>;

auto triple = [](int x) { return ints{x, x, x}; };
auto up_to = [](int x) { return rs::iota(0, x); };

// Pushes `n` at a time into a vector until the source ends.
template <class S>
ints drain_by(S& src, std::size_t n) {
  ints got;
  for (int guard = 0; guard != 1000; ++guard)
    if (rs::push(src, n, [&](int x) {
          got.push_back(x);
          return true;
        }) == rs::flow::done)
      break;
  return got;
}

// Three elements through the generic pull only; remembers whether it was started and with
// which stop token, to show that flat_map hands the run context to its inner sources.
class started_source : public rs::source_interface<started_source> {
 public:
  using value_type = int;
  explicit started_source(std::stop_token* seen) : seen_(seen) {}
  void start(const rs::run_context& ctx) { *seen_ = ctx.stop; }
  std::optional<int> next() {
    if (left_ == 0) return std::nullopt;
    return left_--;
  }

 private:
  std::stop_token* seen_;
  int left_ = 3;
};
}  // namespace

static_assert(rs::source_of<decltype(rs::iota(0) | rs::flat_map(triple)), int>);
static_assert(rs::source_of<decltype(rs::iota(0) | rs::flat_map(up_to)), int>);
static_assert(rs::stage<decltype(rs::flat_map(triple))>);

TEST_CASE("flat_map to a range passes on every element of every result", "[ops][flat_map]") {
  REQUIRE(rs::run(rs::iota(1, 4) | rs::flat_map(triple) | rs::to_vector()) ==
          ints{1, 1, 1, 2, 2, 2, 3, 3, 3});
  auto words =
      rs::run(rs::flat_map(std::vector<std::string>{"ab", "", "c"}, [](std::string s) { return s; }) |
              rs::to_vector());
  REQUIRE(words == std::vector<char>{'a', 'b', 'c'});
}

TEST_CASE("flat_map to a source", "[ops][flat_map]") {
  REQUIRE(rs::run(rs::iota(0, 5) | rs::flat_map(up_to) | rs::to_vector()) ==
          ints{0, 0, 1, 0, 1, 2, 0, 1, 2, 3});
  // Results with nothing in them are skipped.
  REQUIRE(rs::run(rs::iota(0, 3) | rs::flat_map([](int) { return ints{}; }) | rs::to_vector()).empty());
}

TEST_CASE("flat_map pulls upstream only when the current expansion is used up", "[ops][flat_map]") {
  rs::test::pull_counts pulled;
  REQUIRE(rs::run(rs::test::counting_source(pulled) | rs::flat_map(triple) | rs::take(4) | rs::to_vector()) ==
          ints{0, 0, 0, 1});
  REQUIRE(pulled.items == 2);
}

TEST_CASE("flat_map stops mid-expansion at n and resumes on the next push", "[ops][flat_map]") {
  auto expand = [](int x) { return ints{x * 10, x * 10 + 1, x * 10 + 2, x * 10 + 3}; };
  const ints expected{0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23};
  for (std::size_t n : {std::size_t{1}, std::size_t{3}, std::size_t{4}, std::size_t{5}, std::size_t{100}}) {
    INFO("n = " << n);
    auto src = rs::iota(0, 3) | rs::flat_map(expand);
    REQUIRE(drain_by(src, n) == expected);
    auto src2 = rs::iota(0, 3) | rs::flat_map([](int x) { return rs::iota(x * 10, x * 10 + 4); });
    REQUIRE(drain_by(src2, n) == expected);
  }
}

TEST_CASE("flat_map resumes every kind of result where it stopped", "[ops][flat_map]") {
  const ints expected{0, 1, 2, 10, 11, 12, 20, 21, 22};
  for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{100}}) {
    INFO("n = " << n);
    // An array moves its elements when stored mid-way; a list is not random access.
    auto arrays = rs::iota(0, 3) | rs::flat_map([](int x) {
                    return std::array<int, 3>{x * 10, x * 10 + 1, x * 10 + 2};
                  });
    REQUIRE(drain_by(arrays, n) == expected);
    auto lists = rs::iota(0, 3) | rs::flat_map([](int x) {
                   return std::list<int>{x * 10, x * 10 + 1, x * 10 + 2};
                 });
    REQUIRE(drain_by(lists, n) == expected);
    // An integral iota is walked as a counted loop; empty and reversed bounds give nothing.
    auto counted = rs::iota(0, 5) | rs::flat_map([](int x) {
                     return x % 2 == 1 ? rs::iota(x, x - 3) : rs::iota(x * 5, x * 5 + 3);
                   });
    REQUIRE(drain_by(counted, n) == expected);
    auto strings =
        rs::iota(0, 3) | rs::flat_map([](int x) { return std::string(3, static_cast<char>('a' + x)); });
    std::string got;
    while (rs::push(strings, n, [&](char c) {
             got += c;
             return true;
           }) == rs::flow::more) {
    }
    REQUIRE(got == "aaabbbccc");
  }
}

TEST_CASE("flat_map moves the elements of a result it owns", "[ops][flat_map]") {
  auto src = rs::iota(0, 2) | rs::flat_map([](int x) {
               std::vector<std::unique_ptr<int>> v;
               v.push_back(std::make_unique<int>(x));
               v.push_back(std::make_unique<int>(x + 10));
               return v;
             });
  ints got;
  for (int guard = 0; guard != 10; ++guard)
    if (rs::push(src, 1, [&](std::unique_ptr<int> p) {
          got.push_back(*p);
          return true;
        }) == rs::flow::done)
      break;
  REQUIRE(got == ints{0, 10, 1, 11});
}

TEST_CASE("flat_map stops mid-expansion when downstream says stop", "[ops][flat_map]") {
  auto src = rs::iota(0, 2) | rs::flat_map(triple);
  ints got;
  REQUIRE(rs::push(src, 100, [&](int x) {
            got.push_back(x);
            return got.size() != 2;
          }) == rs::flow::more);
  REQUIRE(got == ints{0, 0});
  REQUIRE(rs::push(src, 100, [&](int x) {
            got.push_back(x);
            return true;
          }) == rs::flow::done);
  REQUIRE(got == ints{0, 0, 0, 1, 1, 1});
}

TEST_CASE("flat_map reports done only after the last expansion is used up", "[ops][flat_map]") {
  auto src = rs::iota(0, 1) | rs::flat_map(triple);
  ints got;
  auto sink = [&](int x) {
    got.push_back(x);
    return true;
  };
  REQUIRE(rs::push(src, 2, sink) == rs::flow::more);
  REQUIRE(rs::push(src, 2, sink) == rs::flow::done);
  REQUIRE(rs::push(src, 2, sink) == rs::flow::done);
  REQUIRE(got == ints{0, 0, 0});
}

TEST_CASE("flat_map with a filtering inner source", "[ops][flat_map]") {
  auto src = rs::iota(0, 3) | rs::flat_map([](int x) {
               return rs::iota(0, 10) | rs::filter([x](int y) { return y % 5 == x; });
             });
  REQUIRE(drain_by(src, 1) == ints{0, 5, 1, 6, 2, 7});
}

TEST_CASE("an exception in flat_map's function names the stage and the element", "[ops][flat_map]") {
  auto p = rs::iota(0, 10) | rs::transform([](int x) { return x; }) | rs::flat_map([](int x) {
             if (x == 2) throw std::runtime_error("no");
             return ints{x};
           }) |
           rs::sum();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "flat_map");
    REQUIRE(e.position() == 2);
    REQUIRE(e.element() == 2);
  }
}

TEST_CASE("flat_map starts its inner sources with the run's context", "[ops][flat_map]") {
  std::stop_source stop;
  std::stop_token seen;
  auto got =
      rs::run(rs::iota(0, 2) | rs::flat_map([&](int) { return started_source(&seen); }) | rs::to_vector(),
              stop.get_token());
  REQUIRE(got == ints{3, 2, 1, 3, 2, 1});
  REQUIRE(seen.stop_possible());  // a default token cannot be stopped: this one came from run
}
