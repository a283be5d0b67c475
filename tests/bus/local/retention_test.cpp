// Retention of the local backend: whole closed segments removed by size and age (never the one
// appended to), per queue and as a bus default, archived before removal when asked; a read that
// starts behind retention fails with checkpoint_expired or, when asked, resumes and counts.

#include <rstreams/bus/local/retention.hpp>

#include <rstreams/bus/checkpoint_expired.hpp>
#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/local/local_backend.hpp>

#include <support/catch.hpp>
#include <support/local_records.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using rstreams::test::numbered_records;
using rstreams::test::read_every;

// Appends `batches` batches of 5 records (one batch per call); returns every eid in order.
std::vector<std::string> fill(rb::local_backend& bus, const std::string& queue, int batches) {
  std::vector<std::string> eids;
  for (int b = 0; b < batches; ++b) {
    auto rs = numbered_records(b * 5, 5, 200);
    bus.append(queue, rs);
    for (const auto& r : rs) eids.push_back(r.eid);
  }
  return eids;
}

std::vector<std::string> segments_of(const rstreams::test::temp_file& dir, const std::string& queue) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path() / "queues" / queue))
    if (e.path().extension() == ".seg") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

rb::local_options small_segments() {
  rb::local_options o;
  o.fsync = rb::fsync_policy::never;
  o.segment_bytes = 4096;
  return o;
}

}  // namespace

TEST_CASE("retention by size removes whole closed segments, oldest first, never the last",
          "[bus][local][retention]") {
  rstreams::test::temp_file dir("retention", "");
  auto o = small_segments();
  o.retention.max_bytes = 3 * 4096;
  rb::local_backend bus(dir.path().string(), o);
  const auto eids = fill(bus, "q", 60);  // ~300 records of ~280 bytes: ~20 segments
  const auto segs = segments_of(dir, "q");
  // Retention ran on each roll: what is left fits the limit plus the segment being appended to.
  REQUIRE(segs.size() >= 2);
  REQUIRE(segs.size() <= 5);
  std::uint64_t bytes = 0;
  for (const auto& s : segs) bytes += fs::file_size(dir.path() / "queues" / "q" / s);
  REQUIRE(bytes <= 3 * 4096 + 2 * 4096);
  REQUIRE(segs.front() != "00000000000000000000.seg");
  // What is kept is a whole, contiguous tail of the queue, ending with the last event.
  const auto kept = read_every(bus, "q");
  REQUIRE(!kept.empty());
  REQUIRE(kept.size() < eids.size());
  const auto first =
      static_cast<std::size_t>(std::find(eids.begin(), eids.end(), kept.front().eid) - eids.begin());
  REQUIRE(first + kept.size() == eids.size());
  for (std::size_t i = 0; i < kept.size(); ++i) REQUIRE(kept[i].eid == eids[first + i]);
  // The ledger records what went; an explicit pass has nothing more to do.
  REQUIRE(fs::exists(dir.path() / "queues" / "q" / "retention.json"));
  bus.apply_retention("q");  // the last segment grew since the last roll
  REQUIRE(bus.apply_retention("q").segments == 0);
  // The queue still verifies clean (removal at the front is not a gap).
  REQUIRE(bus.verify("q").ok());
}

TEST_CASE("retention by age removes closed segments older than max_age; only on roll or apply_retention",
          "[bus][local][retention]") {
  rstreams::test::temp_file dir("retention", "");
  auto o = small_segments();
  auto offset = std::make_shared<std::atomic<std::int64_t>>(0);
  o.now_ms = [offset] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           offset->load();
  };
  o.queue_retention["old"].max_age = 1h;  // per queue; the bus default keeps everything
  rb::local_backend bus(dir.path().string(), o);
  const auto eids = fill(bus, "old", 20);
  fill(bus, "other", 20);
  const auto before = segments_of(dir, "old").size();
  REQUIRE(before >= 3);
  REQUIRE(bus.apply_retention("old").segments == 0);  // nothing is an hour old yet
  offset->store(2 * 3600 * 1000);                     // two hours later
  REQUIRE(segments_of(dir, "old").size() == before);  // nothing runs by itself
  const auto all = bus.apply_retention();
  std::uint64_t removed = 0;
  for (const auto& r : all) {
    if (r.queue == "other") REQUIRE(r.segments == 0);
    if (r.queue == "old") removed = r.segments;
  }
  REQUIRE(removed == before - 1);
  REQUIRE(segments_of(dir, "old").size() == 1);  // the segment appended to stays
  REQUIRE(segments_of(dir, "other").size() == before);
  const auto kept = read_every(bus, "old");
  REQUIRE(!kept.empty());
  REQUIRE(kept.back().eid == eids.back());
  // Appending goes on after the removal (back at the present, so a roll it may cause removes
  // nothing more).
  offset->store(0);
  auto more = numbered_records(1000, 3, 200);
  bus.append("old", more);
  REQUIRE(read_every(bus, "old").size() == kept.size() + 3);
}

TEST_CASE("retention archives each removed segment's records before removing it", "[bus][local][retention]") {
  rstreams::test::temp_file dir("retention", "");
  auto o = small_segments();
  std::vector<rb::removed_segment> archived;
  o.retention.max_bytes = 2 * 4096;
  o.retention.archive = [&](const rb::removed_segment& s) {
    REQUIRE(fs::exists(s.file));  // called before the removal
    archived.push_back(s);
  };
  rb::local_backend bus(dir.path().string(), o);
  const auto eids = fill(bus, "q", 60);
  REQUIRE(!archived.empty());
  std::vector<std::string> seen;
  for (const auto& s : archived) {
    REQUIRE(s.queue == "q");
    REQUIRE(s.records == s.events.size());
    REQUIRE(s.first_eid == s.events.front().eid);
    REQUIRE(s.last_eid == s.events.back().eid);
    for (const auto& r : s.events) {
      REQUIRE(r.id == "tester");
      seen.push_back(r.eid);
    }
  }
  for (const auto& r : read_every(bus, "q")) seen.push_back(r.eid);
  REQUIRE(seen == eids);  // archived + kept = everything, in order, nothing twice
}

