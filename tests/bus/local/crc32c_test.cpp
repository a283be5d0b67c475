#include <rstreams/bus/local/crc32c.hpp>

#include <support/catch.hpp>

#include <cstdint>
#include <random>
#include <string>

namespace rd = rstreams::bus::detail;

static_assert(rd::crc32c_tables[0][1] == 0xF26B8303u);
static_assert(rd::crc32c_shift_factor(0) == 1u << 31);

TEST_CASE("crc32c matches the standard check values", "[bus][local][crc32c]") {
  const std::string check = "123456789";
  REQUIRE(rd::crc32c(0, check.data(), check.size()) == 0xE3069283u);
  REQUIRE(rd::crc32c_software(0, check.data(), check.size()) == 0xE3069283u);
  const std::string zeros(32, '\0');
  REQUIRE(rd::crc32c(0, zeros.data(), zeros.size()) == 0x8A9136AAu);  // RFC 3720 B.4
  REQUIRE(rd::crc32c(0, nullptr, 0) == 0u);
}

TEST_CASE("crc32c is incremental and the hardware and table versions agree", "[bus][local][crc32c]") {
  std::mt19937 rng(7);
  std::string data(4099, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (const std::size_t n : {0UL, 1UL, 7UL, 8UL, 9UL, 63UL, 4099UL}) {
    const auto whole = rd::crc32c(0, data.data(), n);
    REQUIRE(rd::crc32c_software(0, data.data(), n) == whole);
    const auto half = n / 2;
    REQUIRE(rd::crc32c(rd::crc32c(0, data.data(), half), data.data() + half, n - half) == whole);
  }
}

TEST_CASE("crc32c of long buffers (three chains joined) equals the table version", "[bus][local][crc32c]") {
  std::mt19937 rng(11);
  std::string data(70000, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (const std::size_t n : {6143UL, 6144UL, 6145UL, 12288UL, 20000UL, 65537UL, 70000UL}) {
    CAPTURE(n);
    const auto whole = rd::crc32c_software(0, data.data(), n);
    REQUIRE(rd::crc32c(0, data.data(), n) == whole);
    REQUIRE(rd::crc32c(rd::crc32c(0, data.data(), 5), data.data() + 5, n - 5) == whole);
    const auto half = n / 2;
    REQUIRE(rd::crc32c_combine(rd::crc32c(0, data.data(), half), rd::crc32c(0, data.data() + half, n - half),
                               n - half) == whole);
  }
}

TEST_CASE("crc32c_combine_fast joins two CRCs like crc32c_combine", "[bus][local][crc32c]") {
  std::mt19937 rng(17);
  std::string data(70000, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (const std::size_t n :
       {0UL, 1UL, 2UL, 3UL, 5UL, 8UL, 9UL, 100UL, 4095UL, 4096UL, 65535UL, 65536UL, 70000UL}) {
    for (const std::size_t a : {0UL, 1UL, 8UL, n / 2, n}) {
      if (a > n) continue;
      CAPTURE(n, a);
      const auto ca = rd::crc32c(0, data.data(), a);
      const auto cb = rd::crc32c(0, data.data() + a, n - a);
      REQUIRE(rd::crc32c_combine_fast(ca, cb, n - a) == rd::crc32c_software(0, data.data(), n));
      REQUIRE(rd::crc32c_combine_fast(ca, cb, n - a) == rd::crc32c_combine(ca, cb, n - a));
#ifdef RSTREAMS_CRC32C_X86
      if (rd::crc32c_has_pclmul())
        REQUIRE((rd::crc32c_shift_x86(ca, n - a) ^ cb) == rd::crc32c_software(0, data.data(), n));
#endif
    }
  }
}

TEST_CASE("crc32c: every code path agrees with the table on lengths 0-4096 from unaligned starts",
          "[bus][local][crc32c]") {
  std::mt19937 rng(13);
  std::string data(4096 + 64, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (std::size_t n = 0; n <= 4096; ++n) {
    for (const std::size_t off : {0UL, 1UL, 3UL, 7UL, 13UL}) {
      const char* p = data.data() + off;
      const std::uint32_t seed = static_cast<std::uint32_t>(n * 2654435761u);
      const auto want = rd::crc32c_software(seed, p, n);
      // One REQUIRE per mismatch only: 20k checks stay fast.
      if (rd::crc32c(seed, p, n) != want) FAIL("crc32c differs at n=" << n << " off=" << off);
#ifdef RSTREAMS_CRC32C_X86
      if (rd::crc32c_has_sse42()) {
        if (rd::crc32c_sse42(seed, p, n) != want) FAIL("sse42 differs at n=" << n << " off=" << off);
        if (n >= 3 * rd::crc32c_block && rd::crc32c_sse42_long(seed, p, n) != want)
          FAIL("sse42 x3 differs at n=" << n << " off=" << off);
      }
      if (n >= 256 && rd::crc32c_has_vpclmul() && rd::crc32c_vpclmul(seed, p, n) != want)
        FAIL("vpclmulqdq folding differs at n=" << n << " off=" << off);
#endif
    }
  }
}

TEST_CASE("crc32c: the folding path on long buffers, continued from any CRC", "[bus][local][crc32c]") {
  std::mt19937 rng(17);
  std::string data(200'003, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (const std::size_t n : {511UL, 512UL, 767UL, 1024UL, 65536UL, 105136UL, 200'000UL}) {
    CAPTURE(n);
    const auto want = rd::crc32c_software(0, data.data() + 3, n);
    REQUIRE(rd::crc32c(0, data.data() + 3, n) == want);
    // A continued CRC enters the folding as its first four bytes' XOR.
    const auto head = rd::crc32c(0, data.data() + 3, 5);
    REQUIRE(rd::crc32c(head, data.data() + 8, n - 5) == want);
    REQUIRE(rd::crc32c(0xFFFFFFFFu, data.data(), n) == rd::crc32c_software(0xFFFFFFFFu, data.data(), n));
  }
  const std::string zeros(4096, '\0');
  REQUIRE(rd::crc32c(0, zeros.data(), zeros.size()) == rd::crc32c_software(0, zeros.data(), zeros.size()));
}
