#pragma once
// One connection to a NATS server (or cluster) with its JetStream context: bounded connect
// retries with backoff, automatic reconnection, retried requests, and the bookkeeping of
// asynchronous publish acknowledgements.

#include <rstreams/bus/nats/nats_error.hpp>
#include <rstreams/bus/nats/nats_options.hpp>
#include <rstreams/core/error.hpp>

#include <nats/nats.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace rstreams::bus {

namespace detail {

/// What the acknowledgements of the current batch of asynchronous publishes said, counted by
/// the library's ack thread and read by `append` after js_PublishAsyncComplete. Per
/// acknowledgement it costs a lock and a few compares: the handler never looks into the
/// message (no header lookup, no id parsing), because `append` needs only how many were
/// stored, the range of their stream sequences and the first failure.
struct publish_tracker {
  std::mutex m;
  std::string token;            // this connection's unique part of message ids
  std::uint64_t stored = 0;     // acknowledged as stored (not duplicates)
  std::uint64_t first_seq = 0;  // lowest stream sequence among them (0: none)
  std::uint64_t last_seq = 0;   // highest
  std::uint64_t failed = 0;     // refused, timed out, or acknowledged as a duplicate
  natsStatus status = NATS_OK;  // the first failure
  int js_code = 0;

  void reset() {
    std::lock_guard lock(m);
    stored = first_seq = last_seq = failed = 0;
    status = NATS_OK;
    js_code = 0;
  }

  void record(const jsPubAck* pa, const jsPubAckErr* pae) {
    std::lock_guard lock(m);
    if (pa != nullptr && !pa->Duplicate) {
      ++stored;
      if (first_seq == 0 || pa->Sequence < first_seq) first_seq = pa->Sequence;
      last_seq = std::max(last_seq, pa->Sequence);
      return;
    }
    if (failed++ == 0) {
      status = pae != nullptr ? pae->Err : NATS_ERR;
      js_code = pae != nullptr ? static_cast<int>(pae->ErrCode) : 0;
    }
  }

  static void on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    natsMsg_Destroy(msg);
    static_cast<publish_tracker*>(closure)->record(pa, pae);
  }
};

/// Writes the message id "<token>-<n in hex>" into `out` (NUL-terminated) without allocating;
/// returns its length. `out` has room for a token of up to 29 characters (the connection's
/// token has 12).
inline std::size_t format_msg_id(std::string_view token, std::uint64_t n,
                                 std::array<char, 48>& out) noexcept {
  const std::size_t t = std::min(token.size(), out.size() - 19);
  std::memcpy(out.data(), token.data(), t);
  out[t] = '-';
  char digits[16];
  std::size_t k = 0;
  do {
    digits[k++] = "0123456789abcdef"[n & 0xfU];
    n >>= 4;
  } while (n != 0);
  for (std::size_t i = 0; i < k; ++i) out[t + 1 + i] = digits[k - 1 - i];
  out[t + 1 + k] = '\0';
  return t + 1 + k;
}

/// True for failures that a retry may cure: the connection is down or reconnecting, the
/// request timed out, or the cluster is electing a leader.
inline bool transient(natsStatus s, int js_code) noexcept {
  switch (s) {
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
    case NATS_NOT_YET_CONNECTED:
    case NATS_IO_ERROR:
      return true;
    case NATS_ERR:
      return js_code == JSClusterNotAvailErr || js_code == JSClusterNotLeaderErr ||
             js_code == JSClusterIncompleteErr || js_code == JSClusterNoPeersErr ||
             js_code == JSClusterNotAssignedErr || js_code == 0;
    default:
      return false;
  }
}

}  // namespace detail

