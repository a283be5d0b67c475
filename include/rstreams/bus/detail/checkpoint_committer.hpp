#pragma once
// Commits one bot's checkpoint on one queue by compare-and-set: every N completed records or
// T time, and at the end; a commit that finds the checkpoint moved by another instance throws
// stale_checkpoint unless forced. Optionally on a background thread, each commit after a sync
// of what it covers (so that the syncs overlap the bot's next work).

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/checkpoint_tracker.hpp>
#include <rstreams/bus/detail/payload_codec.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/core/clock.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace rstreams::bus::detail {

template <backend B>
class checkpoint_committer {
 public:
  /// `expected` is the checkpoint the bot started from (what a compare-and-set expects).
  checkpoint_committer(B& bus, std::string bot, std::string queue, std::optional<checkpoint> expected,
                       const checkpoint_options& opts)
      : bus_(&bus), bot_(std::move(bot)), queue_(std::move(queue)), opts_(opts) {
    if (expected) {
      expected_eid_ = expected->eid;
      total_ = expected->records;
    }
  }

  /// Loads the stored checkpoint as the one expected.
  static checkpoint_committer load(B& bus, std::string bot, std::string queue,
                                   const checkpoint_options& opts) {
    auto cp = bus.get_checkpoint(bot, queue);
    return checkpoint_committer(bus, std::move(bot), std::move(queue), std::move(cp), opts);
  }

  /// Records a newly complete position (from a tracker's `take`); commits when N records or T
  /// time have passed since the last commit.
  void offer(watermark w, clock::time_point now) {
    if (!started_) {
      last_commit_at_ = now;
      started_ = true;
    }
    pending_records_ += w.records;
    pending_ = std::move(w);
    if (pending_records_ >= opts_.records || now - last_commit_at_ >= opts_.time) commit(now);
  }

  /// True when a pending position waits and its time has come.
  [[nodiscard]] bool due(clock::time_point now) const noexcept {
    return pending_.has_value() && started_ && now - last_commit_at_ >= opts_.time;
  }

  /// From now on commits run on a background thread, in order: each first calls `sync` (which
  /// must make durable everything the checkpoint covers: the outputs appended before it was
  /// offered), then commits. `commit` hands a position over and returns; while one commit runs,
  /// later positions wait in one slot (the newest replaces the older: committing it covers
  /// both), and `commit` blocks while that slot covers `max_waiting` records or more: beside the
  /// work in progress, what is unsynced is at most one running commit's and `max_waiting`
  /// records' outputs. A failure (an I/O error,
  /// stale_checkpoint) is thrown by the next `commit` or `drain`; nothing is committed after it.
  void commit_in_background(std::function<void()> sync, std::uint64_t max_waiting) {
    bg_ = std::make_unique<background>();
    bg_->sync = std::move(sync);
    bg_->max_waiting = max_waiting == 0 ? 1 : max_waiting;
    auto* b = bg_.get();
    b->thread = std::thread([this, b] { run_background(*b); });
  }

  /// Waits until every commit handed to the background thread is done; throws its failure.
  void drain() {
    if (!bg_) return;
    std::unique_lock l(bg_->mu);
    bg_->done.wait(l, [&] { return bg_->error || (!bg_->waiting && !bg_->running); });
    if (bg_->error) std::rethrow_exception(bg_->error);
  }

  /// Movable until `commit_in_background` (its thread works on this object).
  checkpoint_committer(checkpoint_committer&& o) noexcept
      : bus_(o.bus_),
        bot_(std::move(o.bot_)),
        queue_(std::move(o.queue_)),
        opts_(o.opts_),
        expected_eid_(std::move(o.expected_eid_)),
        total_(o.total_),
        pending_(std::move(o.pending_)),
        pending_records_(o.pending_records_),
        last_commit_at_(o.last_commit_at_),
        started_(o.started_),
        commits_(o.commits_.load(std::memory_order_relaxed)) {}
  checkpoint_committer& operator=(checkpoint_committer&&) = delete;
  checkpoint_committer(const checkpoint_committer&) = delete;
  checkpoint_committer& operator=(const checkpoint_committer&) = delete;
  /// Finishes the commits handed over (each after its sync: never one ahead of its events).
  ~checkpoint_committer() {
    if (!bg_) return;
    {
      std::lock_guard l(bg_->mu);
      bg_->stop = true;
    }
    bg_->work.notify_one();
    bg_->thread.join();
  }

