#include <rstreams/io/gunzip.hpp>
#include <rstreams/io/gzip.hpp>

#include <support/catch.hpp>
#include <support/io_helpers.hpp>

#include <zlib.h>

#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
using zipped = decltype(std::vector<std::string>{} | rs::gzip());

// Decompresses with zlib directly, independently of the stage under test.
std::string inflate_all(const std::string& gz) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
  std::string out;
  std::vector<char> buf(1 << 16);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  int ret = Z_OK;
  while (ret != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = static_cast<uInt>(buf.size());
    ret = inflate(&z, Z_NO_FLUSH);
    REQUIRE((ret == Z_OK || ret == Z_STREAM_END));
    out.append(buf.data(), buf.size() - z.avail_out);
  }
  inflateEnd(&z);
  return out;
}
}  // namespace

static_assert(rs::source_of<zipped, std::string>);
static_assert(rs::stage<decltype(rs::gzip())>);

TEST_CASE("gzip makes one gzip member that zlib reads back", "[io][gzip]") {
  const std::string text = io_test::noise(300'000);
  auto out = io_test::collect(io_test::chunks_of(text, 1000) | rs::gzip({.level = 1, .chunk_size = 4096}));
  REQUIRE(out.size() > 2);
  for (std::size_t i = 0; i + 1 < out.size(); ++i) REQUIRE(out[i].size() == 4096);
  const std::string gz = io_test::join(out);
  REQUIRE(static_cast<unsigned char>(gz[0]) == 0x1f);
  REQUIRE(static_cast<unsigned char>(gz[1]) == 0x8b);
  REQUIRE(inflate_all(gz) == text);
}

TEST_CASE("gzip of nothing is a valid empty member", "[io][gzip]") {
  const std::string gz = io_test::join(io_test::collect(std::vector<std::string>{} | rs::gzip()));
  REQUIRE(!gz.empty());
  REQUIRE(inflate_all(gz).empty());
}

TEST_CASE("gzip resumes when the consumer takes one chunk at a time", "[io][gzip]") {
  const std::string text = io_test::noise(100'000, 3);
  std::vector<std::string> in{text};
  auto src = rs::gzip(in, {.chunk_size = 1024});
  std::string gz;
  while (rs::push(src, 1, [&](std::string s) {
           gz += s;
           return false;
         }) == rs::flow::more) {
  }
  REQUIRE(inflate_all(gz) == text);
}

TEST_CASE("gzip refuses a bad level at construction", "[io][gzip]") {
  REQUIRE_THROWS_AS(rs::gzip({.level = 12}), rs::config_error);
  REQUIRE_THROWS_AS(rs::gzip({.chunk_size = 0}), rs::config_error);
}
