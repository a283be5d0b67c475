#include <rstreams/agg/key_by.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include "support.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
auto parity = [](int x) { return x % 2 == 0 ? std::string("even") : std::string("odd"); };
using keyed_ints = decltype(rs::iota(0, 3) | rs::key_by(parity));
}  // namespace

static_assert(rs::source_of<keyed_ints, rs::keyed<std::string, int>>);
static_assert(rs::stage<decltype(rs::key_by(parity))>);

TEST_CASE("key_by tags every element with its key", "[agg][key_by]") {
  const auto out = rs::run(rs::iota(0, 4) | rs::key_by(parity) | agg_test::collect());
  using kv = rs::keyed<std::string, int>;
  REQUIRE(out == std::vector<kv>{{"even", 0}, {"odd", 1}, {"even", 2}, {"odd", 3}});
}

TEST_CASE("key_by has a full-call form and keeps move-only values", "[agg][key_by]") {
  std::vector<std::string> words{"apple", "avocado", "banana"};
  auto src = rs::key_by(std::move(words), [](const std::string& w) { return w.front(); });
  std::vector<char> keys;
  for (auto&& kv : src) keys.push_back(kv.key);
  REQUIRE(keys == std::vector<char>{'a', 'a', 'b'});
}

TEST_CASE("an exception in the key function names key_by and the element", "[agg][key_by]") {
  auto p = rs::iota(0, 10) | rs::key_by([](int x) {
             if (x == 7) throw std::runtime_error("no key");
             return x;
           }) |
           agg_test::collect();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "key_by");
    REQUIRE(e.position() == 1);
    REQUIRE(e.element() == 7);
  }
}
