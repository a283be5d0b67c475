#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_file.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sinks/write_lines.hpp>
#include <rstreams/sources/iota.hpp>
#include <rstreams/sources/lines.hpp>

#include <support/catch.hpp>
#include <support/open_files.hpp>
#include <support/temp_file.hpp>

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace rs = rstreams;
using rs::test::temp_file;

namespace {
struct point {
  int x;
  int y;
  friend std::ostream& operator<<(std::ostream& os, const point& p) {
    return os << '(' << p.x << ',' << p.y << ')';
  }
};
}  // namespace

static_assert(rs::sink<decltype(rs::write_lines("x"))>);
static_assert(rs::sink<decltype(rs::write_lines(std::string("x")))>);
static_assert(rs::sink<decltype(rs::write_lines(std::filesystem::path("x"), rs::file_mode::append))>);
static_assert(!std::is_invocable_v<decltype(rs::write_lines), int>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::write_lines("x"))), std::size_t>);

TEST_CASE("write_lines writes one line per element and says how many", "[sinks][write_lines]") {
  temp_file f("to-file");
  REQUIRE(rs::run(rs::iota(1, 4) | rs::write_lines(f.path())) == 3);
  REQUIRE(f.read() == "1\n2\n3\n");

  const std::vector<point> points{{1, 2}, {3, 4}};
  REQUIRE(rs::run(points | rs::write_lines(f.path())) == 2);
  REQUIRE(f.read() == "(1,2)\n(3,4)\n");  // replaced, not appended
}

TEST_CASE("write_lines takes the path as std::filesystem::path, std::string or a C string",
          "[sinks][write_lines]") {
  temp_file f("to-file-path-kinds");
  const std::string text = f.path().string();
  REQUIRE(rs::run(rs::iota(1, 3) | rs::write_lines(text)) == 2);
  REQUIRE(rs::run(rs::iota(3, 5) | rs::write_lines(text.c_str(), rs::file_mode::append)) == 2);
  REQUIRE(rs::run(rs::iota(5, 6) | rs::write_lines(f.path(), rs::file_mode::append)) == 1);
  REQUIRE(f.read() == "1\n2\n3\n4\n5\n");
  REQUIRE(rs::write_lines(f.path()).path() == text);
}

TEST_CASE("write_lines writes output larger than its buffer in order", "[sinks][write_lines]") {
  temp_file f("to-file-large");
  std::string expected;
  for (int i = 0; i < 50'000; ++i) expected += std::to_string(i) + '\n';
  REQUIRE(rs::run(rs::iota(0, 50'000) | rs::write_lines(f.path())) == 50'000);
  REQUIRE(f.read() == expected);
}

TEST_CASE("write_lines in append mode keeps what earlier runs wrote", "[sinks][write_lines]") {
  temp_file f("to-file-append");
  REQUIRE(rs::run(rs::iota(1, 3) | rs::write_lines(f.path(), rs::file_mode::append)) == 2);  // creates it
  REQUIRE(rs::run(rs::iota(7, 9) | rs::write_lines(f.path(), rs::file_mode::append)) == 2);
  REQUIRE(f.read() == "1\n2\n7\n8\n");
  REQUIRE(rs::write_lines(f.path(), rs::file_mode::append).replaces_output() == false);
  REQUIRE(rs::write_lines(f.path()).replaces_output());
}

TEST_CASE("write_lines of an empty source leaves an empty file", "[sinks][write_lines]") {
  temp_file f("to-file-empty");
  f.write("old content\n");
  REQUIRE(rs::run(rs::iota(0, 0) | rs::write_lines(f.path())) == 0);
  REQUIRE(std::filesystem::exists(f.path()));
  REQUIRE(f.read().empty());
}

TEST_CASE("lines read back what write_lines wrote", "[sinks][write_lines]") {
  temp_file f("to-file-roundtrip");
  const std::vector<std::string> text{"first", "", "third line"};
  rs::run(text | rs::write_lines(f.path()));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // lines: the core's line reader, renamed
  REQUIRE(rs::run(rs::lines(f.path()) | rs::to_vector()) == text);
#pragma GCC diagnostic pop
}

TEST_CASE("a file that cannot be opened makes run throw io_error before pulling", "[sinks][write_lines]") {
  temp_file dir("no-such-dir", "");
  const auto path = dir.path() / "out.txt";
  int pulled = 0;
  try {
    rs::run(rs::iota(0, 3) | rs::transform([&pulled](int x) {
              ++pulled;
              return x;
            }) |
            rs::write_lines(path));
    FAIL("run should have thrown");
  } catch (const rs::io_error& e) {
    REQUIRE(e.path() == path.string());
    const std::string what = e.what();
    REQUIRE(what.find(path.string()) != std::string::npos);
    REQUIRE(what.find("No such file or directory") != std::string::npos);
  }
  REQUIRE(pulled == 0);
}

TEST_CASE("a failing write makes run throw io_error with the reason", "[sinks][write_lines]") {
  if (!std::filesystem::exists("/dev/full")) {
    WARN("no /dev/full here: not checked");
    return;
  }
  try {
    rs::run(rs::iota(0, 100'000) | rs::write_lines("/dev/full"));
    FAIL("run should have thrown");
  } catch (const rs::io_error& e) {
    REQUIRE(e.path() == "/dev/full");
    REQUIRE(std::string(e.what()).find("No space left on device") != std::string::npos);
  }
}

TEST_CASE("write_lines closes the file when run throws upstream", "[sinks][write_lines]") {
  const int before = rs::test::open_file_count();
  if (before < 0) {
    WARN("no /proc/self/fd here: not checked");
    return;
  }
  temp_file f("to-file-throw");
  REQUIRE_THROWS_AS(rs::run(rs::iota(0, 10) | rs::transform([](int x) {
                              if (x == 5) throw std::runtime_error("stop");
                              return x;
                            }) |
                            rs::write_lines(f.path())),
                    rs::stage_error);
  REQUIRE(rs::test::open_file_count() == before);
  REQUIRE(f.read() == "0\n1\n2\n3\n4\n");  // what was written before the throw is kept
}

TEST_CASE("to_file, the deprecated name, is still the same sink", "[sinks][write_lines]") {
  temp_file f("to-file-deprecated");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(rs::to_file)>, rs::write_lines_fn>);
  REQUIRE(rs::run(rs::iota(1, 4) | rs::to_file(f.path())) == 3);
  REQUIRE(rs::run(rs::lines(f.path()) | rs::to_vector()) == std::vector<std::string>{"1", "2", "3"});
#pragma GCC diagnostic pop
}
