#include <rstreams/io/http_error.hpp>

#include <support/catch.hpp>

#include <string>
#include <type_traits>

namespace rs = rstreams;

static_assert(std::is_base_of_v<rs::io_error, rs::http_error>);

TEST_CASE("http_error carries the URL, the status and what was delivered", "[io][http_error]") {
  const rs::http_error e("http://h/x", 404, "GET failed with HTTP 404", 7);
  REQUIRE(e.url() == "http://h/x");
  REQUIRE(e.status() == 404);
  REQUIRE(e.delivered() == 7);
  REQUIRE(std::string(e.what()) == "rstreams: http://h/x: GET failed with HTTP 404");
}
