#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/local/local_backend.hpp>

#include <support/catch.hpp>
#include <support/local_records.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <span>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

static_assert(rb::backend<rb::local_backend>);
static_assert(std::movable<rb::local_backend>);
static_assert(!std::copyable<rb::local_backend>);

namespace {

using rstreams::test::numbered_records;
using rstreams::test::read_every;

int payload_n(const rb::record& r) {
  return nlohmann::json::parse(r.payload).at("n").get<int>();
}

rb::local_options fast_options() {
  rb::local_options o;
  o.fsync = rb::fsync_policy::never;
  return o;
}

std::string segment_file(const rstreams::test::temp_file& dir, const std::string& queue, int n = 0) {
  char name[32];
  std::snprintf(name, sizeof name, "%020d.seg", n);
  return (dir.path() / "queues" / queue / name).string();
}

void flip_byte(const std::string& path, std::uintmax_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5A);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("append assigns increasing eids and read returns the records after a position", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string(), fast_options());
  auto batch = numbered_records(0, 5);
  const auto last = bus.append("orders", batch);
  REQUIRE(last == batch.back().eid);
  for (std::size_t i = 1; i < batch.size(); ++i) REQUIRE(batch[i - 1].eid < batch[i].eid);
  for (const auto& r : batch) {
    REQUIRE(rb::is_full_eid(r.eid));
    REQUIRE(r.event == "orders");
    REQUIRE(r.timestamp > 0);
    REQUIRE(r.event_source_timestamp == r.timestamp);
  }

  const auto all = read_every(bus, "orders");
  REQUIRE(all == batch);

  std::vector<rb::record> after2;
  REQUIRE(bus.read("orders", batch[1].eid, 100, after2) == 3);
  REQUIRE(payload_n(after2.front()) == 2);
  std::vector<rb::record> limited;
  REQUIRE(bus.read("orders", "", 2, limited) == 2);
  REQUIRE(payload_n(limited.back()) == 1);
  std::vector<rb::record> at;
  REQUIRE(bus.read("orders", rb::previous(batch[3].eid), 1, at) == 1);
  REQUIRE(at.front().eid == batch[3].eid);
  std::vector<rb::record> none;
  REQUIRE(bus.read("orders", last, 10, none) == 0);
  REQUIRE(bus.read("unknown-queue", "", 10, none) == 0);
  REQUIRE(bus.describe() == "local:" + fs::canonical(dir.path()).string());
}

TEST_CASE("records keep their envelope through the store", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string(), fast_options());
  std::vector<rb::record> batch(2);
  batch[0].id = "enricher";
  batch[0].timestamp = 1000;
  batch[0].event_source_timestamp = 900;
  batch[0].correlation_id = rb::correlation{"raw", "z/2021/06/14/17/19/1623691151425-0000000",
                                            "z/2021/06/14/17/19/1623691151425-0000003", 4};
  batch[0].payload = R"({"a":"é\n"})";
  batch[1].payload = "null";
  bus.append("q", batch);
  const auto all = read_every(bus, "q");
  REQUIRE(all.size() == 2);
  REQUIRE(all[0] == batch[0]);
  REQUIRE(all[1] == batch[1]);
  REQUIRE(all[0].correlation_id->units == 4);
  REQUIRE_FALSE(all[1].correlation_id.has_value());
}

TEST_CASE("a prefix eid is a read position", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  std::int64_t now = 1623691151425;  // 2021-06-14T17:19:11.425Z
  auto opt = fast_options();
  opt.now_ms = [&] { return now; };
  rb::local_backend bus(dir.path().string(), opt);
  auto first = numbered_records(0, 3);
  bus.append("q", first);
  now += 3'600'000;  // an hour later
  auto second = numbered_records(3, 3);
  bus.append("q", second);
  REQUIRE(first[0].eid.rfind("z/2021/06/14/17/19/1623691151425-", 0) == 0);
  REQUIRE(second[0].eid.rfind("z/2021/06/14/18/19/", 0) == 0);

  std::vector<rb::record> out;
  REQUIRE(bus.read("q", "z/2021/06/14/18/", 10, out) == 3);  // every 18h eid sorts after the 18h prefix
  REQUIRE(payload_n(out.front()) == 3);
  out.clear();
  REQUIRE(bus.read("q", rb::previous("z/2021/06/14/18/"), 10, out) == 3);
  REQUIRE(payload_n(out.front()) == 3);
  out.clear();
  REQUIRE(bus.read("q", "z/2021/", 10, out) == 6);
  out.clear();
  REQUIRE(bus.read("q", "z/2022/", 10, out) == 0);
}

