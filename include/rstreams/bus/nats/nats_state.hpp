#pragma once
// What a nats_backend owns (connection, the tails it appends after, its read cursors, its
// key-value buckets, and their locks), shared with its leases; and the small helpers every
// part of the backend uses: name escaping, the clock, owned libnats objects.

#include <rstreams/bus/detail/now_ms.hpp>
#include <rstreams/bus/nats/connection.hpp>
#include <rstreams/bus/nats/nats_options.hpp>

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams::bus::detail {

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
  std::uint64_t next_msg_id = 0;  // the number in the next message id (under write_mu)
  std::map<std::string, nats_queue_tail, std::less<>> tails;
  std::mutex read_mu;
  std::map<std::string, std::unique_ptr<nats_cursor>, std::less<>> cursors;
  std::mutex kv_mu;
  nats_bucket checkpoints;
  nats_bucket leases;
  std::atomic<std::uint64_t> next_lease{0};  // the number in the next lease owner
  std::string mirror_error;                  // the last checkpoint-consumer update that failed (under kv_mu)

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

}  // namespace rstreams::bus::detail
