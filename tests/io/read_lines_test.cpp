#include <rstreams/core/run.hpp>
#include <rstreams/io/gzip.hpp>
#include <rstreams/io/parse.hpp>
#include <rstreams/io/read_lines.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <chrono>
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
