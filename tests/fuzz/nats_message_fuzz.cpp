// libFuzzer target: the NATS message decoder. Arbitrary message bodies decode or fail with an
// rstreams::error (never another exception or a crash); an encoded record decodes to itself.
#include <rstreams/bus/nats/message_codec.hpp>
#include <rstreams/core/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace rb = rstreams::bus;
  const char* p = reinterpret_cast<const char*>(data);
  try {
    const rb::record r = rb::detail::decode_nats_record(p, size);
    std::string again;
    rb::detail::encode_nats_record(r, again);
    const rb::record back = rb::detail::decode_nats_record(again.data(), again.size());
    if (back.eid != r.eid || back.id != r.id || back.event != r.event || back.payload != r.payload ||
        back.timestamp != r.timestamp || back.event_source_timestamp != r.event_source_timestamp ||
        back.correlation_id != r.correlation_id)
      std::abort();
  } catch (const rstreams::error&) {
  }
  try {
    (void)rb::detail::nats_record_eid(p, size);
  } catch (const rstreams::error&) {
  }
  return 0;
}
