#include <rstreams/io/parse.hpp>
#include <rstreams/io/stringify.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace point_ns {
struct point {
  int x = 0;
  int y = 0;
};
inline void to_json(nlohmann::json& j, const point& p) {
  j = nlohmann::json{{"x", p.x}, {"y", p.y}};
}
inline void from_json(const nlohmann::json& j, point& p) {
  j.at("x").get_to(p.x);
  j.at("y").get_to(p.y);
}
}  // namespace point_ns

namespace {
using texts = decltype(std::vector<point_ns::point>{} | rs::stringify());
}

static_assert(rs::source_of<texts, std::string>);
static_assert(rs::stage<decltype(rs::stringify())>);

TEST_CASE("stringify writes one JSON line per element through to_json", "[io][stringify]") {
  std::vector<point_ns::point> pts{{1, 2}, {3, 4}};
  auto out = io_test::collect(pts | rs::stringify());
  REQUIRE(out == std::vector<std::string>{"{\"x\":1,\"y\":2}\n", "{\"x\":3,\"y\":4}\n"});
}

TEST_CASE("stringify without newline, and of json values and maps", "[io][stringify]") {
  std::vector<nlohmann::json> docs{nlohmann::json::array({1, "a"})};
  REQUIRE(io_test::collect(docs | rs::stringify({.newline = false})) ==
          std::vector<std::string>{"[1,\"a\"]"});
  std::vector<std::map<std::string, int>> maps{{{"k", 1}}};
  REQUIRE(io_test::collect(maps | rs::stringify()) == std::vector<std::string>{"{\"k\":1}\n"});
}

TEST_CASE("stringify then parse gives the elements back", "[io][stringify]") {
  std::vector<point_ns::point> pts{{1, 2}, {-3, 40}};
  auto back = io_test::collect(pts | rs::stringify() | rs::parse<point_ns::point>());
  REQUIRE(back.size() == 2);
  REQUIRE(back[1].x == -3);
  REQUIRE(back[1].y == 40);
}

TEST_CASE("invalid UTF-8 is a stage_error naming stringify and the element, or U+FFFD on request",
          "[io][stringify]") {
  std::vector<nlohmann::json> docs{{{"s", "ok"}}, {{"s", "bad \xff byte"}}};
  try {
    io_test::collect(docs | rs::stringify());
    FAIL("expected a stage_error");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "stringify");
    REQUIRE(e.element() == 1);
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("UTF-8"));
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("invalid_utf8::replace"));
    REQUIRE_THROWS_AS(std::rethrow_if_nested(e), nlohmann::json::type_error);
  }
  const auto out = io_test::collect(docs | rs::stringify({.invalid_utf8 = rs::invalid_utf8::replace}));
  REQUIRE(out.at(1) == "{\"s\":\"bad \xEF\xBF\xBD byte\"}\n");
}