TEST_CASE("eids stay strictly increasing in one millisecond and when the clock goes back", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  std::int64_t now = 1700000000000;
  auto opt = fast_options();
  opt.now_ms = [&] { return now; };
  rb::local_backend bus(dir.path().string(), opt);
  auto a = numbered_records(0, 1000);
  bus.append("q", a);
  REQUIRE(rb::parse_eid(a.back().eid) == rb::eid_parts{now, 999});
  for (std::size_t i = 0; i < a.size(); ++i)  // every sequence text, across each carry (9 -> 10, 99 -> 100)
    REQUIRE(a[i].eid == rb::make_eid(now, static_cast<std::uint32_t>(i)));
  now -= 5000;  // the clock jumps back
  auto b = numbered_records(1000, 2);
  bus.append("q", b);
  REQUIRE(rb::parse_eid(b[0].eid) == rb::eid_parts{now + 5000, 1000});
  REQUIRE(b[1].eid == rb::make_eid(now + 5000, 1001));
  REQUIRE(a.back().eid < b[0].eid);
  now += 10'000;
  auto c = numbered_records(1002, 1);
  bus.append("q", c);
  REQUIRE(rb::parse_eid(c[0].eid) == rb::eid_parts{now, 0});

  // A second backend object (as another process would) continues from the stored last eid.
  now -= 20'000;
  rb::local_backend other(dir.path().string(), opt);
  auto d = numbered_records(1003, 1);
  other.append("q", d);
  REQUIRE(c[0].eid < d[0].eid);
  const auto all = read_every(bus, "q");
  REQUIRE(all.size() == 1004);
  for (std::size_t i = 1; i < all.size(); ++i) REQUIRE(all[i - 1].eid < all[i].eid);
}

TEST_CASE("segments roll and the sparse index seeks to any eid", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  auto opt = fast_options();
  opt.segment_bytes = 64 * 1024;
  opt.index_every_bytes = 4 * 1024;
  rb::local_backend bus(dir.path().string(), opt);
  std::vector<std::string> eids;
  for (int b = 0; b < 40; ++b) {
    auto batch = numbered_records(b * 50, 50, 100);
    bus.append("big", batch);
    for (const auto& r : batch) eids.push_back(r.eid);
  }
  int segments = 0;
  for (const auto& e : fs::directory_iterator(dir.path() / "queues" / "big"))
    segments += e.path().extension() == ".seg" ? 1 : 0;
  REQUIRE(segments > 3);

  for (const std::size_t i : {0UL, 1UL, 499UL, 500UL, 1234UL, 1998UL}) {
    rb::local_backend fresh(dir.path().string(), opt);  // no cursor: must seek through the index
    std::vector<rb::record> out;
    REQUIRE(fresh.read("big", eids[i], 3, out) >= 1);
    REQUIRE(out.front().eid == eids[i + 1]);
    REQUIRE(payload_n(out.front()) == static_cast<int>(i + 1));
  }
  const auto all = read_every(bus, "big", "", 333);
  REQUIRE(all.size() == 2000);
  for (std::size_t i = 0; i < all.size(); ++i) REQUIRE(payload_n(all[i]) == static_cast<int>(i));
  const auto qs = bus.queues();
  REQUIRE(qs.size() == 1);
  REQUIRE(qs[0] == rb::queue_info{"big", eids.back(), 2000});
}

TEST_CASE("restart resumes exactly after the checkpoint", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  {
    rb::local_backend bus(dir.path().string());
    auto batch = numbered_records(0, 10);
    bus.append("in", batch);
    std::vector<rb::record> got;
    bus.read("in", "", 4, got);
    bus.commit_checkpoint("bot1", "in", std::nullopt,
                          rb::checkpoint{got.back().eid, 4, got.back().timestamp, 0});
  }
  rb::local_backend bus(dir.path().string());
  const auto cp = bus.get_checkpoint("bot1", "in");
  REQUIRE(cp.has_value());
  REQUIRE(cp->records == 4);
  REQUIRE(cp->updated_at > 0);
  std::vector<rb::record> rest;
  REQUIRE(bus.read("in", cp->eid, 100, rest) == 6);
  REQUIRE(payload_n(rest.front()) == 4);
  REQUIRE_FALSE(bus.get_checkpoint("bot2", "in").has_value());
}

TEST_CASE("checkpoint commits are compare-and-set", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend a(dir.path().string());
  rb::local_backend b(dir.path().string());
  auto batch = numbered_records(0, 3);
  a.append("in", batch);
  a.commit_checkpoint("bot", "in", std::nullopt, {batch[0].eid, 1, 0, 0});
  // b thinks there is no checkpoint yet: stale.
  try {
    b.commit_checkpoint("bot", "in", std::nullopt, {batch[1].eid, 2, 0, 0});
    FAIL("expected stale_checkpoint");
  } catch (const rb::stale_checkpoint& e) {
    REQUIRE(e.bot() == "bot");
    REQUIRE(e.queue() == "in");
    REQUIRE_FALSE(e.expected().has_value());
    REQUIRE(e.found() == batch[0].eid);
  }
  b.commit_checkpoint("bot", "in", batch[0].eid, {batch[1].eid, 2, 0, 0});
  REQUIRE_THROWS_AS(a.commit_checkpoint("bot", "in", batch[0].eid, {batch[2].eid, 3, 0, 0}),
                    rb::stale_checkpoint);
  a.commit_checkpoint("bot", "in", batch[0].eid, {"", 0, 0, 0}, true);  // forced reset
  REQUIRE(a.get_checkpoint("bot", "in")->eid.empty());
  a.commit_checkpoint("other", "in", std::nullopt, {batch[2].eid, 3, 0, 0});

  const auto bots = a.bots();
  REQUIRE(bots.size() == 2);
  REQUIRE(bots[0].id == "bot");
  REQUIRE(bots[0].checkpoints.at("in").eid.empty());
  REQUIRE(bots[1].checkpoints.at("in").eid == batch[2].eid);
  REQUIRE_THROWS_AS(a.commit_checkpoint("bot", "in", std::nullopt, {"not an eid", 0, 0, 0}, true),
                    rb::eid_error);
}

