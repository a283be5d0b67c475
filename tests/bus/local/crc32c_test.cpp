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
