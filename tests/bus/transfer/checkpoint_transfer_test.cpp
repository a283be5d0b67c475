#include <rstreams/bus/transfer/checkpoint_transfer.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;

namespace {
// A checkpoint must lie within its queue (past the end is refused): an event in each queue,
// stored now, so after the 2024 eids the test uses.
template <class B>
void with_events(B& bus) {
  for (const char* q : {"orders", "refunds"}) {
    std::vector<rb::record> one(1);
    one[0].payload = "{}";
    bus.append(q, one);
  }
}
}  // namespace

TEST_CASE("bot checkpoints move between buses by bot id and queue", "[bus][transfer][checkpoints]") {
  rt::local_bus from;
  with_events(from.bus());
  const auto e1 = rb::make_eid(1705321800000, 1);
  const auto e2 = rb::make_eid(1705321800000, 2);
  from.bus().commit_checkpoint("enricher", "orders", std::nullopt, {e1, 10, 5, 6});
  from.bus().commit_checkpoint("enricher", "refunds", std::nullopt, {e2, 3, 7, 8});
  from.bus().commit_checkpoint("archiver", "orders", std::nullopt, {e2, 11, 9, 10});
  rt::temp_file all("checkpoints", ".jsonl");
  REQUIRE(rb::export_checkpoints(from.bus(), all.path().string()) == 3);
  rt::temp_file one_bot("checkpoints", ".jsonl.gz");
  REQUIRE(rb::export_checkpoints(from.bus(), one_bot.path().string(), {.bot = "enricher"}, true) == 2);

  rt::local_bus to;
  with_events(to.bus());
  to.bus().commit_checkpoint("archiver", "orders", std::nullopt, {e1, 1, 1, 1});  // overwritten
  REQUIRE(rb::import_checkpoints(to.bus(), all.path().string(), {.queue = "orders"}) == 2);
  REQUIRE(to.bus().get_checkpoint("archiver", "orders") == rb::checkpoint{e2, 11, 9, 10});
  REQUIRE(to.bus().get_checkpoint("enricher", "orders") == rb::checkpoint{e1, 10, 5, 6});
  REQUIRE_FALSE(to.bus().get_checkpoint("enricher", "refunds"));
  REQUIRE(rb::import_checkpoints(to.bus(), one_bot.path().string()) == 2);
  REQUIRE(to.bus().get_checkpoint("enricher", "refunds") == rb::checkpoint{e2, 3, 7, 8});

  rt::temp_file bad("checkpoints", ".jsonl");
  bad.write("{\"bot\":\"b\",\"queue\":\"q\",\"checkpoint\":{\"eid\":\"z/2024/13/\"}}\n");
  REQUIRE_THROWS_WITH(
      rb::import_checkpoints(to.bus(), bad.path().string()),
      Catch::StartsWith("rstreams: " + bad.path().string() + " line 1: not a checkpoint line"));
}
