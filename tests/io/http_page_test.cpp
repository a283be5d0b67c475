#include <rstreams/io/http_page.hpp>

#include <support/catch.hpp>

#include <optional>
#include <string>

namespace rs = rstreams;

TEST_CASE("next_link reads rel=next and resolves relative links", "[io][http_page]") {
  rs::http_page p{
      .url = "http://h:1/api/items?page=1",
      .headers = {
          {"link", "<https://other/x?page=2>; rel=\"next\", <https://other/x?page=9>; rel=\"last\""}}};
  REQUIRE(rs::next_link()(p) == std::optional<std::string>("https://other/x?page=2"));
  p.headers = {{"link", "</api/items?page=2>; rel=\"next\""}};
  REQUIRE(rs::next_link()(p) == std::optional<std::string>("http://h:1/api/items?page=2"));
  p.headers = {{"link", "<page3>; rel=next"}};
  REQUIRE(rs::next_link()(p) == std::optional<std::string>("http://h:1/api/page3"));
  p.headers = {{"link", "<x>; rel=\"prev\""}};
  REQUIRE(rs::next_link()(p) == std::nullopt);
}

TEST_CASE("next_cursor sets the query parameter, replacing an old one", "[io][http_page]") {
  rs::http_page p{.url = "http://h/e?cursor=old&n=5", .json = {{"c", "a b"}}, .items = 1};
  REQUIRE(rs::next_cursor("cursor", "/c")(p) == std::optional<std::string>("http://h/e?n=5&cursor=a%20b"));
  p.json = {{"c", 42}};
  REQUIRE(rs::next_cursor("cursor", "/c")(p) == std::optional<std::string>("http://h/e?n=5&cursor=42"));
  p.json = {{"c", nullptr}};
  REQUIRE(rs::next_cursor("cursor", "/c")(p) == std::nullopt);
  p.items = 0;
  p.json = {{"c", "z"}};
  REQUIRE(rs::next_cursor("cursor", "/c")(p) == std::nullopt);
}

TEST_CASE("next links resolve per RFC 3986 (its section 5.4 examples)", "[io][http_page]") {
  const std::string base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> cases[] = {
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"..", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../g", "http://a/g"},
      {"../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"https://x/y?z", "https://x/y?z"},
  };
  for (const auto& [ref, want] : cases) {
    INFO(ref);
    rs::http_page p{.url = base, .headers = {{"link", std::string("<") + ref + ">; rel=\"next\""}}};
    REQUIRE(rs::next_link()(p) == std::optional<std::string>(want));
  }
}
