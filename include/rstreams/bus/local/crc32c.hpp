#pragma once
// CRC32C (Castagnoli), the checksum of every stored record, with the fastest code the CPU has
// (chosen at run time): for long buffers carry-less multiplication folding 64 bytes per
// instruction pair (AVX-512 VPCLMULQDQ), else three interleaved SSE4.2 crc32 chains; for short
// ones the crc32 instruction; without SSE4.2 a slicing-by-8 table.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <nmmintrin.h>
#define RSTREAMS_CRC32C_X86 1
#endif

namespace rstreams::bus::detail {

inline constexpr std::uint32_t crc32c_poly = 0x82F63B78u;  // reflected Castagnoli

inline constexpr auto crc32c_tables = [] {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? (c >> 1) ^ crc32c_poly : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t i = 0; i < 256; ++i)
    for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFu];
  return t;
}();

/// Software CRC32C, continuing from `crc` (pass 0 to start).
inline std::uint32_t crc32c_software(std::uint32_t crc, const void* data, std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  const auto& t = crc32c_tables;
  crc = ~crc;
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);  // little-endian hosts
    v ^= crc;
    crc = t[7][v & 0xFF] ^ t[6][(v >> 8) & 0xFF] ^ t[5][(v >> 16) & 0xFF] ^ t[4][(v >> 24) & 0xFF] ^
          t[3][(v >> 32) & 0xFF] ^ t[2][(v >> 40) & 0xFF] ^ t[1][(v >> 48) & 0xFF] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFFu];
  return ~crc;
}

#ifdef RSTREAMS_CRC32C_X86
__attribute__((target("sse4.2"))) inline std::uint32_t crc32c_sse42(std::uint32_t crc, const void* data,
                                                                    std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t c = ~crc;
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  // The tail in at most three steps (a chain of byte steps costs three cycles each).
  if (n >= 4) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    c32 = _mm_crc32_u32(c32, v);
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    c32 = _mm_crc32_u16(c32, v);
    p += 2;
    n -= 2;
  }
  if (n != 0) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}

// Three independent buffers at once: the crc32 instruction has a latency of three cycles and a
// throughput of one, so interleaving three chains runs them in the time of one.
__attribute__((target("sse4.2"))) inline void crc32c_sse42_x3(const void* const data[3],
                                                              const std::size_t n[3],
                                                              std::uint32_t out[3]) noexcept {
  const unsigned char* p[3] = {static_cast<const unsigned char*>(data[0]),
                               static_cast<const unsigned char*>(data[1]),
                               static_cast<const unsigned char*>(data[2])};
  std::uint64_t c0 = 0xFFFFFFFFu, c1 = 0xFFFFFFFFu, c2 = 0xFFFFFFFFu;
  const auto common = std::min(n[0], std::min(n[1], n[2])) / 8;
  for (std::size_t i = 0; i < common; ++i) {
    std::uint64_t v0, v1, v2;
    std::memcpy(&v0, p[0] + 8 * i, 8);
    std::memcpy(&v1, p[1] + 8 * i, 8);
    std::memcpy(&v2, p[2] + 8 * i, 8);
    c0 = _mm_crc32_u64(c0, v0);
    c1 = _mm_crc32_u64(c1, v1);
    c2 = _mm_crc32_u64(c2, v2);
  }
  const std::uint64_t c[3] = {c0, c1, c2};
  for (int k = 0; k < 3; ++k) {
    // Continue each chain on its own: crc32c_sse42 takes and returns the finalised form.
    out[k] = crc32c_sse42(~static_cast<std::uint32_t>(c[k]), p[k] + 8 * common, n[k] - 8 * common);
  }
}

inline bool crc32c_has_sse42() noexcept {
  static const bool has = __builtin_cpu_supports("sse4.2") != 0;
  return has;
}
#endif

