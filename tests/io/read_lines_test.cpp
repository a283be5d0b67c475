#include <rstreams/core/run.hpp>
#include <rstreams/io/gzip.hpp>
#include <rstreams/io/parse.hpp>
#include <rstreams/io/read_lines.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<rs::read_lines_source, std::string>);

TEST_CASE("read_lines reads lines across chunks and never joins two files", "[io][read_lines]") {
  io_test::temp_dir dir;
  io_test::write_bytes(dir / "1.txt", "alpha\r\nbeta\npartial");
  io_test::write_bytes(dir / "2.txt", "gamma\n");
  const auto gz = io_test::join(io_test::collect(std::vector<std::string>{"delta\nepsilon\n"} | rs::gzip()));
  io_test::write_bytes(dir / "3.txt.gz", gz);
  auto lines = rs::run(rs::read_lines(dir.path(), {.chunk_size = 3}) | rs::to_vector());
  REQUIRE(lines == std::vector<std::string>{"alpha", "beta", "partial", "gamma", "delta", "epsilon"});
}

TEST_CASE("read_lines feeds parse", "[io][read_lines]") {
  io_test::temp_dir dir;
  io_test::write_bytes(dir / "x.jsonl", "{\"v\":1}\n{\"v\":2}\n");
  auto docs = rs::run(rs::read_lines(dir / "x.jsonl") | rs::parse() | rs::to_vector());
  REQUIRE(docs.size() == 2);
  REQUIRE(docs[1]["v"] == 2);
}

TEST_CASE("read_lines names the file and line of an overlong line", "[io][read_lines]") {
  io_test::temp_dir dir;
  io_test::write_bytes(dir / "a.txt", "ok\n");
  io_test::write_bytes(dir / "b.txt", "ok\nfine\nwaytoolongforthis\n");
  try {
    io_test::collect(rs::read_lines(dir.path(), {.chunk_size = 4, .max_line = 8}));
    FAIL("expected a codec_error");
  } catch (const rs::codec_error& e) {
    REQUIRE(e.source() == (dir / "b.txt").string());
    REQUIRE(e.line() == 3);
  }
}

TEST_CASE("read_lines bounds a line by default: a small gzip bomb is an error, not 1 GiB of memory",
          "[io][read_lines]") {
  io_test::temp_dir dir;
  // 17 MiB of one byte compress to ~17 KiB: without a default bound this became one line.
  const std::string huge = "first\nsecond\n" + std::string(17u << 20, 'a');
  io_test::write_bytes(dir / "bomb.txt.gz",
                       io_test::join(io_test::collect(io_test::chunks_of(huge, 1u << 20) | rs::gzip())));
  try {
    io_test::collect(rs::read_lines(dir / "bomb.txt.gz"));
    FAIL("expected a codec_error");
  } catch (const rs::codec_error& e) {
    REQUIRE(e.source() == (dir / "bomb.txt.gz").string());
    REQUIRE(e.line() == 3);
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("read_lines") && Catch::Matchers::Contains("max_line"));
  }
  REQUIRE(rs::file_read_options{}.max_line == 16u << 20);
  // The bound is configurable; 0 lifts it.
  const auto all = io_test::collect(rs::read_lines(dir / "bomb.txt.gz", {.max_line = 0}));
  REQUIRE(all.size() == 3);
  REQUIRE(all[2].size() == 17u << 20);
}

namespace {
// A stored (level 0) gzip member of `n` numbered lines with one byte flipped in the middle:
// the damage shows only in the CRC at the member's end.
std::string damaged_gzip(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += "line-" + std::to_string(i) + "\n";
  auto gz = io_test::join(io_test::collect(std::vector<std::string>{text} | rs::gzip({.level = 0})));
  gz[gz.size() / 2] = static_cast<char>(gz[gz.size() / 2] ^ 0x01);
  return gz;
}
}  // namespace

