#include <rstreams/core/run.hpp>
#include <rstreams/io/http_get.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <support/catch.hpp>
#include <support/http_server.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

namespace rs = rstreams;
using nlohmann::json;

static_assert(rs::source_of<rs::http_get_source, json>);

namespace {
std::vector<int> ints(std::vector<json> v) {
  std::vector<int> out;
  for (auto& j : v) out.push_back(j.get<int>());
  return out;
}
const rs::http_retry fast_retry{.retries = 3, .backoff = std::chrono::milliseconds(1)};
}  // namespace

TEST_CASE("http_get reads a JSON array, or the array under a pointer", "[io][http_get]") {
  io_test::http_server server([](const io_test::http_request& r) -> io_test::http_response {
    if (r.target == "/plain") return {200, "[1,2,3]"};
    return {200, R"({"data":[4,5],"meta":{}})"};
  });
  REQUIRE(ints(rs::run(rs::http_get(server.url("/plain")) | rs::to_vector())) == std::vector<int>{1, 2, 3});
  REQUIRE(ints(rs::run(rs::http_get(server.url("/wrapped"), {.items = "/data"}) | rs::to_vector())) ==
          std::vector<int>{4, 5});
  REQUIRE(server.requests().at(0).method == "GET");
}

TEST_CASE("http_get reads JSON lines and names a bad line", "[io][http_get]") {
  io_test::http_server server([](const io_test::http_request& r) -> io_test::http_response {
    if (r.target == "/bad") return {200, "{\"a\":1}\n{oops\n"};
    return {200, "{\"a\":1}\n\n{\"a\":2}\n"};
  });
  const auto docs =
      rs::run(rs::http_get(server.url("/lines"), {.format = rs::http_format::json_lines}) | rs::to_vector());
  REQUIRE(docs.size() == 2);
  REQUIRE(docs[1]["a"] == 2);
  try {
    {
      auto src = rs::http_get(server.url("/bad"), {.format = rs::http_format::json_lines});
      for (auto&& d : src) (void)d;
    }
    FAIL("expected a codec_error");
  } catch (const rs::codec_error& e) {
    REQUIRE(e.source() == server.url("/bad"));
    REQUIRE(e.line() == 2);
  }
}

TEST_CASE("http_get follows Link headers, next fields and cursors", "[io][http_get]") {
  io_test::http_server server([](const io_test::http_request& r) -> io_test::http_response {
    if (r.target == "/link/1")
      return {200, "[1,2]", {{"Link", "</link/2>; rel=\"next\", </link/1>; rel=\"first\""}}};
    if (r.target == "/link/2") return {200, "[3]"};
    if (r.target == "/field/a") return {200, R"({"items":[1],"next":"/field/b"})"};
    if (r.target == "/field/b") return {200, R"({"items":[2],"next":null})"};
    if (r.target == "/cursor?limit=2") return {200, R"({"items":[1,2],"cursor":"c2"})"};
    if (r.target == "/cursor?limit=2&cursor=c2") return {200, R"({"items":[3],"cursor":"c3"})"};
    if (r.target == "/cursor?limit=2&cursor=c3") return {200, R"({"items":[],"cursor":"c3"})"};
    return {404, "no " + r.target};
  });
  REQUIRE(ints(rs::run(rs::http_get(server.url("/link/1"), {.next = rs::next_link()}) | rs::to_vector())) ==
          std::vector<int>{1, 2, 3});
  REQUIRE(ints(rs::run(
              rs::http_get(server.url("/field/a"), {.items = "/items", .next = rs::next_field("/next")}) |
              rs::to_vector())) == std::vector<int>{1, 2});
  REQUIRE(ints(rs::run(rs::http_get(server.url("/cursor?limit=2"),
                                    {.items = "/items", .next = rs::next_cursor("cursor", "/cursor")}) |
                       rs::to_vector())) == std::vector<int>{1, 2, 3});
}