TEST_CASE("bad queue names, bot names and malformed positions are rejected clearly", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string(), fast_options());
  auto batch = numbered_records(0, 1);
  std::vector<rb::record> out;
  REQUIRE_THROWS_WITH(bus.append("bad name", batch), Catch::Contains("bad queue name \"bad name\""));
  REQUIRE_THROWS_WITH(bus.append("../escape", batch), Catch::Contains("bad queue name"));
  REQUIRE_THROWS_AS(bus.read("a/b", "", 1, out), rstreams::config_error);
  REQUIRE_THROWS_WITH(bus.read("q", "z/2021/13/", 1, out),
                      Catch::Contains("malformed eid \"z/2021/13/\" at position 7"));
  REQUIRE_THROWS_AS(bus.wait("q", "garbage", 1ms, {}), rb::eid_error);
  REQUIRE_THROWS_AS(bus.get_checkpoint("bad bot", "q"), rstreams::config_error);
  REQUIRE_THROWS_AS(bus.try_lease("", 1s), rstreams::config_error);
  REQUIRE(bus.queues().empty());  // nothing was created by the failed calls
}

TEST_CASE("a directory that is not a bus is refused", "[bus][local]") {
  rstreams::test::temp_file dir("notbus", "");
  fs::create_directories(dir.path());
  std::ofstream(dir.path() / "important.txt") << "keep me";
  REQUIRE_THROWS_WITH(rb::local_backend(dir.path().string()),
                      Catch::Contains("not an rstreams bus: the directory is not empty"));
  REQUIRE(fs::exists(dir.path() / "important.txt"));
  REQUIRE_FALSE(fs::exists(dir.path() / "queues"));

  rstreams::test::temp_file file("notbus", ".txt");
  file.write("x");
  REQUIRE_THROWS_WITH(rb::local_backend(file.path().string()), Catch::Contains("not a directory"));

  rstreams::test::temp_file missing("missing", "");
  rb::local_options no_create;
  no_create.create = false;
  REQUIRE_THROWS_WITH(rb::local_backend(missing.path().string(), no_create),
                      Catch::Contains("no such bus directory"));

  rstreams::test::temp_file other("otherformat", "");
  fs::create_directories(other.path());
  std::ofstream(other.path() / "rstreams-bus.json") << R"({"format":"something-else","version":1})";
  REQUIRE_THROWS_WITH(rb::local_backend(other.path().string()),
                      Catch::Contains("not an rstreams bus marker"));

  rstreams::test::temp_file empty("empty", "");
  fs::create_directories(empty.path());
  REQUIRE_NOTHROW(rb::local_backend(empty.path().string()));
  REQUIRE(fs::exists(empty.path() / "rstreams-bus.json"));
  REQUIRE_NOTHROW(rb::local_backend(empty.path().string()));  // and it opens again
}

TEST_CASE("recovery truncates a torn tail and appends continue after it", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  std::vector<rb::record> first;
  {
    rb::local_backend bus(dir.path().string(), fast_options());
    first = numbered_records(0, 20);
    // One append per record: each is a frame of its own, so a cut or flip hits one record.
    for (auto& r : first) bus.append("q", std::span<rb::record>(&r, 1));
  }
  const auto seg = segment_file(dir, "q");
  const auto full = fs::file_size(seg);

  std::size_t intact = 19;
  SECTION("a truncated last record") {
    fs::resize_file(seg, full - 7);
  }
  SECTION("a torn tail a reader meets before any recovery") {
    fs::resize_file(seg, full - 7);
    auto no_recovery = fast_options();
    no_recovery.recover_on_open = false;
    rb::local_backend reader(dir.path().string(), no_recovery);
    REQUIRE(read_every(reader, "q").size() == 19);  // the torn record is not returned
    REQUIRE(fs::file_size(seg) == full - 7);        // and a reader changes nothing
  }
  SECTION("a partial header and zeros") {
    intact = 20;
    std::ofstream(seg, std::ios::app | std::ios::binary) << std::string("RS\0\0\0\0\0", 7);
  }

  rb::local_backend bus(dir.path().string(), fast_options());
  // Opening truncated the torn tail back to the last intact record.
  if (intact == 20) {
    REQUIRE(fs::file_size(seg) == full);
  } else {
    REQUIRE(fs::file_size(seg) < full - 7);
  }
  auto survivors = read_every(bus, "q");
  REQUIRE(survivors.size() == intact);
  for (std::size_t i = 0; i < survivors.size(); ++i) REQUIRE(survivors[i] == first[i]);

  auto more = numbered_records(100, 3);
  bus.append("q", more);
  REQUIRE(more[0].eid > survivors.back().eid);
  const auto all = read_every(bus, "q");
  REQUIRE(all.size() == survivors.size() + 3);
  REQUIRE(payload_n(all.back()) == 102);
  REQUIRE(fs::file_size(seg) <= full + 3 * 200);
}

