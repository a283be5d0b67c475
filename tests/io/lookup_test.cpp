#include <rstreams/core/run.hpp>
#include <rstreams/io/lookup.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rs = rstreams;

namespace {
auto mod3 = [](const int& x) { return x % 3; };
auto names = [](const std::vector<int>& keys) {
  std::map<int, std::string> out;
  for (int k : keys)
    if (k != 2) out[k] = "k" + std::to_string(k);
  return out;
};
using joined = decltype(rs::iota(0, 3) | rs::lookup(mod3, names));
}  // namespace

static_assert(rs::source_of<joined, std::pair<int, std::optional<std::string>>>);
static_assert(rs::stage<decltype(rs::lookup(mod3, names))>);

TEST_CASE("lookup fetches once per batch with distinct keys and joins in order", "[io][lookup]") {
  std::vector<std::vector<int>> calls;
  auto fetch = [&](const std::vector<int>& keys) {
    calls.push_back(keys);
    return names(keys);
  };
  const auto out = rs::run(rs::iota(0, 7) | rs::lookup(mod3, fetch, {.batch_size = 4}) | rs::to_vector());
  REQUIRE(calls == std::vector<std::vector<int>>{{0, 1, 2}, {1, 2, 0}});
  REQUIRE(out.size() == 7);
  for (int i = 0; i < 7; ++i) {
    REQUIRE(out[static_cast<std::size_t>(i)].first == i);
    if (i % 3 == 2)
      REQUIRE(!out[static_cast<std::size_t>(i)].second);
    else
      REQUIRE(out[static_cast<std::size_t>(i)].second == "k" + std::to_string(i % 3));
  }
}

TEST_CASE("lookup works with unordered maps and string keys, and stops with take", "[io][lookup]") {
  std::vector<std::string> words{"a", "bb", "a", "ccc"};
  int fetches = 0;
  auto lengths = [&](const std::vector<std::string>& keys) {
    ++fetches;
    std::unordered_map<std::string, std::size_t> out;
    for (const auto& k : keys) out[k] = k.size();
    return out;
  };
  const auto out =
      rs::run(words | rs::lookup([](const std::string& w) { return w; }, lengths, {.batch_size = 2}) |
              rs::take(3) | rs::to_vector());
  REQUIRE(out.size() == 3);
  REQUIRE(out[2].second == std::size_t{1});
  REQUIRE(fetches == 2);
}

TEST_CASE("a failing fetcher names the stage and the batch's first element", "[io][lookup]") {
  auto failing = [](const std::vector<int>& keys) -> std::map<int, int> {
    if (keys.front() >= 10) throw std::runtime_error("lookup service down");
    return {};
  };
  try {
    rs::run(rs::iota(0, 20) | rs::lookup([](const int& x) { return x; }, failing, {.batch_size = 5}) |
            rs::to_vector());
    FAIL("expected a stage_error");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "lookup");
    REQUIRE(e.element() == 10);
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("lookup service down"));
  }
  REQUIRE_THROWS_AS(rs::lookup(mod3, names, {.batch_size = 0}), rs::config_error);
}
