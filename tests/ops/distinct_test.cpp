#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/distinct.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rs = rstreams;

namespace {
using ints = std::vector<int>;
auto mod_3 = [](int x) { return x % 3; };

// Ordered but not hashable: distinct falls back to an ordered set.
struct version {
  int major;
  int minor;
  auto operator<=>(const version&) const = default;
};
}  // namespace

static_assert(rs::source_of<decltype(rs::iota(0) | rs::distinct()), int>);
static_assert(rs::source_of<decltype(rs::iota(0) | rs::distinct(mod_3, 10)), int>);
static_assert(rs::stage<decltype(rs::distinct())>);
static_assert(rs::stage<decltype(rs::distinct(mod_3))>);

TEST_CASE("distinct passes on each element the first time it is seen", "[ops][distinct]") {
  const ints v{3, 1, 3, 2, 1, 3, 4};
  REQUIRE(rs::run(v | rs::distinct() | rs::to_vector()) == ints{3, 1, 2, 4});
  REQUIRE(rs::run(rs::distinct(v) | rs::to_vector()) == ints{3, 1, 2, 4});
}

TEST_CASE("distinct by key keeps the first element of each key", "[ops][distinct]") {
  REQUIRE(rs::run(rs::iota(0, 10) | rs::distinct(mod_3) | rs::to_vector()) == ints{0, 1, 2});
  const std::vector<std::string> words{"apple", "avocado", "banana", "blueberry", "cherry"};
  auto first_letter = [](const std::string& w) { return w.front(); };
  REQUIRE(rs::run(rs::distinct(words, first_letter) | rs::to_vector()) ==
          std::vector<std::string>{"apple", "banana", "cherry"});
}

TEST_CASE("distinct works with ordered keys that are not hashable", "[ops][distinct]") {
  std::vector<version> vs{{1, 0}, {1, 2}, {1, 0}, {2, 0}, {1, 2}};
  auto got = rs::run(rs::from_range(std::move(vs)) | rs::distinct() | rs::to_vector());
  REQUIRE(got.size() == 3);
  REQUIRE(got[2] == version{2, 0});
}

TEST_CASE("bounded distinct forgets the oldest key first", "[ops][distinct]") {
  // Remembers 2 keys: after 1, 2, 3 the key 1 is forgotten, so 1 passes again; 3 is still known.
  const ints v{1, 2, 3, 1, 3, 2, 2};
  REQUIRE(rs::run(v | rs::distinct([](int x) { return x; }, 2) | rs::to_vector()) == ints{1, 2, 3, 1, 2});
}

TEST_CASE("bounded distinct keeps at most max_keys keys", "[ops][distinct]") {
  auto src = rs::distinct(
      rs::iota(0, 1000), [](int x) { return x; }, 16);
  REQUIRE(rs::run(rs::source_ref(src) | rs::take(500) | rs::to_vector()).size() == 500);
  REQUIRE(src.remembered() == 16);
  auto unbounded = rs::distinct(rs::iota(0, 1000));
  REQUIRE(rs::run(rs::source_ref(unbounded) | rs::to_vector()).size() == 1000);
  REQUIRE(unbounded.remembered() == 1000);
}

TEST_CASE("distinct with max_keys 0 is a configuration error", "[ops][distinct]") {
  REQUIRE_THROWS_AS(rs::distinct(mod_3, 0), rs::config_error);
  REQUIRE_THROWS_AS(rs::distinct(rs::iota(0, 3), mod_3, 0), rs::config_error);
}

TEST_CASE("a distinct closure starts with no memory each time it is used", "[ops][distinct]") {
  auto dedupe = rs::distinct(mod_3);
  REQUIRE(rs::run(rs::iota(0, 5) | dedupe | rs::to_vector()) == ints{0, 1, 2});
  REQUIRE(rs::run(rs::iota(0, 5) | dedupe | rs::to_vector()) == ints{0, 1, 2});
}

TEST_CASE("an exception in distinct's key function names the stage and the element", "[ops][distinct]") {
  auto p = rs::iota(0, 10) | rs::distinct([](int x) {
             if (x == 6) throw std::runtime_error("no key");
             return x;
           }) |
           rs::to_vector();
  REQUIRE_THROWS_WITH(rs::run(p), "rstreams: distinct (stage 1) failed on element 6: no key");
}
