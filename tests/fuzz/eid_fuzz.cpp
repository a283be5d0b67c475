// libFuzzer target: eid text. Arbitrary text is accepted or refused with an eid_error (never
// another exception, never a crash); a full eid parses back to the parts it was made from,
// and one that parses formats back to itself.
#include <rstreams/bus/eid.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace rb = rstreams::bus;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto parts = rb::parse_eid(text);
    if (!rb::is_full_eid(text)) std::abort();
    if (rb::make_eid(parts.ms, parts.seq) != text) std::abort();
  } catch (const rb::eid_error&) {
    if (rb::is_full_eid(text)) std::abort();
  }
  try {
    rb::validate_position(text);
    (void)rb::eid_to_ms(text);
  } catch (const rb::eid_error&) {
  }
  if (size >= 12) {
    std::int64_t ms = 0;
    std::uint32_t seq = 0;
    std::memcpy(&ms, data, 8);
    std::memcpy(&seq, data + 8, 4);
    ms = static_cast<std::int64_t>(static_cast<std::uint64_t>(ms) % 253'402'300'800'000ULL);
    seq %= rb::eid_max_seq + 1;
    const auto eid = rb::make_eid(ms, seq);
    const auto back = rb::parse_eid(eid);
    if (back.ms != ms || back.seq != seq) std::abort();
  }
  return 0;
}