TEST_CASE("a garbled complete last record is damage, not a torn tail: reported, kept, appends refused",
          "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  std::vector<rb::record> first;
  {
    rb::local_backend bus(dir.path().string(), fast_options());
    first = numbered_records(0, 20);
    // One append per record: each is a frame of its own, so a cut or flip hits one record.
    for (auto& r : first) bus.append("q", std::span<rb::record>(&r, 1));
  }
  const auto seg = segment_file(dir, "q");
  const auto full = fs::file_size(seg);
  // A 56-byte segment header, 10 frames of one size and 10 one byte longer ("n" has two digits).
  const auto last_frame = full - (full - 56 + 10) / 20;
  SECTION("in the payload") {
    flip_byte(seg, full - 3);
  }
  SECTION("in the frame header") {
    flip_byte(seg, last_frame + 2);
  }
  rb::local_backend bus(dir.path().string(), fast_options());
  REQUIRE(fs::file_size(seg) == full);  // opening changed nothing
  std::vector<rb::record> out;
  REQUIRE(bus.read("q", "", 100, out) == 19);
  try {
    bus.read("q", out.back().eid, 100, out);
    FAIL("expected corrupt_record");
  } catch (const rb::corrupt_record& e) {
    REQUIRE(e.offset() == last_frame);
  }
  auto more = numbered_records(20, 1);
  REQUIRE_THROWS_WITH(bus.append("q", more), Catch::Contains("refused until it is repaired"));
  rb::local_backend other(dir.path().string(), fast_options());  // and in another handle
  REQUIRE_THROWS_AS(other.append("q", more), rb::corrupt_record);
  REQUIRE(fs::file_size(seg) == full);
}

TEST_CASE("a corrupt byte in the middle of a segment names the queue, the file and the offset",
          "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  std::vector<rb::record> batch;
  {
    rb::local_backend bus(dir.path().string(), fast_options());
    batch = numbered_records(0, 10, 50);
    for (auto& r : batch) bus.append("q", std::span<rb::record>(&r, 1));  // a frame per record
  }
  const auto seg = segment_file(dir, "q");
  const auto size = fs::file_size(seg);
  const std::uintmax_t header = 56;         // the segment header of queue "q"
  const auto frame = (size - header) / 10;  // the frames all have the same size
  flip_byte(seg, header + 5 * frame - 5);   // inside the payload of the fifth record

  rb::local_backend bus(dir.path().string(), fast_options());
  std::vector<rb::record> out;
  // The four intact records come first, then the error; the damaged record is never returned.
  REQUIRE(bus.read("q", "", 100, out) == 4);
  REQUIRE(out == std::vector<rb::record>(batch.begin(), batch.begin() + 4));
  try {
    bus.read("q", out.back().eid, 100, out);
    FAIL("expected corrupt_record");
  } catch (const rb::corrupt_record& e) {
    REQUIRE(e.queue() == "q");
    REQUIRE(e.file() == fs::canonical(seg).string());
    REQUIRE(e.offset() == header + 4 * frame);
    REQUIRE_THAT(e.what(),
                 Catch::Contains("queue q: corrupt record at offset " + std::to_string(header + 4 * frame)));
  }
  REQUIRE(out.size() == 4);
  // Appending after damage is refused rather than hiding it; the file is untouched.
  auto more = numbered_records(10, 1);
  REQUIRE_THROWS_AS(bus.append("q", more), rb::corrupt_record);
  REQUIRE(fs::file_size(seg) == size);
  // Records after the damage can still be reached by position.
  out.clear();
  REQUIRE(bus.read("q", batch[5].eid, 100, out) == 4);
  REQUIRE(payload_n(out.front()) == 6);
}

