#pragma once
// With nats_options::checkpoint_consumers: a durable consumer per bot on each queue it reads,
// acknowledged up to the bot's checkpoint, so NATS tools show its progress and lag (a view
// only; the checkpoint itself lives in the key-value store, see kv_store.hpp).

#include <rstreams/bus/nats/nats_error.hpp>
#include <rstreams/bus/nats/nats_state.hpp>
#include <rstreams/bus/nats/stream_info.hpp>

#include <nats/nats.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace rstreams::bus::detail {

inline void nats_mirror_checkpoint_now(nats_state& st, std::string_view bot, std::string_view queue,
                                       const std::string& eid) {
  auto& conn = *st.conn;
  const std::string stream = st.stream_of(queue);
  std::uint64_t start = 0;
  {
    std::lock_guard lock(st.read_mu);  // where one of this handle's last reads stopped: no search
    const auto it = st.cursors.find(queue);
    if (it != st.cursors.end() && it->second) {
      const auto& cur = *it->second;
      if (cur.after == eid) start = cur.next_seq;
      for (const auto& [e, seq] : cur.recent)
        if (e == eid) start = seq;
    }
  }
  if (start == 0) {
    const auto found = nats_locate(st, stream, eid);
    if (!found) return;
    start = found->first;
  }
  const std::string name = nats_escape(bot);
  const std::string description = "rstreams checkpoint of bot " + std::string(bot) + ": " + eid;
  const std::string what = " checkpoint consumer " + name + " on " + stream;
  conn.call(
      "delete" + what,
      [&](jsErrCode* c) { return js_DeleteConsumer(conn.js(), stream.c_str(), name.c_str(), nullptr, c); },
      [](natsStatus s2, int code) { return s2 == NATS_NOT_FOUND || code == JSConsumerNotFoundErr; });
  // It starts at the checkpoint's own record, which it is then given and acknowledges, so its
  // ack floor is that record (headers only: the payload does not travel).
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  cc.Durable = name.c_str();
  cc.Description = description.c_str();
  cc.DeliverPolicy = js_DeliverByStartSequence;
  cc.OptStartSeq = std::max<std::uint64_t>(start - 1, 1);
  cc.AckPolicy = js_AckAll;
  cc.HeadersOnly = true;
  conn.call("create" + what, [&](jsErrCode* c) {
    return js_AddConsumer(nullptr, conn.js(), stream.c_str(), &cc, nullptr, c);
  });
  if (start <= 1) return;  // the checkpoint is before the first record: nothing to acknowledge
  const std::string next = "$JS.API.CONSUMER.MSG.NEXT." + stream + "." + name;
  const auto timeout = conn.options().request_timeout.count();
  nats_msg_ptr m;
  conn.call("position" + what, [&](jsErrCode*) {
    return natsConnection_RequestString(&m.m, conn.nc(), next.c_str(), R"({"batch":1,"no_wait":true})",
                                        timeout);
  });
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, m.m) != NATS_OK || meta == nullptr) return;  // no record there
  const bool checkpoint_record = meta->Sequence.Stream == start - 1;
  jsMsgMetaData_Destroy(meta);
  if (!checkpoint_record) return;
  nats_msg_ptr acked;
  conn.call("acknowledge" + what, [&](jsErrCode*) {
    return natsConnection_RequestString(&acked.m, conn.nc(), natsMsg_GetReply(m.m), "+ACK", timeout);
  });
}

/// With `checkpoint_consumers`: (re)creates the durable consumer `<bot>` on the queue's stream
/// with its ack floor at `eid`'s record (a consumer's position cannot be set, hence delete,
/// create and acknowledge). Nothing when the queue has no stream yet. The sequence comes
/// from this handle's recent reads when one stopped at `eid`, else from a search. Runs
/// after the checkpoint is committed, so a server failure here does not
/// fail the commit (it would make the bot's next commit stale): the view stays behind until
/// the next commit, and the failure is kept in `mirror_error()`.
inline void nats_mirror_checkpoint(nats_state& st, std::string_view bot, std::string_view queue,
                                   const std::string& eid) {
  if (!st.opt().checkpoint_consumers) return;
  try {
    nats_mirror_checkpoint_now(st, bot, queue, eid);
    std::lock_guard lock(st.kv_mu);
    st.mirror_error.clear();
  } catch (const nats_error& e) {
    std::lock_guard lock(st.kv_mu);
    st.mirror_error = e.what();
  }
}

}  // namespace rstreams::bus::detail
