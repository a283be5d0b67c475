#include <rstreams/bus/put.hpp>
#include <rstreams/bus/transfer/export_events.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
std::vector<json> lines_of(const rt::temp_file& f) {
  std::ifstream in(f.path());
  std::vector<json> out;
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}
}  // namespace

TEST_CASE("export_events writes a queue as RStreams envelopes with their eids", "[bus][transfer][export]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  std::vector<std::string> eids;
  for (int i = 0; i < 12; ++i) eids.push_back(rb::put(bus, "loader", "orders", json{{"n", i}}));
  rt::temp_file f("export", ".jsonl");
  std::uint64_t reports = 0;
  const auto p =
      rb::export_events(bus, "orders", f.path().string(),
                        {.batch = 5, .progress = [&](const rb::transfer_progress&) { ++reports; }});
  REQUIRE(p.events == 12);
  REQUIRE(p.bytes == std::filesystem::file_size(f.path()));
  REQUIRE(reports == 4);  // 5, 10, 12, done
  const auto lines = lines_of(f);
  REQUIRE(lines.size() == 12);
  const auto stored = rt::read_all(bus, "orders");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    REQUIRE(lines[i]["eid"] == eids[i]);
    REQUIRE(lines[i]["id"] == "loader");
    REQUIRE(lines[i]["event"] == "orders");
    REQUIRE(lines[i]["payload"] == json{{"n", i}});
    REQUIRE(lines[i]["timestamp"] == stored[i].timestamp);
    REQUIRE(lines[i]["event_source_timestamp"] == stored[i].event_source_timestamp);
  }
  // An eid range: after the 3rd, through the 7th.
  rt::temp_file part("export", ".jsonl");
  REQUIRE(
      rb::export_events(bus, "orders", part.path().string(), {.after = eids[2], .through = eids[6]}).events ==
      4);
  const auto some = lines_of(part);
  REQUIRE(some.front()["eid"] == eids[3]);
  REQUIRE(some.back()["eid"] == eids[6]);
  // An unknown queue exports nothing; a bad range is an eid_error.
  REQUIRE(rb::export_events(bus, "nothing", part.path().string()).events == 0);
  REQUIRE_THROWS_AS(rb::export_events(bus, "orders", part.path().string(), {.through = "z/2024/13"}),
                    rb::eid_error);
}
