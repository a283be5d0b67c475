#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/first.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/generator.hpp>

#include <support/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rs = rstreams;

namespace {

rs::generator<int> count_to(int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}

rs::generator<long> naturals() {
  for (long i = 0;; ++i) co_yield i;
}

rs::generator<std::string> words() {
  std::string w = "lvalue";
  co_yield w;                    // an lvalue: passed by const reference, the body keeps it
  co_yield std::move(w);         // an rvalue: moved out
  co_yield "converted";          // built into a std::string
  co_yield std::string(3, 'z');  // a temporary
}

rs::generator<std::unique_ptr<int>> boxes(int n) {
  for (int i = 0; i < n; ++i) co_yield std::make_unique<int>(i);
}

rs::generator<int> fails_after(int n) {
  for (int i = 0; i < n; ++i) co_yield i;
  throw std::runtime_error("generator broke");
}

/// Counts live instances so a test can see a suspended body's locals destroyed.
struct tracker {
  explicit tracker(int& live) : live_(&live) { ++*live_; }
  tracker(const tracker&) = delete;
  tracker& operator=(const tracker&) = delete;
  ~tracker() { --*live_; }
  int* live_;
};

rs::generator<int> with_local(int& live) {
  tracker t(live);
  for (int i = 0;; ++i) co_yield i;
}

}  // namespace

static_assert(rs::source_of<rs::generator<int>, int>);
static_assert(rs::source_of<rs::generator<std::unique_ptr<int>>, std::unique_ptr<int>>);
static_assert(!std::is_copy_constructible_v<rs::generator<int>>);

TEST_CASE("a generator yields what its body co_yields, in order", "[sources][generator]") {
  REQUIRE(rs::run(count_to(5) | rs::to_vector()) == std::vector<int>{0, 1, 2, 3, 4});
  REQUIRE(rs::run(count_to(0) | rs::count()) == 0);
  REQUIRE(rs::run(count_to(1000) | rs::filter([](int x) { return x % 2 == 0; }) | rs::sum()) == 249'500);
}

TEST_CASE("a generator takes lvalues, rvalues and convertible values", "[sources][generator]") {
  REQUIRE(rs::run(words() | rs::to_vector()) ==
          std::vector<std::string>{"lvalue", "lvalue", "converted", "zzz"});
}

TEST_CASE("a generator of move-only elements", "[sources][generator]") {
  auto got = rs::run(boxes(3) | rs::to_vector());
  REQUIRE(got.size() == 3);
  REQUIRE(*got[2] == 2);
}

TEST_CASE("an infinite generator stops at the first element when first() is the sink",
          "[sources][generator]") {
  REQUIRE(rs::run(naturals() | rs::transform([](long x) { return x + 100; }) | rs::first()) == 100);
}

TEST_CASE("a generator is lazy and can be iterated and pulled", "[sources][generator]") {
  bool started = false;
  auto g = [](bool& s) -> rs::generator<int> {
    s = true;
    co_yield 1;
    co_yield 2;
  }(started);
  REQUIRE_FALSE(started);
  REQUIRE(g.next() == 1);
  REQUIRE(started);
  std::vector<int> rest;
  for (int x : g) rest.push_back(x);
  REQUIRE(rest == std::vector<int>{2});
  REQUIRE_FALSE(g.next().has_value());
  REQUIRE(rs::push(g, 3, [](int) { return true; }) == rs::flow::done);
}

TEST_CASE("a borrowed generator continues where the last run stopped", "[sources][generator]") {
  auto g = count_to(10);
  REQUIRE(rs::run(g | rs::first()) == 0);
  REQUIRE(rs::run(g | rs::first()) == 1);
  REQUIRE(rs::run(g | rs::count()) == 8);
}

TEST_CASE("an exception in the body leaves the pull as a stage_error naming the element",
          "[sources][generator]") {
  SECTION("from run") {
    try {
      rs::run(fails_after(3) | rs::sum());
      FAIL("run should have thrown");
    } catch (const rs::stage_error& e) {
      REQUIRE(e.stage() == "generator");
      REQUIRE(e.position() == 0);
      REQUIRE(e.element() == 3);
      REQUIRE(std::string(e.what()) == "rstreams: generator (stage 0) failed on element 3: generator broke");
      REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "generator broke");
    }
  }
  SECTION("from next, after which the generator has ended") {
    auto g = fails_after(1);
    REQUIRE(g.next() == 0);
    REQUIRE_THROWS_AS(g.next(), rs::stage_error);
    REQUIRE_FALSE(g.next().has_value());
  }
}

TEST_CASE("destroying a suspended generator destroys the body's locals", "[sources][generator]") {
  int live = 0;
  {
    auto g = with_local(live);
    REQUIRE(live == 0);  // nothing ran yet
    REQUIRE(rs::run(g | rs::first()) == 0);
    REQUIRE(live == 1);  // suspended at a co_yield
  }
  REQUIRE(live == 0);
  REQUIRE(rs::run(with_local(live) | rs::first()) == 0);
  REQUIRE(live == 0);
}

TEST_CASE("moving a generator moves the running body", "[sources][generator]") {
  auto a = count_to(4);
  REQUIRE(a.next() == 0);
  auto b = std::move(a);
  REQUIRE(b.next() == 1);
  REQUIRE_FALSE(a.next().has_value());  // NOLINT(bugprone-use-after-move): a moved-from generator is empty
  a = std::move(b);
  REQUIRE(a.next() == 2);
}
