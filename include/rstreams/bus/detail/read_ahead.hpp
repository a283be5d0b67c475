#pragma once
// Read-ahead for bot runs: a second thread reads records and decodes their payloads while the
// calling thread runs the user's function, encodes and appends what it derives, and commits.
// On two cores this overlaps the JSON parse with the JSON dump, the two largest costs of an
// enrich bot. The hand-off is bounded (a few batches), ordered, and carries the follow mode's
// idle points and the reader's errors in stream order, so the engine sees exactly what the
// single-threaded run would, in the same order.

#include <rstreams/bus/detail/payload_codec.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/pull.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace rstreams::bus::detail {

/// A record with its payload decoded ahead: `payload` is set, or `error` holds the
/// payload_error that decoding raised.
template <class T>
struct decoded_record {
  record rec;
  std::optional<T> payload;
  std::exception_ptr error;
};

/// Decodes `r`'s payload into `out` (a payload_error is kept, not thrown).
template <class T>
void decode_into(record&& r, std::string_view queue, decoded_record<T>& out) {
  out.payload.reset();
  out.error = nullptr;
  try {
    out.payload.emplace(decode_payload<T>(r.payload, queue, r.eid));
  } catch (const payload_error&) {
    out.error = std::current_exception();
  }
  out.rec = std::move(r);
}

/// What the reader hands over at once: decoded records, and on the way back the payloads the
/// engine is done with. Both are cleared on the reader's thread, which allocated most of that
/// memory: glibc frees are cheapest (and do not contend) on the allocating thread.
template <class T>
struct decoded_batch {
  std::vector<decoded_record<T>> items;
  std::vector<T> spent;

  void clear() noexcept {
    items.clear();
    spent.clear();
  }
};

/// Batches from one producer thread to one consumer, at most `max_batches` in flight. Spent
/// batches travel back (uncleared, see decoded_batch) so that steady state allocates nothing per
/// batch.
template <class Batch>
class batch_handoff {
 public:
  enum class got { batch, idle, end };

  explicit batch_handoff(std::size_t max_batches) : max_(max_batches) {}

  // ---- producer -------------------------------------------------------------------------

  /// Queues a batch (or an idle mark); waits while `max_batches` are queued. False when the
  /// consumer cancelled.
  bool push(Batch&& items, bool idle = false) {
    std::unique_lock lk(mu_);
    not_full_.wait(lk, [&] { return cancelled_ || queue_.size() < max_; });
    if (cancelled_) return false;
    queue_.push_back(message{std::move(items), idle});
    lk.unlock();
    not_empty_.notify_one();
    return true;
  }
  /// A batch the consumer gave back (not cleared yet), or a new one.
  Batch spare() {
    std::lock_guard lk(mu_);
    if (spare_.empty()) return {};
    auto v = std::move(spare_.back());
    spare_.pop_back();
    return v;
  }
  /// No more batches; `error` (if any) reaches the consumer after everything queued.
  void close(std::exception_ptr error = nullptr) {
    {
      std::lock_guard lk(mu_);
      closed_ = true;
      error_ = std::move(error);
    }
    not_empty_.notify_one();
  }

  // ---- consumer -------------------------------------------------------------------------

