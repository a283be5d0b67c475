// include/rstreams/bus/local/archive_jsonl_gz.hpp (here, in the suite that links zlib).
#include <rstreams/bus/local/archive_jsonl_gz.hpp>
#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/transfer/envelope_json.hpp>
#include <rstreams/bus/transfer/import_events.hpp>

#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

TEST_CASE("archive_jsonl_gz keeps every removed event as an RStreams envelope, in order",
          "[bus][local][retention][archive]") {
  rstreams::test::temp_file dir("archive", "");
  const auto archive = dir.path() / "archive";
  rb::local_options o;
  o.fsync = rb::fsync_policy::never;
  o.segment_bytes = 4096;
  o.retention.max_bytes = 2 * 4096;
  o.retention.archive = rb::archive_jsonl_gz(archive);
  rb::local_backend bus((dir.path() / "bus").string(), o);
  std::vector<std::string> eids;
  for (int b = 0; b < 60; ++b) {
    std::vector<rb::record> rs(5);
    for (int i = 0; i < 5; ++i) {
      rs[static_cast<std::size_t>(i)].id = "tester";
      rs[static_cast<std::size_t>(i)].payload =
          nlohmann::json{{"n", b * 5 + i}, {"pad", std::string(200, 'x')}}.dump();
    }
    bus.append("orders", rs);
    for (const auto& r : rs) eids.push_back(r.eid);
  }

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(archive / "orders")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 2);
  std::vector<std::string> seen;
  for (const auto& f : files) {
    REQUIRE(f.string().ends_with(".jsonl.gz"));  // no temporary file left behind
    rb::detail::gz_file in(f.string(), "rb", "test");
    std::string line;
    std::size_t no = 0;
    while (in.getline(line)) {
      const auto r = rb::parse_envelope(line, {}, f.string(), ++no);
      REQUIRE(r.event == "orders");
      REQUIRE(r.id == "tester");
      REQUIRE(nlohmann::json::parse(r.payload)["n"] == static_cast<int>(seen.size()));
      seen.push_back(r.eid);
    }
  }
  std::vector<rb::record> kept;
  std::string after;
  while (bus.read("orders", after, 100, kept) != 0) after = kept.back().eid;
  for (const auto& r : kept) seen.push_back(r.eid);
  REQUIRE(seen == eids);  // archived + kept = everything, once each, in order

  // The archive imports back with its eids (the RStreams format both ways).
  rb::local_backend other((dir.path() / "restored").string(), rb::local_options{});
  for (const auto& f : files) rb::import_events(other, "orders", f.string(), {.keep_eids = true});
  std::vector<rb::record> restored;
  after.clear();
  while (other.read("orders", after, 100, restored) != 0) after = restored.back().eid;
  REQUIRE(restored.size() == eids.size() - kept.size());
  REQUIRE(restored.front().eid == eids.front());
}

TEST_CASE("archive_jsonl_gz that cannot write keeps the segment", "[bus][local][retention][archive]") {
  rstreams::test::temp_file dir("archive", "");
  fs::create_directories(dir.path());
  const auto blocker = dir.path() / "not-a-dir";
  { std::ofstream(blocker) << "x"; }
  REQUIRE(fs::is_regular_file(blocker));
  rb::local_options o;
  o.fsync = rb::fsync_policy::never;
  o.segment_bytes = 4096;
  o.retention.max_bytes = 4096;
  o.retention.archive = rb::archive_jsonl_gz(blocker);  // a file: no directory can be made in it
  rb::local_backend bus((dir.path() / "bus").string(), o);
  std::vector<std::string> eids;
  for (int b = 0; b < 40; ++b) {
    std::vector<rb::record> rs(5);
    for (auto& r : rs) r.payload = nlohmann::json{{"pad", std::string(200, 'x')}}.dump();
    bus.append("orders", rs);  // retention failures during an append do not fail the append
    for (const auto& r : rs) eids.push_back(r.eid);
  }
  REQUIRE_THROWS(bus.apply_retention("orders"));
  std::vector<rb::record> all;
  std::string after;
  while (bus.read("orders", after, 100, all) != 0) after = all.back().eid;
  REQUIRE(all.size() == eids.size());  // nothing removed without its archive
}
