// The queue log's safety rules: large records, torn tails told from damage, segment headers,
// foreign files, gaps, crash-safe creation. Each test damages real files the way a disk, a crash
// or a person would and asserts exactly what is kept, reported and dropped.

#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/local/index.hpp>
#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/local/record_codec.hpp>
#include <rstreams/bus/local/segment_header.hpp>

#include <support/catch.hpp>
#include <support/local_records.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

namespace {

using rstreams::test::no_fsync;
using rstreams::test::numbered_records;
using rstreams::test::read_every;

std::string seg_path(const rstreams::test::temp_file& dir, const std::string& queue, int n = 0) {
  char name[32];
  std::snprintf(name, sizeof name, "%020d.seg", n);
  return (dir.path() / "queues" / queue / name).string();
}

// The bytes of disk the filesystem has allocated for `path`.
std::uint64_t allocated_bytes(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

// `n` rounded up to whole 4 KiB blocks.
std::uint64_t whole_blocks(std::uint64_t n) {
  return (n + 4095) / 4096 * 4096;
}

// Whether the filesystem under `dir` allocates blocks past a file's end (fallocate keeping the
// size); tmpfs, ext4 and XFS do.
bool fs_reserves(const fs::path& dir) {
  const auto probe = (dir / "probe").string();
  const int fd = ::open(probe.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  const bool ok = ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 << 20) == 0;
  ::close(fd);
  fs::remove(probe);
  return ok;
}

}  // namespace

TEST_CASE("a record larger than the read buffer reads back intact from any position",
          "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  auto opt = no_fsync();
  rb::local_backend bus(dir.path().string(), opt);
  auto big = numbered_records(0, 1, std::size_t{2} << 20);  // 2 MB, first in the queue
  bus.append("q", big);
  auto small = numbered_records(1, 2);
  bus.append("q", small);
  auto big2 = numbered_records(3, 1, std::size_t{3} << 20);  // 3 MB in the middle of a buffer
  bus.append("q", big2);

  for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{1000}}) {
    auto all = read_every(bus, "q", "", step);
    REQUIRE(all.size() == 4);
    REQUIRE(all[0] == big[0]);
    REQUIRE(all[1] == small[0]);
    REQUIRE(all[3] == big2[0]);
  }
  // From a fresh handle (no buffer, no cursor) at every position.
  rb::local_backend other(dir.path().string(), opt);
  std::vector<rb::record> out;
  REQUIRE(other.read("q", big[0].eid, 1, out) == 1);
  REQUIRE(out[0] == small[0]);
  out.clear();
  REQUIRE(other.read("q", small[1].eid, 5, out) == 1);
  REQUIRE(out[0] == big2[0]);
}

TEST_CASE("a large record does not hide the rest of its segment or the next one", "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  auto opt = no_fsync();
  opt.segment_bytes = std::uint64_t{4} << 20;
  rb::local_backend bus(dir.path().string(), opt);
  std::vector<rb::record> sent;
  for (int round = 0; round < 3; ++round) {
    auto big = numbered_records(round * 100, 1, std::size_t{2} << 20);
    bus.append("q", big);
    auto rest = numbered_records(round * 100 + 1, 51);
    bus.append("q", rest);
    sent.push_back(big[0]);
    sent.insert(sent.end(), rest.begin(), rest.end());
  }
  REQUIRE(fs::exists(seg_path(dir, "q", 1)));
  for (std::size_t step : {std::size_t{7}, std::size_t{1000}}) {
    const auto all = read_every(bus, "q", "", step);
    REQUIRE(all == sent);
  }
}

