#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/first.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/lines.hpp>

#include <support/catch.hpp>
#include <support/open_files.hpp>
#include <support/temp_file.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#if defined(__unix__)
#include <fcntl.h>
#include <unistd.h>
#endif

// `lines` is the deprecated name of the line reader (now `read_lines`, io/read_lines.hpp); it is
// tested here, unchanged, for the release it is kept.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace rs = rstreams;
using rs::test::temp_file;
using strings = std::vector<std::string>;

static_assert(rs::source_of<decltype(rs::lines(std::filesystem::path("x"))), std::string>);
static_assert(rs::source_of<decltype(rs::lines("x")), std::string>);
static_assert(rs::source_of<decltype(rs::lines(std::string("x"))), std::string>);
static_assert(rs::source_of<decltype(rs::lines(std::string_view("x"))), std::string>);
static_assert(!std::is_invocable_v<decltype(rs::lines), int>);
static_assert(rs::source_of<decltype(rs::lines(std::istringstream())), std::string>);
static_assert(rs::source_of<decltype(rs::lines(std::declval<std::istream&>())), std::string>);
static_assert(rs::source_of<decltype(rs::stdin_lines()), std::string>);

TEST_CASE("lines of a file, without line ends", "[sources][lines]") {
  temp_file f("lines");
  SECTION("LF, with a final newline") {
    f.write("alpha\nbeta\n\ngamma\n");
    REQUIRE(rs::run(rs::lines(f.path()) | rs::to_vector()) == strings{"alpha", "beta", "", "gamma"});
  }
  SECTION("CRLF reads the same, and only a trailing \\r is removed") {
    f.write("alpha\r\nbe\rta\r\n\r\n");
    REQUIRE(rs::run(rs::lines(f.path()) | rs::to_vector()) == strings{"alpha", "be\rta", ""});
  }
  SECTION("a last line without newline is a line") {
    f.write("one\ntwo\r");
    REQUIRE(rs::run(rs::lines(f.path()) | rs::to_vector()) == strings{"one", "two"});
  }
  SECTION("an empty file has no lines; a lone newline is one empty line") {
    f.write("");
    REQUIRE(rs::run(rs::lines(f.path()) | rs::count()) == 0);
    f.write("\n");
    REQUIRE(rs::run(rs::lines(f.path()) | rs::to_vector()) == strings{""});
  }
}

TEST_CASE("lines takes the path as std::filesystem::path, std::string or a C string", "[sources][lines]") {
  temp_file f("lines-path-kinds");
  f.write("a\nb\n");
  const std::string text = f.path().string();
  REQUIRE(rs::run(rs::lines(f.path()) | rs::to_vector()) == strings{"a", "b"});
  REQUIRE(rs::run(rs::lines(text) | rs::to_vector()) == strings{"a", "b"});
  REQUIRE(rs::run(rs::lines(text.c_str()) | rs::to_vector()) == strings{"a", "b"});
  REQUIRE(rs::run(rs::file_lines_source(f.path()) | rs::count()) == 2);
}

TEST_CASE("lines longer than the read buffer, and lines across buffer ends", "[sources][lines]") {
  temp_file f("lines-long");
  const std::string big(rs::file_lines_source::buffer_size * 2 + 17, 'q');
  std::string text;
  std::vector<std::string> expected;
  for (int i = 0; i < 20'000; ++i) {
    expected.push_back("line " + std::to_string(i));
    if (i == 7'000) expected.push_back(big);
  }
  for (const auto& l : expected) text += l + "\r\n";
  f.write(text);
  REQUIRE(rs::run(rs::lines(f.path()) | rs::to_vector()) == expected);
}

TEST_CASE("a missing file makes run throw io_error naming the path and the reason", "[sources][lines]") {
  temp_file f("missing");
  auto p = rs::lines(f.path()) | rs::count();  // building the pipeline opens nothing
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::io_error& e) {
    REQUIRE(e.path() == f.path().string());
    const std::string what = e.what();
    REQUIRE(what.find(f.path().string()) != std::string::npos);
    REQUIRE(what.find("No such file or directory") != std::string::npos);
  }
}

