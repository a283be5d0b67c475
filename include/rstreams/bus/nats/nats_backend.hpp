#pragma once
// The event bus on NATS JetStream: a queue is a stream, checkpoints and leases live in
// JetStream key-value buckets. Models `rstreams::bus::backend`.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/detail/eid_sequencer.hpp>
#include <rstreams/bus/detail/now_ms.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/nats/connection.hpp>
#include <rstreams/bus/nats/message_codec.hpp>
#include <rstreams/bus/nats/nats_error.hpp>
#include <rstreams/bus/nats/nats_options.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams::bus {

namespace detail {

/// Queue and bot names may hold '.', which NATS reserves (subject token separator, forbidden
/// in stream names). '=' is not allowed in names, so '.' -> '=' is reversible.
inline std::string nats_escape(std::string_view name) {
  std::string s(name);
  std::replace(s.begin(), s.end(), '.', '=');
  return s;
}
inline std::string nats_unescape(std::string_view name) {
  std::string s(name);
  std::replace(s.begin(), s.end(), '=', '.');
  return s;
}

/// The bus clock (detail/now_ms.hpp), under the name the NATS code and its tests use.
inline std::int64_t nats_now_ms() {
  return now_ms();
}

/// The longest a fetch waits for records its consumer holds. A live consumer answers at once;
/// the wait runs out only when the consumer is gone, so this bounds the cost of replacing it.
inline constexpr std::chrono::milliseconds nats_fetch_wait{500};

/// Owns one libnats message.
struct nats_msg_ptr {
  natsMsg* m = nullptr;
  nats_msg_ptr() = default;
  nats_msg_ptr(const nats_msg_ptr&) = delete;
  nats_msg_ptr& operator=(const nats_msg_ptr&) = delete;
  ~nats_msg_ptr() { natsMsg_Destroy(m); }
};

/// The last stored message of a queue as this process knows it.
struct nats_queue_tail {
  bool stream_ready = false;
  std::uint64_t seq = 0;  // stream sequence of the last message (0: empty)
  std::string eid;
};

/// Where the next read of a queue continues without searching: an ephemeral pull consumer
/// positioned right after `after`.
struct nats_cursor {
  natsSubscription* sub = nullptr;
  std::string after;
  std::uint64_t next_seq = 0;  // stream sequence of the first record after `after`
  std::uint64_t pending = 0;   // records the consumer still holds, as of the last answer
  // (last eid, next sequence) of the latest fetches: where a bot that reads ahead commits.
  std::deque<std::pair<std::string, std::uint64_t>> recent;
  nats_cursor() = default;
  nats_cursor(const nats_cursor&) = delete;
  nats_cursor& operator=(const nats_cursor&) = delete;
  ~nats_cursor() { reset(); }
  void reset() noexcept {
    if (sub != nullptr) {
      natsSubscription_Unsubscribe(sub);  // deletes the ephemeral consumer on the server
      natsSubscription_Destroy(sub);
      sub = nullptr;
    }
    after.clear();
    next_seq = 0;
    pending = 0;
    recent.clear();
  }
};

struct nats_bucket {
  kvStore* kv = nullptr;
  nats_bucket() = default;
  nats_bucket(const nats_bucket&) = delete;
  nats_bucket& operator=(const nats_bucket&) = delete;
  ~nats_bucket() {
    if (kv != nullptr) kvStore_Destroy(kv);
  }
};

/// Everything a nats_backend owns; shared with its leases, which may outlive it.
struct nats_state {
  std::shared_ptr<nats_connection> conn;
  std::mutex write_mu;
  std::map<std::string, nats_queue_tail, std::less<>> tails;
  std::mutex read_mu;
  std::map<std::string, std::unique_ptr<nats_cursor>, std::less<>> cursors;
  std::mutex kv_mu;
  nats_bucket checkpoints;
  nats_bucket leases;
  std::string mirror_error;  // the last checkpoint-consumer update that failed (under kv_mu)

  explicit nats_state(std::shared_ptr<nats_connection> c) : conn(std::move(c)) {}
  ~nats_state() {
    cursors.clear();
    if (conn && conn->nc() != nullptr) natsConnection_FlushTimeout(conn->nc(), 1000);
  }

