#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/mem/mem_backend.hpp>

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

TEST_CASE("any_backend reads in place, the wrapped backend's way or by moving a plain read",
          "[bus][any_backend]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  rb::any_backend local(rb::local_backend(dir.path().string(), opt));  // reads in place itself
  rb::any_backend mem(rb::mem_backend("any_backend_test"));            // does not
  for (auto* bus : {&local, &mem}) {
    std::vector<rb::record> batch(3);
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].payload = "{\"n\":" + std::to_string(i) + "}";
    bus->append("q", batch);
    std::vector<rb::record> out(4);
    out[3].payload = "kept";  // past what a read returns: left as it was
    REQUIRE(bus->read_in_place("q", "", 10, out, nullptr) == 3);
    REQUIRE(std::vector<rb::record>(out.begin(), out.begin() + 3) == batch);
    REQUIRE(out[3].payload == "kept");
    const auto after = batch[0].eid;
    REQUIRE(bus->read_in_place("q", after, 10, out, nullptr) == 2);
    REQUIRE(out[0] == batch[1]);
    REQUIRE(out[1] == batch[2]);
    REQUIRE(out[2] == batch[2]);  // the earlier read's record, not overwritten
    std::vector<rb::record> fresh;
    REQUIRE(bus->read_in_place("q", batch[2].eid, 10, fresh, nullptr) == 0);
    REQUIRE(fresh.empty());
  }
}
