#include <rstreams/agg/fold_by_key.hpp>
#include <rstreams/agg/key_by.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include "support.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rs = rstreams;

namespace {
using kv = rs::keyed<std::string, int>;
auto plus = [](int acc, int x) { return acc + x; };
using folded = decltype(std::vector<kv>{} | rs::fold_by_key(0, plus));
}  // namespace

static_assert(rs::source_of<folded, rs::keyed<std::string, int>>);
static_assert(rs::stage<decltype(rs::fold_by_key(0, plus))>);

TEST_CASE("fold_by_key folds each key and emits in first-seen order at the end", "[agg][fold_by_key]") {
  const std::vector<kv> in{{"b", 1}, {"a", 2}, {"b", 3}, {"c", 4}, {"a", 5}};
  const auto out = rs::run(in | rs::fold_by_key(0, plus) | agg_test::collect());
  REQUIRE(out == std::vector<kv>{{"b", 4}, {"a", 7}, {"c", 4}});
}

TEST_CASE("fold_by_key takes a mutating step and a different accumulator type", "[agg][fold_by_key]") {
  const auto out =
      rs::run(rs::iota(0, 6) | rs::key_by([](int x) { return x % 2; }) |
              rs::fold_by_key(std::vector<int>{}, [](std::vector<int>& v, int x) { v.push_back(x); }) |
              agg_test::collect());
  REQUIRE(out.size() == 2);
  REQUIRE(out[0].key == 0);
  REQUIRE(out[0].value == std::vector<int>{0, 2, 4});
  REQUIRE(out[1].value == std::vector<int>{1, 3, 5});
}

TEST_CASE("a full key table evicts a key not updated for a sweep and emits its state", "[agg][fold_by_key]") {
  const std::vector<kv> in{{"a", 1}, {"b", 10}, {"a", 2}, {"c", 100}, {"b", 20}};
  rs::agg_counters counters;
  const auto out = rs::run(in | rs::fold_by_key(0, plus, rs::key_limit(2, rs::on_evict::emit), &counters) |
                           agg_test::collect());
  // CLOCK: c finds a and b both updated, clears their bits, and takes a's slot on the second
  // pass; b keeps its state. At the end the slots hold c, then b.
  REQUIRE(out == std::vector<kv>{{"a", 3}, {"c", 100}, {"b", 30}});
  REQUIRE(counters.evicted == 1);
  REQUIRE(counters.dropped == 0);
  REQUIRE(counters.elements == 5);
}

TEST_CASE("a key updated since the hand passed gets a second chance", "[agg][fold_by_key]") {
  const std::vector<kv> in{{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}, {"b", 1}, {"e", 1}};
  const auto out = rs::run(in | rs::fold_by_key(0, plus, rs::key_limit(3)) | agg_test::collect());
  // d clears every bit and evicts a; b is updated again, so e passes over b and evicts c.
  REQUIRE(out == std::vector<kv>{{"a", 1}, {"c", 1}, {"d", 1}, {"b", 2}, {"e", 1}});
}

TEST_CASE("the drop policy forgets evicted state and counts it", "[agg][fold_by_key]") {
  const std::vector<kv> in{{"a", 1}, {"b", 10}, {"c", 100}, {"a", 2}};
  rs::agg_counters counters;
  const auto out = rs::run(in | rs::fold_by_key(0, plus, rs::key_limit(2, rs::on_evict::discard), &counters) |
                           agg_test::collect());
  REQUIRE(out == std::vector<kv>{{"c", 100}, {"a", 2}});  // a took the slot b left
  REQUIRE(counters.evicted == 2);
  REQUIRE(counters.dropped == 2);
}

TEST_CASE("unbounded_keys keeps every key", "[agg][fold_by_key]") {
  const auto out = rs::run(rs::iota(0, 100000) | rs::key_by([](int x) { return x % 70000; }) |
                           rs::fold_by_key(
                               0, [](int n, int) { return n + 1; }, rs::unbounded_keys()) |
                           agg_test::collect());
  REQUIRE(out.size() == 70000);
  REQUIRE(out[0].value == 2);
  REQUIRE(out[69999].value == 1);
}

TEST_CASE("a key limit of zero is rejected", "[agg][fold_by_key]") {
  REQUIRE_THROWS_AS(rs::key_limit(0), rs::config_error);
  REQUIRE_THROWS_WITH(rs::key_limit(0), "rstreams: key_limit: max_keys must be at least 1 (got 0)");
}

TEST_CASE("an exception in the step names fold_by_key and the element", "[agg][fold_by_key]") {
  const std::vector<kv> in{{"a", 1}, {"b", 2}, {"a", -1}};
  auto p = in |
           rs::fold_by_key(0,
                           [](int acc, int x) {
                             if (x < 0) throw std::invalid_argument("negative");
                             return acc + x;
                           }) |
           agg_test::collect();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "fold_by_key");
    REQUIRE(e.element() == 2);
  }
}

namespace {
// A value that counts its copies.
struct counted {
  std::string word;
  int* copies;
  counted(std::string w, int* c) : word(std::move(w)), copies(c) {}
  counted(const counted& o) : word(o.word), copies(o.copies) { ++*copies; }
  counted(counted&&) noexcept = default;
  counted& operator=(const counted& o) {
    word = o.word;
    copies = o.copies;
    ++*copies;
    return *this;
  }
  counted& operator=(counted&&) noexcept = default;
};
}  // namespace

TEST_CASE("fold_by_key straight after key_by copies no element and no key already seen",
          "[agg][fold_by_key]") {
  int copies = 0;
  std::vector<counted> in;
  for (const char* w : {"to", "be", "or", "not", "to", "be"}) in.emplace_back(w, &copies);
  copies = 0;
  // The key function returns a reference into the element: a key is copied only when it is new.
  const auto counts =
      rs::run(in | rs::key_by([](const counted& c) -> const std::string& { return c.word; }) |
              rs::fold_by_key(0, [](int n, const counted&) { return n + 1; }) | agg_test::collect());
  REQUIRE(copies == 0);
  REQUIRE(counts == std::vector<rs::keyed<std::string, int>>{{"to", 2}, {"be", 2}, {"or", 1}, {"not", 1}});
}

TEST_CASE("an exception in the key function still names key_by when fold_by_key follows",
          "[agg][fold_by_key]") {
  auto p = rs::iota(0, 10) | rs::key_by([](int x) {
             if (x == 7) throw std::runtime_error("no key");
             return x % 3;
           }) |
           rs::fold_by_key(0, plus) | agg_test::collect();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "key_by");
    REQUIRE(e.position() == 1);
    REQUIRE(e.element() == 7);
  }
}