namespace {

void flip(const std::string& path, std::uintmax_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x10);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

void overwrite(const std::string& path, std::uintmax_t offset, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr std::uintmax_t q_header = 56;  // the segment header of queue "q"

// Each record appended alone, so each is one frame (a batch of one); every frame of
// numbered_records(..., pad) has the same size while the numbers keep their width.
struct fixture {
  rstreams::test::temp_file dir{"bus", ""};
  std::vector<rb::record> sent;
  std::uintmax_t frame = 0;

  explicit fixture(int n, rb::local_options opt = no_fsync(), int per_segment = 0) {
    rb::local_backend bus(dir.path().string(), opt);
    auto roll = opt;
    roll.segment_bytes = 1;  // a second handle that rolls before each append: starts a segment
    rb::local_backend roller(dir.path().string(), roll);
    const int step = per_segment > 0 ? per_segment : n;
    for (int i = 0; i < n; ++i) {
      auto one = numbered_records(10 + i, 1);
      (per_segment > 0 && i > 0 && i % step == 0 ? roller : bus).append("q", one);
      sent.insert(sent.end(), one.begin(), one.end());
    }
    frame = (fs::file_size(seg_path(dir, "q", 0)) - q_header) / static_cast<std::uintmax_t>(step);
  }
  [[nodiscard]] std::string seg(int n = 0) const { return seg_path(dir, "q", n); }
  [[nodiscard]] std::string root() const { return dir.path().string(); }
};

// Reads from the start until an error; returns what came before it and the error.
std::vector<rb::record> read_until_error(rb::local_backend& bus, std::optional<rb::corrupt_record>& err) {
  std::vector<rb::record> all;
  std::string after;
  try {
    while (bus.read("q", after, 1000, all) > 0) after = all.back().eid;
  } catch (const rb::corrupt_record& e) {
    err.emplace(e);
  }
  return all;
}

}  // namespace

TEST_CASE("a torn tail cut at any byte of the last record is truncated, and only it",
          "[bus][local][queue_log]") {
  fixture fx(5);
  const auto full = contents(fx.seg());
  const auto last = full.size() - fx.frame;
  for (auto cut = last; cut < full.size(); ++cut) {
    CAPTURE(cut);
    {
      std::ofstream(fx.seg(), std::ios::binary | std::ios::trunc)
          .write(full.data(), static_cast<std::streamsize>(cut));
    }
    rb::local_backend bus(fx.root(), no_fsync());
    REQUIRE(fs::file_size(fx.seg()) == last);
    REQUIRE(read_every(bus, "q") == std::vector<rb::record>(fx.sent.begin(), fx.sent.end() - 1));
    REQUIRE(!bus.path().empty());
  }
  rb::local_backend bus(fx.root(), no_fsync());
  auto more = numbered_records(99, 1);
  bus.append("q", more);
  REQUIRE(read_every(bus, "q").size() == 5);
}

TEST_CASE("a flipped bit anywhere in a complete record is reported with file and offset, never dropped",
          "[bus][local][queue_log]") {
  // Two segments of 4 records; damage in the last or the non-last segment, in the last or a
  // middle record, in its header, checksum or payload.
  fixture fx(8, no_fsync(), 4);
  REQUIRE(fs::exists(fx.seg(1)));
  const int seg = GENERATE(0, 1);
  const int rec = GENERATE(1, 3);
  const std::uintmax_t at = GENERATE(2, 9, 20, 60);  // magic, body checksum, body fields, payload
  CAPTURE(seg, rec, at);
  const auto before = contents(fx.seg(seg));
  const auto bad = q_header + static_cast<std::uintmax_t>(rec) * fx.frame;
  flip(fx.seg(seg), bad + at);
  const auto damaged = contents(fx.seg(seg));

  rb::local_backend bus(fx.root(), no_fsync());
  std::optional<rb::corrupt_record> err;
  const auto got = read_until_error(bus, err);
  REQUIRE(err.has_value());
  REQUIRE(err->file() == fs::canonical(fx.seg(seg)).string());
  REQUIRE(err->offset() == bad);
  const auto good = static_cast<std::size_t>(seg * 4 + rec);
  REQUIRE(got ==
          std::vector<rb::record>(fx.sent.begin(), fx.sent.begin() + static_cast<std::ptrdiff_t>(good)));
  auto more = numbered_records(99, 1);
  REQUIRE_THROWS_AS(bus.append("q", more), rb::corrupt_record);
  REQUIRE(contents(fx.seg(seg)) == damaged);  // nothing was truncated or rewritten
  REQUIRE(damaged.size() == before.size());
}

TEST_CASE("a zeroed last page of acknowledged records is damage under a durable policy",
          "[bus][local][queue_log]") {
  rb::local_options durable;
  durable.fsync = rb::fsync_policy::every_batch;
  fixture fx(40, durable);
  const auto size = fs::file_size(fx.seg());
  overwrite(fx.seg(), size - 1000, std::string(1000, '\0'));
  rb::local_backend bus(fx.root(), durable);
  REQUIRE(fs::file_size(fx.seg()) == size);
  std::optional<rb::corrupt_record> err;
  const auto got = read_until_error(bus, err);
  REQUIRE(err.has_value());
  REQUIRE(got.size() < fx.sent.size());
  REQUIRE(err->offset() == q_header + got.size() * fx.frame);
}

TEST_CASE("bytes past the durable horizon that do not parse are a torn tail, kept in a quarantine file",
          "[bus][local][queue_log]") {
  rb::local_options durable;
  durable.fsync = rb::fsync_policy::every_batch;
  fixture fx(10, durable);
  const auto size = fs::file_size(fx.seg());
  // What a power cut can leave of an unsynced batch: a zero-filled range, then part of a frame.
  const auto tail = std::string(700, '\0') + contents(fx.seg()).substr(q_header, 40);
  std::ofstream(fx.seg(), std::ios::binary | std::ios::app) << tail;
  rb::local_backend bus(fx.root(), durable);
  REQUIRE(fs::file_size(fx.seg()) == size);
  REQUIRE(read_every(bus, "q") == fx.sent);
  const auto kept = fx.seg() + ".torn-" + std::to_string(size);
  REQUIRE(contents(kept) == tail);
  auto more = numbered_records(99, 2);
  bus.append("q", more);
  REQUIRE(read_every(bus, "q").size() == 12);
}

TEST_CASE("a deleted or truncated middle segment is a gap that reads report", "[bus][local][queue_log]") {
  fixture fx(12, no_fsync(), 4);
  REQUIRE(fs::exists(fx.seg(2)));
  SECTION("deleted") {
    fs::remove(fx.seg(1));
    rb::local_options opt = no_fsync();
    opt.segment_bytes = 1;
    rb::local_backend bus(fx.root(), opt);
    std::optional<rb::corrupt_record> err;
    const auto got = read_until_error(bus, err);
    REQUIRE(got.size() == 4);
    REQUIRE(err.has_value());
    REQUIRE_THAT(err->what(), Catch::Contains("segment 1 is missing"));
  }
  SECTION("truncated inside a record") {
    fs::resize_file(fx.seg(1), q_header + 2 * fx.frame + 5);
    rb::local_backend bus(fx.root(), no_fsync());
    std::optional<rb::corrupt_record> err;
    const auto got = read_until_error(bus, err);
    REQUIRE(got.size() == 6);
    REQUIRE(err.has_value());
    REQUIRE(err->offset() == q_header + 2 * fx.frame);
    REQUIRE_THAT(err->what(), Catch::Contains("truncated segment"));
  }
}

TEST_CASE("files rstreams did not write are reported and never changed", "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  rstreams::test::temp_file outside("outside", ".txt");
  outside.write("precious data outside the bus\n");
  { rb::local_backend bus(dir.path().string(), no_fsync()); }
  const auto qdir = dir.path() / "queues" / "q";
  fs::create_directories(qdir);
  const std::string seg = (qdir / "00000000000000000000.seg").string();
  SECTION("a foreign file under a segment's name") {
    std::ofstream(seg) << "hello, not a segment\n";
    {
      rb::local_backend bus(dir.path().string(), no_fsync());
      auto more = numbered_records(0, 1);
      REQUIRE_THROWS_WITH(bus.append("q", more), Catch::Contains("not an rstreams segment"));
      std::vector<rb::record> out;
      REQUIRE_THROWS_WITH(bus.read("q", "", 10, out), Catch::Contains("left untouched"));
    }
    REQUIRE(contents(seg) == "hello, not a segment\n");
  }
  SECTION("a symbolic link out of the bus") {
    fs::create_symlink(outside.path(), seg);
    rb::local_backend bus(dir.path().string(), no_fsync());
    auto more = numbered_records(0, 1);
    REQUIRE_THROWS_WITH(bus.append("q", more), Catch::Contains("symbolic link"));
    std::vector<rb::record> out;
    REQUIRE_THROWS_WITH(bus.read("q", "", 10, out), Catch::Contains("symbolic link"));
  }
  SECTION("a queue directory that is a symbolic link") {
    fs::remove(qdir);
    rstreams::test::temp_file elsewhere("elsewhere", "");
    fs::create_directories(elsewhere.path());
    fs::create_symlink(elsewhere.path(), qdir);
    rb::local_backend bus(dir.path().string(), no_fsync());
    auto more = numbered_records(0, 1);
    REQUIRE_THROWS_WITH(bus.append("q", more), Catch::Contains("symbolic link"));
    REQUIRE(fs::is_empty(elsewhere.path()));
  }
  REQUIRE(contents(outside.path().string()) == "precious data outside the bus\n");
}

TEST_CASE("a segment of a newer format version is refused clearly", "[bus][local][queue_log]") {
  fixture fx(3);
  const auto before = contents(fx.seg());
  overwrite(fx.seg(), 4, std::string("\x07\x00", 2));
  const auto after = contents(fx.seg());
  rb::local_backend bus(fx.root(), no_fsync());
  std::vector<rb::record> out;
  REQUIRE_THROWS_WITH(bus.read("q", "", 10, out), Catch::Contains("segment format version 7 is newer"));
  auto more = numbered_records(0, 1);
  REQUIRE_THROWS_WITH(bus.append("q", more), Catch::Contains("upgrade rstreams"));
  REQUIRE(contents(fx.seg()) == after);
  REQUIRE(before.size() == after.size());
}

TEST_CASE("segments of format version 1 (no header) stay readable and appendable",
          "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  { rb::local_backend bus(dir.path().string(), no_fsync()); }
  const auto qdir = dir.path() / "queues" / "q";
  fs::create_directories(qdir);
  auto old = numbered_records(0, 3);
  std::string bytes;
  for (std::size_t i = 0; i < old.size(); ++i) {
    old[i].eid = rb::make_eid(1623691151425, static_cast<std::uint32_t>(i));
    old[i].event = "q";
    old[i].timestamp = old[i].event_source_timestamp = 1623691151425;
    rb::detail::encode_frame(bytes, old[i], i);
  }
  std::ofstream((qdir / "00000000000000000000.seg").string(), std::ios::binary) << bytes;
  std::ofstream((qdir / "lock").string());
  rb::local_backend bus(dir.path().string(), no_fsync());
  REQUIRE(read_every(bus, "q") == old);
  auto more = numbered_records(3, 2);
  bus.append("q", more);
  const auto all = read_every(bus, "q");
  REQUIRE(all.size() == 5);
  REQUIRE(all[4] == more[1]);
  REQUIRE(bus.queues().front().records == 5);
}

TEST_CASE("verify reports each damaged range and gap; repair keeps the bytes and reports the loss",
          "[bus][local][queue_log]") {
  fixture fx(12, no_fsync(), 4);
  flip(fx.seg(0), q_header + 1 * fx.frame + 30);  // record 1 of segment 0
  fs::remove(fx.seg(1));                          // records 4..7
  const auto damaged_bytes = contents(fx.seg(0)).substr(q_header + fx.frame, fx.frame);
  rb::local_backend bus(fx.root(), no_fsync());
  auto rep = bus.verify("q");
  REQUIRE_FALSE(rep.ok());
  REQUIRE(rep.damage.size() == 1);
  REQUIRE(rep.damage[0].file == fs::canonical(fx.seg(0)).string());
  REQUIRE(rep.damage[0].offset == q_header + fx.frame);
  REQUIRE(rep.damage[0].length == fx.frame);
  REQUIRE(rep.damage[0].events == 1);
  REQUIRE(rep.gaps.size() == 1);
  REQUIRE(rep.gaps[0].events == 4);
  REQUIRE(rep.events_lost() == 5);
  REQUIRE(rep.records == 7);
  REQUIRE(fs::file_size(fx.seg(0)) == q_header + 4 * fx.frame);  // verify changed nothing

  auto more = numbered_records(99, 1);
  std::optional<rb::corrupt_record> err;
  read_until_error(bus, err);
  REQUIRE(err.has_value());
  REQUIRE_THROWS_AS(bus.append("q", more), rb::corrupt_record);

  const auto fixed = bus.repair("q");
  REQUIRE(fixed.events_lost() == 5);
  REQUIRE(contents(fixed.damage[0].quarantine) == damaged_bytes);
  const auto healthy = bus.verify("q");
  REQUIRE(healthy.ok());
  REQUIRE(healthy.records == 7);  // found by local_segment_fuzz: the record numbers now have holes
  auto all = read_every(bus, "q");
  REQUIRE(all.size() == 7);
  REQUIRE(all[0] == fx.sent[0]);
  REQUIRE(all[1] == fx.sent[2]);
  REQUIRE(all[3] == fx.sent[8]);
  bus.append("q", more);
  REQUIRE(read_every(bus, "q").size() == 8);
  rb::local_backend other(fx.root(), no_fsync());  // another handle sees a healthy queue
  auto one = numbered_records(100, 1);
  other.append("q", one);
  REQUIRE(read_every(other, "q").size() == 9);
}

TEST_CASE("a read past an empty middle segment starts at the segment that holds its position",
          "[bus][local][queue_log]") {
  fixture fx(12, no_fsync(), 4);
  fs::remove(fx.seg(1));
  {
    rb::local_backend bus(fx.root(), no_fsync());
    REQUIRE(bus.repair("q").gaps.size() == 1);  // segment 1 is an empty stand-in now
  }
  // The last frame header of segment 0 damaged: a read that went back to scan it fails there.
  flip(fx.seg(0), q_header + 3 * fx.frame + 5);
  rb::local_backend bus(fx.root(), no_fsync());
  std::vector<rb::record> out;
  REQUIRE(bus.read("q", fx.sent[9].eid, 10, out) == 2);
  REQUIRE(out[0] == fx.sent[10]);
  REQUIRE(out[1] == fx.sent[11]);
}

namespace {

// Every path under `root` with its size and modification time.
std::vector<std::string> tree_state(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    out.push_back(e.path().string() + " " +
                  (e.is_regular_file() ? std::to_string(e.file_size()) : std::string("dir")) + " " +
                  std::to_string(fs::last_write_time(e.path()).time_since_epoch().count()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a read-only bus reads, waits and reports without changing a file", "[bus][local][queue_log]") {
  fixture fx(6);
  // A torn tail a writable open would truncate, and a half-written checkpoint temp file.
  std::ofstream(fx.seg(), std::ios::binary | std::ios::app) << std::string("RSE1", 4);
  fs::create_directories(fx.dir.path() / "checkpoints" / "b");
  std::ofstream(fx.dir.path() / "checkpoints" / "b" / ".q.json.tmp.999999") << "{";
  const auto before = tree_state(fx.dir.path());
  rb::local_options ro = no_fsync();
  ro.read_only = true;
  {
    rb::local_backend bus(fx.root(), ro);
    REQUIRE(read_every(bus, "q") == fx.sent);
    REQUIRE_FALSE(bus.wait("q", fx.sent.back().eid, std::chrono::milliseconds(20)));
    REQUIRE(bus.wait("q", "", std::chrono::milliseconds(20)));
    REQUIRE(bus.queues().front().records == 6);
    REQUIRE(bus.verify("q").ok());
    auto more = numbered_records(0, 1);
    REQUIRE_THROWS_WITH(bus.append("q", more), Catch::Contains("open read-only"));
    REQUIRE_THROWS_WITH(
        bus.commit_checkpoint("b", "q", std::nullopt, rb::checkpoint{fx.sent[0].eid, 0, 0, 1}),
        Catch::Contains("open read-only"));
    REQUIRE_THROWS_AS(bus.try_lease("b", std::chrono::seconds(1)), rstreams::io_error);
  }
  REQUIRE(tree_state(fx.dir.path()) == before);
  rstreams::test::temp_file none("bus", "");
  REQUIRE_THROWS_WITH(rb::local_backend(none.path().string(), ro), Catch::Contains("no such bus directory"));
}

TEST_CASE("opening a bus keeps no descriptor per queue", "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  {
    rb::local_backend bus(dir.path().string(), no_fsync());
    for (int q = 0; q < 60; ++q) {
      auto one = numbered_records(q, 1);
      bus.append("q" + std::to_string(q), one);
    }
  }
  const auto open_fds = [] {
    return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{});
  };
  const auto before = open_fds();
  rb::local_backend bus(dir.path().string(), no_fsync());
  REQUIRE(open_fds() - before < 5);  // was 3 per queue (180)
  std::vector<rb::record> out;
  REQUIRE(bus.read("q7", "", 10, out) == 1);  // reading one queue opens its segment only
  REQUIRE(open_fds() - before < 6);
}

TEST_CASE("a reader that met a segment before its header was written reads it once it is",
          "[bus][local][queue_log]") {
  // What a reader racing the first append sees: segment 0 exists, empty (found by the wait test).
  rstreams::test::temp_file dir("bus", "");
  { rb::local_backend bus(dir.path().string(), no_fsync()); }
  fs::create_directories(dir.path() / "queues" / "q");
  std::ofstream((dir.path() / "queues" / "q" / "lock").string()).flush();
  std::ofstream(seg_path(dir, "q")).flush();
  auto ro = no_fsync();
  ro.recover_on_open = false;
  rb::local_backend reader(dir.path().string(), ro);
  std::vector<rb::record> out;
  REQUIRE(reader.read("q", "", 10, out) == 0);
  rb::local_backend writer(dir.path().string(), no_fsync());
  auto batch = numbered_records(0, 3);
  writer.append("q", batch);  // completes the header, then appends
  REQUIRE(read_every(reader, "q") == batch);
}

TEST_CASE("under on_corrupt = skip, damaged records are read past and counted; the default fails",
          "[bus][local][queue_log]") {
  // Two segments of 4 records; one damaged record in the middle of each.
  fixture fx(8, no_fsync(), 4);
  flip(fx.seg(0), q_header + 1 * fx.frame + 30);
  flip(fx.seg(1), q_header + 2 * fx.frame + 30);
  rb::local_backend bus(fx.root(), no_fsync());

  // The backend call: the same records as the fail policy up to the damage, then past it.
  std::vector<rb::record> got;
  std::uint64_t skipped = 0;
  std::string after;
  for (int i = 0; i < 20; ++i) {
    const auto n = bus.read_skipping_damage("q", after, 1, got, skipped);
    if (n == 0) break;
    after = got.back().eid;
  }
  std::vector<rb::record> want;
  for (std::size_t i : {0, 2, 3, 4, 5, 7}) want.push_back(fx.sent[i]);
  REQUIRE(got == want);
  REQUIRE(skipped == 2);
  REQUIRE(fs::exists(fs::path(fx.root()) / "queues" / "q" /
                     "damaged"));  // still reported: appends stay refused until repaired
  auto more = numbered_records(99, 1);
  REQUIRE_THROWS_AS(bus.append("q", more), rb::corrupt_record);

  // A plain read at the same positions still fails (a skipping reader leaves no cursor past it).
  std::vector<rb::record> out;
  REQUIRE_THROWS_AS(bus.read("q", fx.sent[0].eid, 10, out), rb::corrupt_record);

  // Through a bot: the count reaches its stats; the default policy fails the run.
  rb::enrich_options eo{.bot = "bot", .in = "q", .out = "out"};
  const auto copy = [](const nlohmann::json& j) { return j; };
  REQUIRE_THROWS_AS(rb::enrich(bus, eo, copy), rb::corrupt_record);
  eo.bot = "bot2";
  eo.read.on_corrupt = rb::corrupt_policy::skip;
  const auto stats = rb::enrich(bus, eo, copy);
  REQUIRE(stats.in == 6);
  REQUIRE(stats.corrupt_skipped == 2);
}

TEST_CASE("symbolic links into a bus's files are refused; repair and retention change nothing they point to",
          "[bus][local][queue_log]") {
  fixture fx(8, no_fsync(), 4);  // q: segments 0 and 1
  const auto q0 = contents(fx.seg(0));
  const auto q1 = contents(fx.seg(1));
  rstreams::test::temp_file outside("outside", ".seg");
  fs::copy_file(fx.seg(0), outside.path());  // a copy that looks like the real thing
  const auto qdir2 = fs::path(fx.root()) / "queues" / "q2";
  fs::create_directories(qdir2);

  SECTION("a segment linked to another queue's segment in the same bus") {
    fs::create_symlink(fx.seg(0), qdir2 / "00000000000000000000.seg");
    auto opt = no_fsync();
    opt.queue_retention["q2"].max_bytes = 1;
    rb::local_backend bus(fx.root(), opt);
    auto more = numbered_records(0, 1);
    REQUIRE_THROWS_WITH(bus.append("q2", more), Catch::Contains("symbolic link"));
    std::vector<rb::record> out;
    REQUIRE_THROWS_WITH(bus.read("q2", "", 10, out), Catch::Contains("symbolic link"));
    const auto rep = bus.verify("q2");
    REQUIRE_FALSE(rep.ok());
    REQUIRE(rep.foreign.size() == 1);
    bus.repair("q2");
    REQUIRE(fs::is_symlink(qdir2 / "00000000000000000000.seg"));  // reported, left for the user
  }
  SECTION("a closed segment linked to a file outside the bus, under repair and retention") {
    fs::remove(fx.seg(0));
    fs::create_symlink(outside.path(), fx.seg(0));
    auto opt = no_fsync();
    opt.retention.max_bytes = 1;  // would remove segment 0 if it were the queue's own file
    rb::local_backend bus(fx.root(), opt);
    REQUIRE_THROWS(bus.apply_retention("q"));
    REQUIRE(fs::is_symlink(fx.seg(0)));
    const auto rep = bus.verify("q");
    REQUIRE(rep.foreign.size() == 1);
    bus.repair("q");
    REQUIRE(fs::is_symlink(fx.seg(0)));
    std::vector<rb::record> out;
    REQUIRE_THROWS_WITH(bus.read("q", "", 10, out), Catch::Contains("symbolic link"));
  }
  // Nothing a link pointed to changed.
  REQUIRE(contents(fx.seg(1)) == q1);
  REQUIRE(contents(outside.path().string()) == q0);
  if (!fs::is_symlink(fx.seg(0))) REQUIRE(contents(fx.seg(0)) == q0);
}

namespace {

// The size of the frame at `at` of a segment's bytes (header and body).
std::uintmax_t frame_size_at(const std::string& bytes, std::uintmax_t at) {
  return rstreams::bus::detail::frame_header_size +
         rstreams::bus::detail::get_le<std::uint32_t>(bytes.data() + at + 4);
}

}  // namespace

TEST_CASE("an append is one batch frame; a flipped byte inside it is damage at the batch's offset",
          "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  std::vector<rb::record> sent;
  {
    rb::local_backend bus(dir.path().string(), no_fsync());
    for (int b = 0; b < 3; ++b) {
      auto batch = numbered_records(b * 10, 10);
      bus.append("q", batch);
      sent.insert(sent.end(), batch.begin(), batch.end());
    }
  }
  const auto seg = seg_path(dir, "q");
  const auto bytes = contents(seg);
  const auto second = q_header + frame_size_at(bytes, q_header);
  const auto second_size = frame_size_at(bytes, second);
  REQUIRE(second + second_size + frame_size_at(bytes, second + second_size) == bytes.size());
  flip(seg, second + second_size / 2);

  rb::local_backend bus(dir.path().string(), no_fsync());
  std::optional<rb::corrupt_record> err;
  const auto got = read_until_error(bus, err);
  REQUIRE(err.has_value());
  REQUIRE(err->file() == fs::canonical(seg).string());
  REQUIRE(err->offset() == second);
  REQUIRE(got == std::vector<rb::record>(sent.begin(), sent.begin() + 10));
  const auto rep = bus.verify("q");
  REQUIRE(rep.damage.size() == 1);
  REQUIRE(rep.damage[0].offset == second);
  REQUIRE(rep.damage[0].length == second_size);
  REQUIRE(rep.damage[0].events == 10);
  REQUIRE(rep.records == 20);
  const auto fixed = bus.repair("q");
  REQUIRE(fixed.events_lost() == 10);
  auto kept = std::vector<rb::record>(sent.begin(), sent.begin() + 10);
  kept.insert(kept.end(), sent.begin() + 20, sent.end());
  REQUIRE(read_every(bus, "q") == kept);
  auto more = numbered_records(99, 3);
  bus.append("q", more);
  REQUIRE(read_every(bus, "q").size() == 23);
  REQUIRE(bus.verify("q").ok());
}

TEST_CASE("a batch cut at any byte is a torn tail: all of it goes, the batches before stay",
          "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  std::vector<rb::record> first;
  {
    rb::local_backend bus(dir.path().string(), no_fsync());
    first = numbered_records(0, 5);
    bus.append("q", first);
    auto second = numbered_records(5, 5);
    bus.append("q", second);
  }
  const auto seg = seg_path(dir, "q");
  const auto full = contents(seg);
  const auto end_first = q_header + frame_size_at(full, q_header);
  for (auto cut = end_first + 1; cut < full.size(); cut += 7) {
    CAPTURE(cut);
    std::ofstream(seg, std::ios::binary | std::ios::trunc)
        .write(full.data(), static_cast<std::streamsize>(cut));
    rb::local_backend bus(dir.path().string(), no_fsync());
    REQUIRE(fs::file_size(seg) == end_first);
    REQUIRE(read_every(bus, "q") == first);
  }
}

TEST_CASE("reads start at any eid inside a batch, from a fresh handle, a cursor or the index",
          "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  auto opt = no_fsync();
  opt.index_every_bytes = 600;  // several frames (and index entries) per append
  std::vector<rb::record> sent;
  {
    rb::local_backend bus(dir.path().string(), opt);
    for (const int n : {200, 1, 60}) {
      auto batch = numbered_records(static_cast<int>(sent.size()), n, 3);
      bus.append("q", batch);
      sent.insert(sent.end(), batch.begin(), batch.end());
    }
  }
  REQUIRE(fs::file_size(dir.path() / "queues" / "q" / "00000000000000000000.idx") >= 5 * 32);
  for (const std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
    rb::local_backend bus(dir.path().string(), opt);
    REQUIRE(read_every(bus, "q", "", step) == sent);
  }
  rb::local_backend bus(dir.path().string(), opt);
  for (std::size_t k = 0; k < sent.size(); k += 13) {
    CAPTURE(k);
    rb::local_backend fresh(dir.path().string(), opt);
    std::vector<rb::record> out;
    const auto want = std::min<std::size_t>(3, sent.size() - k - 1);
    REQUIRE(fresh.read("q", sent[k].eid, 3, out) == want);
    REQUIRE(std::equal(out.begin(), out.end(), sent.begin() + static_cast<std::ptrdiff_t>(k + 1)));
    REQUIRE(fresh.position("q", sent[k].eid) == k + 1);
    REQUIRE(bus.position("q", sent[k].eid) == k + 1);
  }
  const auto st = bus.queue_stats("q");
  REQUIRE(st.first_eid == sent.front().eid);
  REQUIRE(st.last_eid == sent.back().eid);
  REQUIRE(st.events == sent.size());
}

TEST_CASE("imported eids and envelopes read back byte for byte", "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string(), no_fsync());
  auto rs = numbered_records(0, 4);
  rs[0].eid = rb::make_eid(1623691151425, 9'999'999);
  rs[1].eid = rb::make_eid(1623691151426, 0);
  rs[2].eid = rb::make_eid(1623691151426, 5);
  rs[3].eid = rb::make_eid(1723691151426, 17);
  rs[1].id = "another-bot";
  rs[2].id = "";
  rs[1].correlation_id = rb::correlation{"src", rs[0].eid, "", 0};
  rs[3].correlation_id = rb::correlation{"", "", "", ~std::uint64_t{0}};
  rs[2].timestamp = -3;
  rs[2].event_source_timestamp = INT64_MAX;
  rs[3].timestamp = 1;
  rs[3].event_source_timestamp = INT64_MIN;
  for (auto& r : rs) r.event = "q";
  bus.append_keeping_eids("q", rs);
  REQUIRE(read_every(bus, "q") == rs);
  rb::local_backend fresh(dir.path().string(), no_fsync());
  REQUIRE(read_every(fresh, "q", rs[0].eid, 1) == std::vector<rb::record>(rs.begin() + 1, rs.end()));
}

TEST_CASE("an append larger than any before grows its buffer inside an open frame and reads back",
          "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  auto opt = no_fsync();
  opt.index_every_bytes = 256 * 1024;  // frames up to 256 KiB: the buffer grows while one is open
  rb::local_backend bus(dir.path().string(), opt);
  auto rs = numbered_records(0, 300);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    // Small records first, then larger ones, with odd envelopes between them.
    rs[i].payload.append(i < 100 ? i : i * 97, static_cast<char>('a' + i % 26));
    if (i % 7 == 3) rs[i].id = "own-bot-" + std::to_string(i);
    if (i % 11 == 5) rs[i].correlation_id = rb::correlation{"src", "s" + std::to_string(i), "", i};
    if (i % 13 == 6) rs[i].timestamp = 1'600'000'000'000 + static_cast<std::int64_t>(i);
  }
  const auto last = bus.append("q", rs);
  REQUIRE(last == rs.back().eid);
  for (auto& r : rs) REQUIRE(r.event == "q");
  REQUIRE(read_every(bus, "q") == rs);
  // The buffer is kept: a smaller append reuses it, a fresh handle reads both.
  auto more = numbered_records(300, 5);
  bus.append("q", more);
  rb::local_backend fresh(dir.path().string(), no_fsync());
  auto all = rs;
  all.insert(all.end(), more.begin(), more.end());
  REQUIRE(read_every(fresh, "q") == all);
}

TEST_CASE(
    "a batch of common records keeps each frame below its target and runs past a millisecond's sequence",
    "[bus][local][queue_log]") {
  // The clock stands still at t and the queue's last eid is three before the end of t's
  // sequence: the batch takes those three, then borrows t + 1. Frames of at most 4 KiB.
  rstreams::test::temp_file dir("bus", "");
  auto opt = no_fsync();
  constexpr std::int64_t t = 1623691151425;
  opt.now_ms = [] { return t; };
  opt.index_every_bytes = 4096;
  rb::local_backend bus(dir.path().string(), opt);
  auto first = numbered_records(0, 1);
  first[0].eid = rb::make_eid(t, rb::eid_max_seq - 3);
  first[0].event = "q";
  bus.append_keeping_eids("q", first);
  auto rs = numbered_records(1, 300);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    rs[i].payload.append(i % 3 == 0 ? 300 : i % 50, 'p');
    if (i == 150) rs[i].id = "another-bot";  // one the batch's general path takes
  }
  REQUIRE(bus.append("q", rs) == rb::make_eid(t + 1, 296));
  REQUIRE(rs[2].eid == rb::make_eid(t, rb::eid_max_seq));
  REQUIRE(rs[3].eid == rb::make_eid(t + 1, 0));
  for (const auto& r : rs) {
    REQUIRE(r.event == "q");
    REQUIRE(r.timestamp == t);
    REQUIRE(r.event_source_timestamp == t);
  }
  const auto bytes = contents(seg_path(dir, "q"));
  std::uintmax_t frames = 0;
  for (std::uintmax_t at = q_header; at < bytes.size(); ++frames) {
    const auto size = frame_size_at(bytes, at);
    REQUIRE(size <= 4096);
    at += size;
  }
  REQUIRE(frames > 10);
  auto all = first;
  all.insert(all.end(), rs.begin(), rs.end());
  REQUIRE(read_every(bus, "q") == all);
  rb::local_backend fresh(dir.path().string(), opt);
  REQUIRE(read_every(fresh, "q", rs[99].eid, 7) == std::vector<rb::record>(rs.begin() + 100, rs.end()));
  REQUIRE(fresh.verify("q").ok());
}