  [[nodiscard]] const nats_options& opt() const noexcept { return conn->options(); }
  [[nodiscard]] std::string stream_of(std::string_view queue) const {
    return opt().prefix + "_Q_" + nats_escape(queue);
  }
  [[nodiscard]] std::string subject_of(std::string_view queue) const {
    return opt().prefix + ".q." + nats_escape(queue);
  }

  kvStore* bucket(nats_bucket& b, const std::string& suffix, std::int64_t ttl_ms = 0) {
    std::lock_guard lock(kv_mu);
    if (b.kv != nullptr) return b.kv;
    const std::string name = opt().prefix + "_" + suffix;
    const natsStatus s = conn->call(
        "open key-value bucket " + name,
        [&](jsErrCode*) { return js_KeyValue(&b.kv, conn->js(), name.c_str()); },
        [](natsStatus st, int) { return st == NATS_NOT_FOUND; });
    if (s == NATS_OK) return b.kv;
    kvConfig cfg;
    kvConfig_Init(&cfg);
    cfg.Bucket = name.c_str();
    cfg.History = 1;
    cfg.StorageType = js_FileStorage;
    cfg.Replicas = opt().replicas;
    cfg.TTL = ttl_ms;
    conn->call("create key-value bucket " + name,
               [&](jsErrCode*) { return js_CreateKeyValue(&b.kv, conn->js(), &cfg); });
    return b.kv;
  }
};

/// The eids following `last` for `records`, the client's clock in ms (see eid_sequencer), each
/// written into the record's own string.
inline void nats_assign_eids(const std::string& last, std::span<record> records) {
  eid_sequencer eids;
  if (!last.empty()) eids.continue_after(parse_eid(last));
  const auto now = nats_now_ms();
  for (auto& r : records) eids.next(now, r.eid);
}

class nats_lease_state final : public lease_state {
 public:
  nats_lease_state(std::shared_ptr<nats_state> st, kvStore* kv, std::string key, std::string owner,
                   std::uint64_t rev, std::chrono::milliseconds ttl, std::int64_t expires)
      : st_(std::move(st)),
        kv_(kv),
        key_(std::move(key)),
        owner_(std::move(owner)),
        rev_(rev),
        ttl_(ttl),
        expires_(expires) {}

  bool renew() override {
    if (lost_) return false;
    const std::int64_t expires = nats_now_ms() + ttl_.count();
    const std::string value = nlohmann::json{{"owner", owner_}, {"expires", expires}}.dump();
    std::uint64_t rev = 0;
    const natsStatus s = kvStore_UpdateString(&rev, kv_, key_.c_str(), value.c_str(), rev_);
    if (s != NATS_OK) {
      lost_ = true;
      return false;
    }
    rev_ = rev;
    expires_ = expires;
    return true;
  }
  [[nodiscard]] bool held() const override { return !lost_ && nats_now_ms() < expires_; }
  void release() noexcept override {
    if (lost_) return;
    lost_ = true;
    try {
      const std::string value = nlohmann::json{{"owner", ""}, {"expires", 0}}.dump();
      std::uint64_t rev = 0;
      (void)kvStore_UpdateString(&rev, kv_, key_.c_str(), value.c_str(), rev_);
    } catch (...) {  // NOLINT(bugprone-empty-catch): release never throws
    }
  }

 private:
  std::shared_ptr<nats_state> st_;
  kvStore* kv_;
  std::string key_;
  std::string owner_;
  std::uint64_t rev_;
  std::chrono::milliseconds ttl_;
  std::int64_t expires_;
  bool lost_ = false;
};

}  // namespace detail

