#pragma once
// What the NATS backend reports for stats and lag (see bus/queue_stats.hpp): a queue's size and
// ends from its stream's state, and the position of an eid as a stream sequence.

#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/nats/nats_state.hpp>
#include <rstreams/bus/nats/stream_info.hpp>
#include <rstreams/bus/queue_stats.hpp>

#include <nats/nats.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace rstreams::bus::detail {

/// The position after the last record with eid <= `eid`: that record's stream sequence (first
/// sequence - 1 when none is), found by binary search over sequences (log2(n) message gets,
/// none of them a delivery of a pending event).
inline std::uint64_t nats_position(nats_state& st, std::string_view queue, std::string_view eid) {
  const auto at = nats_locate(st, st.stream_of(queue), eid);
  return at ? at->first - 1 : 0;
}

/// The queue's size and ends from its stream's state; zeros when it has no stream.
inline bus::queue_stats nats_queue_stats(nats_state& st, std::string_view queue) {
  bus::queue_stats out{std::string(queue)};
  auto& conn = *st.conn;
  const std::string stream = st.stream_of(queue);
  jsStreamInfo* si = nullptr;
  const natsStatus s = conn.call(
      "stream info " + stream,
      [&](jsErrCode* c) { return js_GetStreamInfo(&si, conn.js(), stream.c_str(), nullptr, c); },
      [](natsStatus s2, int code) { return s2 == NATS_NOT_FOUND || code == JSStreamNotFoundErr; });
  if (s != NATS_OK || si == nullptr) return out;
  out.events = si->State.Msgs;
  out.bytes = si->State.Bytes;
  const std::uint64_t first = si->State.FirstSeq;
  const std::uint64_t last = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  out.head_position = last;
  out.first_position = out.events == 0 ? last : std::max<std::uint64_t>(first, 1) - 1;
  if (out.events > 0) {
    out.first_eid = nats_eid_at(st, stream, std::max<std::uint64_t>(first, 1)).value_or(std::string());
    out.last_eid = nats_eid_at(st, stream, last).value_or(std::string());
    if (!out.last_eid.empty()) out.last_write_ms = eid_to_ms(out.last_eid);
  }
  return out;
}

}  // namespace rstreams::bus::detail
