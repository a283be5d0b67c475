#pragma once
// Reading a queue's stream: cursors (ephemeral pull consumers positioned by eid, replaced when
// lost), batched fetches, and waiting for new records (see nats_backend.hpp).

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/nats/message_codec.hpp>
#include <rstreams/bus/nats/nats_error.hpp>
#include <rstreams/bus/nats/nats_state.hpp>
#include <rstreams/bus/nats/stream_info.hpp>
#include <rstreams/bus/record.hpp>

#include <nats/nats.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus::detail {

/// The longest a fetch waits for records its consumer holds. A live consumer answers at once;
/// the wait runs out only when the consumer is gone, so this bounds the cost of replacing it.
inline constexpr std::chrono::milliseconds nats_fetch_wait{500};

/// Opens `cur`'s ephemeral pull consumer on the queue's stream, starting at sequence `start`.
inline void nats_open_cursor(nats_state& st, std::string_view queue, std::uint64_t start, nats_cursor& cur) {
  auto& conn = *st.conn;
  const std::string stream = st.stream_of(queue);
  const std::string subject = st.subject_of(queue);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.ManualAck = true;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = start;
  so.Config.AckPolicy = js_AckAll;
  so.Config.MaxAckPending = 1 << 20;
  so.Config.InactiveThreshold = std::int64_t{60} * 1'000'000'000;
  so.Config.Replicas = 1;
  so.Config.MemoryStorage = true;
  conn.call("open consumer on " + stream, [&](jsErrCode* c) {
    return js_PullSubscribe(&cur.sub, conn.js(), subject.c_str(), nullptr, nullptr, &so, c);
  });
}

/// Appends to `out` up to `max` records of `queue` with eid > `after`; returns how many.
inline std::size_t nats_read(nats_state& st, std::string_view queue, std::string_view after, std::size_t max,
                             std::vector<record>& out) {
  auto& conn = *st.conn;
  std::lock_guard lock(st.read_mu);
  auto& cur_ptr = st.cursors[std::string(queue)];
  if (!cur_ptr) cur_ptr = std::make_unique<nats_cursor>();
  auto& cur = *cur_ptr;
  const std::string stream = st.stream_of(queue);
  // (Re)positions the cursor right after `from`: a binary search, then a new consumer.
  const auto reopen = [&](std::string from) {
    cur.reset();
    const auto start = nats_locate(st, stream, from);
    if (!start) return false;  // unknown queue
    nats_open_cursor(st, queue, start->first, cur);
    cur.after = std::move(from);
    cur.next_seq = start->first;
    cur.pending = start->second;
    return true;
  };
  if (cur.sub == nullptr || cur.after != after) {
    if (!reopen(std::string(after))) return 0;
  }
  std::size_t got = 0;
  if (cur.pending == 0 && cur.next_seq != 0) {
    // Caught up last time: has anything arrived since? Asked of the stream's leader, not of
    // the consumer: a consumer has one replica, which may be a node still copying messages
    // after a restart, and would then report nothing pending while records exist. If it
    // cannot deliver them, the fetch below finds it lost and replaces it.
    const auto info = nats_stream_state(st, stream);
    if (!info) {  // the stream is gone: reads as empty, and the next read starts afresh
      cur.reset();
      return 0;
    }
    const std::uint64_t last = info->second.second;
    cur.pending = last >= cur.next_seq ? last - cur.next_seq + 1 : 0;
  } else if (cur.pending == 0) {  // position unknown: the consumer counts what is pending
    jsConsumerInfo* ci = nullptr;
    try {
      conn.call("consumer info on " + stream,
                [&](jsErrCode* c) { return natsSubscription_GetConsumerInfo(&ci, cur.sub, nullptr, c); });
      cur.pending = ci != nullptr ? ci->NumPending : 0;
      jsConsumerInfo_Destroy(ci);
    } catch (const nats_error&) {
      // The ephemeral consumer is gone (idle too long, or its server died): start a new one
      // where this one stood.
      if (!reopen(std::string(after))) return 0;
    }
  }
  int lost = 0;  // consumers replaced during this call
  while (got < max && cur.pending > 0) {
    natsMsgList list{nullptr, 0};
    jsFetchRequest req;
    jsFetchRequest_Init(&req);
    // Never more than the consumer holds, so a live consumer answers at once and the wait
    // only runs out when the consumer is gone (a fetch to a deleted consumer has no
    // responder and no error: it just expires).
    req.Batch = static_cast<int>(std::min<std::uint64_t>({max - got, cur.pending, 65536}));
    req.Expires = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::min(conn.options().request_timeout, nats_fetch_wait))
                      .count();
    const natsStatus s = conn.call(
        "fetch from " + stream,
        [&](jsErrCode*) { return natsSubscription_FetchRequest(&list, cur.sub, &req); },
        [](natsStatus st2, int) { return st2 == NATS_NOT_FOUND || st2 == NATS_TIMEOUT; });
    const int n = list.Count;
    if (s != NATS_OK && n == 0) {
      natsMsgList_Destroy(&list);
      // Records are pending but none came: the consumer is lost (deleted, idle too long, or
      // its server died). Take a new one right after the last eid read; a queue that keeps
      // losing them is an error, never a short read.
      if (++lost >= conn.options().attempts)
        throw nats_error(conn.url(),
                         "fetch from " + stream + " (consumer lost " + std::to_string(lost) + " times)", s);
      if (lost > 1) conn.backoff(lost - 1);
      if (!reopen(cur.after)) {  // the stream itself is gone: reads as empty
        cur.pending = 0;
        break;
      }
      continue;
    }
    if (out.capacity() < out.size() + static_cast<std::size_t>(n))
      out.reserve(std::max(out.size() + static_cast<std::size_t>(n), 2 * out.capacity()));
    for (int i = 0; i < n; ++i) {
      record& r = out.emplace_back();
      try {
        decode_nats_msg_into(list.Msgs[i], r);
      } catch (...) {
        out.pop_back();  // what was read before it stays in `out`
        natsMsgList_Destroy(&list);
        cur.reset();  // its consumer is past the bad message: the next read repositions
        throw;
      }
      if (r.event.empty()) r.event.assign(queue);  // another client left it out
    }
    if (n > 0) {
      natsMsg* lastm = list.Msgs[n - 1];
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, lastm) == NATS_OK && meta != nullptr) {
        cur.pending = meta->NumPending;
        cur.next_seq = meta->Sequence.Stream + 1;
        jsMsgMetaData_Destroy(meta);
        if (cur.recent.size() == 32) cur.recent.pop_front();
        cur.recent.emplace_back(out.back().eid, cur.next_seq);
      } else {
        cur.pending = 0;
        cur.next_seq = 0;
      }
      (void)natsMsg_Ack(lastm, nullptr);  // AckAll: one ack per batch
      cur.after = out.back().eid;
      got += static_cast<std::size_t>(n);
    }
    natsMsgList_Destroy(&list);
  }
  return got;
}

