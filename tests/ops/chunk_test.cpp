#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/chunk.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rs = rstreams;

namespace {
using ints = std::vector<int>;
using chunks = std::vector<ints>;

}  // namespace

static_assert(rs::source_of<decltype(rs::iota(0) | rs::chunk(3)), ints>);
static_assert(rs::stage<decltype(rs::chunk(3))>);

TEST_CASE("chunk groups elements and emits the partial last chunk", "[ops][chunk]") {
  REQUIRE(rs::run(rs::iota(0, 7) | rs::chunk(3) | rs::to_vector()) == chunks{{0, 1, 2}, {3, 4, 5}, {6}});
  REQUIRE(rs::run(rs::chunk(rs::iota(0, 4), 2) | rs::to_vector()) == chunks{{0, 1}, {2, 3}});
  REQUIRE(rs::run(rs::iota(0, 2) | rs::chunk(5) | rs::to_vector()) == chunks{{0, 1}});
  REQUIRE(rs::run(rs::iota(0, 0) | rs::chunk(5) | rs::to_vector()).empty());
  REQUIRE(rs::run(rs::iota(0, 3) | rs::chunk(1) | rs::to_vector()) == chunks{{0}, {1}, {2}});
}

TEST_CASE("chunk(0) is a configuration error in both forms", "[ops][chunk]") {
  REQUIRE_THROWS_AS(rs::chunk(0), rs::config_error);
  REQUIRE_THROWS_AS(rs::chunk(rs::iota(0, 3), 0), rs::config_error);
  REQUIRE_THROWS_WITH(rs::chunk(0), "rstreams::chunk: the chunk size must be at least 1 (got 0)");
}

TEST_CASE("chunk pulls exactly what the chunks taken need", "[ops][chunk]") {
  rs::test::pull_counts pulled;
  REQUIRE(rs::run(rs::test::counting_source(pulled) | rs::chunk(4) | rs::take(2) | rs::to_vector()) ==
          chunks{{0, 1, 2, 3}, {4, 5, 6, 7}});
  REQUIRE(pulled.items == 8);
}

TEST_CASE("chunk meets demand smaller or larger than one chunk", "[ops][chunk]") {
  rs::test::pull_counts pulled;
  auto src = rs::test::counting_source(pulled) | rs::chunk(3);
  chunks got;
  auto sink = [&](ints c) {
    got.push_back(std::move(c));
    return true;
  };
  REQUIRE(rs::push(src, 1, sink) == rs::flow::more);
  REQUIRE(got == chunks{{0, 1, 2}});
  REQUIRE(pulled.items == 3);
  REQUIRE(rs::push(src, 2, sink) == rs::flow::more);
  REQUIRE(got.size() == 3);
  REQUIRE(got.back() == ints{6, 7, 8});
  REQUIRE(pulled.items == 9);
}

TEST_CASE("chunk keeps a partial chunk across pushes when upstream delivers fewer", "[ops][chunk]") {
  // filter delivers fewer elements than asked; the chunk fills over several pushes.
  auto src = rs::iota(0, 20) | rs::filter([](int x) { return x % 4 == 0; }) | rs::chunk(2);
  chunks got;
  for (int guard = 0; guard != 100; ++guard) {
    const auto f = rs::push(src, 1, [&](ints c) {
      got.push_back(std::move(c));
      return true;
    });
    if (f == rs::flow::done) break;
  }
  REQUIRE(got == chunks{{0, 4}, {8, 12}, {16}});
}

TEST_CASE("chunk emits the last partial chunk in the push that finds the end", "[ops][chunk]") {
  auto src = rs::iota(0, 5) | rs::chunk(2);
  chunks got;
  auto sink = [&](ints c) {
    got.push_back(std::move(c));
    return true;
  };
  REQUIRE(rs::push(src, 2, sink) == rs::flow::more);
  REQUIRE(got == chunks{{0, 1}, {2, 3}});
  REQUIRE(rs::push(src, 1, sink) == rs::flow::done);
  REQUIRE(got == chunks{{0, 1}, {2, 3}, {4}});
  REQUIRE(rs::push(src, 1, sink) == rs::flow::done);
  REQUIRE(got.size() == 3);
}

TEST_CASE("chunk stops when downstream says stop", "[ops][chunk]") {
  auto src = rs::iota(0, 10) | rs::chunk(2);
  chunks got;
  REQUIRE(rs::push(src, 100, [&](ints c) {
            got.push_back(std::move(c));
            return false;
          }) == rs::flow::more);
  REQUIRE(got == chunks{{0, 1}});
  REQUIRE(rs::run(std::move(src) | rs::to_vector()) == chunks{{2, 3}, {4, 5}, {6, 7}, {8, 9}});
}

TEST_CASE("chunk reuses its storage when the consumer only reads the chunks", "[ops][chunk]") {
  // A per-chunk sum reads each chunk: every chunk lives in the same storage (no allocation per
  // chunk), and each holds only its own elements.
  std::vector<const int*> storage;
  std::vector<int> sums;
  const auto sum_of = [&](const ints& c) {
    storage.push_back(c.data());
    int s = 0;
    for (const int x : c) s += x;
    return s;
  };
  sums = rs::run(rs::iota(0, 10) | rs::chunk(4) | rs::transform(sum_of) | rs::to_vector());
  REQUIRE(sums == std::vector<int>{0 + 1 + 2 + 3, 4 + 5 + 6 + 7, 8 + 9});
  REQUIRE(storage.size() == 3);
  REQUIRE(storage[0] == storage[1]);
  REQUIRE(storage[1] == storage[2]);
  // A consumer that keeps the chunks moves each away: all are intact and distinct.
  const auto kept = rs::run(rs::iota(0, 10) | rs::chunk(4) | rs::to_vector());
  REQUIRE(kept == chunks{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}});
  REQUIRE(kept[0].data() != kept[1].data());
}

TEST_CASE("chunk of values that own memory appends them and keeps no stale element", "[ops][chunk]") {
  const std::vector<std::string> words{"a", "bb", "ccc", "dddd", "eeeee"};
  std::vector<std::size_t> sizes;
  const auto lengths =
      rs::run(rs::from_range(words) | rs::chunk(2) | rs::transform([&](const std::vector<std::string>& c) {
                sizes.push_back(c.size());
                std::string joined;
                for (const auto& w : c) joined += w;
                return joined;
              }) |
              rs::to_vector());
  REQUIRE(lengths == std::vector<std::string>{"abb", "cccdddd", "eeeee"});
  REQUIRE(sizes == std::vector<std::size_t>{2, 2, 1});
}