TEST_CASE("http_get follows relative next links: ?query, ../path and //host", "[io][http_get]") {
  io_test::http_server server([](const io_test::http_request& r) -> io_test::http_response {
    if (r.target == "/a/b/list") return {200, "[1]", {{"Link", "<?page=2>; rel=\"next\""}}};
    if (r.target == "/a/b/list?page=2") return {200, "[2]", {{"Link", "<../c/more>; rel=\"next\""}}};
    if (r.target == "/a/c/more")
      return {200, "[3]", {{"Link", "<//" + r.headers.at("host") + "/last>; rel=\"next\""}}};
    if (r.target == "/last") return {200, "[4]"};
    return {404, "no " + r.target};
  });
  REQUIRE(ints(rs::run(rs::http_get(server.url("/a/b/list"), {.next = rs::next_link()}) | rs::to_vector())) ==
          std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("http_get retries 5xx and dropped connections, then succeeds", "[io][http_get]") {
  std::atomic<int> calls{0};
  io_test::http_server server([&](const io_test::http_request&) -> io_test::http_response {
    const int n = calls++;
    if (n == 0) return {503, "busy"};
    if (n == 1) return {.status = 200, .body = "", .drop = true};
    return {200, "[7]"};
  });
  REQUIRE(ints(rs::run(rs::http_get(server.url("/flaky"), {.http = {.retry = fast_retry}}) |
                       rs::to_vector())) == std::vector<int>{7});
  REQUIRE(calls == 3);
}

TEST_CASE("http_get gives up after the retries with the status and URL", "[io][http_get]") {
  io_test::http_server server([](const io_test::http_request&) -> io_test::http_response {
    return {500, "down"};
  });
  try {
    rs::run(rs::http_get(server.url("/down"), {.http = {.retry = fast_retry}}) | rs::to_vector());
    FAIL("expected an http_error");
  } catch (const rs::http_error& e) {
    REQUIRE(e.status() == 500);
    REQUIRE(e.url() == server.url("/down"));
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("HTTP 500 after 4 attempts"));
  }
  REQUIRE(server.requests().size() == 4);
}

TEST_CASE("a 4xx fails at once with status, URL and body", "[io][http_get]") {
  io_test::http_server server([](const io_test::http_request&) -> io_test::http_response {
    return {404, "{\"error\":\"no such feed\"}"};
  });
  try {
    rs::run(rs::http_get(server.url("/missing"), {.http = {.retry = fast_retry}}) | rs::to_vector());
    FAIL("expected an http_error");
  } catch (const rs::http_error& e) {
    REQUIRE(e.status() == 404);
    REQUIRE_THAT(e.what(), Catch::Matchers::StartsWith("rstreams: " + server.url("/missing") +
                                                       ": GET failed with HTTP 404") &&
                               Catch::Matchers::Contains("no such feed"));
  }
  REQUIRE(server.requests().size() == 1);
}

TEST_CASE("a refused connection is retried, then names the URL", "[io][http_get]") {
  const std::string url = "http://127.0.0.1:" + std::to_string(io_test::closed_port()) + "/x";
  try {
    rs::run(rs::http_get(url, {.http = {.retry = {.retries = 1, .backoff = std::chrono::milliseconds(1)}}}) |
            rs::to_vector());
    FAIL("expected an http_error");
  } catch (const rs::http_error& e) {
    REQUIRE(e.status() == 0);
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains(url) && Catch::Matchers::Contains("after 2 attempts"));
  }
}

TEST_CASE("http_get polls until the run is stopped", "[io][http_get]") {
  std::atomic<int> calls{0};
  io_test::http_server server([&](const io_test::http_request& r) -> io_test::http_response {
    const int n = calls++;
    if (r.target.find("since=") == std::string::npos) return {200, R"({"items":[1],"cursor":"1"})"};
    if (r.target.find("since=3") != std::string::npos) return {200, R"({"items":[],"cursor":"3"})"};
    if (n < 4) return {200, R"({"items":[],"cursor":"1"})"};  // nothing new yet
    return {200, R"({"items":[2,3],"cursor":"3"})"};
  });
  std::stop_source stop;
  auto src = rs::http_get(
      server.url("/events"),
      {.items = "/items", .next = rs::next_cursor("since", "/cursor"), .poll = std::chrono::milliseconds(1)});
  rs::start(src, rs::run_context{stop.get_token()});
  std::vector<int> seen;
  while (auto j = rs::pull(src)) {
    seen.push_back(j->get<int>());
    if (seen.size() == 3) stop.request_stop();
  }
  REQUIRE(seen == std::vector<int>{1, 2, 3});
  REQUIRE(calls >= 5);
}
