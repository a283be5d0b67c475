#pragma once
// The event bus on NATS JetStream: a queue is a stream, checkpoints and leases live in
// JetStream key-value buckets. Models `rstreams::bus::backend`. A short facade over:
//   nats_state.hpp           what a handle owns (connection, tails, cursors, buckets, locks)
//   stream_info.hpp          stream state, the eid at a sequence, eid -> sequence search, listing
//   stream_log.hpp           appending: eids, the publish ordering chain, cut batches
//   stream_reader.hpp        reading: cursors (ephemeral consumers), fetches, waiting
//   kv_store.hpp             checkpoints (compare-and-set) and bot state
//   checkpoint_consumer.hpp  the optional durable consumer mirroring each checkpoint
//   nats_lease.hpp           bot leases
// `open_bus("nats://...")` opens it with <rstreams/bus/nats/register.hpp>.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/nats/connection.hpp>
#include <rstreams/bus/nats/kv_store.hpp>
#include <rstreams/bus/nats/nats_error.hpp>
#include <rstreams/bus/nats/nats_lease.hpp>
#include <rstreams/bus/nats/nats_options.hpp>
#include <rstreams/bus/nats/nats_state.hpp>
#include <rstreams/bus/nats/stream_info.hpp>
#include <rstreams/bus/nats/stream_log.hpp>
#include <rstreams/bus/nats/stream_reader.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>

#include <chrono>
#include <cstddef>
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
    return detail::nats_append(*state_, queue, records);
  }

  /// Appends to `out` up to `max` records of `queue` with eid > `after`; returns how many.
  std::size_t read(std::string_view queue, std::string_view after, std::size_t max,
                   std::vector<record>& out) {
    validate_queue_name(queue);
    validate_position(after);
    if (max == 0) return 0;
    return detail::nats_read(*state_, queue, after, max, out);
  }

  /// Blocks until `queue` has a record after `after` (true), `timeout` passes or `stop` is
  /// requested (false). Woken by the server (a subscription on the queue's subject).
  bool wait(std::string_view queue, std::string_view after, std::chrono::milliseconds timeout,
            std::stop_token stop = {}) {
    validate_queue_name(queue);
    validate_position(after);
    return detail::nats_wait(*state_, queue, after, timeout, stop);
  }

  std::optional<checkpoint> get_checkpoint(std::string_view bot, std::string_view queue) {
    validate_bot_name(bot);
    validate_queue_name(queue);
    return detail::nats_get_checkpoint(*state_, bot, queue);
  }

  /// Compare-and-set of `bot`'s checkpoint on `queue` (see the class comment).
  void commit_checkpoint(std::string_view bot, std::string_view queue,
                         const std::optional<std::string>& expected_eid, const checkpoint& next,
                         bool force = false) {
    validate_bot_name(bot);
    validate_queue_name(queue);
    detail::nats_commit_checkpoint(*state_, bot, queue, expected_eid, next, force);
  }

  std::vector<queue_info> queues() { return detail::nats_list_queues(*state_); }

  std::vector<bot_info> bots() { return detail::nats_bots(*state_); }

  /// The bot runtime's stored state of `bot` (see bot_state and the class comment), or nothing
  /// when none was stored. An entry that is not bot_state JSON throws io_error naming its key.
  std::optional<bot_state> get_bot_state(std::string_view bot) {
    validate_bot_name(bot);
    return detail::nats_get_bot_state(*state_, bot);
  }

  /// Replaces `bot`'s stored state (one key-value put: readers see the old or the new value).
  void put_bot_state(std::string_view bot, const bot_state& s) {
    validate_bot_name(bot);
    detail::nats_put_bot_state(*state_, bot, s);
  }

  /// One active instance per bot: a key in `<prefix>_leases` holding owner and expiry, taken
  /// when absent or expired, by revision (so two takers cannot both win).
  std::optional<lease> try_lease(std::string_view bot, std::chrono::milliseconds ttl) {
    validate_bot_name(bot);
    return detail::nats_try_lease(state_, bot, ttl);
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

  std::shared_ptr<detail::nats_state> state_;
};

static_assert(backend<nats_backend>);
static_assert(stores_bot_state<nats_backend>);

}  // namespace rstreams::bus
