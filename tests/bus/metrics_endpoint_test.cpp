// Built when CMake found cpp-httplib (tests/CMakeLists.txt).
#if defined(RSTREAMS_TEST_HTTPLIB)

#include <rstreams/bus/metrics_endpoint.hpp>
#include <rstreams/bus/put.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

TEST_CASE("metrics_endpoint serves the exposition at /metrics, computed per scrape",
          "[bus][metrics_endpoint]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  rb::put_events(bus, "loader", "orders", std::vector<json>(3, json{{"x", 1}}));
  auto endpoint = rb::serve_metrics(bus, "127.0.0.1", 0);
  REQUIRE(endpoint->port() > 0);
  httplib::Client client("127.0.0.1", endpoint->port());
  auto res = client.Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  REQUIRE(res->get_header_value("Content-Type").find("version=0.0.4") != std::string::npos);
  REQUIRE(res->body.find("rstreams_queue_events{queue=\"orders\"} 3\n") != std::string::npos);
  rb::put_events(bus, "loader", "orders", std::vector<json>(2, json{{"x", 1}}));
  res = client.Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->body.find("rstreams_queue_events{queue=\"orders\"} 5\n") != std::string::npos);
  res = client.Get("/other");
  REQUIRE(res);
  REQUIRE(res->status == 404);
  endpoint->stop();
  REQUIRE_FALSE(client.Get("/metrics"));
}

TEST_CASE("metrics_endpoint answers 500 with the reason when the stats fail", "[bus][metrics_endpoint]") {
  rb::metrics_endpoint endpoint([]() -> std::string { throw std::runtime_error("bus gone"); }, "127.0.0.1",
                                0);
  httplib::Client client("127.0.0.1", endpoint.port());
  const auto res = client.Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->status == 500);
  REQUIRE(res->body.find("bus gone") != std::string::npos);
  // An address it cannot listen on is an error that names it (192.0.2.1 is reserved, never local).
  REQUIRE_THROWS_WITH(rb::metrics_endpoint([] { return std::string(); }, "192.0.2.1", 9464),
                      Catch::Matchers::Contains("192.0.2.1:9464"));
}

#endif