// Multiplication modulo the polynomial, in the reflected bit order (x^0 is bit 31).
constexpr std::uint32_t crc32c_multiply(std::uint32_t a, std::uint32_t b) noexcept {
  std::uint32_t product = 0;
  for (std::uint32_t m = 1u << 31; m != 0; m >>= 1) {
    if ((a & m) != 0) product ^= b;
    b = (b & 1) != 0 ? (b >> 1) ^ crc32c_poly : b >> 1;
  }
  return product;
}

// x^e modulo the polynomial, in the reflected bit order (x^0 is bit 31).
constexpr std::uint32_t crc32c_xpow(std::uint64_t e) noexcept {
  std::uint32_t r = 1u << 31;   // x^0
  std::uint32_t sq = 1u << 30;  // x^1
  for (; e != 0; e >>= 1) {
    if ((e & 1) != 0) r = crc32c_multiply(r, sq);
    sq = crc32c_multiply(sq, sq);
  }
  return r;
}

// x^(8n) modulo the polynomial: the factor that moves a CRC past n zero bytes.
constexpr std::uint32_t crc32c_shift_factor(std::size_t n) noexcept {
  return crc32c_xpow(8 * static_cast<std::uint64_t>(n));
}

/// The CRC of A followed by B, from crc(A), crc(B) and B's length (each CRC from 0).
constexpr std::uint32_t crc32c_combine(std::uint32_t crc_a, std::uint32_t crc_b, std::size_t len_b) noexcept {
  return crc32c_multiply(crc32c_shift_factor(len_b), crc_a) ^ crc_b;
}

#ifdef RSTREAMS_CRC32C_X86
// x^(32 * (2^k - 1)) modulo the polynomial: with the x^32 every carry-less product reduced by
// the crc32 instruction adds (crc32c_shift_x86), the factor that moves a CRC by 2^k words.
inline constexpr auto crc32c_word_factors = [] {
  std::array<std::uint32_t, 62> t{};
  t[0] = 1u << 31;  // x^0
  const auto x32 = crc32c_xpow(32);
  for (std::size_t k = 1; k < t.size(); ++k) t[k] = crc32c_multiply(crc32c_multiply(t[k - 1], t[k - 1]), x32);
  return t;
}();

// crc * x^(8n): the n % 4 bytes one crc32 step of a zero byte each (crc * x^8), the n / 4 words
// one carry-less product per set bit, reduced by a crc32 step (which multiplies by x^32). A
// 32x32 product of reflected values is 63 bits, one bit lower than the 64 the step reads.
__attribute__((target("sse4.2,pclmul"))) inline std::uint32_t crc32c_shift_x86(std::uint32_t crc,
                                                                               std::size_t n) noexcept {
  for (std::size_t r = n & 3; r != 0; --r) crc = _mm_crc32_u8(crc, 0);
  std::size_t k = 0;
  for (std::size_t q = n >> 2; q != 0; ++k, q >>= 1) {
    if ((q & 1) == 0) continue;
    const auto prod = _mm_clmulepi64_si128(_mm_cvtsi32_si128(static_cast<int>(crc)),
                                           _mm_cvtsi32_si128(static_cast<int>(crc32c_word_factors[k])), 0);
    crc = static_cast<std::uint32_t>(
        _mm_crc32_u64(0, static_cast<std::uint64_t>(_mm_cvtsi128_si64(prod)) << 1));
  }
  return crc;
}

inline bool crc32c_has_pclmul() noexcept {
  static const bool has = __builtin_cpu_supports("pclmul") != 0 && __builtin_cpu_supports("sse4.2") != 0;
  return has;
}
#endif

/// The CRC of A followed by B, from crc(A), crc(B) and B's length (each CRC from 0): with
/// PCLMUL in a few instructions per set bit of the length, else crc32c_combine's way.
inline std::uint32_t crc32c_combine_fast(std::uint32_t crc_a, std::uint32_t crc_b,
                                         std::size_t len_b) noexcept {
#ifdef RSTREAMS_CRC32C_X86
  if (crc32c_has_pclmul()) return crc32c_shift_x86(crc_a, len_b) ^ crc_b;
#endif
  return crc32c_combine(crc_a, crc_b, len_b);
}