  /// Commits the pending position now, if any.
  void commit(clock::time_point now) {
    if (!pending_) return;
    checkpoint next;
    next.eid = pending_->eid;
    next.records = total_ + pending_records_;
    next.source_timestamp = pending_->source_timestamp;
    next.updated_at = now_ms();
    if (bg_) {
      std::unique_lock l(bg_->mu);
      bg_->done.wait(l,
                     [&] { return bg_->error || !bg_->waiting || bg_->waiting_records < bg_->max_waiting; });
      if (bg_->error) std::rethrow_exception(bg_->error);
      if (bg_->waiting) {
        bg_->waiting->next = next;  // covers the one it replaces: same expected eid
      } else {
        bg_->waiting.emplace(job{expected_eid_, next});
        bg_->waiting_records = 0;
      }
      bg_->waiting_records += pending_records_;
      l.unlock();
      bg_->work.notify_one();
    } else {
      bus_->commit_checkpoint(bot_, queue_, expected_eid_, next, opts_.force);
      commits_.fetch_add(1, std::memory_order_relaxed);
    }
    expected_eid_ = next.eid;
    total_ = next.records;
    pending_records_ = 0;
    pending_.reset();
    last_commit_at_ = now;
  }

  /// The last committed eid (or the one started from).
  [[nodiscard]] const std::optional<std::string>& committed() const noexcept { return expected_eid_; }
  /// Commits done (a position replaced in the background slot before its turn is not one).
  [[nodiscard]] std::uint64_t commits() const noexcept { return commits_.load(std::memory_order_relaxed); }
  [[nodiscard]] const std::string& queue() const noexcept { return queue_; }

 private:
  struct job {
    std::optional<std::string> expected;
    checkpoint next;
  };
  struct background {
    std::function<void()> sync;
    std::uint64_t max_waiting = 1;
    std::mutex mu;
    std::condition_variable work;  // a job waits, or stop
    std::condition_variable done;  // a job finished or failed
    std::optional<job> waiting;
    std::uint64_t waiting_records = 0;
    bool running = false;
    bool stop = false;
    std::exception_ptr error;
    std::thread thread;
  };

  void run_background(background& b) {
    std::unique_lock l(b.mu);
    for (;;) {
      b.work.wait(l, [&] { return b.stop || b.waiting.has_value(); });
      if (!b.waiting || b.error) return;
      job j = std::move(*b.waiting);
      b.waiting.reset();
      b.running = true;
      b.done.notify_all();  // the slot is free again
      l.unlock();
      std::exception_ptr failed;
      try {
        b.sync();
        bus_->commit_checkpoint(bot_, queue_, j.expected, j.next, opts_.force);
        commits_.fetch_add(1, std::memory_order_relaxed);
      } catch (...) {
        failed = std::current_exception();
      }
      l.lock();
      b.running = false;
      if (failed) {
        b.error = failed;
        b.waiting.reset();
      }
      b.done.notify_all();
    }
  }

  B* bus_;
  std::string bot_;
  std::string queue_;
  checkpoint_options opts_;
  std::optional<std::string> expected_eid_;
  std::uint64_t total_ = 0;
  std::optional<watermark> pending_;
  std::uint64_t pending_records_ = 0;
  clock::time_point last_commit_at_{};
  bool started_ = false;
  std::atomic<std::uint64_t> commits_{0};
  std::unique_ptr<background> bg_;  // last: its thread is joined before the rest goes
};

}  // namespace rstreams::bus::detail
