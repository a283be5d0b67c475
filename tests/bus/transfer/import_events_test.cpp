#include <rstreams/bus/put.hpp>
#include <rstreams/bus/transfer/export_events.hpp>
#include <rstreams/bus/transfer/import_events.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
std::string envelope(const std::string& eid, int n) {
  return json{{"id", "sdk-bot"},
              {"event", "elsewhere"},
              {"payload", {{"n", n}}},
              {"eid", eid},
              {"event_source_timestamp", 1705321800000 + n}}
      .dump();
}
}  // namespace

TEST_CASE("import_events keeps the file's eids and reports progress", "[bus][transfer][import]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  rt::temp_file f("import", ".jsonl");
  std::string text;
  std::vector<std::string> eids;
  for (int i = 0; i < 25; ++i) {
    eids.push_back(rb::eid_from_time(1705321800000 + i / 3, rb::eid_granularity::full, i % 3));
    text += envelope(eids.back(), i) + "\n";
  }
  text += "\n";  // a blank line is skipped
  f.write(text);
  std::vector<rb::transfer_progress> reports;
  const auto p = rb::import_events(
      bus, "orders", f.path().string(),
      {.batch = 10, .progress = [&](const rb::transfer_progress& r) { reports.push_back(r); }});
  REQUIRE(p.events == 25);
  REQUIRE(p.lines == 26);
  REQUIRE(p.bytes == text.size());
  REQUIRE(p.done);
  REQUIRE(reports.size() == 4);  // 10, 20, 25, done
  REQUIRE(reports[0].events == 10);
  REQUIRE(reports.back().done);
  const auto got = rt::read_all(bus, "orders");
  REQUIRE(got.size() == 25);
  for (std::size_t i = 0; i < got.size(); ++i) {
    REQUIRE(got[i].eid == eids[i]);
    REQUIRE(got[i].event == "orders");
    REQUIRE(got[i].id == "sdk-bot");
    REQUIRE(got[i].event_source_timestamp == 1705321800000 + static_cast<std::int64_t>(i));
  }
  // Appends after an import continue after its last eid.
  const auto next = rb::put(bus, "loader", "orders", json{{"n", 99}});
  REQUIRE(next > eids.back());
}

TEST_CASE("import_events refuses eids out of order, naming the line", "[bus][transfer][import]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  rt::temp_file f("import", ".jsonl");
  const auto a = rb::make_eid(1705321800000, 0);
  const auto b = rb::make_eid(1705321800000, 1);
  f.write(envelope(b, 0) + "\n" + envelope(a, 1) + "\n");
  try {
    rb::import_events(bus, "orders", f.path().string());
    FAIL("expected an error");
  } catch (const rb::envelope_error& e) {
    REQUIRE(e.line() == 2);
    REQUIRE(std::string(e.what()).find("line 2: eid " + a + " is not after " + b) != std::string::npos);
  }
  REQUIRE(rt::read_all(bus, "orders").empty());  // the batch was refused whole

  // Not after what the queue holds already.
  rb::put(bus, "loader", "orders", json{{"n", 1}});
  rt::temp_file old("import", ".jsonl");
  old.write(envelope(a, 0) + "\n");
  REQUIRE_THROWS_WITH(rb::import_events(bus, "orders", old.path().string()),
                      Catch::Contains("line 1: eid " + a + " is not after z/"));
  // No eid, or a malformed one.
  rt::temp_file bare("import", ".jsonl");
  bare.write("{\"n\":1}\n");
  REQUIRE_THROWS_WITH(rb::import_events(bus, "other", bare.path().string()),
                      Catch::Contains("line 1: no eid"));
  rt::temp_file bad("import", ".jsonl");
  bad.write(envelope("z/2024/13/", 0) + "\n");
  REQUIRE_THROWS_WITH(rb::import_events(bus, "other", bad.path().string()),
                      Catch::Contains("line 1: rstreams: malformed eid \"z/2024/13/\""));
}

TEST_CASE("the backend itself refuses caller-given eids out of order", "[bus][transfer][import]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  std::vector<rb::record> recs(2);
  recs[0].eid = rb::make_eid(1705321800000, 5);
  recs[1].eid = rb::make_eid(1705321800000, 5);
  REQUIRE_THROWS_AS(bus.append_keeping_eids("q", recs), rb::eid_order_error);
  REQUIRE(rt::read_all(bus, "q").empty());
  recs[1].eid = rb::make_eid(1705321800000, 6);
  REQUIRE(bus.append_keeping_eids("q", recs) == rb::make_eid(1705321800000, 6));
  // Reopened, the queue still knows its last eid.
  auto again = fx.reopen();
  std::vector<rb::record> one(1);
  one[0].eid = rb::make_eid(1705321800000, 6);
  REQUIRE_THROWS_AS(again.append_keeping_eids("q", one), rb::eid_order_error);
}

TEST_CASE("import_events wraps bare payloads when assigning new eids, from gzip too",
          "[bus][transfer][import]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  // Export a queue gzipped, then import it elsewhere with new eids and with kept ones.
  for (int i = 0; i < 5; ++i) rb::put(bus, "loader", "src", json{{"n", i}});
  rt::temp_file gz("export", ".jsonl.gz");
  REQUIRE(rb::export_events(bus, "src", gz.path().string(), {.gzip = true}).events == 5);
  REQUIRE(rb::import_events(bus, "copy", gz.path().string()).events == 5);
  REQUIRE(rt::read_all(bus, "copy").size() == 5);
  REQUIRE(rt::read_all(bus, "copy")[4].eid == rt::read_all(bus, "src")[4].eid);

  rt::temp_file f("import", ".jsonl");
  f.write("{\"n\":1}\n[1,2]\n\"text\"\n");
  const auto p =
      rb::import_events(bus, "bare", f.path().string(), {.keep_eids = false, .envelope = {.id = "me"}});
  REQUIRE(p.events == 3);
  const auto got = rt::read_all(bus, "bare");
  REQUIRE(got.size() == 3);
  REQUIRE(got[0].id == "me");
  REQUIRE(got[1].payload == "[1,2]");
  REQUIRE(got[2].payload == "\"text\"");
}
