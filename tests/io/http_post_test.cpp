#include <rstreams/core/run.hpp>
#include <rstreams/io/http_post.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/http_server.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace rs = rstreams;
using nlohmann::json;

static_assert(rs::sink<decltype(rs::http_post("http://x"))>);

TEST_CASE("http_post sends batches as JSON arrays", "[io][http_post]") {
  io_test::http_server server([](const io_test::http_request&) -> io_test::http_response {
    return {201, ""};
  });
  const auto n = rs::run(rs::iota(0, 7) | rs::http_post(server.url("/ingest"), {.batch_size = 3}));
  REQUIRE(n == 7);
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 3);
  REQUIRE(reqs[0].method == "POST");
  REQUIRE(reqs[0].headers.at("content-type") == "application/json");
  REQUIRE(json::parse(reqs[0].body) == json::array({0, 1, 2}));
  REQUIRE(json::parse(reqs[2].body) == json::array({6}));
}

TEST_CASE("http_post sends JSON lines with custom headers", "[io][http_post]") {
  io_test::http_server server([](const io_test::http_request&) -> io_test::http_response {
    return {200, "ok"};
  });
  rs::run(
      rs::iota(0, 2) | rs::transform([](int i) {
        return json{{"i", i}};
      }) |
      rs::http_post(server.url("/lines"), {.json_lines = true, .http = {.headers = {{"X-Token", "abc"}}}}));
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  REQUIRE(reqs[0].body == "{\"i\":0}\n{\"i\":1}\n");
  REQUIRE(reqs[0].headers.at("x-token") == "abc");
  REQUIRE(reqs[0].headers.at("content-type") == "application/x-ndjson");
}

TEST_CASE("http_post retries a 503 and reports what was delivered when a batch is refused",
          "[io][http_post]") {
  std::atomic<int> calls{0};
  io_test::http_server server([&](const io_test::http_request&) -> io_test::http_response {
    const int k = calls++;
    if (k == 1) return {503, "later"};
    if (k == 3) return {422, "bad item"};
    return {200, ""};
  });
  try {
    rs::run(rs::iota(0, 10) |
            rs::http_post(server.url("/in"),
                          {.batch_size = 2,
                           .http = {.retry = {.retries = 2, .backoff = std::chrono::milliseconds(1)}}}));
    FAIL("expected an http_error");
  } catch (const rs::http_error& e) {
    REQUIRE(e.status() == 422);
    REQUIRE(e.delivered() == 4);  // batch 1, then batch 2 after its retry
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("POST failed with HTTP 422") &&
                               Catch::Matchers::Contains("bad item"));
  }
  REQUIRE_THROWS_AS(rs::http_post("http://x", {.batch_size = 0}), rs::config_error);
}
