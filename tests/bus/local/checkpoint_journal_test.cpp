// The checkpoint journal of a bot: entries, torn tails, compaction, readers in other objects
// (processes), old-format files and group commit.

#include <rstreams/bus/local/checkpoint_journal.hpp>

#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace rb = rstreams::bus;
namespace rd = rstreams::bus::detail;
namespace fs = std::filesystem;

namespace {

rb::checkpoint cp(std::uint64_t n) {
  char eid[64];
  std::snprintf(eid, sizeof eid, "z/2026/12/05/10/00/1796464800000-%07llu",
                static_cast<unsigned long long>(n));
  return rb::checkpoint{eid, n, 1000 + static_cast<std::int64_t>(n), 2000 + static_cast<std::int64_t>(n)};
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_at(const fs::path& p, std::uint64_t offset, const std::string& bytes) {
  const int fd = ::open(p.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)) ==
          static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

}  // namespace

TEST_CASE("an entry decodes to what was encoded; a damaged byte or a short read is no entry",
          "[bus][local][checkpoint_journal]") {
  const auto e = rd::encode_checkpoint_entry("orders", cp(42));
  std::string q;
  rb::checkpoint c;
  std::size_t need = 0;
  REQUIRE(rd::decode_checkpoint_entry(e.data(), e.size(), q, c, need) == e.size());
  REQUIRE(q == "orders");
  REQUIRE(c == cp(42));
  // Cut short: no entry, and how many bytes it needs.
  REQUIRE(rd::decode_checkpoint_entry(e.data(), e.size() - 1, q, c, need) == 0);
  REQUIRE(need == e.size());
  for (std::size_t i = 0; i < e.size(); ++i) {
    auto bad = e;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    CAPTURE(i);
    REQUIRE(rd::decode_checkpoint_entry(bad.data(), bad.size(), q, c, need) == 0);
  }
  const std::string zeros(64, '\0');
  REQUIRE(rd::decode_checkpoint_entry(zeros.data(), zeros.size(), q, c, need) == 0);
  REQUIRE(need == 0);
}

TEST_CASE("commits append to one preallocated file; another object reads the latest of each queue",
          "[bus][local][checkpoint_journal]") {
  rstreams::test::temp_file dir("journal", "");
  const auto bot = (dir.path() / "bot").string();
  rd::checkpoint_journal w(bot);
  rd::checkpoint_journal r(bot);
  REQUIRE_FALSE(r.get("a").has_value());  // no file yet: nothing, and nothing created
  REQUIRE_FALSE(fs::exists(bot));
  w.commit("a", std::nullopt, cp(1), false, rd::journal_sync::none);
  const auto size = fs::file_size(bot + "/checkpoints.journal");
  REQUIRE(size == 64 << 10);  // preallocated
  for (std::uint64_t i = 2; i <= 50; ++i) {
    w.commit("a", cp(i - 1).eid, cp(i), false, rd::journal_sync::none);
    w.commit("b", i == 2 ? std::optional<std::string>{} : cp(i - 1).eid, cp(i), false,
             rd::journal_sync::none);
    REQUIRE(r.get("a") == cp(i));  // a reader sees every commit at once
  }
  REQUIRE(fs::file_size(bot + "/checkpoints.journal") == size);  // the commits overwrote zeros
  REQUIRE(r.get("b") == cp(50));
  std::map<std::string, rb::checkpoint> all;
  std::map<std::string, std::string> errors;
  r.all(all, errors);
  REQUIRE(all.size() == 2);
  REQUIRE(errors.empty());
  // A compare-and-set against an older eid fails and changes nothing.
  REQUIRE_THROWS_AS(r.commit("a", cp(10).eid, cp(99), false, rd::journal_sync::none), rb::stale_checkpoint);
  REQUIRE(w.get("a") == cp(50));
  r.commit("a", cp(10).eid, cp(7), true, rd::journal_sync::none);  // forced
  REQUIRE(w.get("a") == cp(7));
}

TEST_CASE("a torn or damaged tail is ignored, earlier checkpoints stay, and bytes after it never come back",
          "[bus][local][checkpoint_journal]") {
  rstreams::test::temp_file dir("journal", "");
  const auto bot = (dir.path() / "bot").string();
  const auto path = fs::path(bot) / "checkpoints.journal";
  std::vector<std::uint64_t> ends;  // where each entry ends
  {
    rd::checkpoint_journal w(bot);
    for (std::uint64_t i = 1; i <= 4; ++i) {
      w.commit("q", i == 1 ? std::optional<std::string>{} : cp(i - 1).eid, cp(i), false,
               rd::journal_sync::every_commit);
    }
  }
  const auto entry = rd::encode_checkpoint_entry("q", cp(1)).size();
  const auto third = rd::checkpoint_journal_header + 2 * entry;  // where entry 3 starts
  SECTION("a torn last entry") {
    write_at(path, third + entry + 5, "\x13\x37");  // inside entry 4
    rd::checkpoint_journal r(bot);
    REQUIRE(r.get("q") == cp(3));
  }
  SECTION("a damaged entry before an intact one: the intact one is not resurrected by later writes") {
    write_at(path, third + 20, "\xff");  // entry 3 damaged; entry 4 intact after it
    rd::checkpoint_journal r(bot);
    REQUIRE(r.get("q") == cp(2));
    // The next entry lands where entry 3 was and has its length: entry 4 must not follow it.
    r.commit("q", cp(2).eid, cp(5), false, rd::journal_sync::every_commit);
    rd::checkpoint_journal again(bot);
    REQUIRE(again.get("q") == cp(5));
    const auto bytes = read_all(path);
    REQUIRE(bytes.find(rd::encode_checkpoint_entry("q", cp(4))) == std::string::npos);
  }
  SECTION("a header that is not a journal's is an error, not an empty journal") {
    write_at(path, 0, "XXXX");
    rd::checkpoint_journal r(bot);
    REQUIRE_THROWS_WITH(r.get("q"), Catch::Contains("checkpoints.journal") && Catch::Contains("header"));
  }
}

TEST_CASE("compaction keeps the latest of every queue, bounds the file, and readers follow it",
          "[bus][local][checkpoint_journal]") {
  rstreams::test::temp_file dir("journal", "");
  const auto bot = (dir.path() / "bot").string();
  const rd::journal_limits small{4096, 8192};
  rd::checkpoint_journal w(bot, small);
  rd::checkpoint_journal r(bot, small);  // opened before the first compaction
  std::optional<std::string> last_a, last_b;
  for (std::uint64_t i = 1; i <= 2000; ++i) {
    w.commit("a", last_a, cp(i), false, rd::journal_sync::none);
    last_a = cp(i).eid;
    if (i % 3 == 0) {
      w.commit("b", last_b, cp(i), false, rd::journal_sync::none);
      last_b = cp(i).eid;
    }
    if (i % 97 == 0) REQUIRE(r.get("a") == cp(i));
  }
  REQUIRE(fs::file_size(fs::path(bot) / "checkpoints.journal") <= 8192 + 4096);
  REQUIRE(r.get("a") == cp(2000));
  REQUIRE(r.get("b") == cp(1998));
  // The reader can commit on top (it follows the replaced file, lock and all).
  r.commit("a", cp(2000).eid, cp(2001), false, rd::journal_sync::every_commit);
  REQUIRE(w.get("a") == cp(2001));
  REQUIRE(rd::checkpoint_journal(bot, small).get("b") == cp(1998));
}

TEST_CASE("compaction is synced under every policy: it replaces what other handles made durable",
          "[bus][local][checkpoint_journal]") {
  struct recorder final : rd::file_recorder {
    std::vector<rd::file_op> ops;
    void record(const rd::file_op& op) override { ops.push_back(op); }
  } rec;
  rstreams::test::temp_file dir("journal", "");
  const auto bot = (dir.path() / "bot").string();
  const rd::journal_limits small{4096, 8192};
  rd::checkpoint_journal w(bot, small);
  rd::active_file_recorder = &rec;
  std::optional<std::string> last;
  for (std::uint64_t i = 1; i <= 600; ++i) {
    w.commit("a", last, cp(i), false, rd::journal_sync::none);  // a `never` handle
    last = cp(i).eid;
  }
  rd::active_file_recorder = nullptr;
  REQUIRE(w.get("a") == cp(600));
  std::size_t renames = 0;
  for (std::size_t k = 0; k < rec.ops.size(); ++k) {
    if (rec.ops[k].kind != rd::file_op::rename) continue;
    ++renames;
    const auto& tmp = rec.ops[k].path;
    REQUIRE(k > 0);
    CHECK(rec.ops[k - 1].kind == rd::file_op::fsync);  // the new content, before it replaces the old
    CHECK(rec.ops[k - 1].path == tmp);
    REQUIRE(k + 1 < rec.ops.size());
    CHECK(rec.ops[k + 1].kind == rd::file_op::dirsync);  // the rename itself
  }
  CHECK(renames >= 3);  // the creation and at least two compactions
  // Commits between compactions stay unsynced under this policy.
  CHECK(std::count_if(rec.ops.begin(), rec.ops.end(), [](const rd::file_op& op) {
          return op.kind == rd::file_op::fsync;
        }) == static_cast<std::ptrdiff_t>(renames));
}

TEST_CASE("old-format <queue>.json checkpoints are read, and moved into the journal by its first commit",
          "[bus][local][checkpoint_journal]") {
  rstreams::test::temp_file dir("journal", "");
  const auto bot = dir.path() / "bot";
  fs::create_directories(bot);
  std::ofstream(bot / "a.json")
      << R"({"eid":"z/2026/12/05/","records":7,"source_timestamp":5,"updated_at":6})";
  std::ofstream(bot / "b.json") << R"({"eid":"z/2026/11/","records":3,"source_timestamp":1,"updated_at":2})";
  std::ofstream(bot / "bad.json") << R"({"eid": tru)";
  rd::checkpoint_journal j(bot.string());
  REQUIRE(j.get("a") == rb::checkpoint{"z/2026/12/05/", 7, 5, 6});
  REQUIRE_THROWS_WITH(j.get("bad"), Catch::Contains("bad.json") && Catch::Contains("unreadable checkpoint"));
  // A compare-and-set against the old file's eid works.
  REQUIRE_THROWS_AS(j.commit("a", std::nullopt, cp(1), false, rd::journal_sync::every_commit),
                    rb::stale_checkpoint);
  j.commit("a", std::string("z/2026/12/05/"), cp(1), false, rd::journal_sync::every_commit);
  REQUIRE_FALSE(fs::exists(bot / "a.json"));  // moved into the journal
  REQUIRE_FALSE(fs::exists(bot / "b.json"));
  REQUIRE(fs::exists(bot / "bad.json"));  // left for someone to look at
  rd::checkpoint_journal fresh(bot.string());
  REQUIRE(fresh.get("a") == cp(1));
  REQUIRE(fresh.get("b") == rb::checkpoint{"z/2026/11/", 3, 1, 2});
  std::map<std::string, rb::checkpoint> all;
  std::map<std::string, std::string> errors;
  fresh.all(all, errors);
  REQUIRE(all.size() == 2);
  REQUIRE(errors.size() == 1);
  REQUIRE_THAT(errors.at("bad"), Catch::Contains("bad.json"));
}

TEST_CASE("threads committing at once (group commit) keep every commit", "[bus][local][checkpoint_journal]") {
  rstreams::test::temp_file dir("journal", "");
  const auto bot = (dir.path() / "bot").string();
  rd::checkpoint_journal j(bot);
  constexpr int threads = 4, each = 25;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&j, t] {
      std::optional<std::string> last;
      for (int i = 1; i <= each; ++i) {
        const auto next = cp(static_cast<std::uint64_t>(i));
        j.commit("q" + std::to_string(t), last, next, false, rd::journal_sync::every_commit);
        last = next.eid;
      }
    });
  }
  for (auto& t : ts) t.join();
  rd::checkpoint_journal r(bot);
  for (int t = 0; t < threads; ++t) REQUIRE(r.get("q" + std::to_string(t)) == cp(each));
}