/// The event bus on a NATS JetStream server or cluster.
///
/// * A queue `q` is the stream `<prefix>_Q_<q>` on subject `<prefix>.q.<q>` ('.' in names is
///   written '='), file storage, `replicas` copies, created on the first append.
/// * Eids: `append` gives each record the eid after the queue's last one (client clock in ms,
///   never going back; sequence numbered on within one ms) and publishes asynchronously (at
///   most `max_pending` in flight); the batch's first message expects the stream's last
///   sequence as this writer knows it and each next one expects its predecessor's message id
///   (`Nats-Expected-Last-Sequence`, `Nats-Expected-Last-Msg-Id`), so the stream order is the
///   eid order even with several writers: once another writer's message lands between two of
///   ours, every later one of ours is refused (its predecessor is no longer the last), so ours
///   that were stored are always a contiguous run right after the tail we knew. (Expecting a
///   sequence on every message would not do: after another writer took our first message's
///   place, our second would find the sequence it expects and be stored out of order.)
///   Message ids are "<connection token>-<n in hex>" (12 random characters, a per-connection
///   counter), written without allocating; each message is one natsMsg with the two headers.
///   It returns once the server answered every publish. The acknowledgement handler only
///   counts (stored, lowest and highest sequence, first failure), it never looks into the
///   message: when all were stored, the tail moves by the batch. Otherwise the stored run is
///   taken from the acknowledgements when they cover exactly tail + 1 .. tail + k, the rest
///   is checked against the server (the message at each next sequence, compared by id), then
///   the writer re-reads the tail, renumbers the rest and publishes it again with new ids. A
///   batch cut by another writer goes on at once; an attempt that stored nothing (a lost
///   race, or the server away) backs off first, and `attempts` such attempts in a row fail
///   with nats_error. Known limit: a publish left unanswered by a lost connection may still
///   be stored after the check (the backoff before the check makes it rare); its record is
///   then stored twice.
/// * `read(after)`: eid order equals stream-sequence order, so `after` (an eid or any prefix)
///   maps to the first stream sequence whose eid is greater: found by binary search over
///   sequences with message gets answered by the stream's leader (log2(n) requests), or, when
///   `after` is where the previous read of this queue stopped, taken from the open cursor
///   without any search. The records then come from an ephemeral pull consumer (AckAll, one
///   ack per fetch) starting at that sequence, fetched in batches of min(`max`, records the
///   consumer still holds), so the server answers at once. When the consumer says it holds
///   nothing, one stream-info request to the stream's leader checks for new records: the
///   consumer has a single replica, which may be a node still copying messages after a
///   restart and would count too few.
/// * A read consumer that is lost (deleted by an operator, idle 60 s, or its server died) is
///   noticed by the next read that expects records: its fetch brings nothing within
///   `nats_fetch_wait` (500 ms) although records are pending. It is replaced by a new one
///   positioned by eid right after the last record returned, so the read goes on with no
///   record lost and none repeated (its acknowledgements position nothing: positions are
///   eids). A read call that loses its consumer `attempts` times throws nats_error.
/// * `wait` subscribes to the queue's subject and sleeps on a condition variable woken by the
///   server's message, the stop token or the timeout.
/// * Checkpoints: bucket `<prefix>_checkpoints`, key `<bot>.<queue>`, value the checkpoint
///   JSON; compare-and-set = read the entry, compare its eid, then `kvStore_Update` on the read
///   revision (or `kvStore_Create` when there was none): a concurrent commit makes the update
///   fail, reported as stale_checkpoint. Leases: bucket `<prefix>_leases`, owner and expiry
///   taken or renewed by revision.
/// * Bot state (`stores_bot_state`): the same bucket, key `<bot>.=state`, value the bot_state
///   JSON, replaced whole. No checkpoint key looks like it (a queue name never starts with '.',
///   so an escaped one never starts with '='), and `bots()` skips it.
/// * Why checkpoints are not durable consumers (as issue #7 first proposed): the contract's
///   commit is a compare-and-set of an arbitrary eid. A consumer's position cannot be
///   compared: two instances acknowledging on one durable never conflict, so a stale instance
///   (the one that lost its lease) would go unnoticed instead of failing with
///   stale_checkpoint. Nor can it be set: its ack floor only moves forward by acknowledging
///   messages it delivered, while a checkpoint may be forced, reset, moved back for a replay,
///   or set to an eid prefix, and may name a queue that has no stream yet. A key-value entry
///   updated on its revision is exactly that compare-and-set, replicated like the streams.
///   For operators who look at consumers, `nats_options::checkpoint_consumers` also keeps a
///   durable consumer named after the bot on the queue's stream, acknowledged up to each
///   committed checkpoint (`nats consumer info <stream> <bot>`: ack floor = the checkpoint's
///   sequence, unprocessed = the bot's lag); a view only, updated after each commit.
/// * Connection: bounded connect attempts with backoff, then nats_error naming the URL;
///   libnats reconnects an established connection; each request retries transient failures
///   (`attempts`, backoff) before throwing nats_error.
class nats_backend {
 public:
  explicit nats_backend(std::string url, nats_options opt = {}) {
    validate_prefix(opt.prefix);
    if (opt.replicas < 1) throw config_error("rstreams: nats_backend: replicas must be at least 1");
    if (opt.max_pending < 1) throw config_error("rstreams: nats_backend: max_pending must be at least 1");
    state_ = std::make_shared<detail::nats_state>(
        std::make_shared<nats_connection>(std::move(url), std::move(opt)));
  }
  nats_backend(nats_backend&&) noexcept = default;
  nats_backend& operator=(nats_backend&&) noexcept = default;
  nats_backend(const nats_backend&) = delete;
  nats_backend& operator=(const nats_backend&) = delete;
  ~nats_backend() = default;

