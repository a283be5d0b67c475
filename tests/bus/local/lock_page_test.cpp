// The lock file's page: the queue mutex that appenders of every process hold, handed on when a
// holder dies and set up again when every process that had it is gone; the tail generation, by
// which an appender trusts its cached tail only while nobody else changed the queue; a lock file
// it does not know is left alone and never trusted.

#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/local/lock_page.hpp>
#include <rstreams/bus/local/record_codec.hpp>
#include <rstreams/bus/local/segment_header.hpp>

#include <support/bus_payloads.hpp>
#include <support/catch.hpp>
#include <support/local_records.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

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

// The batch frame of `n` numbered records from `from` (payloads padded by `pad`), record numbers
// from `recno`, eids far past any a test appends (2100-01-01): a batch another appender writes.
std::string future_frame(int from, int n, std::uint64_t recno, std::size_t pad = 0) {
  auto rs = numbered_records(from, n, pad);
  for (std::size_t i = 0; i < rs.size(); ++i)
    rs[i].eid = rb::make_eid(4102444800000, static_cast<std::uint32_t>(i));
  std::string frame;
  rd::encode_batch_frame(frame, rs, recno);
  return frame;
}

}  // namespace

TEST_CASE("an empty lock file gets the page; a bump is seen by every other holder",
          "[bus][local][lock_page]") {
  rstreams::test::temp_file lock("lock", "");
  std::ofstream(lock.path()).flush();  // a lock file of an earlier library: empty
  auto fd_a = rd::open_file(lock.path().string(), O_RDWR);
  auto fd_b = rd::open_file(lock.path().string(), O_RDWR);
  rd::lock_page a;
  rd::lock_page b;
  REQUIRE(a.attach(fd_a.get(), lock.path().string()));
  REQUIRE(b.attach(fd_b.get(), lock.path().string()));
  REQUIRE(a.attached());
  REQUIRE(b.attached());
  const auto bytes = file_text(lock.path());
  REQUIRE(bytes.size() == rd::lock_page_size);
  REQUIRE(rd::get_le<std::uint32_t>(bytes.data()) == rd::lock_magic);
  REQUIRE(rd::get_le<std::uint16_t>(bytes.data() + 4) == rd::lock_version);
  REQUIRE(rd::get_le<std::uint32_t>(bytes.data() + rd::lock_kind_offset) == rd::lock_mutex_kind);

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
  // The bump raised the writing flag; done() lowers it. Both holders see one flag.
  REQUIRE(a.writing());
  b.done();
  REQUIRE_FALSE(a.writing());
  // One mutex: what b holds, a cannot take.
  REQUIRE_FALSE(b.lock(lock.path().string()));
  std::atomic<bool> got{false};
  std::thread other([&] {
    a.lock(lock.path().string());
    got = true;
    a.unlock();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE_FALSE(got.load());
  b.unlock();
  other.join();
  REQUIRE(got.load());
}

TEST_CASE("a version 1 lock file is upgraded in place, its generation kept", "[bus][local][lock_page]") {
  // The previous library's header: processes of that library keep their mapping of the first
  // 16 bytes and go on bumping the generation where it was.
  rstreams::test::temp_file lock("lock", "");
  std::string v1(rd::lock_v1_size, '\0');
  rd::put_le<std::uint32_t>(v1.data(), rd::lock_magic);
  rd::put_le<std::uint16_t>(v1.data() + 4, 1);
  rd::put_le<std::uint64_t>(v1.data() + rd::lock_counter_offset, 41);
  std::ofstream(lock.path(), std::ios::binary) << v1;
  auto fd = rd::open_file(lock.path().string(), O_RDWR);
  rd::lock_page p;
  REQUIRE(p.attach(fd.get(), lock.path().string()));
  REQUIRE(p.generation() == 41);
  const auto bytes = file_text(lock.path());
  REQUIRE(bytes.size() == rd::lock_page_size);
  REQUIRE(rd::get_le<std::uint16_t>(bytes.data() + 4) == rd::lock_version);
  REQUIRE_FALSE(p.lock(lock.path().string()));
  p.unlock();
}

TEST_CASE("a mutex left locked in the file by processes that are gone is set up again",
          "[bus][local][lock_page]") {
  // As after a crash of the machine: the file says "locked" (the owner's thread id, no sign of
  // its death, since no kernel saw it die), and no process has the page attached. The first to
  // attach is alone, and sets the mutex up again instead of waiting forever.
  rstreams::test::temp_file dir("bus", "");
  const auto opt = no_fsync();
  {
    rb::local_backend bus(dir.path().string(), opt);
    auto rs = numbered_records(0, 3);
    bus.append("q", rs);
  }
  const auto lock = (dir.path() / "queues" / "q" / "lock").string();
  std::string locked;
  {
    auto fd = rd::open_file(lock, O_RDWR);
    rd::lock_page p;
    REQUIRE(p.attach(fd.get(), lock));
    REQUIRE_FALSE(p.lock(lock));
    p.bump();  // and mid-change
    locked = file_text(lock);
    p.done();
    p.unlock();
  }
  REQUIRE(locked.size() == rd::lock_page_size);
  std::ofstream(lock, std::ios::binary | std::ios::trunc) << locked;  // what the disk kept
  rb::local_backend bus(dir.path().string(), opt);
  auto rs = numbered_records(3, 2);
  bus.append("q", rs);  // would wait forever for the dead owner
  REQUIRE(payload_numbers(read_every(bus, "q")) == number_range(0, 5));
  REQUIRE(bus.verify("q").ok());
}

TEST_CASE("an appender killed while it holds the queue mutex hands it on, and its torn batch is cut",
          "[bus][local][lock_page]") {
  rstreams::test::temp_file dir("bus", "");
  const auto opt = no_fsync();
  rb::local_backend a(dir.path().string(), opt);
  auto first = numbered_records(0, 3);
  a.append("q", first);  // a holds the page attached from here on
  const auto qdir = dir.path() / "queues" / "q";
  const auto seg = qdir / "00000000000000000000.seg";
  const auto lock = (qdir / "lock").string();
  REQUIRE(rd::get_le<std::uint16_t>(file_text(seg).data() + 4) == rd::segment_version);
  const auto whole = file_text(seg);
  const auto frame = future_frame(100, 4, 3, 300);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Another appender: it locks, bumps, writes half a batch, and is killed.
    auto fd = rd::open_file(lock, O_RDWR);
    rd::lock_page p;
    if (!p.attach(fd.get(), lock) || p.lock(lock)) ::_exit(2);
    p.bump();
    std::ofstream(seg, std::ios::binary | std::ios::app) << frame.substr(0, frame.size() / 2) << std::flush;
    ::kill(::getpid(), SIGKILL);
    ::_exit(3);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(file_text(seg).size() > whole.size());
  auto next = numbered_records(3, 2);
  a.append("q", next);  // takes the mutex its holder died with
  REQUIRE(file_text(seg).substr(0, whole.size()) == whole);
  REQUIRE(payload_numbers(read_every(a, "q")) == number_range(0, 5));
  rb::local_backend fresh(dir.path().string(), opt);
  const auto report = fresh.verify("q");
  REQUIRE(report.ok());
  REQUIRE(report.torn_bytes == 0);
}

TEST_CASE("a lock file of zeros (a header a power cut lost) gets the page again", "[bus][local][lock_page]") {
  rstreams::test::temp_file lock("lock", "");
  const auto zeros = GENERATE(std::size_t{4}, rd::lock_v1_size, rd::lock_page_size);
  std::ofstream(lock.path(), std::ios::binary) << std::string(zeros, '\0');
  auto fd = rd::open_file(lock.path().string(), O_RDWR);
  rd::lock_page g;
  REQUIRE(g.attach(fd.get(), lock.path().string()));
  REQUIRE(g.attached());
  const auto bytes = file_text(lock.path());
  REQUIRE(bytes.size() == rd::lock_page_size);
  REQUIRE(rd::get_le<std::uint32_t>(bytes.data()) == rd::lock_magic);
  g.bump();
  REQUIRE(g.unchanged());
}

TEST_CASE("a lock file holding something else, or a newer header, is left alone and never trusted",
          "[bus][local][lock_page]") {
  rstreams::test::temp_file lock("lock", "");
  std::string content;
  SECTION("foreign bytes") {
    content = "not a lock header, but somebody's bytes";
  }
  SECTION("a newer header") {
    content.assign(rd::lock_page_size, '\0');
    rd::put_le<std::uint32_t>(content.data(), rd::lock_magic);
    rd::put_le<std::uint16_t>(content.data() + 4, rd::lock_version + 1);
  }
  SECTION("a header cut short") {
    content = "RSLK";
  }
  SECTION("zeros, and more of them than a page") {
    content.assign(rd::lock_page_size + 8, '\0');
  }
  std::ofstream(lock.path(), std::ios::binary) << content;
  auto fd = rd::open_file(lock.path().string(), O_RDWR);
  rd::lock_page g;
  REQUIRE_FALSE(g.attach(fd.get(), lock.path().string()));
  REQUIRE_FALSE(g.attached());
  g.bump();
  REQUIRE_FALSE(g.unchanged());
  REQUIRE(file_text(lock.path()) == content);
}

TEST_CASE("a lock page that cannot be set up fails the attach, saying why", "[bus][local][lock_page]") {
  // The mutex is the lock: appending without it, as if the file were not the library's, would
  // not exclude the processes that hold it. Here a descriptor that cannot write (a full disk
  // would fail the write alike).
  rstreams::test::temp_file lock("lock", "");
  std::ofstream(lock.path()).flush();
  auto fd = rd::open_file(lock.path().string(), O_RDONLY);
  rd::lock_page g;
  REQUIRE_THROWS_AS(g.attach(fd.get(), lock.path().string()), rstreams::io_error);
  REQUIRE_FALSE(g.attached());
  REQUIRE(fs::file_size(lock.path()) == 0);
}

TEST_CASE("appenders of one queue see each other's appends between their own", "[bus][local][lock_page]") {
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

namespace {

// Queue "q" of bus `dir` as an earlier library left it: an empty lock file and one segment of
// format `version` holding records 0 and 1. Returns the segment's bytes.
std::string old_queue(const fs::path& dir, std::uint16_t version) {
  { rb::local_backend init(dir.string(), no_fsync()); }
  const auto qdir = dir / "queues" / "q";
  fs::create_directories(qdir);
  std::ofstream(qdir / "lock").flush();
  std::string seg = rd::encode_segment_header("q", 0, 0, 1623691151425, false, version);
  std::vector<rb::record> old(2);
  for (int i = 0; i < 2; ++i) {
    auto& r = old[static_cast<std::size_t>(i)];
    r.eid = rb::make_eid(1623691151425, static_cast<std::uint32_t>(i));
    r.event = "q";
    r.id = "tester";
    r.payload = nlohmann::json{{"n", i}}.dump();
  }
  rd::encode_batch_frame(seg, old, 0);
  std::ofstream(qdir / "00000000000000000000.seg", std::ios::binary) << seg;
  return seg;
}

// Runs `append` on a thread while the test holds flock on `lock_fd` for up to `hold`: true when it
// finished while the flock was held (so it did not wait for it), false when it was still waiting
// (the flock is then let go and it finishes). A long `hold` proves "did not wait" on a slow machine.
template <class F>
bool finishes_while_held(F append, int lock_fd, std::chrono::milliseconds hold) {
  std::atomic<bool> done{false};
  std::thread t([&] {
    append();
    done = true;
  });
  const auto until = std::chrono::steady_clock::now() + hold;
  while (!done.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const bool finished = done.load();
  ::flock(lock_fd, LOCK_UN);
  t.join();
  return finished;
}

constexpr std::chrono::milliseconds briefly{100};
constexpr std::chrono::milliseconds long_enough{20'000};

}  // namespace

TEST_CASE("a queue whose last segment predates the queue mutex is continued in a new one",
          "[bus][local][lock_page]") {
  // A segment of version 3 (its appenders never bumped the generation) or 4 (they bumped it
  // but locked with flock alone), as earlier libraries wrote them: the first append starts a
  // version 5 segment rather than trusting anything cached about the old one.
  rstreams::test::temp_file dir("bus", "");
  const auto opt = no_fsync();
  const auto version = GENERATE(std::uint16_t{3}, std::uint16_t{4});
  const auto seg = old_queue(dir.path(), version);
  const auto qdir = dir.path() / "queues" / "q";

  rb::local_backend bus(dir.path().string(), opt);
  auto rs = numbered_records(2, 3);
  bus.append("q", rs);
  auto more = numbered_records(5, 2);
  bus.append("q", more);
  REQUIRE(file_text(qdir / "00000000000000000000.seg") == seg);  // closed, unchanged
  const auto next = file_text(qdir / "00000000000000000001.seg");
  REQUIRE(rd::get_le<std::uint16_t>(next.data() + 4) == rd::segment_version);
  REQUIRE(payload_numbers(read_every(bus, "q")) == number_range(0, 7));
}

TEST_CASE("appends also take flock while appenders of an earlier library may append, and to start a segment",
          "[bus][local][lock_page]") {
  // An earlier library's appender locks with flock alone: here the test holds it, as that
  // appender would mid-batch. Until the queue's tail is a version 5 segment (which that library
  // refuses to append to) an append waits for it; then appends lock with the mutex alone, but
  // for starting a segment (an earlier library's appender completes a segment whose header it
  // finds unfinished).
  rstreams::test::temp_file dir("bus", "");
  auto opt = no_fsync();
  old_queue(dir.path(), 4);
  const auto lock = (dir.path() / "queues" / "q" / "lock").string();
  auto old_appender = rd::open_file(lock, O_RDWR);
  rb::local_backend bus(dir.path().string(), opt);
  int n = 2;
  const auto append = [&] {
    auto rs = numbered_records(n, 2);
    n += 2;
    bus.append("q", rs);
  };
  REQUIRE(::flock(old_appender.get(), LOCK_EX) == 0);
  REQUIRE_FALSE(finishes_while_held(append, old_appender.get(), briefly));  // rolls to version 5
  REQUIRE(::flock(old_appender.get(), LOCK_EX) == 0);
  REQUIRE(finishes_while_held(append, old_appender.get(), long_enough));  // the mutex alone
  REQUIRE(payload_numbers(read_every(bus, "q")) == number_range(0, n));

  opt.segment_bytes = 1;  // every append starts a segment
  rb::local_backend small(dir.path().string(), opt);
  const auto append_small = [&] {
    auto rs = numbered_records(n, 2);
    n += 2;
    small.append("q", rs);
  };
  append_small();  // finds the tail a version 5 segment: the mutex alone from here on
  REQUIRE(::flock(old_appender.get(), LOCK_EX) == 0);
  REQUIRE_FALSE(finishes_while_held(append_small, old_appender.get(), briefly));
  REQUIRE(payload_numbers(read_every(small, "q")) == number_range(0, n));
}

TEST_CASE("a lock file that is not the library's does not stop appends", "[bus][local][lock_page]") {
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
          "[bus][local][lock_page]") {
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
    const auto lock = (qdir / "lock").string();
    auto lock_fd = rd::open_file(lock, O_RDWR);
    rd::lock_page g;
    REQUIRE(g.attach(lock_fd.get(), lock));
    REQUIRE_FALSE(g.lock(lock));
    g.bump();
    const auto frame = future_frame(100, 4, 5, 300);
    std::ofstream(seg, std::ios::binary | std::ios::app) << frame.substr(0, frame.size() / 2);
    g.unlock();  // a death would hand the mutex on (see the test above); here it is let go
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

TEST_CASE("a reader that may not lock judges a bad frame only when no change overlapped its look",
          "[bus][local][lock_page]") {
  // A bus opened read-only writes nothing, so it cannot take the mutex: it reads the page's
  // writing flag and generation around its look. While an appender is mid-change (here one the
  // test plays) a bad frame may be its unfinished batch: the reader stops before it, reporting
  // nothing; once the change is over, the same frame is damage.
  rstreams::test::temp_file dir("bus", "");
  const auto opt = no_fsync();
  {
    rb::local_backend bus(dir.path().string(), opt);
    auto rs = numbered_records(0, 3);
    bus.append("q", rs);
  }
  const auto qdir = dir.path() / "queues" / "q";
  const auto seg = qdir / "00000000000000000000.seg";
  auto frame = future_frame(3, 2, 3);
  frame[frame.size() - 3] ^= 0x20;  // a payload byte: the body's checksum fails
  std::ofstream(seg, std::ios::binary | std::ios::app) << frame << frame;  // twice: not a torn tail

  const auto lock = (qdir / "lock").string();
  auto fd = rd::open_file(lock, O_RDWR);
  rd::lock_page appender;
  REQUIRE(appender.attach(fd.get(), lock));
  REQUIRE_FALSE(appender.lock(lock));
  appender.bump();

  auto ro = opt;
  ro.read_only = true;
  rb::local_backend reader(dir.path().string(), ro);
  std::vector<rb::record> got;
  REQUIRE(reader.read("q", "", 100, got) == 3);
  REQUIRE(reader.read("q", got.back().eid, 100, got) == 0);  // not judged: a change is under way
  appender.done();
  appender.unlock();
  REQUIRE_THROWS_AS(reader.read("q", got.back().eid, 100, got), rb::corrupt_record);
}
