#pragma once
// What the NATS backend asks about streams: a stream's state, the eid stored at a sequence, the
// last eid, the first sequence after an eid (binary search), and the list of queues.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/nats/message_codec.hpp>
#include <rstreams/bus/nats/nats_state.hpp>

#include <nats/nats.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams::bus::detail {

/// (messages, (first sequence, last sequence)) of a stream, or nullopt when it does not exist.
inline std::optional<std::pair<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>>> nats_stream_state(
    nats_state& st, const std::string& stream) {
  auto& conn = *st.conn;
  jsStreamInfo* si = nullptr;
  const natsStatus s = conn.call(
      "stream info " + stream,
      [&](jsErrCode* c) { return js_GetStreamInfo(&si, conn.js(), stream.c_str(), nullptr, c); },
      [](natsStatus s2, int code) { return s2 == NATS_NOT_FOUND || code == JSStreamNotFoundErr; });
  if (s != NATS_OK || si == nullptr) return std::nullopt;
  auto r = std::make_pair(si->State.Msgs, std::make_pair(si->State.FirstSeq, si->State.LastSeq));
  jsStreamInfo_Destroy(si);
  return r;
}

/// The eid stored at `seq` of `stream`, or nullopt when there is no message there.
inline std::optional<std::string> nats_eid_at(nats_state& st, const std::string& stream, std::uint64_t seq) {
  auto& conn = *st.conn;
  nats_msg_ptr m;
  const natsStatus s = conn.call(
      "get message of " + stream,
      [&](jsErrCode* c) { return js_GetMsg(&m.m, conn.js(), stream.c_str(), seq, nullptr, c); },
      [](natsStatus s2, int code) { return s2 == NATS_NOT_FOUND || code == JSNoMessageFoundErr; });
  if (s != NATS_OK || m.m == nullptr) return std::nullopt;
  return std::string(
      nats_record_eid(natsMsg_GetData(m.m), static_cast<std::size_t>(natsMsg_GetDataLength(m.m))));
}

/// The eid of the last record of `stream`, or "" (empty or missing).
inline std::string nats_last_eid(nats_state& st, const std::string& stream) {
  const auto info = nats_stream_state(st, stream);
  if (!info || info->first == 0) return {};
  return nats_eid_at(st, stream, info->second.second).value_or(std::string());
}

/// The first stream sequence whose eid is > `after`, and how many records there are from it
/// on; nullopt when the stream does not exist.
inline std::optional<std::pair<std::uint64_t, std::uint64_t>> nats_locate(nats_state& st,
                                                                          const std::string& stream,
                                                                          std::string_view after) {
  const auto info = nats_stream_state(st, stream);
  if (!info) return std::nullopt;
  const std::uint64_t first = std::max<std::uint64_t>(info->second.first, 1);
  const std::uint64_t last = info->second.second;
  const auto result = [&](std::uint64_t seq) {
    return std::make_pair(seq, seq <= last ? last - seq + 1 : 0);
  };
  if (info->first == 0) return result(last + 1);
  if (after.empty()) return result(first);
  std::uint64_t lo = first;
  std::uint64_t hi = last + 1;  // answer in [lo, hi]
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    const auto e = nats_eid_at(st, stream, mid);
    if (!e || *e <= after) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return result(lo);
}

/// The queues of this prefix (streams `<prefix>_Q_*`), sorted by name.
inline std::vector<queue_info> nats_list_queues(nats_state& st) {
  auto& conn = *st.conn;
  jsStreamNamesList* names = nullptr;
  const natsStatus s = conn.call(
      "list streams", [&](jsErrCode* c) { return js_StreamNames(&names, conn.js(), nullptr, c); },
      [](natsStatus st2, int) { return st2 == NATS_NOT_FOUND; });
  std::vector<queue_info> out;
  if (s != NATS_OK || names == nullptr) return out;
  const std::string head = st.opt().prefix + "_Q_";
  std::vector<std::string> mine;
  for (int i = 0; i < names->Count; ++i) {
    const std::string_view n(names->List[i]);
    if (n.substr(0, head.size()) == head) mine.emplace_back(n);
  }
  jsStreamNamesList_Destroy(names);
  for (const auto& stream : mine) {
    queue_info q;
    q.name = nats_unescape(std::string_view(stream).substr(head.size()));
    const auto info = nats_stream_state(st, stream);
    if (!info) continue;
    q.records = info->first;
    q.last_eid = nats_last_eid(st, stream);
    out.push_back(std::move(q));
  }
  std::sort(out.begin(), out.end(), [](const queue_info& a, const queue_info& b) { return a.name < b.name; });
  return out;
}

}  // namespace rstreams::bus::detail