  /// Appends `records` to `queue` (see the class comment); returns the last eid ("" when empty).
  std::string append(std::string_view queue, std::span<record> records) {
    validate_queue_name(queue);
    if (records.empty()) return {};
    auto& st = *state_;
    auto& conn = *st.conn;
    std::lock_guard lock(st.write_mu);
    auto& tail = tail_of(queue);
    if (!tail.stream_ready) ensure_stream(queue, tail);
    const std::string subject = st.subject_of(queue);
    const std::string stream = st.stream_of(queue);
    auto& tr = conn.tracker();

    std::size_t done = 0;                          // records[0, done) are stored
    std::array<std::array<char, 48>, 2> id_buf{};  // this message's id and its predecessor's
    int failures = 0;                              // attempts in a row that stored nothing
    for (;;) {
      auto rest = records.subspan(done);
      detail::nats_assign_eids(tail.eid, rest);
      const std::uint64_t base = next_id_;  // rest[i] has the id format_msg_id(token, base + i)
      next_id_ += rest.size();
      tr.reset();
      natsStatus pub_status = NATS_OK;
      std::size_t sent = 0;
      for (std::size_t i = 0; i < rest.size(); ++i) {
        auto& id = id_buf[i % 2];
        detail::format_msg_id(tr.token, base + i, id);
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MsgId = id.data();
        natsMsg* m = nullptr;
        pub_status = detail::make_nats_msg(&m, subject.c_str(), rest[i]);
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
        detail::nats_msg_ptr m;
        const std::uint64_t seq = tail.seq + 1;
        const natsStatus s = conn.call(
            "read back " + stream,
            [&](jsErrCode* c) { return js_GetMsg(&m.m, conn.js(), stream.c_str(), seq, nullptr, c); },
            [](natsStatus st2, int code) { return st2 == NATS_NOT_FOUND || code == JSNoMessageFoundErr; });
        if (s != NATS_OK) break;
        const char* id = nullptr;
        std::array<char, 48> want;
        detail::format_msg_id(tr.token, base + i, want);
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
      refresh_tail(queue, tail);  // another writer may have appended meanwhile
      if (!tail.stream_ready) ensure_stream(queue, tail);
    }
  }

  /// Appends to `out` up to `max` records of `queue` with eid > `after`; returns how many.
  std::size_t read(std::string_view queue, std::string_view after, std::size_t max,
                   std::vector<record>& out) {
    validate_queue_name(queue);
    validate_position(after);
    if (max == 0) return 0;
    auto& st = *state_;
    auto& conn = *st.conn;
    std::lock_guard lock(st.read_mu);
    auto& cur_ptr = st.cursors[std::string(queue)];
    if (!cur_ptr) cur_ptr = std::make_unique<detail::nats_cursor>();
    auto& cur = *cur_ptr;
    const std::string stream = st.stream_of(queue);
    // (Re)positions the cursor right after `from`: a binary search, then a new consumer.
    const auto reopen = [&](std::string from) {
      cur.reset();
      const auto start = locate(stream, from);
      if (!start) return false;  // unknown queue
      open_cursor(queue, start->first, cur);
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
      const auto info = stream_state(stream);
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
                        std::min(conn.options().request_timeout, detail::nats_fetch_wait))
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
      for (int i = 0; i < n; ++i) {
        natsMsg* m = list.Msgs[i];
        out.push_back(detail::decode_nats_msg(m));
        if (out.back().event.empty()) out.back().event.assign(queue);  // another client left it out
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
  bool wait(std::string_view queue, std::string_view after, std::chrono::milliseconds timeout,
            std::stop_token stop = {}) {
    validate_queue_name(queue);
    validate_position(after);
    auto& st = *state_;
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
      if (last_eid(stream) > after) return true;
      std::unique_lock l(w->m);
      w->cv.wait_until(l, deadline, [&] { return w->arrivals != seen || stop.stop_requested(); });
      if (stop.stop_requested()) return false;
      if (w->arrivals == seen) {
        l.unlock();
        return last_eid(stream) > after;
      }
    }
  }

  std::optional<checkpoint> get_checkpoint(std::string_view bot, std::string_view queue) {
    validate_bot_name(bot);
    validate_queue_name(queue);
    auto e = get_entry(checkpoint_key(bot, queue));
    if (!e) return std::nullopt;
    return e->value;
  }

  /// Compare-and-set of `bot`'s checkpoint on `queue` (see the class comment).
  void commit_checkpoint(std::string_view bot, std::string_view queue,
                         const std::optional<std::string>& expected_eid, const checkpoint& next,
                         bool force = false) {
    validate_bot_name(bot);
    validate_queue_name(queue);
    auto& conn = *state_->conn;
    kvStore* kv = checkpoints();
    const std::string key = checkpoint_key(bot, queue);
    const std::string value = nlohmann::json(next).dump();
    if (force) {
      conn.call("put checkpoint " + key,
                [&](jsErrCode*) { return kvStore_PutString(nullptr, kv, key.c_str(), value.c_str()); });
      mirror_checkpoint(bot, queue, next.eid);
      return;
    }
    const auto current = get_entry(key);
    const std::optional<std::string> found =
        current ? std::optional<std::string>(current->value.eid) : std::nullopt;
    if (found != expected_eid)
      throw stale_checkpoint(std::string(bot), std::string(queue), expected_eid, found);
    const auto refused = [](natsStatus s, int code) {
      return code == JSStreamWrongLastSequenceErr || (s == NATS_ERR && code == 0);
    };
    const natsStatus s = conn.call(
        "commit checkpoint " + key,
        [&](jsErrCode*) {
          return current ? kvStore_UpdateString(nullptr, kv, key.c_str(), value.c_str(), current->revision)
                         : kvStore_CreateString(nullptr, kv, key.c_str(), value.c_str());
        },
        refused);
    if (s != NATS_OK) {
      // Lost the race: someone wrote between our read and our update (or our retried update
      // had already landed: then the stored value is ours and all is well).
      const auto now = get_entry(key);
      if (now && now->value == next) {
        mirror_checkpoint(bot, queue, next.eid);
        return;
      }
      throw stale_checkpoint(std::string(bot), std::string(queue), expected_eid,
                             now ? std::optional<std::string>(now->value.eid) : std::nullopt);
    }
    mirror_checkpoint(bot, queue, next.eid);
  }

  std::vector<queue_info> queues() {
    auto& st = *state_;
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
      q.name = detail::nats_unescape(std::string_view(stream).substr(head.size()));
      const auto info = stream_state(stream);
      if (!info) continue;
      q.records = info->first;
      q.last_eid = last_eid(stream);
      out.push_back(std::move(q));
    }
    std::sort(out.begin(), out.end(),
              [](const queue_info& a, const queue_info& b) { return a.name < b.name; });
    return out;
  }

  std::vector<bot_info> bots() {
    auto& conn = *state_->conn;
    kvStore* kv = checkpoints();
    kvKeysList keys{nullptr, 0};
    const natsStatus s = conn.call(
        "list checkpoints", [&](jsErrCode*) { return kvStore_Keys(&keys, kv, nullptr); },
        [](natsStatus st2, int) { return st2 == NATS_NOT_FOUND; });
    std::map<std::string, bot_info> by_bot;
    if (s == NATS_OK) {
      std::vector<std::string> list(keys.Keys, keys.Keys + keys.Count);
      kvKeysList_Destroy(&keys);
      for (const auto& key : list) {
        if (!is_checkpoint_key(key)) continue;
        const auto dot = key.find('.');
        auto e = get_entry(key);
        if (!e) continue;
        const std::string bot = detail::nats_unescape(std::string_view(key).substr(0, dot));
        auto& b = by_bot[bot];
        b.id = bot;
        b.checkpoints[detail::nats_unescape(std::string_view(key).substr(dot + 1))] = e->value;
      }
    }
    std::vector<bot_info> out;
    for (auto& [_, b] : by_bot) out.push_back(std::move(b));
    return out;
  }

  /// The bot runtime's stored state of `bot` (see bot_state and the class comment), or nothing
  /// when none was stored. An entry that is not bot_state JSON throws io_error naming its key.
  std::optional<bot_state> get_bot_state(std::string_view bot) {
    validate_bot_name(bot);
    auto& conn = *state_->conn;
    kvStore* kv = checkpoints();
    const std::string key = bot_state_key(bot);
    kvEntry* e = nullptr;
    const natsStatus s = conn.call(
        "read bot state " + key, [&](jsErrCode*) { return kvStore_Get(&e, kv, key.c_str()); },
        [](natsStatus s2, int) { return s2 == NATS_NOT_FOUND; });
    if (s != NATS_OK || e == nullptr) return std::nullopt;
    const char* v = kvEntry_ValueString(e);
    const std::string text = v != nullptr ? v : "";
    kvEntry_Destroy(e);
    try {
      return nlohmann::json::parse(text).get<bot_state>();
    } catch (const nlohmann::json::exception& x) {
      throw io_error(conn.url() + " " + state_->opt().prefix + "_checkpoints/" + key,
                     std::string("unreadable bot state: ") + x.what());
    }
  }

  /// Replaces `bot`'s stored state (one key-value put: readers see the old or the new value).
  void put_bot_state(std::string_view bot, const bot_state& s) {
    validate_bot_name(bot);
    auto& conn = *state_->conn;
    kvStore* kv = checkpoints();
    const std::string key = bot_state_key(bot);
    const std::string value = nlohmann::json(s).dump();
    conn.call("put bot state " + key,
              [&](jsErrCode*) { return kvStore_PutString(nullptr, kv, key.c_str(), value.c_str()); });
  }

  /// One active instance per bot: a key in `<prefix>_leases` holding owner and expiry, taken
  /// when absent or expired, by revision (so two takers cannot both win).
  std::optional<lease> try_lease(std::string_view bot, std::chrono::milliseconds ttl) {
    validate_bot_name(bot);
    auto& st = *state_;
    auto& conn = *st.conn;
    kvStore* kv = st.bucket(st.leases, "leases");
    const std::string key = detail::nats_escape(bot);
    const std::string owner = conn.tracker().token + "-" + std::to_string(next_lease_++);
    const std::int64_t expires = detail::nats_now_ms() + ttl.count();
    const std::string value = nlohmann::json{{"owner", owner}, {"expires", expires}}.dump();
    kvEntry* e = nullptr;
    const natsStatus g = conn.call(
        "read lease " + key, [&](jsErrCode*) { return kvStore_Get(&e, kv, key.c_str()); },
        [](natsStatus s2, int) { return s2 == NATS_NOT_FOUND; });
    std::uint64_t rev = 0;
    natsStatus s = NATS_OK;
    if (g == NATS_NOT_FOUND || e == nullptr) {
      s = kvStore_CreateString(&rev, kv, key.c_str(), value.c_str());
    } else {
      const auto held = nlohmann::json::parse(kvEntry_ValueString(e), nullptr, false);
      const std::uint64_t cur = kvEntry_Revision(e);
      kvEntry_Destroy(e);
      const std::int64_t until = held.is_object() ? held.value("expires", std::int64_t{0}) : 0;
      if (until > detail::nats_now_ms()) return std::nullopt;
      s = kvStore_UpdateString(&rev, kv, key.c_str(), value.c_str(), cur);
    }
    if (s != NATS_OK) return std::nullopt;
    return lease(std::make_unique<detail::nats_lease_state>(state_, kv, key, owner, rev, ttl, expires));
  }

  /// "nats://host:port" (the URL it was opened with).
  [[nodiscard]] std::string describe() const { return state_->conn->url(); }

  /// The connection (for tools and tests).
  [[nodiscard]] nats_connection& connection() const noexcept { return *state_->conn; }

  /// With `nats_options::checkpoint_consumers`: why the last update of a checkpoint's durable
  /// consumer failed, or "" when it succeeded (the checkpoint itself was committed either way).
  [[nodiscard]] std::string mirror_error() const {
    std::lock_guard lock(state_->kv_mu);
    return state_->mirror_error;
  }

 private:
  struct kv_entry {
    checkpoint value;
    std::uint64_t revision = 0;
  };

  static void validate_prefix(std::string_view p) {
    if (p.empty()) throw config_error("rstreams: nats_backend: empty prefix");
    for (const char c : p) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      if (!ok)
        throw config_error("rstreams: nats_backend: bad prefix \"" + std::string(p) +
                           "\" (use letters, digits, '_' and '-')");
    }
  }

