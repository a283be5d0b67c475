#include <rstreams/core/run.hpp>
#include <rstreams/io/gzip.hpp>
#include <rstreams/io/read_file.hpp>
#include <rstreams/io/split_lines.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <chrono>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<rs::read_file_source, std::string>);

namespace {
std::string gz_of(const std::string& text) {
  return io_test::join(io_test::collect(std::vector<std::string>{text} | rs::gzip()));
}
}  // namespace

TEST_CASE("read_file reads a file as chunks of at most chunk_size", "[io][read_file]") {
  io_test::temp_dir dir;
  const std::string text = io_test::noise(10'000);
  io_test::write_bytes(dir / "a.txt", text);
  auto chunks = io_test::collect(rs::read_file(dir / "a.txt", {.chunk_size = 4096}));
  REQUIRE(chunks.size() == 3);
  REQUIRE(chunks[0].size() == 4096);
  REQUIRE(io_test::join(chunks) == text);
}

TEST_CASE("read_file reads a directory or a glob in name order and gunzips .gz", "[io][read_file]") {
  io_test::temp_dir dir;
  io_test::write_bytes(dir / "b.log", "two\n");
  io_test::write_bytes(dir / "a.log", "one\n");
  io_test::write_bytes(dir / "c.log.gz", gz_of("three\n"));
  io_test::write_bytes(dir / "skip.txt", "nope\n");
  const auto all = io_test::join(io_test::collect(rs::read_file(dir.path())));
  REQUIRE(all == "one\ntwo\nthree\nnope\n");
  const auto logs = rs::run(rs::read_file(dir / "*.log*") | rs::split_lines() | rs::to_vector());
  REQUIRE(logs == std::vector<std::string>{"one", "two", "three"});
  REQUIRE(io_test::collect(rs::read_file(dir / "*.csv")).empty());
  const auto raw = io_test::join(io_test::collect(rs::read_file(dir / "c.log.gz", {.decompress = false})));
  REQUIRE(raw == gz_of("three\n"));
}

TEST_CASE("read_file names a missing file", "[io][read_file]") {
  io_test::temp_dir dir;
  REQUIRE_THROWS_WITH(io_test::collect(rs::read_file(dir / "missing.txt")),
                      Catch::Matchers::Contains("missing.txt: cannot open"));
  REQUIRE_THROWS_AS(rs::read_file(dir / "x", {.chunk_size = 0}), rs::config_error);
}

TEST_CASE("read_file names a truncated .gz file", "[io][read_file]") {
  io_test::temp_dir dir;
  const std::string gz = gz_of(io_test::noise(5000));
  io_test::write_bytes(dir / "cut.gz", gz.substr(0, gz.size() / 2));
  REQUIRE_THROWS_WITH(io_test::collect(rs::read_file(dir / "cut.gz")),
                      Catch::Matchers::Contains("cut.gz") && Catch::Matchers::Contains("truncated"));
}

TEST_CASE("read_file follows a growing file until the stop token is set", "[io][read_file]") {
  io_test::temp_dir dir;
  const auto path = dir / "grow.txt";
  io_test::write_bytes(path, "first|");
  std::stop_source stop;
  std::string seen;
  std::jthread writer([&] {
    for (const char* piece : {"second|", "third|"}) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      io_test::write_bytes(path, piece, true);
    }
  });
  auto p = rs::read_file(path, {.follow = true, .poll_interval = std::chrono::milliseconds(2)});
  rs::start(p, rs::run_context{stop.get_token()});
  while (auto c = rs::pull(p)) {
    seen += *c;
    if (seen == "first|second|third|") stop.request_stop();
  }
  REQUIRE(seen == "first|second|third|");
}