TEST_CASE("wait returns when a record arrives, on timeout, and on stop", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string(), fast_options());
  REQUIRE_FALSE(bus.wait("q", "", 20ms, {}));  // the queue does not exist yet

  std::jthread writer([&] {
    std::this_thread::sleep_for(30ms);
    rb::local_backend other(dir.path().string(), fast_options());
    auto batch = numbered_records(0, 1);
    other.append("q", batch);
  });
  REQUIRE(bus.wait("q", "", 10s, {}));
  writer.join();
  std::vector<rb::record> out;
  bus.read("q", "", 10, out);
  REQUIRE(out.size() == 1);
  REQUIRE(bus.wait("q", "", 0ms, {}));  // already there
  REQUIRE_FALSE(bus.wait("q", out.back().eid, 20ms, {}));

  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(30ms);
    stop.request_stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE_FALSE(bus.wait("q", out.back().eid, 30s, stop.get_token()));
  REQUIRE(std::chrono::steady_clock::now() - t0 < 20s);  // it was the stop, not the timeout
}

TEST_CASE("every fsync policy stores and reads back the same records", "[bus][local]") {
  for (const auto policy :
       {rb::fsync_policy::never, rb::fsync_policy::every_batch, rb::fsync_policy::interval}) {
    rstreams::test::temp_file dir("bus", "");
    rb::local_options opt;
    opt.fsync = policy;
    opt.fsync_interval = 1ms;
    {
      rb::local_backend bus(dir.path().string(), opt);
      std::vector<std::jthread> threads;
      for (int t = 0; t < 3; ++t)
        threads.emplace_back([&bus, t] {
          for (int b = 0; b < 20; ++b) {
            auto batch = numbered_records(t * 1000 + b * 10, 10);
            bus.append("q", batch);
          }
        });
      threads.clear();
      bus.flush();
    }
    rb::local_backend bus(dir.path().string(), opt);
    const auto all = read_every(bus, "q");
    REQUIRE(all.size() == 600);
    for (std::size_t i = 1; i < all.size(); ++i) REQUIRE(all[i - 1].eid < all[i].eid);
  }
}

TEST_CASE("a bot lease is held by one instance at a time", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend a(dir.path().string(), fast_options());
  rb::local_backend b(dir.path().string(), fast_options());
  {
    auto l = a.try_lease("bot", 10s);
    REQUIRE(l.has_value());
    REQUIRE(l->held());
    REQUIRE_FALSE(b.try_lease("bot", 10s).has_value());
    REQUIRE(b.try_lease("other-bot", 10s).has_value());
    REQUIRE(l->renew());
  }
  // Released on destruction.
  auto again = b.try_lease("bot", 50ms);
  REQUIRE(again.has_value());
  std::this_thread::sleep_for(80ms);
  REQUIRE_FALSE(again->held());  // expired
  auto taken = a.try_lease("bot", 10s);
  REQUIRE(taken.has_value());
  REQUIRE_FALSE(again->renew());  // lost to the new holder
  REQUIRE(taken->held());
}

TEST_CASE("a batch with a field too long for the frame stores nothing", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string(), fast_options());
  auto ok = numbered_records(0, 2);
  bus.append("q", ok);
  auto bad = numbered_records(2, 3);
  bad[2].id = std::string(70'000, 'i');
  REQUIRE_THROWS_AS(bus.append("q", bad), rstreams::config_error);
  auto next = numbered_records(2, 1);
  bus.append("q", next);
  const auto all = read_every(bus, "q");
  REQUIRE(all.size() == 3);
  REQUIRE(payload_n(all[2]) == 2);
  REQUIRE(rb::parse_eid(all[2].eid) > rb::parse_eid(all[1].eid));
  REQUIRE(bus.queues().at(0).records == 3);
  // An eid the record carries is not one of its fields to store: append replaces it, however
  // long, first in its batch or not.
  auto carried = numbered_records(3, 3);
  for (auto& r : carried) r.eid = std::string(70'000, 'e');
  bus.append("q", carried);
  REQUIRE(read_every(bus, "q").size() == 6);
  REQUIRE(carried[0].eid.size() < 64);
  REQUIRE(carried[2].eid.size() < 64);
}

TEST_CASE("queues lists every queue with its last eid and count", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string(), fast_options());
  auto a = numbered_records(0, 3);
  auto b = numbered_records(0, 1);
  bus.append("b-queue", b);
  bus.append("a-queue", a);
  const auto qs = bus.queues();
  REQUIRE(qs == std::vector<rb::queue_info>{{"a-queue", a.back().eid, 3}, {"b-queue", b.back().eid, 1}});
}

namespace {

long open_descriptors() {
  return static_cast<long>(std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{}));
}

// Appends `rounds` x 2 records to each of `queues` queues, reading every queue after each round;
// returns the most descriptors seen open (the count is taken after every append and read).
long write_and_read_many(rb::local_backend& bus, int queues, int rounds) {
  long most = 0;
  std::vector<std::string> seen(static_cast<std::size_t>(queues));
  std::vector<rb::record> out;
  for (int round = 0; round < rounds; ++round) {
    for (int q = 0; q < queues; ++q) {
      auto batch = numbered_records(round * 2, 2);
      bus.append("q" + std::to_string(q), batch);
      most = std::max(most, open_descriptors());
    }
    for (int q = 0; q < queues; ++q) {
      out.clear();
      auto& after = seen[static_cast<std::size_t>(q)];
      if (bus.read("q" + std::to_string(q), after, 100, out) != 2) return -1;
      if (payload_n(out[0]) != round * 2 || payload_n(out[1]) != round * 2 + 1) return -1;
      after = out.back().eid;
      most = std::max(most, open_descriptors());
    }
  }
  return most;
}

}  // namespace

