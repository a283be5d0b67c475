#pragma once
// Commits one bot's checkpoint on one queue by compare-and-set: every N completed records or
// T time, and at the end; a commit that finds the checkpoint moved by another instance throws
// stale_checkpoint unless forced.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/checkpoint_tracker.hpp>
#include <rstreams/bus/detail/payload_codec.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/core/clock.hpp>

#include <cstdint>
#include <optional>
#include <string>
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

  /// Commits the pending position now, if any.
  void commit(clock::time_point now) {
    if (!pending_) return;
    checkpoint next;
    next.eid = pending_->eid;
    next.records = total_ + pending_records_;
    next.source_timestamp = pending_->source_timestamp;
    next.updated_at = now_ms();
    bus_->commit_checkpoint(bot_, queue_, expected_eid_, next, opts_.force);
    expected_eid_ = next.eid;
    total_ = next.records;
    pending_records_ = 0;
    pending_.reset();
    last_commit_at_ = now;
    ++commits_;
  }

  /// The last committed eid (or the one started from).
  [[nodiscard]] const std::optional<std::string>& committed() const noexcept { return expected_eid_; }
  [[nodiscard]] std::uint64_t commits() const noexcept { return commits_; }
  [[nodiscard]] const std::string& queue() const noexcept { return queue_; }

 private:
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
  std::uint64_t commits_ = 0;
};

}  // namespace rstreams::bus::detail
