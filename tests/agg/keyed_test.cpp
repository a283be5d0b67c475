#include <rstreams/agg/keyed.hpp>

#include <support/catch.hpp>

#include <functional>
#include <string>
#include <type_traits>

namespace rs = rstreams;

static_assert(rs::detail::is_keyed_v<rs::keyed<std::string, int>>);
static_assert(!rs::detail::is_keyed_v<int>);
static_assert(std::is_same_v<rs::detail::key_traits<int>::key_type, rs::no_key>);
static_assert(std::is_same_v<rs::detail::key_traits<rs::keyed<char, double>>::value_type, double>);

TEST_CASE("keyed elements compare by key and value", "[agg][keyed]") {
  using kv = rs::keyed<std::string, int>;
  REQUIRE(kv{"a", 1} == kv{"a", 1});
  REQUIRE_FALSE(kv{"a", 1} == kv{"a", 2});
  REQUIRE_FALSE(kv{"a", 1} == kv{"b", 1});
}

TEST_CASE("unkeyed elements all share the one no_key", "[agg][keyed]") {
  using traits = rs::detail::key_traits<int>;
  REQUIRE(traits::key(1) == traits::key(2));
  REQUIRE(std::hash<rs::no_key>{}(traits::key(5)) == std::hash<rs::no_key>{}(rs::no_key{}));
  REQUIRE(traits::value(7) == 7);
}
