#pragma once
// Appending to a queue's stream: eids numbered on from the tail this writer knows, published
// asynchronously with the ordering chain of expected sequence / message id, and what is done
// when another writer or a failure cuts a batch (see nats_backend.hpp).

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/detail/eid_sequencer.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/nats/message_codec.hpp>
#include <rstreams/bus/nats/nats_error.hpp>
#include <rstreams/bus/nats/nats_state.hpp>
#include <rstreams/bus/nats/stream_info.hpp>
#include <rstreams/bus/record.hpp>

#include <nats/nats.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace rstreams::bus::detail {

/// The eids following `last` for `records`, the client's clock in ms (see eid_sequencer), each
/// written into the record's own string.
inline void nats_assign_eids(const std::string& last, std::span<record> records) {
  eid_sequencer eids;
  if (!last.empty()) eids.continue_after(parse_eid(last));
  const auto now = nats_now_ms();
  for (auto& r : records) eids.next(now, r.eid);
}

inline nats_queue_tail& nats_tail_of(nats_state& st, std::string_view queue) {
  auto it = st.tails.find(queue);
  if (it == st.tails.end()) it = st.tails.emplace(std::string(queue), nats_queue_tail{}).first;
  return it->second;
}

/// Reads the queue's last message from the server.
inline void nats_refresh_tail(nats_state& st, std::string_view queue, nats_queue_tail& tail) {
  auto& conn = *st.conn;
  const std::string stream = st.stream_of(queue);
  const auto info = nats_stream_state(st, stream);
  tail = nats_queue_tail{};
  if (!info) return;
  tail.stream_ready = true;
  tail.seq = info->second.second;
  if (info->first == 0) return;
  nats_msg_ptr m;
  conn.call("get last message of " + stream,
            [&](jsErrCode* c) { return js_GetMsg(&m.m, conn.js(), stream.c_str(), tail.seq, nullptr, c); });
  tail.eid = std::string(
      nats_record_eid(natsMsg_GetData(m.m), static_cast<std::size_t>(natsMsg_GetDataLength(m.m))));
}

/// Creates the queue's stream (when no other handle did) and reads its tail.
inline void nats_ensure_stream(nats_state& st, std::string_view queue, nats_queue_tail& tail) {
  auto& conn = *st.conn;
  const std::string stream = st.stream_of(queue);
  const std::string subject = st.subject_of(queue);
  const char* subjects[] = {subject.c_str()};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = stream.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = st.opt().replicas;
  cfg.AllowDirect = false;
  conn.call(
      "create stream " + stream,
      [&](jsErrCode* c) { return js_AddStream(nullptr, conn.js(), &cfg, nullptr, c); },
      // Another handle creating the same stream at the same moment makes the server answer
      // "name in use" or "subjects overlap"; either is fine once our stream is there.
      [&](natsStatus, int code) {
        return code == JSStreamNameExistErr ||
               (code == JSStreamSubjectOverlapErr && nats_stream_state(st, stream).has_value());
      });
  nats_refresh_tail(st, queue, tail);
}

