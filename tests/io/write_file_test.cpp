#include <rstreams/core/run.hpp>
#include <rstreams/io/read_lines.hpp>
#include <rstreams/io/stringify.hpp>
#include <rstreams/io/write_file.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace rs = rstreams;
namespace fs = std::filesystem;

static_assert(rs::sink<decltype(rs::write_file("x"))>);

namespace {
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}
auto line_of = [](int i) { return std::to_string(i) + "\n"; };
}  // namespace

TEST_CASE("write_file writes the chunks and reports what it wrote", "[io][write_file]") {
  io_test::temp_dir dir;
  const auto r = rs::run(rs::iota(0, 3) | rs::transform(line_of) | rs::write_file(dir / "out.txt"));
  REQUIRE(io_test::read_bytes(dir / "out.txt") == "0\n1\n2\n");
  REQUIRE(r.files == std::vector<fs::path>{dir / "out.txt"});
  REQUIRE(r.items == 3);
  REQUIRE(r.bytes == 6);
  REQUIRE(names_in(dir.path()) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("write_file rotates by count and by size", "[io][write_file]") {
  io_test::temp_dir dir;
  const auto by_count =
      rs::run(rs::iota(0, 7) | rs::transform(line_of) | rs::write_file(dir / "n-{n}.txt", {.max_items = 3}));
  REQUIRE(by_count.files.size() == 3);
  REQUIRE(io_test::read_bytes(dir / "n-0.txt") == "0\n1\n2\n");
  REQUIRE(io_test::read_bytes(dir / "n-2.txt") == "6\n");
  const auto by_size =
      rs::run(rs::iota(0, 12) | rs::transform(line_of) | rs::write_file(dir / "s-{n}.txt", {.max_bytes = 9}));
  REQUIRE(io_test::read_bytes(dir / "s-0.txt") == "0\n1\n2\n3\n");
  REQUIRE(io_test::read_bytes(dir / "s-1.txt") == "4\n5\n6\n7\n");
  REQUIRE(io_test::read_bytes(dir / "s-2.txt") == "8\n9\n10\n");
  REQUIRE(io_test::read_bytes(dir / "s-3.txt") == "11\n");
  REQUIRE(by_size.files.size() == 4);
}

TEST_CASE("write_file compresses .gz names and read_lines reads them back", "[io][write_file]") {
  io_test::temp_dir dir;
  rs::run(rs::iota(0, 1000) | rs::transform([](int i) { return i; }) | rs::stringify() |
          rs::write_file(dir / "part-{n}.jsonl.gz", {.max_items = 400}));
  REQUIRE(names_in(dir.path()) ==
          std::vector<std::string>{"part-0.jsonl.gz", "part-1.jsonl.gz", "part-2.jsonl.gz"});
  REQUIRE(io_test::read_bytes(dir / "part-0.jsonl.gz").substr(0, 2) == "\x1f\x8b");
  auto lines = io_test::collect(rs::read_lines(dir / "part-*.jsonl.gz"));
  REQUIRE(lines.size() == 1000);
  REQUIRE(lines[999] == "999");
}

TEST_CASE("a failing run leaves no partial file under a final name", "[io][write_file]") {
  io_test::temp_dir dir;
  auto failing = rs::iota(0, 10) | rs::transform([](int i) {
                   if (i == 5) throw std::runtime_error("upstream broke");
                   return std::to_string(i) + "\n";
                 }) |
                 rs::write_file(dir / "f-{n}.txt", {.max_items = 2});
  REQUIRE_THROWS(rs::run(failing));
  // The two complete files stay; the third, half-written, never appears, nor its temporary.
  REQUIRE(names_in(dir.path()) == std::vector<std::string>{"f-0.txt", "f-1.txt"});
}

TEST_CASE("write_file checks its arguments and names an unwritable path", "[io][write_file]") {
  io_test::temp_dir dir;
  REQUIRE_THROWS_AS(rs::write_file(dir / "x.txt", {.max_items = 2}), rs::config_error);
  REQUIRE_THROWS_WITH(
      rs::run(rs::iota(0, 1) | rs::transform(line_of) | rs::write_file(dir / "no/such/dir.txt")),
      Catch::Matchers::Contains("dir.txt: cannot create"));
}
