// rstreams exports a queue, the RStreams Node SDK (leo-sdk 6.0.18, offline mock mode) enriches
// it, rstreams imports the result keeping the SDK's eids, and every derived event's lineage
// still resolves to its parent. Needs node and `npm ci` in tests/compat; without them the test
// fails and says so (it never skips).

#include <rstreams/bus/put.hpp>
#include <rstreams/bus/transfer/export_events.hpp>
#include <rstreams/bus/transfer/import_events.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
const fs::path compat_dir = fs::path(RSTREAMS_SOURCE_DIR) / "tests" / "compat";

// Empty when node and the SDK are there; otherwise what to install.
std::string missing_node_side() {
  if (std::system("command -v node > /dev/null 2>&1") != 0)
    return "node is not installed (apt-get install nodejs npm), then run `npm ci` in " + compat_dir.string();
  if (!fs::exists(compat_dir / "node_modules" / "leo-sdk" / "package.json"))
    return "the Node side is not installed: run `npm ci` in " + compat_dir.string();
  return {};
}
}  // namespace

TEST_CASE("a queue round-trips through the RStreams Node SDK with eids and lineage kept",
          "[bus][transfer][sdk]") {
  if (const auto why = missing_node_side(); !why.empty()) FAIL(why);
  rt::local_bus fx;
  auto& bus = fx.bus();
  std::vector<std::string> parents;
  for (int i = 0; i < 12; ++i) parents.push_back(rb::put(bus, "loader", "orders", json{{"n", i}}));

  rt::temp_file mock("sdk-mock", "");
  fs::create_directories(mock.path() / "queue");
  REQUIRE(rb::export_events(bus, "orders", (mock.path() / "queue" / "orders.jsonl").string()).events == 12);

  const auto cmd = "cd '" + compat_dir.string() + "' && node sdk_enrich.js '" + mock.path().string() +
                   "' orders orders-enriched 2> '" + (mock.path() / "node.err").string() + "'";
  const int rc = std::system(cmd.c_str());
  INFO("node's stderr is in " << (mock.path() / "node.err").string());
  REQUIRE(rc == 0);
  const auto out_file = mock.path() / "queue" / "output-data" / "orders-enriched.jsonl";
  REQUIRE(fs::exists(out_file));

  const auto p = rb::import_events(bus, "orders-enriched", out_file.string());
  // 12 inputs, n = 0, 5, 10 each made two events.
  REQUIRE(p.events == 15);
  const auto in = rt::read_all(bus, "orders");
  std::map<std::string, rb::record> by_eid;
  for (const auto& r : in) by_eid[r.eid] = r;
  const auto out = rt::read_all(bus, "orders-enriched");
  REQUIRE(out.size() == 15);
  std::vector<std::string> sdk_eids;
  {
    std::ifstream f(out_file);
    for (std::string line; std::getline(f, line);) sdk_eids.push_back(json::parse(line).at("eid"));
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    INFO("event " << i << " " << out[i].eid);
    REQUIRE(out[i].eid == sdk_eids[i]);  // the SDK's eids, kept
    REQUIRE(out[i].id == "sdk-enricher");
    REQUIRE(out[i].correlation_id);
    REQUIRE(out[i].correlation_id->source == "orders");
    // Lineage resolves: the parent is in the queue, and the payload and source time are its.
    const auto parent = by_eid.find(out[i].correlation_id->start);
    REQUIRE(parent != by_eid.end());
    const auto payload = json::parse(out[i].payload);
    REQUIRE(payload.at("enriched") == true);
    REQUIRE(payload.at("n") == json::parse(parent->second.payload).at("n"));
    REQUIRE(out[i].event_source_timestamp == parent->second.event_source_timestamp);
  }
  // Every parent is covered, in order.
  std::vector<std::string> starts;
  for (const auto& r : out)
    if (starts.empty() || starts.back() != r.correlation_id->start) starts.push_back(r.correlation_id->start);
  REQUIRE(starts == parents);
}
