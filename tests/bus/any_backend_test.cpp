#include <rstreams/bus/any_backend.hpp>

#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
using namespace std::chrono_literals;

static_assert(rb::backend<rb::any_backend>);
static_assert(std::movable<rb::any_backend>);
static_assert(!std::copyable<rb::any_backend>);

TEST_CASE("open_bus opens a directory or file:// url as the local backend", "[bus][any_backend]") {
  rstreams::test::temp_file dir("bus", "");
  auto bus = rb::open_bus(dir.path().string());
  REQUIRE(bus.describe() == "local:" + std::filesystem::canonical(dir.path()).string());
  REQUIRE(bus.target<rb::local_backend>() != nullptr);

  std::vector<rb::record> batch(3);
  for (auto& r : batch) r.payload = "{}";
  const auto last = bus.append("q", batch);
  REQUIRE(last == batch.back().eid);

  auto again = rb::open_bus("file://" + dir.path().string());
  std::vector<rb::record> out;
  REQUIRE(again.read("q", "", 10, out) == 3);
  REQUIRE(out == batch);
  REQUIRE(again.wait("q", "", 0ms, {}));
  again.commit_checkpoint("bot", "q", std::nullopt, {last, 3, 0, 0});
  REQUIRE(bus.get_checkpoint("bot", "q")->eid == last);
  REQUIRE(bus.queues().at(0).records == 3);
  REQUIRE(bus.bots().at(0).id == "bot");
  auto lease = bus.try_lease("bot", 1s);
  REQUIRE(lease.has_value());
  REQUIRE_FALSE(again.try_lease("bot", 1s).has_value());

  rb::any_backend moved = std::move(bus);
  REQUIRE(moved.read("q", batch[0].eid, 10, out) == 2);
}

TEST_CASE("open_bus rejects nats until it is built, and unknown schemes", "[bus][any_backend]") {
  REQUIRE_THROWS_WITH(rb::open_bus("nats://127.0.0.1:4222"), Catch::Contains("nats backend not built"));
  REQUIRE_THROWS_WITH(rb::open_bus("s3://bucket"), Catch::Contains("unknown bus url scheme \"s3\""));
  REQUIRE_THROWS_AS(rb::open_bus(""), rstreams::config_error);
}