#ifdef RSTREAMS_CRC32C_X86
inline constexpr std::size_t crc32c_block = 2048;
inline constexpr std::uint32_t crc32c_block_factor = crc32c_shift_factor(crc32c_block);

// One long buffer as three interleaved chains over consecutive blocks, joined by two
// multiplications per 3 blocks: about three times the speed of one chain (a batch frame's body
// is tens of KiB).
__attribute__((target("sse4.2"))) inline std::uint32_t crc32c_sse42_long(std::uint32_t crc, const void* data,
                                                                         std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  while (n >= 3 * crc32c_block) {
    std::uint64_t c0 = ~crc, c1 = 0xFFFFFFFFu, c2 = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < crc32c_block; i += 8) {
      std::uint64_t v0, v1, v2;
      std::memcpy(&v0, p + i, 8);
      std::memcpy(&v1, p + crc32c_block + i, 8);
      std::memcpy(&v2, p + 2 * crc32c_block + i, 8);
      c0 = _mm_crc32_u64(c0, v0);
      c1 = _mm_crc32_u64(c1, v1);
      c2 = _mm_crc32_u64(c2, v2);
    }
    const auto a = ~static_cast<std::uint32_t>(c0), b = ~static_cast<std::uint32_t>(c1),
               c = ~static_cast<std::uint32_t>(c2);
    crc = crc32c_multiply(crc32c_block_factor, crc32c_multiply(crc32c_block_factor, a) ^ b) ^ c;
    p += 3 * crc32c_block;
    n -= 3 * crc32c_block;
  }
  return crc32c_sse42(crc, p, n);
}
#endif

#ifdef RSTREAMS_CRC32C_X86
// The two factors that move a 16-byte block `bytes` further along the message. A block is a
// polynomial of degree < 128 whose bytes 0-7 (the low half) hold the 64 highest coefficients:
// block * x^(8 bytes) = low * x^(8 bytes + 64) + high * x^(8 bytes). A carry-less product of two
// reflected 64-bit values is a reflected 127-bit one, which read as a 128-bit block is the
// product times x: hence the factors x^(8 bytes + 63) and x^(8 bytes - 1), each reduced to 32
// bits and placed in the top half of its 64-bit lane (bit 63 - k is x^k).
struct crc32c_fold_factors {
  std::uint64_t low, high;
};
constexpr crc32c_fold_factors crc32c_fold(std::uint64_t bytes) noexcept {
  return {static_cast<std::uint64_t>(crc32c_xpow(8 * bytes + 63)) << 32,
          static_cast<std::uint64_t>(crc32c_xpow(8 * bytes - 1)) << 32};
}
inline constexpr crc32c_fold_factors crc32c_fold_64 = crc32c_fold(64);
inline constexpr crc32c_fold_factors crc32c_fold_256 = crc32c_fold(256);
inline constexpr std::size_t crc32c_fold_min = 512;  // shorter buffers: the crc32 instruction

#define RSTREAMS_CRC32C_FOLD_TARGET __attribute__((target("avx512f,vpclmulqdq,sse4.2")))

RSTREAMS_CRC32C_FOLD_TARGET inline __m512i crc32c_fold_step(__m512i a, __m512i k, __m512i next) noexcept {
  // (low half * k.low) ^ (high half * k.high) ^ next, in each of the four 16-byte lanes.
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(a, k, 0x00), _mm512_clmulepi64_epi128(a, k, 0x11),
                                   next, 0x96);
}