TEST_CASE("an unreadable path (a directory) makes run throw io_error with the reason", "[sources][lines]") {
  temp_file dir("dir", "");
  std::filesystem::create_directory(dir.path());
  try {
    rs::run(rs::lines(dir.path()) | rs::count());
    FAIL("run should have thrown");
  } catch (const rs::io_error& e) {
    REQUIRE(e.path() == dir.path().string());
    REQUIRE(std::string(e.what()).find("Is a directory") != std::string::npos);
  }
}

TEST_CASE("the file is closed at its end, when the source is destroyed, and when run throws",
          "[sources][lines]") {
  if (rs::test::open_file_count() < 0) {
    WARN("no /proc/self/fd here: not checked");
    return;
  }
  temp_file f("lines-fd");
  f.write("a\nb\nc\n");
  const int before = rs::test::open_file_count();
  SECTION("read to the end") {
    auto src = rs::lines(f.path());
    REQUIRE(rs::run(src | rs::count()) == 3);
    REQUIRE(rs::test::open_file_count() == before);
  }
  SECTION("stopped early, then destroyed") {
    {
      auto src = rs::lines(f.path());
      REQUIRE(rs::run(src | rs::first()) == "a");
      REQUIRE(rs::test::open_file_count() == before + 1);
    }
    REQUIRE(rs::test::open_file_count() == before);
  }
  SECTION("an exception in a later stage") {
    REQUIRE_THROWS_AS(rs::run(rs::lines(f.path()) | rs::transform([](const std::string& s) -> std::string {
                                if (s == "b") throw std::runtime_error("bad line");
                                return s;
                              }) |
                              rs::count()),
                      rs::stage_error);
    REQUIRE(rs::test::open_file_count() == before);
  }
}

TEST_CASE("a borrowed file source continues where the last run stopped", "[sources][lines]") {
  temp_file f("lines-borrow");
  f.write("h\n1\n2\n");
  auto src = rs::lines(f.path());
  REQUIRE(rs::run(src | rs::first()) == "h");
  REQUIRE(rs::run(src | rs::transform([](const std::string& s) { return std::stoi(s); }) | rs::to_vector()) ==
          std::vector<int>{1, 2});
}

TEST_CASE("lines of a std::istream, owned or borrowed", "[sources][lines]") {
  REQUIRE(rs::run(rs::lines(std::istringstream("x\r\ny\nz")) | rs::to_vector()) == strings{"x", "y", "z"});

  std::istringstream in("keep\nrest1\nrest2\n");
  REQUIRE(rs::run(rs::lines(in) | rs::first()) == "keep");
  std::string next;
  std::getline(in, next);  // the stream was read no further than needed
  REQUIRE(next == "rest1");

  std::istringstream none;
  REQUIRE(rs::run(rs::lines(none) | rs::count()) == 0);
}

TEST_CASE("lines of a file opened as a std::ifstream", "[sources][lines]") {
  temp_file f("lines-ifstream");
  f.write("1\n2\n3\n4\n");
  std::ifstream in(f.path());
  REQUIRE(rs::run(rs::lines(in) | rs::filter([](const std::string& s) { return s != "2"; }) | rs::count()) ==
          3);
}

#if defined(__unix__)
TEST_CASE("stdin_lines reads the standard input", "[sources][lines]") {
  temp_file f("stdin");
  f.write("from\r\nstdin\nlast");
  const int saved = ::dup(0);
  REQUIRE(saved >= 0);
  const int fd = ::open(f.path().c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::dup2(fd, 0) == 0);
  ::close(fd);
  std::clearerr(stdin);

  const auto got = rs::run(rs::stdin_lines() | rs::to_vector());

  ::dup2(saved, 0);
  ::close(saved);
  std::clearerr(stdin);
  REQUIRE(got == strings{"from", "stdin", "last"});
  REQUIRE(rs::describe(rs::stdin_lines()) == "lines");
}
#endif