  /// The next batch (swapped into `out`), an idle mark, or the end.
  got pop(Batch& out) {
    std::unique_lock lk(mu_);
    not_empty_.wait(lk, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return got::end;
    auto m = std::move(queue_.front());
    queue_.pop_front();
    lk.unlock();
    not_full_.notify_one();
    if (m.idle) return got::idle;
    out = std::move(m.items);
    return got::batch;
  }
  /// Hands a consumed batch back for reuse.
  void recycle(Batch&& v) {
    std::lock_guard lk(mu_);
    if (spare_.size() < max_ + 2) spare_.push_back(std::move(v));
  }
  /// The consumer leaves: a waiting or later push returns false.
  void cancel() {
    {
      std::lock_guard lk(mu_);
      cancelled_ = true;
    }
    not_full_.notify_all();
  }
  /// The producer's error, once pop returned the end.
  [[nodiscard]] std::exception_ptr error() const {
    std::lock_guard lk(mu_);
    return error_;
  }

 private:
  struct message {
    Batch items;
    bool idle = false;
  };
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<message> queue_;
  std::vector<Batch> spare_;
  std::size_t max_;
  bool closed_ = false;
  bool cancelled_ = false;
  std::exception_ptr error_;
};

/// Items per hand-off and hand-offs in flight: the reader runs at most ~2k events ahead.
inline constexpr std::size_t read_ahead_batch = 256;
inline constexpr std::size_t read_ahead_depth = 32;

/// Drives `engine` from `src` (a source of `record`s with `on_idle`) with reading and decoding
/// on a thread of its own. The engine gets `accept_decoded(record&&, std::optional<T>&&,
/// const std::exception_ptr&)` per record (with `keep_spent(&v)` around each batch: where it may
/// put payloads it is done with, for the reader to free) and `idle()` where the source went idle (follow mode);
/// then `finish()`, whose result is returned. A stop request or the source's run time ends the
/// run after the event in hand (and ends the reader's waits at once); an exception from the reader is rethrown after
/// the records read before it were handed to the engine, and an exception from the engine
/// stops and joins the reader before it propagates.
template <class T, class S, class E>
decltype(auto) drive_read_ahead(S& src, E& engine, const run_context& ctx) {
  using batch = decoded_batch<T>;
  engine.start(ctx);
  batch_handoff<batch> q(read_ahead_depth);
  std::stop_source reader_stop;
  std::stop_callback link(ctx.stop, [&reader_stop] { reader_stop.request_stop(); });
  run_context rctx = ctx;
  rctx.stop = reader_stop.get_token();
  const std::string queue = src.queue();

  std::thread reader([&] {
    const auto fresh = [&q] {
      batch n = q.spare();
      n.clear();
      n.items.reserve(read_ahead_batch);
      return n;
    };
    batch b;
    bool gone = false;
    try {
      b = fresh();
      // Before the source waits: hand over what is decoded, then the idle mark.
      src.on_idle([&] {
        if (gone) return;
        if (!b.items.empty()) {
          gone = !q.push(std::move(b));
          b = fresh();
        }
        if (!gone) gone = !q.push({}, true);
      });
      rstreams::start(src, rctx);
      while (!gone && !rctx.stop_requested()) {
        const flow f = rstreams::push(src, read_ahead_batch, [&](record&& r) {
          try {
            decode_into<T>(std::move(r), queue, b.items.emplace_back());
          } catch (...) {
            b.items.pop_back();  // not a payload_error: the run fails here
            throw;
          }
          return true;
        });
        if (!b.items.empty()) {
          if (!q.push(std::move(b))) break;
          b = fresh();
        }
        if (f == flow::done) break;
      }
      q.close();
    } catch (...) {
      // What was read before the error goes first, as it would on one thread.
      try {
        if (!gone && !b.items.empty()) q.push(std::move(b));
      } catch (...) {
      }
      q.close(std::current_exception());
    }
  });
  const auto stop_reader = [&] {
    reader_stop.request_stop();
    q.cancel();
    reader.join();
  };

  // The reader runs ahead, so the run time and stop requests are checked here too, before every
  // event the engine gets (the clock only when a run time is set).
  std::optional<clock::time_point> deadline;
  if constexpr (requires { src.run_time(); })
    if (src.run_time()) deadline = ctx.clock->now() + *src.run_time();
  batch b;
  bool ended = false;
  try {
    while (!ctx.stop_requested()) {
      const auto g = q.pop(b);
      if (g == batch_handoff<batch>::got::end) {
        ended = true;
        break;
      }
      if (g == batch_handoff<batch>::got::idle) {
        engine.idle();
        continue;
      }
      bool more = true;
      engine.keep_spent(&b.spent);
      for (auto& it : b.items) {
        if (ctx.stop_requested() || (deadline && ctx.clock->now() >= *deadline)) {
          more = false;
          break;
        }
        if (!engine.accept_decoded(std::move(it.rec), std::move(it.payload), it.error)) {
          more = false;
          break;
        }
      }
      engine.keep_spent(nullptr);
      q.recycle(std::move(b));
      if (!more) break;
    }
  } catch (...) {
    stop_reader();
    throw;
  }
  stop_reader();
  if (ended)
    if (auto e = q.error()) std::rethrow_exception(e);
  return engine.finish();
}

}  // namespace rstreams::bus::detail
