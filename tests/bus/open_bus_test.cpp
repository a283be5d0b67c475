#include <rstreams/bus/local/register.hpp>
#include <rstreams/bus/mem/register.hpp>
#include <rstreams/bus/open_bus.hpp>

#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
using namespace std::chrono_literals;

static_assert(std::is_same_v<decltype(rb::open_bus(std::string_view{})), rb::any_backend>);

TEST_CASE("open_bus opens a directory or file:// url as the local backend", "[bus][open_bus]") {
  rstreams::test::temp_file dir("bus", "");
  auto bus = rb::open_bus(dir.path().string());
  REQUIRE(bus.describe() == "local:" + std::filesystem::canonical(dir.path()).string());
  REQUIRE(bus.target<rb::local_backend>() != nullptr);
  std::vector<rb::record> batch(3);
  for (auto& r : batch) r.payload = "{}";
  bus.append("q", batch);

  auto again = rb::open_bus("file://" + dir.path().string());
  std::vector<rb::record> out;
  REQUIRE(again.read("q", "", 10, out) == 3);
  REQUIRE(out == batch);

  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  auto with_options = rb::open_bus("file://" + dir.path().string(), opt);
  REQUIRE(with_options.target<rb::local_backend>()->options().fsync == rb::fsync_policy::never);
  REQUIRE(rb::open_bus(dir.path().string(), opt).target<rb::local_backend>()->options().fsync ==
          rb::fsync_policy::never);
}

TEST_CASE("open_bus opens mem:// once its register header is included", "[bus][open_bus]") {
  auto one = rb::open_bus("mem://open-bus-test");
  auto two = rb::open_bus("mem://open-bus-test");
  REQUIRE(one.describe() == "mem://open-bus-test");
  REQUIRE(one.target<rb::mem_backend>() != nullptr);
  std::vector<rb::record> batch(2);
  for (auto& r : batch) r.payload = "1";
  one.append("q", batch);
  std::vector<rb::record> out;
  REQUIRE(two.read("q", "", 10, out) == 2);  // one bus per name in the process
  REQUIRE_THROWS_WITH(rb::open_bus("mem://"), Catch::Contains("empty") && Catch::Contains("mem://<name>"));
  // Options for the local backend do not stop another scheme from opening.
  REQUIRE(rb::open_bus("mem://open-bus-test", rb::local_options{}).describe() == "mem://open-bus-test");
}

TEST_CASE("open_bus names the registered schemes and the header of a known one not built in",
          "[bus][open_bus]") {
  REQUIRE_THROWS_WITH(rb::open_bus("nats://127.0.0.1:4222"),
                      Catch::Contains("nats backend not built") &&
                          Catch::Contains("include <rstreams/bus/nats/register.hpp>") &&
                          Catch::Contains("registered schemes: ") &&
                          Catch::Contains("file (rstreams/bus/local/register.hpp)") &&
                          Catch::Contains("mem (rstreams/bus/mem/register.hpp)"));
  REQUIRE_THROWS_WITH(rb::open_bus("s3://bucket"),
                      Catch::Contains("unknown bus url scheme \"s3\" in \"s3://bucket\"") &&
                          Catch::Contains("file (rstreams/bus/local/register.hpp)") &&
                          Catch::Contains("mem (rstreams/bus/mem/register.hpp)"));
  REQUIRE_THROWS_AS(rb::open_bus(""), rstreams::config_error);
}