/// Blocks until `queue` has a record after `after` (true), `timeout` passes or `stop` is
/// requested (false). Woken by the server (a subscription on the queue's subject).
inline bool nats_wait(nats_state& st, std::string_view queue, std::string_view after,
                      std::chrono::milliseconds timeout, const std::stop_token& stop) {
  auto& conn = *st.conn;
  struct waiter {
    std::mutex m;
    std::condition_variable cv;
    std::uint64_t arrivals = 0;
  };
  auto w = std::make_shared<waiter>();
  auto* closure = new std::shared_ptr<waiter>(w);
  natsSubscription* sub = nullptr;
  const std::string subject = st.subject_of(queue);
  const natsStatus s = natsConnection_Subscribe(
      &sub, conn.nc(), subject.c_str(),
      [](natsConnection*, natsSubscription*, natsMsg* msg, void* c) {
        auto& wt = **static_cast<std::shared_ptr<waiter>*>(c);
        {
          std::lock_guard l(wt.m);
          ++wt.arrivals;
        }
        wt.cv.notify_all();
        natsMsg_Destroy(msg);
      },
      closure);
  if (s != NATS_OK) {
    delete closure;
    throw nats_error(conn.url(), "subscribe to " + subject, s);
  }
  natsSubscription_SetOnCompleteCB(
      sub, [](void* c) { delete static_cast<std::shared_ptr<waiter>*>(c); }, closure);
  struct unsubscribe {
    natsSubscription* sub;
    ~unsubscribe() {
      natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
    }
  } guard{sub};
  const std::string stream = st.stream_of(queue);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::stop_callback on_stop(stop, [&] {
    { std::lock_guard l(w->m); }
    w->cv.notify_all();
  });
  // The subscription is in place before this check (same connection, in order), so a record
  // stored after the check wakes us.
  while (true) {
    std::uint64_t seen = 0;
    {
      std::lock_guard l(w->m);
      seen = w->arrivals;
    }
    if (nats_last_eid(st, stream) > after) return true;
    std::unique_lock l(w->m);
    w->cv.wait_until(l, deadline, [&] { return w->arrivals != seen || stop.stop_requested(); });
    if (stop.stop_requested()) return false;
    if (w->arrivals == seen) {
      l.unlock();
      return nats_last_eid(st, stream) > after;
    }
  }
}

}  // namespace rstreams::bus::detail