TEST_CASE("a damaged gzip member: the error says how many of its lines were already delivered",
          "[io][read_lines]") {
  io_test::temp_dir dir;
  io_test::write_bytes(dir / "d.txt.gz", damaged_gzip(20000));
  std::vector<std::string> seen;
  try {
    rs::run(rs::read_lines(dir / "d.txt.gz", {.chunk_size = 4096}) |
            rs::for_each([&](std::string s) { seen.push_back(std::move(s)); }));
    FAIL("expected a codec_error");
  } catch (const rs::codec_error& e) {
    REQUIRE(e.source() == (dir / "d.txt.gz").string());
    REQUIRE(seen.size() > 1000);  // delivered before the check at the member's end
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains(std::to_string(seen.size()) + " lines"));
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("verify_gzip_members"));
  }
  // Verifying each member before emitting it (members bounded in size) delivers none of it.
  seen.clear();
  REQUIRE_THROWS_WITH(rs::run(rs::read_lines(dir / "d.txt.gz", {.verify_gzip_members = 1u << 20}) |
                              rs::for_each([&](std::string s) { seen.push_back(std::move(s)); })),
                      Catch::Matchers::Contains("; 0 lines"));
  REQUIRE(seen.empty());
  // A sound file of several members reads the same either way; a member over the bound is refused.
  const auto a = io_test::join(io_test::collect(std::vector<std::string>{"a\nb\n"} | rs::gzip()));
  const auto b = io_test::join(
      io_test::collect(std::vector<std::string>{"c\n" + std::string(5000, 'x') + "\n"} | rs::gzip()));
  io_test::write_bytes(dir / "ok.txt.gz", a + b);
  const auto lines = io_test::collect(rs::read_lines(dir / "ok.txt.gz", {.verify_gzip_members = 8192}));
  REQUIRE(lines.size() == 4);
  REQUIRE(lines[3].size() == 5000);
  REQUIRE_THROWS_WITH(io_test::collect(rs::read_lines(dir / "ok.txt.gz", {.verify_gzip_members = 1000})),
                      Catch::Matchers::Contains("is larger than file_read_options.verify_gzip_members"));
}

TEST_CASE("read_lines follows a file and holds an unfinished line", "[io][read_lines]") {
  io_test::temp_dir dir;
  const auto path = dir / "tail.log";
  io_test::write_bytes(path, "one\ntw");
  std::stop_source stop;
  std::vector<std::string> seen;
  std::jthread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    io_test::write_bytes(path, "o\nthr", true);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    io_test::write_bytes(path, "ee\nfour", true);
  });
  auto p = rs::read_lines(path, {.follow = true, .poll_interval = std::chrono::milliseconds(2)});
  rs::start(p, rs::run_context{stop.get_token()});
  while (auto line = rs::pull(p)) {
    seen.push_back(*line);
    if (seen.size() == 3) stop.request_stop();
  }
  REQUIRE(seen == std::vector<std::string>{"one", "two", "three"});
}

TEST_CASE("read_lines reads a stream: borrowed when an lvalue, owned when an rvalue", "[io][read_lines]") {
  std::istringstream borrowed("alpha\r\nbeta\n\ngamma");
  REQUIRE(rs::run(rs::read_lines(borrowed) | rs::to_vector()) ==
          std::vector<std::string>{"alpha", "beta", "", "gamma"});
  REQUIRE(rs::run(rs::read_lines(std::istringstream("one\ntwo\n")) | rs::to_vector()) ==
          std::vector<std::string>{"one", "two"});
}

TEST_CASE(
    "read_lines follows like tail -F: a renamed file is finished, the name reopened, a truncation restarts",
    "[io][read_lines]") {
  io_test::temp_dir dir;
  const auto path = dir / "app.log";
  io_test::write_bytes(path, "a\nb\n");
  std::stop_source stop;
  rs::follow_counts counts;
  std::mutex m;
  std::vector<std::string> seen;
  auto wait_for = [&](std::size_t n) {
    for (int i = 0; i < 5000; ++i) {
      {
        std::lock_guard lock(m);
        if (seen.size() >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  };
  std::jthread reader([&] {
    auto p = rs::read_lines(
        path, {.follow = true, .poll_interval = std::chrono::milliseconds(5), .follow_counts = &counts});
    rs::start(p, rs::run_context{stop.get_token()});
    while (auto line = rs::pull(p)) {
      std::lock_guard lock(m);
      seen.push_back(*line);
    }
  });
  REQUIRE(wait_for(2));
  // logrotate's `create`: the file is renamed, a writer that still holds it adds a line, and a
  // new file takes the name.
  std::filesystem::rename(path, dir / "app.log.1");
  io_test::write_bytes(dir / "app.log.1", "c\n", true);
  io_test::write_bytes(path, "dddddddddd\n");
  REQUIRE(wait_for(4));
  // copytruncate: the file is copied away and truncated in place, then written again.
  std::filesystem::resize_file(path, 0);
  io_test::write_bytes(path, "e\n", true);
  REQUIRE(wait_for(5));
  stop.request_stop();
  reader.join();
  REQUIRE(seen == std::vector<std::string>{"a", "b", "c", "dddddddddd", "e"});
  REQUIRE(counts.renamed.load() == 1);
  REQUIRE(counts.truncated.load() == 1);
}