TEST_CASE("an archive that throws keeps the segment", "[bus][local][retention]") {
  rstreams::test::temp_file dir("retention", "");
  auto o = small_segments();
  bool fail = true;
  o.retention.max_bytes = 4096;
  o.retention.archive = [&](const rb::removed_segment&) {
    if (fail) throw std::runtime_error("archive store unreachable");
  };
  rb::local_backend bus(dir.path().string(), o);
  const auto eids = fill(bus, "q", 30);  // appends succeed although retention fails on each roll
  REQUIRE(read_every(bus, "q").size() == eids.size());
  REQUIRE_THROWS_WITH(bus.apply_retention("q"), Catch::Contains("archive store unreachable"));
  REQUIRE(read_every(bus, "q").size() == eids.size());
  fail = false;
  REQUIRE(bus.apply_retention("q").segments > 0);
  REQUIRE(read_every(bus, "q").size() < eids.size());
}

TEST_CASE("a checkpoint behind retention fails with checkpoint_expired, or resumes and counts",
          "[bus][local][retention]") {
  rstreams::test::temp_file dir("retention", "");
  auto o = small_segments();
  std::vector<rb::removed_segment> archived;
  o.retention.max_bytes = 3 * 4096;
  o.retention.archive = [&](const rb::removed_segment& s) { archived.push_back(s); };
  rb::local_backend bus(dir.path().string(), o);
  const auto eids = fill(bus, "in", 60);
  REQUIRE(archived.size() >= 2);
  // The bot's checkpoint is the end of the first removed segment: exactly the later removed
  // segments' events are missed.
  const auto cp = archived.front().last_eid;
  std::uint64_t missed = 0;
  for (std::size_t i = 1; i < archived.size(); ++i) missed += archived[i].records;
  bus.commit_checkpoint("bot", "in", std::nullopt, {cp, 5, 0, 0});
  const auto kept = read_every(bus, "in");

  rb::enrich_options eo{.bot = "bot", .in = "in", .out = "out"};
  const auto copy = [](const nlohmann::json& j) { return j; };
  try {
    rb::enrich(bus, eo, copy);
    FAIL("expected checkpoint_expired");
  } catch (const rb::checkpoint_expired& e) {
    REQUIRE(e.bot() == "bot");
    REQUIRE(e.queue() == "in");
    REQUIRE(e.checkpoint() == cp);
    REQUIRE(e.oldest_kept() == kept.front().eid);
    REQUIRE(e.missed() == missed);
    REQUIRE_THAT(std::string(e.what()),
                 Catch::Contains("bot bot") && Catch::Contains(cp) && Catch::Contains(kept.front().eid));
  }
  REQUIRE(bus.get_checkpoint("bot", "in")->eid == cp);  // nothing moved
  REQUIRE(read_every(bus, "out").empty());

  // A direct read from behind retention fails too (no bot: the backend cannot know it).
  std::vector<rb::record> out;
  REQUIRE_THROWS_AS(bus.read("in", eids.front(), 10, out), rb::checkpoint_expired);
  // Reading from the beginning ("") is reading from the oldest kept event.
  REQUIRE(read_every(bus, "in").front().eid == kept.front().eid);

  eo.read.on_expired = rb::expired_policy::resume;
  const auto stats = rb::enrich(bus, eo, copy);
  REQUIRE(stats.missed == missed);
  REQUIRE(stats.in == kept.size());
  REQUIRE(read_every(bus, "out").size() == kept.size());
  REQUIRE(bus.get_checkpoint("bot", "in")->eid == eids.back());
}

TEST_CASE("a reader whose position is removed under it gets checkpoint_expired, not a silent end",
          "[bus][local][retention]") {
  rstreams::test::temp_file dir("retention", "");
  auto o = small_segments();
  rb::local_backend writer(dir.path().string(), o);
  const auto eids = fill(writer, "q", 40);
  auto ro = small_segments();
  rb::local_backend reader(dir.path().string(), ro);
  std::vector<rb::record> got;
  REQUIRE(reader.read("q", "", 3, got) == 3);  // the reader's cursor sits in segment 0
  // Another bus object (as another process would) applies retention.
  auto wo = small_segments();
  wo.retention.max_bytes = 4096;
  rb::local_backend cleaner(dir.path().string(), wo);
  REQUIRE(cleaner.apply_retention("q").segments > 0);
  // The reader may still deliver what its open segment held (those events are real), then it is
  // told its position is gone: it never ends silently or jumps ahead.
  auto after = got.back().eid;
  bool expired = false;
  for (int i = 0; i < 100 && !expired; ++i) {
    std::vector<rb::record> next;
    try {
      if (reader.read("q", after, 10, next) == 0) break;
    } catch (const rb::checkpoint_expired& e) {
      expired = true;
      REQUIRE(e.checkpoint() == after);
      break;
    }
    for (const auto& r : next) got.push_back(r);
    after = got.back().eid;
  }
  REQUIRE(expired);
  for (std::size_t i = 0; i < got.size(); ++i) REQUIRE(got[i].eid == eids[i]);
}