TEST_CASE("a version 2 segment written by the previous encoder is read, then closed for version 3",
          "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  { rb::local_backend bus(dir.path().string(), no_fsync()); }
  const auto qdir = dir.path() / "queues" / "q";
  fs::create_directories(qdir);
  auto old = numbered_records(0, 4);
  std::string bytes = rb::detail::encode_segment_header("q", 0, 0, 1623691151425, false, 2);
  for (std::size_t i = 0; i < old.size(); ++i) {
    old[i].eid = rb::make_eid(1623691151425, static_cast<std::uint32_t>(i));
    old[i].event = "q";
    old[i].timestamp = old[i].event_source_timestamp = 1623691151425;
    if (i == 2) old[i].correlation_id = rb::correlation{"up", "z/2021/", "", 3};
    rb::detail::encode_frame(bytes, old[i], i);
  }
  std::ofstream((qdir / "00000000000000000000.seg").string(), std::ios::binary) << bytes;
  std::ofstream((qdir / "lock").string());
  rb::local_backend bus(dir.path().string(), no_fsync());
  REQUIRE(read_every(bus, "q") == old);
  REQUIRE(read_every(bus, "q", old[1].eid, 1) == std::vector<rb::record>(old.begin() + 2, old.end()));
  REQUIRE(bus.position("q", old[2].eid) == 3);
  auto more = numbered_records(4, 3);
  bus.append("q", more);
  REQUIRE(contents((qdir / "00000000000000000000.seg").string()) == bytes);  // closed, unchanged
  const auto next = contents((qdir / "00000000000000000001.seg").string());
  REQUIRE(rb::detail::get_le<std::uint16_t>(next.data() + 4) == rb::detail::segment_version);
  REQUIRE(rb::detail::get_le<std::uint64_t>(next.data() + 8) == 4);  // record numbers continue
  auto all = old;
  all.insert(all.end(), more.begin(), more.end());
  REQUIRE(read_every(bus, "q") == all);
  REQUIRE(bus.queues().front().records == 7);
  REQUIRE(bus.position("q", more[0].eid) == 5);
  const auto rep = bus.verify("q");
  REQUIRE(rep.ok());
  REQUIRE(rep.records == 7);
}