// Four 64-byte accumulators folded 256 bytes at a time, joined into one, folded 64 bytes at a
// time; what stays (one accumulator, congruent to everything before it, and a tail under 64
// bytes) is finished with the crc32 instruction, which also does the final reduction. The
// starting CRC enters XORed into the first four bytes, as the crc32 instruction takes it.
// Needs n >= 256.
RSTREAMS_CRC32C_FOLD_TARGET inline std::uint32_t crc32c_vpclmul(std::uint32_t crc, const void* data,
                                                                std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  constexpr auto lo256 = static_cast<long long>(crc32c_fold_256.low);
  constexpr auto hi256 = static_cast<long long>(crc32c_fold_256.high);
  constexpr auto lo64 = static_cast<long long>(crc32c_fold_64.low);
  constexpr auto hi64 = static_cast<long long>(crc32c_fold_64.high);
  const __m512i k256 = _mm512_set_epi64(hi256, lo256, hi256, lo256, hi256, lo256, hi256, lo256);
  const __m512i k64 = _mm512_set_epi64(hi64, lo64, hi64, lo64, hi64, lo64, hi64, lo64);
  __m512i x0 = _mm512_xor_si512(_mm512_loadu_si512(p), _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                                        0, 0, static_cast<int>(~crc)));
  __m512i x1 = _mm512_loadu_si512(p + 64);
  __m512i x2 = _mm512_loadu_si512(p + 128);
  __m512i x3 = _mm512_loadu_si512(p + 192);
  p += 256;
  n -= 256;
  while (n >= 256) {
    x0 = crc32c_fold_step(x0, k256, _mm512_loadu_si512(p));
    x1 = crc32c_fold_step(x1, k256, _mm512_loadu_si512(p + 64));
    x2 = crc32c_fold_step(x2, k256, _mm512_loadu_si512(p + 128));
    x3 = crc32c_fold_step(x3, k256, _mm512_loadu_si512(p + 192));
    p += 256;
    n -= 256;
  }
  x0 = crc32c_fold_step(x0, k64, x1);
  x0 = crc32c_fold_step(x0, k64, x2);
  x0 = crc32c_fold_step(x0, k64, x3);
  while (n >= 64) {
    x0 = crc32c_fold_step(x0, k64, _mm512_loadu_si512(p));
    p += 64;
    n -= 64;
  }
  alignas(64) unsigned char rest[64];
  _mm512_store_si512(rest, x0);
  // crc32c_sse42 takes and returns the finalised form: ~0 starts the raw CRC at 0.
  return crc32c_sse42(crc32c_sse42(0xFFFFFFFFu, rest, sizeof rest), p, n);
}
#undef RSTREAMS_CRC32C_FOLD_TARGET

inline bool crc32c_has_vpclmul() noexcept {
  static const bool has = __builtin_cpu_supports("avx512f") != 0 &&
                          __builtin_cpu_supports("vpclmulqdq") != 0 && __builtin_cpu_supports("sse4.2") != 0;
  return has;
}
#endif

/// CRC32C of `n` bytes, continuing from `crc` (0 to start).
inline std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t n) noexcept {
#ifdef RSTREAMS_CRC32C_X86
  if (n >= crc32c_fold_min && crc32c_has_vpclmul()) return crc32c_vpclmul(crc, data, n);
  if (crc32c_has_sse42())
    return n >= 3 * crc32c_block ? crc32c_sse42_long(crc, data, n) : crc32c_sse42(crc, data, n);
#endif
  return crc32c_software(crc, data, n);
}

/// The length from which crc32c() takes its fastest path on this CPU (shorter buffers cost more
/// per byte): a checksum taken in steps takes steps at least this long.
inline std::size_t crc32c_fast_min() noexcept {
#ifdef RSTREAMS_CRC32C_X86
  if (crc32c_has_vpclmul()) return crc32c_fold_min;
  if (crc32c_has_sse42()) return 3 * crc32c_block;
#endif
  return 0;
}

/// CRC32C (from 0) of three buffers; faster than three calls on SSE4.2 machines.
inline void crc32c_x3(const void* const data[3], const std::size_t n[3], std::uint32_t out[3]) noexcept {
#ifdef RSTREAMS_CRC32C_X86
  if (crc32c_has_sse42()) {
    crc32c_sse42_x3(data, n, out);
    return;
  }
#endif
  for (int k = 0; k < 3; ++k) out[k] = crc32c_software(0, data[k], n[k]);
}

}  // namespace rstreams::bus::detail
