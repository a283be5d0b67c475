#include <rstreams/io/gunzip.hpp>
#include <rstreams/io/gzip.hpp>
#include <rstreams/io/split_lines.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
using unzipped = decltype(std::vector<std::string>{} | rs::gunzip());

std::string gz_of(const std::string& text) {
  return io_test::join(io_test::collect(std::vector<std::string>{text} | rs::gzip()));
}
}  // namespace

static_assert(rs::source_of<unzipped, std::string>);
static_assert(rs::stage<decltype(rs::gunzip())>);

TEST_CASE("gunzip restores what gzip made, whatever the chunking", "[io][gunzip]") {
  const std::string text = io_test::noise(200'000, 11);
  const std::string gz = gz_of(text);
  for (std::size_t size : {1u, 7u, 4096u, 1u << 20}) {
    if (size == 1) {
      auto small = io_test::chunks_of(gz_of("tiny text\n"), 1);
      REQUIRE(io_test::join(io_test::collect(small | rs::gunzip())) == "tiny text\n");
      continue;
    }
    REQUIRE(io_test::join(io_test::collect(io_test::chunks_of(gz, size) | rs::gunzip())) == text);
  }
}

TEST_CASE("gunzip reads concatenated members as one stream", "[io][gunzip]") {
  const std::string gz = gz_of("first\nline\n") + gz_of("") + gz_of("second\n");
  auto lines = io_test::collect(io_test::chunks_of(gz, 5) | rs::gunzip() | rs::split_lines());
  REQUIRE(lines == std::vector<std::string>{"first", "line", "second"});
}

TEST_CASE("a truncated gzip stream is an error, not a silent end", "[io][gunzip]") {
  const std::string gz = gz_of(io_test::noise(50'000));
  const std::string cut = gz.substr(0, gz.size() - 9);
  try {
    io_test::collect(io_test::chunks_of(cut, 1000) | rs::gunzip({.source = "data.gz"}));
    FAIL("expected a codec_error");
  } catch (const rs::codec_error& e) {
    REQUIRE(e.source() == "data.gz");
    REQUIRE(e.line() == 0);
    REQUIRE(e.column() == cut.size());
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("truncated"));
  }
}

TEST_CASE("corrupt gzip data names the offset", "[io][gunzip]") {
  std::string gz = gz_of("hello hello hello\n");
  gz[0] = 'x';
  REQUIRE_THROWS_AS(io_test::collect(std::vector<std::string>{gz} | rs::gunzip()), rs::codec_error);
  std::string bad = gz_of(io_test::noise(10'000));
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x55);
  bad[bad.size() / 2 + 1] = static_cast<char>(bad[bad.size() / 2 + 1] ^ 0x55);
  REQUIRE_THROWS_AS(io_test::collect(std::vector<std::string>{bad} | rs::gunzip()), rs::codec_error);
}

TEST_CASE("gunzip delivers one chunk per pull when asked", "[io][gunzip]") {
  const std::string text = io_test::noise(300'000, 5);
  std::vector<std::string> in{gz_of(text)};
  auto src = rs::gunzip(in);
  std::string out;
  int pulls = 0;
  while (auto c = rs::pull(src)) {
    out += *c;
    ++pulls;
  }
  REQUIRE(pulls >= 4);
  REQUIRE(out == text);
}
