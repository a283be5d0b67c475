// The cached segment list of a queue: checked with stat calls instead of a directory listing,
// listed again when the oldest segment is gone, extended when appenders made new ones; and
// reads without a cached cursor that find the right events while another handle or process
// appends new segments and retention removes old ones.

#include <rstreams/bus/local/segment_list.hpp>

#include <rstreams/bus/checkpoint_expired.hpp>
#include <rstreams/bus/local/local_backend.hpp>

#include <support/catch.hpp>
#include <support/local_records.hpp>
#include <support/temp_file.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

namespace {

using rstreams::test::numbered_records;
using rstreams::test::read_every;

void touch(const fs::path& p) {
  std::ofstream(p) << "x";
}

fs::path seg(const fs::path& dir, std::uint64_t n) {
  return rb::detail::segment_path(dir.string(), n);
}

using nums = std::vector<std::uint64_t>;

rb::local_options tiny_segments() {
  rb::local_options o;
  o.fsync = rb::fsync_policy::never;
  o.segment_bytes = 512;  // a few records per segment
  return o;
}

// Appends `count` records one per call (each call may close a segment); returns their eids.
std::vector<std::string> append_each(rb::local_backend& bus, int from, int count) {
  std::vector<std::string> eids;
  for (int i = 0; i < count; ++i) {
    auto rs = numbered_records(from + i, 1, 100);
    eids.push_back(bus.append("q", rs));
  }
  return eids;
}

// Reads 3 events after each of `after` (positions this handle has no cursor for) and checks they
// are the 3 eids that follow it in `all`.
void check_reads_after(rb::local_backend& bus, const std::vector<std::string>& all, std::size_t from,
                       std::size_t step) {
  for (std::size_t i = from; i + 3 < all.size(); i += step) {
    std::vector<rb::record> got;
    REQUIRE(bus.read("q", all[i], 3, got) == 3);
    CHECK(got[0].eid == all[i + 1]);
    CHECK(got[1].eid == all[i + 2]);
    CHECK(got[2].eid == all[i + 3]);
  }
}

}  // namespace

TEST_CASE("the segment list is listed once, then checked with stat calls", "[bus][local][segment_list]") {
  rstreams::test::temp_file dir;
  fs::create_directories(dir.path());
  for (std::uint64_t n = 0; n < 3; ++n) touch(seg(dir.path(), n));
  touch(dir.path() / "lock");
  rb::detail::segment_list list(dir.path().string());
  REQUIRE(list.current() == nums{0, 1, 2});
  REQUIRE(list.listings() == 1);
  REQUIRE(list.current() == nums{0, 1, 2});
  REQUIRE(list.listings() == 1);

  SECTION("segments appended after the last are found without a listing") {
    touch(seg(dir.path(), 3));
    touch(seg(dir.path(), 4));
    REQUIRE(list.current() == nums{0, 1, 2, 3, 4});
    REQUIRE(list.listings() == 1);
  }
  SECTION("many new segments: listed again rather than probed one by one") {
    for (std::uint64_t n = 3; n < 103; ++n) touch(seg(dir.path(), n));
    const auto& got = list.current();
    REQUIRE(got.size() == 103);
    REQUIRE(got.back() == 102);
    REQUIRE(list.listings() == 2);
  }
  SECTION("the oldest segment removed (retention): listed again") {
    fs::remove(seg(dir.path(), 0));
    REQUIRE(list.current() == nums{1, 2});
    REQUIRE(list.listings() == 2);
  }
  SECTION("a middle segment deleted is not seen by the check; relist sees it") {
    fs::remove(seg(dir.path(), 1));
    REQUIRE(list.current() == nums{0, 1, 2});
    REQUIRE(list.relist() == nums{0, 2});
  }
  SECTION("forget: the next use lists") {
    list.forget();
    REQUIRE(list.current() == nums{0, 1, 2});
    REQUIRE(list.listings() == 2);
  }
  SECTION("a child of fork lists again") {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const bool ok = list.current() == nums{0, 1, 2} && list.listings() == 2;
      ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    REQUIRE(list.listings() == 1);
  }
}

