#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/local/local_backend.hpp>

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

TEST_CASE("any_backend wraps any backend object behind one interface", "[bus][any_backend]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  rb::any_backend bus(rb::local_backend(dir.path().string(), opt));
  REQUIRE(bus.describe() == "local:" + std::filesystem::canonical(dir.path()).string());
  REQUIRE(bus.target<rb::local_backend>() != nullptr);
  REQUIRE(bus.target<rb::local_backend>()->options().fsync == rb::fsync_policy::never);

  std::vector<rb::record> batch(3);
  for (auto& r : batch) r.payload = "{}";
  const auto last = bus.append("q", batch);
  REQUIRE(last == batch.back().eid);

  rb::any_backend again(rb::local_backend(dir.path().string(), opt));
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
  bus.put_bot_state("bot", {2, false, "x"});
  REQUIRE(again.get_bot_state("bot") == rb::bot_state{2, false, "x"});

  rb::any_backend moved = std::move(bus);
  REQUIRE(moved.read("q", batch[0].eid, 10, out) == 2);
}