TEST_CASE(
    "a segment's blocks are allocated ahead of its end once the handle has appended 16 MiB, unseen "
    "by readers, and given back, its time kept, when the appender lets go; a handle that appends "
    "little to a long segment allocates nothing ahead",
    "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  fs::create_directories(dir.path());
  if (!fs_reserves(dir.path())) {
    WARN("the filesystem under " << dir.path() << " does not allocate past a file's end: not tested here");
    return;
  }
  const auto seg0 = seg_path(dir, "q");
  std::vector<rb::record> all;
  std::uint64_t size = 0;
  {
    rb::local_backend bus(dir.path().string(), no_fsync());
    const auto append = [&](int from, int n) {
      auto rs = numbered_records(from, n, 1000);
      bus.append("q", rs);
      all.insert(all.end(), rs.begin(), rs.end());
    };
    // 17 batches of about 1 MB: nothing reserved before a batch while the handle has appended
    // less than 16 MiB.
    for (int b = 0; b < 17; ++b) append(b * 1000, 1000);
    CHECK(fs::file_size(seg0) > (std::uint64_t{16} << 20));
    CHECK(allocated_bytes(seg0) <= whole_blocks(fs::file_size(seg0)) + (std::uint64_t{16} << 10));
    append(17'000, 100);
    append(17'100, 100);
    // Past 16 MiB: 8 MiB reserved past the size; the file holds exactly the batches, and reads
    // return them.
    size = fs::file_size(seg0);
    CHECK(allocated_bytes(seg0) >= whole_blocks(size) + (std::uint64_t{7} << 20));
    REQUIRE(read_every(bus, "q") == all);
    REQUIRE(bus.verify("q").ok());
    const timespec aged[2] = {{1'600'000'000, 0}, {1'600'000'000, 0}};
    REQUIRE(::utimensat(AT_FDCWD, seg0.c_str(), aged, 0) == 0);
  }
  // Let go: the blocks past the end are free (an extent tree block may remain), the size and
  // the modification time (retention by age reads it) are as they were.
  CHECK(fs::file_size(seg0) == size);
  CHECK(allocated_bytes(seg0) <= whole_blocks(size) + (std::uint64_t{16} << 10));
  struct stat st {};
  REQUIRE(::stat(seg0.c_str(), &st) == 0);
  CHECK(st.st_mtim.tv_sec == 1'600'000'000);
  rb::local_backend again(dir.path().string(), no_fsync());
  REQUIRE(read_every(again, "q") == all);
  REQUIRE(again.verify("q").ok());
  // A new handle's batch into the long segment: nothing allocated ahead of it (what this handle
  // appends, not the segment's size, decides), and nothing to give back.
  auto one_more = numbered_records(17'200, 100, 1000);
  again.append("q", one_more);
  all.insert(all.end(), one_more.begin(), one_more.end());
  CHECK(allocated_bytes(seg0) <= whole_blocks(fs::file_size(seg0)) + (std::uint64_t{16} << 10));
  REQUIRE(read_every(again, "q") == all);
}

TEST_CASE("under every_batch a segment's blocks are not allocated ahead", "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  auto opt = no_fsync();
  opt.fsync = rb::fsync_policy::every_batch;  // an fdatasync would also have to record the reserve as written
  rb::local_backend bus(dir.path().string(), opt);
  auto rs = numbered_records(0, 1100, 1000);
  bus.append("q", rs);
  auto more = numbered_records(1100, 100, 1000);
  bus.append("q", more);
  const auto seg0 = seg_path(dir, "q");
  CHECK(allocated_bytes(seg0) <= whole_blocks(fs::file_size(seg0)) + (std::uint64_t{16} << 10));
  rs.insert(rs.end(), more.begin(), more.end());
  REQUIRE(read_every(bus, "q") == rs);
}

TEST_CASE(
    "index entries wait while one handle appends alone and are written eight at a time, at a "
    "segment's close and when the handle lets go; another appender costs only those waiting",
    "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  auto opt = no_fsync();
  opt.index_every_bytes = 4096;  // an entry for each batch below
  opt.segment_bytes = 200'000;
  const auto idx0 = (dir.path() / "queues" / "q" / "00000000000000000000.idx").string();
  const auto entries_on_disk = [&](const std::string& idx) {
    const auto n = fs::file_size(idx) / rb::detail::index_entry_size;
    // Every entry written is valid and in order (an entry out of order would hide the rest).
    REQUIRE(rb::detail::read_index(idx, ~std::uint64_t{0}).size() == n);
    return n;
  };
  std::vector<rb::record> all;
  const auto append = [&](rb::local_backend& bus, int from) {
    auto rs = numbered_records(from, 5, 1000);  // ~5 KB: one index entry
    bus.append("q", rs);
    all.insert(all.end(), rs.begin(), rs.end());
  };
  {
    rb::local_backend a(dir.path().string(), opt);
    append(a, 0);  // the first append of a handle writes at once
    CHECK(entries_on_disk(idx0) == 1);
    for (int i = 1; i <= 7; ++i) append(a, i * 5);
    CHECK(entries_on_disk(idx0) == 1);  // seven waiting
    append(a, 40);
    CHECK(entries_on_disk(idx0) == 9);  // eight due: written
    append(a, 45);
    append(a, 50);
    CHECK(entries_on_disk(idx0) == 9);
    {
      // Another appender (a handle of its own, as another process): it indexes from what is on
      // disk, at once; the two entries `a` had waiting are dropped when `a` comes back.
      rb::local_backend b(dir.path().string(), opt);
      append(b, 55);
      CHECK(entries_on_disk(idx0) == 10);
      append(a, 60);
      CHECK(entries_on_disk(idx0) == 11);
    }
    append(a, 65);  // `a` appended last: its entries wait again
    append(a, 70);
    append(a, 75);
    CHECK(entries_on_disk(idx0) == 11);
  }
  CHECK(entries_on_disk(idx0) == 14);  // written when `a` let go
  {
    rb::local_backend a(dir.path().string(), opt);
    append(a, 80);
    for (int i = 17; fs::file_size(seg_path(dir, "q")) < opt.segment_bytes; ++i) append(a, i * 5);
    const auto waiting_before_close = fs::file_size(idx0);
    append(a, 100'000);  // closes segment 0: its waiting entries are written first
    CHECK(fs::file_size(idx0) > waiting_before_close);
    CHECK(entries_on_disk(idx0) == rb::detail::read_index(idx0, ~std::uint64_t{0}).size());
    // Reads seek by eid through the index from a fresh handle, from every position.
    rb::local_backend r(dir.path().string(), opt);
    for (std::size_t k = 0; k + 1 < all.size(); k += 7) {
      std::vector<rb::record> got;
      REQUIRE(r.read("q", all[k].eid, 1, got) == 1);
      REQUIRE(got[0] == all[k + 1]);
    }
    REQUIRE(read_every(r, "q") == all);
    REQUIRE(r.verify("q").ok());
  }
}
