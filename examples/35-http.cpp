// HTTP: page through a JSON API (Link headers), survive a 503 with retries, and POST the
// results in batches. The server is a small local one started here (the test helper).
#include <rstreams/core/run.hpp>
#include <rstreams/io/http_error.hpp>
#include <rstreams/io/http_get.hpp>
#include <rstreams/io/http_post.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>

#include "../tests/support/http_server.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <string>

namespace rs = rstreams;
using nlohmann::json;

int main() {
  std::atomic<int> gets{0};
  io_test::http_server server([&](const io_test::http_request& r) -> io_test::http_response {
    if (r.method == "POST") return {201, ""};
    if (gets++ == 1) return {503, "try again"};  // the second request fails once
    if (r.target == "/users?page=1")
      return {200,
              R"([{"name":"ada","active":true},{"name":"bob","active":false}])",
              {{"Link", "</users?page=2>; rel=\"next\""}}};
    if (r.target == "/users?page=2") return {200, R"([{"name":"grace","active":true}])"};
    return {404, "no such page"};
  });

  const rs::http_options fast{.retry = {.retries = 3, .backoff = std::chrono::milliseconds(10)}};
  const auto posted = rs::run(
      rs::http_get(server.url("/users?page=1"), {.next = rs::next_link(), .http = fast}) |
      rs::filter([](const json& u) { return u["active"].get<bool>(); }) | rs::transform([](const json& u) {
        return json{{"user", u["name"]}};
      }) |
      rs::http_post(server.url("/active"), {.batch_size = 10}));
  std::cout << "posted " << posted << " active users\n";
  for (const auto& req : server.requests())
    std::cout << req.method << " " << req.target << (req.body.empty() ? "" : " " + req.body) << "\n";

  try {
    rs::run(rs::http_get(server.url("/missing")) | rs::http_post(server.url("/active")));
  } catch (const rs::http_error& e) {
    std::cout << "HTTP " << e.status() << " from " << e.url().substr(e.url().rfind('/')) << "\n";
  }
}