/// Appends `records` to `queue` (see nats_backend.hpp); returns the last eid ("" when empty).
inline std::string nats_append(nats_state& st, std::string_view queue, std::span<record> records) {
  auto& conn = *st.conn;
  std::lock_guard lock(st.write_mu);
  auto& tail = nats_tail_of(st, queue);
  if (!tail.stream_ready) nats_ensure_stream(st, queue, tail);
  const std::string subject = st.subject_of(queue);
  const std::string stream = st.stream_of(queue);
  auto& tr = conn.tracker();

  std::size_t done = 0;  // records[0, done) are stored
  std::string body;
  std::array<std::array<char, 48>, 2> id_buf{};  // this message's id and its predecessor's
  int failures = 0;                              // attempts in a row that stored nothing
  for (;;) {
    auto rest = records.subspan(done);
    nats_assign_eids(tail.eid, rest);
    const std::uint64_t base = st.next_msg_id;  // rest[i] has the id format_msg_id(token, base + i)
    st.next_msg_id += rest.size();
    tr.reset();
    natsStatus pub_status = NATS_OK;
    std::size_t sent = 0;
    for (std::size_t i = 0; i < rest.size(); ++i) {
      auto& id = id_buf[i % 2];
      format_msg_id(tr.token, base + i, id);
      encode_nats_record(rest[i], body);
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MsgId = id.data();
      natsMsg* m = nullptr;
      pub_status = natsMsg_Create(&m, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size()));
      if (pub_status == NATS_OK) {
        if (i == 0) {
          // The batch's first record expects the tail this writer knows (also "0": empty;
          // set as a header because jsPubOptions takes 0 as "unset").
          char last_seq[24];
          std::snprintf(last_seq, sizeof last_seq, "%llu", static_cast<unsigned long long>(tail.seq));
          pub_status = natsMsgHeader_Set(m, "Nats-Expected-Last-Sequence", last_seq);
        } else {
          po.ExpectLastMsgId = id_buf[(i + 1) % 2].data();
        }
      }
      if (pub_status == NATS_OK) pub_status = js_PublishMsgAsync(conn.js(), &m, &po);
      natsMsg_Destroy(m);
      if (pub_status != NATS_OK) break;
      ++sent;
    }
    jsPubOptions wait_opts;
    jsPubOptions_Init(&wait_opts);
    wait_opts.MaxWait = conn.options().request_timeout.count() * 2;
    // answered: every publish was acknowledged or refused (none can still be stored later).
    const bool answered = js_PublishAsyncComplete(conn.js(), &wait_opts) == NATS_OK;
    if (!answered) {
      natsMsgList pending;  // unresolved: forget them, the check below asks the server
      if (js_PublishAsyncGetPendingList(&pending, conn.js()) == NATS_OK) natsMsgList_Destroy(&pending);
    }
    // Ours that were stored form a contiguous run right after tail.seq (the first expects
    // tail.seq, each next one its predecessor's id), so when the stored acknowledgements
    // cover exactly tail.seq + 1 .. tail.seq + k, they are rest[0, k). An acknowledgement
    // of an earlier attempt that arrives late can only name a sequence <= tail.seq (it was
    // stored before that attempt's read-back), so it breaks this test rather than fooling it.
    std::size_t ok = 0;
    bool failed = false;
    natsStatus why = pub_status;
    int why_code = 0;
    {
      std::lock_guard tl(tr.m);
      if (tr.stored > 0 && tr.stored <= sent && tr.first_seq == tail.seq + 1 &&
          tr.last_seq == tail.seq + tr.stored)
        ok = static_cast<std::size_t>(tr.stored);
      failed = tr.failed > 0;
      if (failed) {
        why = tr.status;
        why_code = tr.js_code;
      } else if (why == NATS_OK && !answered) {
        why = NATS_TIMEOUT;
      }
    }
    if (ok > 0) {
      tail.seq += ok;
      tail.eid = rest[ok - 1].eid;
    }
    if (answered && !failed && ok == rest.size()) return tail.eid;
    // Some were refused or unanswered: ask the server which of the rest it holds. A batch
    // cut by another writer's record (all answered, the first part stored) goes on at once.
    // Otherwise pause first: after a lost race, to let the other writer finish; with
    // publishes unanswered, to give them time to land before the read-back looks.
    std::size_t first_bad = ok;
    if (!answered || ok == 0) conn.backoff(failures + 1);
    for (std::size_t i = first_bad; i < sent; ++i) {
      nats_msg_ptr m;
      const std::uint64_t seq = tail.seq + 1;
      const natsStatus s = conn.call(
          "read back " + stream,
          [&](jsErrCode* c) { return js_GetMsg(&m.m, conn.js(), stream.c_str(), seq, nullptr, c); },
          [](natsStatus st2, int code) { return st2 == NATS_NOT_FOUND || code == JSNoMessageFoundErr; });
      if (s != NATS_OK) break;
      const char* id = nullptr;
      std::array<char, 48> want;
      format_msg_id(tr.token, base + i, want);
      if (natsMsgHeader_Get(m.m, "Nats-Msg-Id", &id) != NATS_OK || id == nullptr ||
          std::strcmp(want.data(), id) != 0)
        break;
      tail.seq = seq;
      tail.eid = rest[i].eid;
      ++first_bad;
    }
    done += first_bad;
    if (done == records.size()) return tail.eid;
    if (first_bad > 0) {
      failures = 0;
    } else if (++failures >= conn.options().attempts) {
      throw nats_error(conn.url(),
                       "append to queue " + std::string(queue) + " (" + std::to_string(failures) +
                           " attempts without progress)",
                       why == NATS_OK ? NATS_ERR : why, why_code);
    }
    nats_refresh_tail(st, queue, tail);  // another writer may have appended meanwhile
    if (!tail.stream_ready) nats_ensure_stream(st, queue, tail);
  }
}

}  // namespace rstreams::bus::detail