TEST_CASE("descriptors follow the queues in use, not the queues of the bus", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  const auto before = open_descriptors();
  constexpr int queues = 400;
  long most = 0;
  {
    rb::local_backend bus(dir.path().string(), fast_options());
    REQUIRE(bus.options().max_open_queues == 32);
    most = write_and_read_many(bus, queues, 3);
    REQUIRE(most >= 0);  // every record read back in order
  }
  // Was 4 per queue used (1600); now at most 4 for each of the 32 queues kept open.
  CHECK(most - before <= 4 * 32 + 4);
  // Every record is there for a new handle, whose own cache bounds it too.
  auto o = fast_options();
  o.max_open_queues = 8;
  rb::local_backend again(dir.path().string(), o);
  long most_again = 0;
  for (int q = 0; q < queues; ++q) {
    const auto all = read_every(again, "q" + std::to_string(q));
    REQUIRE(all.size() == 6);
    for (int i = 0; i < 6; ++i) REQUIRE(payload_n(all[static_cast<std::size_t>(i)]) == i);
    most_again = std::max(most_again, open_descriptors());
  }
  CHECK(most_again - before <= 4 * 8 + 4);
  rb::local_options zero;
  zero.max_open_queues = 0;
  REQUIRE_THROWS_AS(rb::local_backend(dir.path().string(), zero), rstreams::config_error);
}

TEST_CASE("a closed queue's unsynced appends are synced and its eids continue", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  auto o = fast_options();
  o.fsync = rb::fsync_policy::interval;
  o.fsync_interval = std::chrono::hours(1);
  o.max_open_queues = 1;
  rb::local_backend bus(dir.path().string(), o);
  std::vector<std::string> lasts;
  for (int i = 0; i < 5; ++i) {
    for (const char* q : {"a", "b"}) {  // each append closes the other queue's descriptors
      auto batch = numbered_records(i, 1);
      lasts.push_back(bus.append(q, batch));
    }
  }
  for (const char* q : {"a", "b"}) {
    const auto all = read_every(bus, q);
    REQUIRE(all.size() == 5);
    for (std::size_t i = 1; i < all.size(); ++i) REQUIRE(all[i - 1].eid < all[i].eid);
    for (int i = 0; i < 5; ++i) REQUIRE(payload_n(all[static_cast<std::size_t>(i)]) == i);
  }
}

