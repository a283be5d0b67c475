// The lock file's tail generation: an appender trusts its cached tail only while nobody else
// changed the queue, and a lock file it does not know is left alone and never trusted.

#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/local/record_codec.hpp>
#include <rstreams/bus/local/segment_header.hpp>
#include <rstreams/bus/local/tail_generation.hpp>

#include <support/bus_payloads.hpp>
#include <support/catch.hpp>
#include <support/local_records.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fcntl.h>

namespace rb = rstreams::bus;
namespace rd = rstreams::bus::detail;
namespace fs = std::filesystem;

namespace {

using rstreams::test::no_fsync;
using rstreams::test::number_range;
using rstreams::test::numbered_records;
using rstreams::test::payload_numbers;
using rstreams::test::read_every;

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("an empty lock file gets the header; a bump is seen by every other holder",
          "[bus][local][tail_generation]") {
  rstreams::test::temp_file lock("lock", "");
  std::ofstream(lock.path()).flush();  // a lock file of the previous library: empty
  auto fd_a = rd::open_file(lock.path().string(), O_RDWR);
  auto fd_b = rd::open_file(lock.path().string(), O_RDWR);
  rd::tail_generation a;
  rd::tail_generation b;
  a.attach(fd_a.get(), lock.path().string());
  b.attach(fd_b.get(), lock.path().string());
  REQUIRE(a.attached());
  REQUIRE(b.attached());
  const auto bytes = file_text(lock.path());
  REQUIRE(bytes.size() == rd::lock_file_size);
  REQUIRE(rd::get_le<std::uint32_t>(bytes.data()) == rd::lock_magic);
  REQUIRE(rd::get_le<std::uint16_t>(bytes.data() + 4) == rd::lock_version);

  REQUIRE_FALSE(a.unchanged());  // nothing remembered yet
  a.bump();
  REQUIRE(a.unchanged());
  REQUIRE_FALSE(b.unchanged());
  b.bump();  // another appender changed the tail
  REQUIRE_FALSE(a.unchanged());
  REQUIRE(b.unchanged());
  a.bump();
  REQUIRE(a.unchanged());
  REQUIRE_FALSE(b.unchanged());
  // The counter is in the file: a holder that maps it later sees the same value.
  const auto now = rd::get_le<std::uint64_t>(file_text(lock.path()).data() + rd::lock_counter_offset);
  b.bump();
  REQUIRE(rd::get_le<std::uint64_t>(file_text(lock.path()).data() + rd::lock_counter_offset) == now + 1);
}

TEST_CASE("a lock file of zeros (a header a power cut lost) gets the header again",
          "[bus][local][tail_generation]") {
  rstreams::test::temp_file lock("lock", "");
  const auto zeros = GENERATE(std::size_t{4}, rd::lock_file_size);
  std::ofstream(lock.path(), std::ios::binary) << std::string(zeros, '\0');
  auto fd = rd::open_file(lock.path().string(), O_RDWR);
  rd::tail_generation g;
  g.attach(fd.get(), lock.path().string());
  REQUIRE(g.attached());
  const auto bytes = file_text(lock.path());
  REQUIRE(bytes.size() == rd::lock_file_size);
  REQUIRE(rd::get_le<std::uint32_t>(bytes.data()) == rd::lock_magic);
  g.bump();
  REQUIRE(g.unchanged());
}

TEST_CASE("a lock file holding something else, or a newer header, is left alone and never trusted",
          "[bus][local][tail_generation]") {
  rstreams::test::temp_file lock("lock", "");
  std::string content;
  SECTION("foreign bytes") {
    content = "not a lock header, but somebody's bytes";
  }
  SECTION("a newer header") {
    content.assign(rd::lock_file_size, '\0');
    rd::put_le<std::uint32_t>(content.data(), rd::lock_magic);
    rd::put_le<std::uint16_t>(content.data() + 4, rd::lock_version + 1);
  }
  SECTION("a header cut short") {
    content = "RSLK";
  }
  SECTION("zeros, and more of them than a header") {
    content.assign(rd::lock_file_size + 8, '\0');
  }
  std::ofstream(lock.path(), std::ios::binary) << content;
  auto fd = rd::open_file(lock.path().string(), O_RDWR);
  rd::tail_generation g;
  g.attach(fd.get(), lock.path().string());
  REQUIRE_FALSE(g.attached());
  g.bump();
  REQUIRE_FALSE(g.unchanged());
  REQUIRE(file_text(lock.path()) == content);
}

TEST_CASE("a lock file whose header cannot be written is not used, and says nothing",
          "[bus][local][tail_generation]") {
  // The counter is a hint: a failure to set it up (here a descriptor that cannot write, as a
  // full disk would fail the write) leaves it unattached instead of failing the append.
  rstreams::test::temp_file lock("lock", "");
  std::ofstream(lock.path()).flush();
  auto fd = rd::open_file(lock.path().string(), O_RDONLY);
  rd::tail_generation g;
  REQUIRE_NOTHROW(g.attach(fd.get(), lock.path().string()));
  REQUIRE_FALSE(g.attached());
  g.bump();
  REQUIRE_FALSE(g.unchanged());
  REQUIRE(fs::file_size(lock.path()) == 0);
}

TEST_CASE("appenders of one queue see each other's appends between their own",
          "[bus][local][tail_generation]") {
  // Two handles on one directory: two lock descriptors, two cached tails, as two processes.
  rstreams::test::temp_file dir("bus", "");
  const auto opt = no_fsync();
  rb::local_backend a(dir.path().string(), opt);
  rb::local_backend b(dir.path().string(), opt);
  int n = 0;
  std::string last;
  for (int round = 0; round < 20; ++round) {
    auto& bus = round % 3 == 2 ? b : a;  // a appends twice in a row, then b once
    auto rs = numbered_records(n, 1 + round % 4);
    n += static_cast<int>(rs.size());
    const auto eid = bus.append("q", rs);
    REQUIRE(eid > last);
    last = eid;
  }
  REQUIRE(payload_numbers(read_every(a, "q")) == number_range(0, n));
  rb::local_backend fresh(dir.path().string(), opt);
  REQUIRE(payload_numbers(read_every(fresh, "q")) == number_range(0, n));
  REQUIRE(fresh.verify("q").ok());
  REQUIRE(fresh.verify("q").torn_bytes == 0);
}

TEST_CASE("a queue whose last segment predates the tail generation is continued in a new one",
          "[bus][local][tail_generation]") {
  // A version 3 segment, as the previous library wrote it: its appenders never bumped, so the
  // first append starts a version 4 segment rather than trusting anything cached about it.
  rstreams::test::temp_file dir("bus", "");
  const auto opt = no_fsync();
  { rb::local_backend init(dir.path().string(), opt); }
  const auto qdir = dir.path() / "queues" / "q";
  fs::create_directories(qdir);
  std::ofstream(qdir / "lock").flush();
  std::string seg = rd::encode_segment_header("q", 0, 0, 1623691151425, false, 3);
  std::vector<rb::record> old(2);
  old[0].eid = rb::make_eid(1623691151425, 0);
  old[1].eid = rb::make_eid(1623691151425, 1);
  for (int i = 0; i < 2; ++i) {
    old[static_cast<std::size_t>(i)].event = "q";
    old[static_cast<std::size_t>(i)].id = "tester";
    old[static_cast<std::size_t>(i)].payload = nlohmann::json{{"n", i}}.dump();
  }
  rd::encode_batch_frame(seg, old, 0);
  std::ofstream(qdir / "00000000000000000000.seg", std::ios::binary) << seg;

  rb::local_backend bus(dir.path().string(), opt);
  auto rs = numbered_records(2, 3);
  bus.append("q", rs);
  auto more = numbered_records(5, 2);
  bus.append("q", more);
  REQUIRE(file_text(qdir / "00000000000000000000.seg") == seg);  // closed, unchanged
  const auto next = file_text(qdir / "00000000000000000001.seg");
  REQUIRE(rd::get_le<std::uint16_t>(next.data() + 4) == rd::segment_version_tail_generation);
  REQUIRE(payload_numbers(read_every(bus, "q")) == number_range(0, 7));
}

TEST_CASE("a lock file that is not the library's does not stop appends", "[bus][local][tail_generation]") {
  rstreams::test::temp_file dir("bus", "");
  const auto opt = no_fsync();
  rb::local_backend bus(dir.path().string(), opt);
  const auto qdir = dir.path() / "queues" / "q";
  fs::create_directories(qdir);
  const std::string content = "somebody else's notes";
  std::ofstream(qdir / "lock") << content;
  rb::local_backend other(dir.path().string(), opt);
  int n = 0;
  for (int round = 0; round < 6; ++round) {
    auto rs = numbered_records(n, 2);
    n += 2;
    (round % 2 == 0 ? bus : other).append("q", rs);
  }
  REQUIRE(payload_numbers(read_every(bus, "q")) == number_range(0, n));
  REQUIRE(file_text(qdir / "lock") == content);
}

TEST_CASE("an appender that died halfway through a batch has told the others to look",
          "[bus][local][tail_generation]") {
  // Appender a caches its tail; another appender bumps the generation, writes part of a batch
  // and dies. a's next append must find the torn tail, cut it and append after the last
  // complete batch, not at the end it remembers nor after the torn bytes.
  rstreams::test::temp_file dir("bus", "");
  const auto opt = no_fsync();
  rb::local_backend a(dir.path().string(), opt);
  auto first = numbered_records(0, 3);
  a.append("q", first);
  const auto qdir = dir.path() / "queues" / "q";
  const auto seg = qdir / "00000000000000000000.seg";

  rb::local_backend b(dir.path().string(), opt);
  auto second = numbered_records(3, 2);
  b.append("q", second);  // a complete batch by the other appender
  const auto whole = file_text(seg);
  {
    // The other appender's next batch: the bump, then a frame cut short by its death.
    auto lock_fd = rd::open_file((qdir / "lock").string(), O_RDWR);
    rd::tail_generation g;
    g.attach(lock_fd.get(), (qdir / "lock").string());
    REQUIRE(g.attached());
    g.bump();
    std::string frame;
    auto lost = numbered_records(100, 4, 300);
    for (std::size_t i = 0; i < lost.size(); ++i)
      lost[i].eid = rb::make_eid(4102444800000, static_cast<std::uint32_t>(i));
    rd::encode_batch_frame(frame, lost, 5);
    std::ofstream(seg, std::ios::binary | std::ios::app) << frame.substr(0, frame.size() / 2);
  }
  auto third = numbered_records(5, 2);
  a.append("q", third);
  REQUIRE(file_text(seg).substr(0, whole.size()) == whole);
  REQUIRE(payload_numbers(read_every(a, "q")) == number_range(0, 7));
  rb::local_backend fresh(dir.path().string(), opt);
  REQUIRE(payload_numbers(read_every(fresh, "q")) == number_range(0, 7));
  const auto report = fresh.verify("q");
  REQUIRE(report.ok());
  REQUIRE(report.torn_bytes == 0);
}