TEST_CASE("reads without a cursor find new segments another handle appended", "[bus][local][segment_list]") {
  rstreams::test::temp_file dir;
  rb::local_backend writer(dir.path().string(), tiny_segments());
  rb::local_backend reader(dir.path().string(), tiny_segments());
  auto all = append_each(writer, 0, 20);
  check_reads_after(reader, all, 0, 2);  // the reader's segment list is now cached
  const auto more = append_each(writer, 20, 40);
  all.insert(all.end(), more.begin(), more.end());
  REQUIRE(fs::exists(seg(dir.path() / "queues" / "q", 15)));
  check_reads_after(reader, all, 1, 3);
  REQUIRE(read_every(reader, "q", all[17]).size() == all.size() - 18);
  std::vector<rb::record> tail;
  REQUIRE(reader.read("q", all.back(), 10, tail) == 0);
  REQUIRE(reader.queue_stats("q").last_eid == all.back());
  REQUIRE(reader.position("q", all[30]) == 31);
}

TEST_CASE("reads without a cursor find new segments another process appended", "[bus][local][segment_list]") {
  rstreams::test::temp_file dir;
  rb::local_backend reader(dir.path().string(), tiny_segments());
  {
    rb::local_backend w(dir.path().string(), tiny_segments());
    append_each(w, 0, 10);
  }
  const auto before = read_every(reader, "q");
  REQUIRE(before.size() == 10);
  std::vector<std::string> first;
  for (const auto& r : before) first.push_back(r.eid);
  check_reads_after(reader, first, 0, 1);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int code = 1;
    try {
      rb::local_backend w(dir.path().string(), tiny_segments());
      append_each(w, 10, 30);
      code = 0;
    } catch (...) {
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const auto every = read_every(reader, "q");
  REQUIRE(every.size() == 40);
  std::vector<std::string> all;
  for (const auto& r : every) all.push_back(r.eid);
  check_reads_after(reader, all, 2, 3);
  REQUIRE(reader.queue_stats("q").last_eid == all.back());
  REQUIRE(reader.position("q", all[25]) == 26);
}

TEST_CASE("reads without a cursor skip what another handle's retention removed",
          "[bus][local][segment_list]") {
  rstreams::test::temp_file dir;
  auto opt = tiny_segments();
  rb::local_backend reader(dir.path().string(), opt);
  rb::retention_policy keep;
  keep.max_bytes = 4096;
  opt.retention = keep;
  rb::local_backend writer(dir.path().string(), opt);
  const auto first = append_each(writer, 0, 5);
  // The reader caches a segment list whose first segment retention removes below.
  std::vector<rb::record> got;
  REQUIRE(reader.read("q", first[0], 2, got) == 2);
  REQUIRE(got[0].eid == first[1]);
  auto all = first;
  const auto more = append_each(writer, 5, 60);
  all.insert(all.end(), more.begin(), more.end());
  REQUIRE_FALSE(fs::exists(seg(dir.path() / "queues" / "q", 0)));

  const auto kept = read_every(reader, "q");
  REQUIRE(!kept.empty());
  REQUIRE(kept.size() < all.size());
  REQUIRE(kept.back().eid == all.back());
  std::size_t at = 0;  // where the kept events start in `all`
  while (all[at] != kept.front().eid) ++at;
  REQUIRE(kept.size() == all.size() - at);
  check_reads_after(reader, all, at, 2);
  REQUIRE(reader.position("q", all[at + 1]) == at + 2);
  REQUIRE(reader.queue_stats("q").first_eid == all[at]);
  got.clear();
  REQUIRE_THROWS_AS(reader.read("q", first[2], 2, got), rb::checkpoint_expired);
}