TEST_CASE("400 queues are written and read under a limit of 256 descriptors", "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int code = 0;
    try {
      rlimit lim{256, 256};
      if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(10);
      {
        rb::local_backend bus(dir.path().string(), fast_options());
        if (write_and_read_many(bus, 400, 2) < 0) code = 1;
      }
      // Opening the 400-queue bus again (recovery looks at every queue) and reading it all.
      rb::local_backend again(dir.path().string(), fast_options());
      for (int q = 0; q < 400 && code == 0; ++q) {
        if (read_every(again, "q" + std::to_string(q)).size() != 4) code = 2;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      code = 3;
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);  // was "Too many open files" after about 60 queues
}

TEST_CASE("a checkpoint past the end of the queue is refused; a prefix position is not",
          "[bus][local][local_backend]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options o;
  o.fsync = rb::fsync_policy::never;
  rb::local_backend bus(dir.path().string(), o);
  std::vector<rb::record> rs(3);
  for (auto& r : rs) r.payload = "{}";
  const auto last = bus.append("q", rs);
  // The last eid itself is fine; one just after it names no event.
  bus.commit_checkpoint("b", "q", std::nullopt, {last, 3, 0, 0});
  const auto past = rb::make_eid(std::stoll(last.substr(rb::detail::eid_ms_at)) + 1000);
  REQUIRE(past > last);
  REQUIRE_THROWS_WITH(bus.commit_checkpoint("b", "q", last, {past, 4, 0, 0}),
                      Catch::Contains("past the end of the queue") && Catch::Contains(last));
  REQUIRE(bus.get_checkpoint("b", "q")->eid == last);  // unchanged
  // A checkpoint on a queue with no events names none either.
  REQUIRE_THROWS_WITH(bus.commit_checkpoint("b", "empty", std::nullopt, {last, 1, 0, 0}),
                      Catch::Contains("queue is empty"));
  // Prefix eids are positions ("from March 2099 on"), not events: still allowed.
  bus.commit_checkpoint("b", "q", last, {"z/2099/03/", 0, 0, 0});
  REQUIRE(bus.get_checkpoint("b", "q")->eid == "z/2099/03/");
}

TEST_CASE("one unreadable checkpoint file is reported for its bot only", "[bus][local][local_backend]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options o;
  o.fsync = rb::fsync_policy::never;
  rb::local_backend bus(dir.path().string(), o);
  std::vector<rb::record> rs(2);
  for (auto& r : rs) r.payload = "{}";
  const auto last = bus.append("q", rs);
  bus.commit_checkpoint("good", "q", std::nullopt, {last, 2, 0, 0});
  bus.commit_checkpoint("bad", "r", std::nullopt, {"z/2020/", 0, 0, 0});
  {
    // A checkpoint file of the format before the journal, torn or hand-edited.
    std::ofstream f(dir.path() / "checkpoints" / "bad" / "q.json", std::ios::trunc);
    f << "{\"eid\": tru";
  }
  rb::local_backend later(dir.path().string(), o);  // old-format files are read when a journal is opened
  const auto bots = later.bots();
  REQUIRE(bots.size() == 2);
  const auto& bad = bots[0].id == "bad" ? bots[0] : bots[1];
  const auto& good = bots[0].id == "bad" ? bots[1] : bots[0];
  REQUIRE(good.id == "good");
  REQUIRE(good.errors.empty());
  REQUIRE(good.checkpoints.at("q").eid == last);
  REQUIRE(bad.checkpoints.size() == 1);  // its readable checkpoint still lists
  REQUIRE(bad.checkpoints.at("r").eid == "z/2020/");
  REQUIRE(bad.errors.size() == 1);
  REQUIRE_THAT(bad.errors.at("q"), Catch::Contains("q.json") && Catch::Contains("unreadable checkpoint"));
  // Reading that checkpoint directly still fails loudly.
  REQUIRE_THROWS_AS(later.get_checkpoint("bad", "q"), rstreams::io_error);
}

TEST_CASE("compare-and-set from two backends racing on one directory loses no update",
          "[bus][local][local_backend]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options o;
  o.fsync = rb::fsync_policy::never;
  rb::local_backend a(dir.path().string(), o);
  rb::local_backend b(dir.path().string(), o);
  auto batch = numbered_records(0, 401);
  a.append("in", batch);
  std::atomic<int> moved{0}, stale{0};
  const auto race = [&](rb::local_backend& bus) {
    for (int i = 0; i < 200; ++i) {
      const auto cp = bus.get_checkpoint("bot", "in");
      const std::uint64_t n = cp ? cp->records : 0;
      if (n >= 400) return;
      try {
        bus.commit_checkpoint("bot", "in", cp ? std::optional<std::string>(cp->eid) : std::nullopt,
                              {batch[n].eid, n + 1, 0, 0});
        ++moved;
      } catch (const rb::stale_checkpoint&) {
        ++stale;
      }
    }
  };
  std::thread ta([&] { race(a); });
  std::thread tb([&] { race(b); });
  ta.join();
  tb.join();
  // Every successful commit moved the checkpoint by exactly one: none was lost or doubled.
  const auto end = rb::local_backend(dir.path().string(), o).get_checkpoint("bot", "in");
  REQUIRE(end.has_value());
  REQUIRE(end->records == static_cast<std::uint64_t>(moved.load()));
  REQUIRE(end->eid == batch[end->records - 1].eid);
  WARN("racing commits: " << moved.load() << " moved, " << stale.load() << " stale");
}

namespace {
// Counts the fsyncs of files under one path (file.hpp's test hook; the fsyncs are real).
struct sync_counter final : rb::detail::file_recorder {
  std::string under;
  std::mutex mu;
  int syncs = 0;
  explicit sync_counter(std::string u) : under(std::move(u)) { rb::detail::active_file_recorder = this; }
  sync_counter(const sync_counter&) = delete;
  sync_counter& operator=(const sync_counter&) = delete;
  ~sync_counter() { rb::detail::active_file_recorder = nullptr; }
  void record(const rb::detail::file_op& op) override {
    std::lock_guard l(mu);
    if (op.kind == rb::detail::file_op::fsync && op.path.find(under) != std::string::npos) ++syncs;
  }
  int count() {
    std::lock_guard l(mu);
    return syncs;
  }
};
}  // namespace

TEST_CASE("local: append_unsynced leaves the fsync to sync_appended, which one fsync covers",
          "[bus][local]") {
  rstreams::test::temp_file dir("bus", "");
  SECTION("every_batch") {
    rb::local_backend bus(dir.path().string());
    REQUIRE(bus.syncs_each_append());
    {
      auto first = numbered_records(0, 1);
      bus.append("q", first);  // the queue's files exist
    }
    sync_counter c("/queues/q/");
    auto a = numbered_records(1, 10), b = numbered_records(11, 10);
    bus.append_unsynced("q", a);
    bus.append_unsynced("q", b);
    REQUIRE(c.count() == 0);
    REQUIRE(read_every(bus, "q").size() == 21);  // visible before it is synced
    bus.sync_appended("q");
    REQUIRE(c.count() == 1);
    bus.sync_appended("q");  // nothing new: no fsync
    REQUIRE(c.count() == 1);
    auto d = numbered_records(21, 1);
    bus.append("q", d);  // a plain append still syncs before it returns
    REQUIRE(c.count() == 2);
  }
  SECTION("never") {
    rb::local_options o;
    o.fsync = rb::fsync_policy::never;
    rb::local_backend bus(dir.path().string(), o);
    REQUIRE_FALSE(bus.syncs_each_append());
    sync_counter c("/queues/q/");
    auto a = numbered_records(0, 10);
    bus.append_unsynced("q", a);
    bus.sync_appended("q");
    REQUIRE(c.count() == 0);
  }
}

TEST_CASE("local, default policy: enrich syncs its outputs once per checkpoint, not per micro-batch",
          "[bus][local][enrich]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string());
  auto in = numbered_records(0, 5000);
  bus.append("in", in);
  sync_counter c("/queues/out/");
  rb::enrich_options o{.bot = "bot", .in = "in", .out = "out"};  // micro-batches of 100
  const auto st = rb::enrich(bus, o, [](nlohmann::json&& j) { return std::move(j); });
  REQUIRE(st.out == 5000);
  REQUIRE(st.checkpoint == std::optional<std::string>(in.back().eid));
  CHECK(st.commits >= 1);
  CHECK(st.commits <= 5);  // every 1000 inputs; a waiting position may be replaced
  CHECK(c.count() >= 1);   // durable before the last commit returned, in one sync per commit
  // (plus the new segment's header), not 50 (one per micro-batch)
  CHECK(c.count() <= static_cast<int>(st.commits) + 1);
  REQUIRE(read_every(bus, "out").size() == 5000);
}

TEST_CASE("local, default policy: a background commit that finds the checkpoint moved fails the run",
          "[bus][local][enrich]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string());
  auto in = numbered_records(0, 3000);
  bus.append("in", in);
  rb::local_backend other(dir.path().string());  // another instance of the bot, elsewhere
  rb::enrich_options o{.bot = "bot", .in = "in", .out = "out"};
  int n = 0;
  const auto moved = in[10].eid;
  REQUIRE_THROWS_AS(rb::enrich(bus, o,
                               [&](nlohmann::json&& j) {
                                 if (n++ == 5)
                                   other.commit_checkpoint("bot", "in", std::nullopt, {moved, 11, 0, 0});
                                 return std::move(j);
                               }),
                    rb::stale_checkpoint);
  // Nothing was committed over the other instance's checkpoint.
  REQUIRE(bus.get_checkpoint("bot", "in")->eid == moved);
}

TEST_CASE("read_in_place overwrites the records it is given and grows the vector only when short",
          "[bus][local]") {
  STATIC_REQUIRE(rb::backend_reading_in_place<rb::local_backend>);
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string(), fast_options());
  // Payloads of changing lengths and a correlation on some records, so that a reused record gets
  // longer and shorter texts and loses or gains a correlation.
  auto batch = numbered_records(0, 10);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].payload = nlohmann::json{{"n", i}, {"pad", std::string((i * 37) % 200, 'x')}}.dump();
    if (i % 3 == 1) batch[i].correlation_id = rb::correlation{"raw", "z/a", "z/b", i};
  }
  bus.append("orders", batch);
  const auto all = read_every(bus, "orders");
  REQUIRE(all.size() == 10);

  std::vector<rb::record> buf(6);
  for (auto& r : buf) {
    r.eid = "junk";
    r.payload = std::string(500, 'j');
    r.correlation_id = rb::correlation{"j", "j", "j", 9};
  }
  const auto junk = buf.back();
  REQUIRE(bus.read_in_place("orders", "", 4, buf, nullptr) == 4);
  REQUIRE(buf.size() == 6);
  REQUIRE(std::equal(buf.begin(), buf.begin() + 4, all.begin()));
  REQUIRE(buf[4] == junk);  // past n: untouched
  REQUIRE(buf[5] == junk);
  // The next batch over the same records; then one longer than the vector.
  REQUIRE(bus.read_in_place("orders", all[3].eid, 4, buf, nullptr) == 4);
  REQUIRE(std::equal(buf.begin(), buf.begin() + 4, all.begin() + 4));
  std::uint64_t skipped = 0;
  REQUIRE(bus.read_in_place("orders", all[1].eid, 100, buf, &skipped) == 8);
  REQUIRE(buf.size() == 8);
  REQUIRE(std::equal(buf.begin(), buf.end(), all.begin() + 2));
  REQUIRE(skipped == 0);
  REQUIRE(bus.read_in_place("orders", all.back().eid, 100, buf, nullptr) == 0);
  REQUIRE(bus.read_in_place("unknown-queue", "", 100, buf, nullptr) == 0);
}