  static std::string checkpoint_key(std::string_view bot, std::string_view queue) {
    return detail::nats_escape(bot) + "." + detail::nats_escape(queue);
  }

  /// The suffix of a bot state key: a checkpoint key's part after the dot is an escaped queue
  /// name, which never starts with '=' (queue names never start with '.').
  static constexpr std::string_view bot_state_suffix = "=state";

  static std::string bot_state_key(std::string_view bot) {
    return detail::nats_escape(bot) + "." + std::string(bot_state_suffix);
  }
  /// Whether `key` of the checkpoints bucket is a checkpoint (`<bot>.<queue>`), not a bot state
  /// or another entry kept there (after the dot a '=' that no escaped queue name starts with).
  static bool is_checkpoint_key(std::string_view key) {
    const auto dot = key.find('.');
    return dot != std::string_view::npos && dot + 1 < key.size() && key[dot + 1] != '=';
  }

  kvStore* checkpoints() { return state_->bucket(state_->checkpoints, "checkpoints"); }

  /// With `checkpoint_consumers`: (re)creates the durable consumer `<bot>` on the queue's stream
  /// with its ack floor at `eid`'s record (a consumer's position cannot be set, hence delete,
  /// create and acknowledge). Nothing when the queue has no stream yet. The sequence comes
  /// from this handle's recent reads when one stopped at `eid`, else from a search. Runs
  /// after the checkpoint is committed, so a server failure here does not
  /// fail the commit (it would make the bot's next commit stale): the view stays behind until
  /// the next commit, and the failure is kept in `mirror_error()`.
  void mirror_checkpoint(std::string_view bot, std::string_view queue, const std::string& eid) {
    if (!state_->opt().checkpoint_consumers) return;
    try {
      mirror_checkpoint_now(bot, queue, eid);
      std::lock_guard lock(state_->kv_mu);
      state_->mirror_error.clear();
    } catch (const nats_error& e) {
      std::lock_guard lock(state_->kv_mu);
      state_->mirror_error = e.what();
    }
  }