/// A connection and its JetStream context. Not movable (the ack handler holds its address):
/// the backend keeps it behind a shared_ptr. Never calls nats_Close (other connections may
/// live on); programs call it at exit.
class nats_connection {
 public:
  nats_connection(std::string url, nats_options opt) : url_(std::move(url)), opt_(std::move(opt)) {
    tracker_.token = unique_token();
    natsStatus s = natsOptions_Create(&nopts_);
    // "nats://a:1,nats://b:2" names several servers of one cluster.
    std::vector<std::string> servers;
    for (std::size_t from = 0; from <= url_.size();) {
      const auto comma = std::min(url_.find(',', from), url_.size());
      if (comma > from) servers.push_back(url_.substr(from, comma - from));
      from = comma + 1;
    }
    std::vector<const char*> server_ptrs;
    for (const auto& sv : servers) server_ptrs.push_back(sv.c_str());
    if (server_ptrs.empty()) {
      cleanup();
      throw config_error("rstreams: nats: empty server url");
    }
    if (s == NATS_OK)
      s = natsOptions_SetServers(nopts_, server_ptrs.data(), static_cast<int>(server_ptrs.size()));
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(nopts_, opt_.max_reconnect);
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(nopts_, opt_.reconnect_wait.count());
    if (s == NATS_OK) s = natsOptions_SetTimeout(nopts_, opt_.request_timeout.count());
    if (s != NATS_OK) {
      cleanup();
      throw config_error("rstreams: nats " + url_ + ": bad connection options: " + natsStatus_GetText(s));
    }
    auto pause = opt_.backoff;
    const int attempts = std::max(1, opt_.connect_attempts);
    for (int attempt = 1;; ++attempt) {
      s = natsConnection_Connect(&nc_, nopts_);
      if (s == NATS_OK) break;
      if (attempt >= attempts) {
        cleanup();
        throw nats_error(url_, "connect (" + std::to_string(attempts) + " attempts)", s);
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, opt_.max_backoff);
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = opt_.request_timeout.count();
    jo.PublishAsync.MaxPending = opt_.max_pending;
    jo.PublishAsync.AckHandler = &detail::publish_tracker::on_ack;
    jo.PublishAsync.AckHandlerClosure = &tracker_;
    jo.PublishAsync.StallWait = opt_.request_timeout.count();
    s = natsConnection_JetStream(&js_, nc_, &jo);
    if (s != NATS_OK) {
      cleanup();
      throw nats_error(url_, "jetstream context", s);
    }
  }

  nats_connection(const nats_connection&) = delete;
  nats_connection& operator=(const nats_connection&) = delete;
  ~nats_connection() { cleanup(); }

  [[nodiscard]] natsConnection* nc() const noexcept { return nc_; }
  [[nodiscard]] jsCtx* js() const noexcept { return js_; }
  [[nodiscard]] const std::string& url() const noexcept { return url_; }
  [[nodiscard]] const nats_options& options() const noexcept { return opt_; }
  detail::publish_tracker& tracker() noexcept { return tracker_; }

  /// Runs `f(jsErrCode*) -> natsStatus`, retrying transient failures with backoff. Returns the
  /// status when it is NATS_OK or `accept(status, js_code)` says the caller handles it; throws
  /// nats_error naming the URL and `what` otherwise (or when the retries run out).
  template <class F, class Accept>
  natsStatus call(std::string_view what, F&& f, Accept&& accept) {
    auto pause = opt_.backoff;
    const int attempts = std::max(1, opt_.attempts);
    for (int attempt = 1;; ++attempt) {
      jsErrCode code = static_cast<jsErrCode>(0);
      const natsStatus s = f(&code);
      const int c = static_cast<int>(code);
      if (s == NATS_OK || accept(s, c)) return s;
      if (!detail::transient(s, c) || attempt >= attempts)
        throw nats_error(
            url_, std::string(what) + (attempt > 1 ? " (" + std::to_string(attempt) + " attempts)" : ""), s,
            c);
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, opt_.max_backoff);
    }
  }

  template <class F>
  natsStatus call(std::string_view what, F&& f) {
    return call(what, std::forward<F>(f), [](natsStatus, int) { return false; });
  }

  /// Sleeps the backoff of retry `attempt` (1-based).
  void backoff(int attempt) const {
    auto pause = opt_.backoff;
    for (int i = 1; i < attempt && pause < opt_.max_backoff; ++i) pause *= 2;
    std::this_thread::sleep_for(std::min(pause, opt_.max_backoff));
  }

 private:
  /// 12 random characters of [0-9A-Za-z_-] (from a 64-bit seed): short, because it is in every
  /// message id the server parses, stores and keeps in its duplicate window.
  static std::string unique_token() {
    std::random_device rd;
    std::mt19937_64 gen(
        (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    static constexpr std::string_view alphabet =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
    std::string t;
    std::uint64_t bits = gen();
    for (int i = 0; i < 12; ++i) {
      if (i == 10) bits = gen();
      t += alphabet[bits & 63U];
      bits >>= 6;
    }
    return t;
  }

  void cleanup() noexcept {
    if (js_ != nullptr) jsCtx_Destroy(js_);
    if (nc_ != nullptr) natsConnection_Destroy(nc_);
    if (nopts_ != nullptr) natsOptions_Destroy(nopts_);
    js_ = nullptr;
    nc_ = nullptr;
    nopts_ = nullptr;
  }

  std::string url_;
  nats_options opt_;
  natsOptions* nopts_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  detail::publish_tracker tracker_;
};

}  // namespace rstreams::bus