  void mirror_checkpoint_now(std::string_view bot, std::string_view queue, const std::string& eid) {
    auto& st = *state_;
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
      const auto found = locate(stream, eid);
      if (!found) return;
      start = found->first;
    }
    const std::string name = detail::nats_escape(bot);
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
    detail::nats_msg_ptr m;
    conn.call("position" + what, [&](jsErrCode*) {
      return natsConnection_RequestString(&m.m, conn.nc(), next.c_str(), R"({"batch":1,"no_wait":true})",
                                          timeout);
    });
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, m.m) != NATS_OK || meta == nullptr) return;  // no record there
    const bool checkpoint_record = meta->Sequence.Stream == start - 1;
    jsMsgMetaData_Destroy(meta);
    if (!checkpoint_record) return;
    detail::nats_msg_ptr acked;
    conn.call("acknowledge" + what, [&](jsErrCode*) {
      return natsConnection_RequestString(&acked.m, conn.nc(), natsMsg_GetReply(m.m), "+ACK", timeout);
    });
  }

  std::optional<kv_entry> get_entry(const std::string& key) {
    auto& conn = *state_->conn;
    kvStore* kv = checkpoints();
    kvEntry* e = nullptr;
    const natsStatus s = conn.call(
        "read checkpoint " + key, [&](jsErrCode*) { return kvStore_Get(&e, kv, key.c_str()); },
        [](natsStatus s2, int) { return s2 == NATS_NOT_FOUND; });
    if (s != NATS_OK || e == nullptr) return std::nullopt;
    kv_entry out;
    out.revision = kvEntry_Revision(e);
    const auto j = nlohmann::json::parse(kvEntry_ValueString(e), nullptr, false);
    kvEntry_Destroy(e);
    if (!j.is_object()) return std::nullopt;
    out.value = j.get<checkpoint>();
    return out;
  }

  detail::nats_queue_tail& tail_of(std::string_view queue) {
    auto it = state_->tails.find(queue);
    if (it == state_->tails.end())
      it = state_->tails.emplace(std::string(queue), detail::nats_queue_tail{}).first;
    return it->second;
  }

  /// (messages, (first sequence, last sequence)) of a stream, or nullopt when it does not exist.
  std::optional<std::pair<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>>> stream_state(
      const std::string& stream) {
    auto& conn = *state_->conn;
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
  std::optional<std::string> eid_at(const std::string& stream, std::uint64_t seq) {
    auto& conn = *state_->conn;
    detail::nats_msg_ptr m;
    const natsStatus s = conn.call(
        "get message of " + stream,
        [&](jsErrCode* c) { return js_GetMsg(&m.m, conn.js(), stream.c_str(), seq, nullptr, c); },
        [](natsStatus s2, int code) { return s2 == NATS_NOT_FOUND || code == JSNoMessageFoundErr; });
    if (s != NATS_OK || m.m == nullptr) return std::nullopt;
    return detail::nats_msg_eid(m.m);
  }

  /// The eid of the last record of `stream`, or "" (empty or missing).
  std::string last_eid(const std::string& stream) {
    const auto info = stream_state(stream);
    if (!info || info->first == 0) return {};
    return eid_at(stream, info->second.second).value_or(std::string());
  }

  /// The first stream sequence whose eid is > `after`, and how many records there are from it
  /// on; nullopt when the stream does not exist.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> locate(const std::string& stream,
                                                                std::string_view after) {
    const auto info = stream_state(stream);
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
      const auto e = eid_at(stream, mid);
      if (!e || *e <= after) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return result(lo);
  }

  void open_cursor(std::string_view queue, std::uint64_t start, detail::nats_cursor& cur) {
    auto& st = *state_;
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

  void ensure_stream(std::string_view queue, detail::nats_queue_tail& tail) {
    auto& st = *state_;
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
                 (code == JSStreamSubjectOverlapErr && stream_state(stream).has_value());
        });
    refresh_tail(queue, tail);
  }

  /// Reads the queue's last message from the server.
  void refresh_tail(std::string_view queue, detail::nats_queue_tail& tail) {
    auto& conn = *state_->conn;
    const std::string stream = state_->stream_of(queue);
    const auto info = stream_state(stream);
    tail = detail::nats_queue_tail{};
    if (!info) return;
    tail.stream_ready = true;
    tail.seq = info->second.second;
    if (info->first == 0) return;
    detail::nats_msg_ptr m;
    conn.call("get last message of " + stream,
              [&](jsErrCode* c) { return js_GetMsg(&m.m, conn.js(), stream.c_str(), tail.seq, nullptr, c); });
    tail.eid = detail::nats_msg_eid(m.m);
  }

  std::shared_ptr<detail::nats_state> state_;
  std::uint64_t next_id_ = 0;
  std::uint64_t next_lease_ = 0;
};

static_assert(backend<nats_backend>);
static_assert(stores_bot_state<nats_backend>);

}  // namespace rstreams::bus
