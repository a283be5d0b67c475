#pragma once
// A queue as an rstreams source of events, read strictly after a start position.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/checkpoint_expired.hpp>
#include <rstreams/bus/corrupt_policy.hpp>
#include <rstreams/bus/detail/payload_codec.hpp>
#include <rstreams/bus/detail/reuse_text.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/event.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams::bus {

/// Where and how long `read` reads.
struct queue_read_options {
  /// Read strictly after this eid or eid prefix ("" or "z/" = from the beginning). Unset: after
  /// the bot's checkpoint on the queue, or from the beginning when it has none.
  std::optional<std::string> start{};
  /// Stop after this many events.
  std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
  /// Stop once this much time has passed since the run started (the run's clock).
  std::optional<std::chrono::milliseconds> run_time{};
  /// At the end of the queue, wait for new events (until stopped, the limit or the run time)
  /// instead of ending.
  bool follow = false;
  /// Records fetched per backend call.
  std::size_t batch = 1000;
  /// In follow mode, the longest single wait before the run time and stop are checked again
  /// (a stop request ends a wait at once either way).
  std::chrono::milliseconds poll{1000};
  /// When retention removed events after the start position: fail with checkpoint_expired
  /// (default), or resume from the oldest kept event, counting what was missed.
  expired_policy on_expired = expired_policy::fail;
  /// When the backend finds damaged stored records: fail with corrupt_record (default), or
  /// skip them, counting the events they held (backends with read_skipping_damage; others
  /// refuse with config_error).
  corrupt_policy on_corrupt = corrupt_policy::fail;

  void validate() const {
    if (batch == 0) throw config_error("rstreams::bus::read: queue_read_options.batch must be at least 1");
    if (poll.count() <= 0)
      throw config_error("rstreams::bus::read: queue_read_options.poll must be positive");
    if (start) validate_position(*start);
  }
};

/// Deprecated name of `queue_read_options`, kept for one release.
using read_options
    [[deprecated("use rstreams::bus::queue_read_options; rstreams::file_read_options is the io one")]] =
        queue_read_options;

/// The source `read` returns: events of payload type `T` (or raw `record`s when T is record).
template <backend B, class T>
class read_source : public source_interface<read_source<B, T>> {
 public:
  static constexpr std::string_view name = "read";
  using value_type = std::conditional_t<std::is_same_v<T, record>, record, event<T>>;

  read_source(B& bus, std::string bot, std::string queue, queue_read_options opts)
      : bus_(&bus), bot_(std::move(bot)), queue_(std::move(queue)), opts_(std::move(opts)) {
    validate_bot_name(bot_);
    validate_queue_name(queue_);
    opts_.validate();
  }

  void start(const run_context& ctx) {
    ctx_ = ctx;
    if (opts_.run_time) deadline_ = ctx_.clock->now() + *opts_.run_time;
    resolve();
  }

  template <class F>
  flow push(std::size_t n, F&& f) {
    resolve();
    while (n != 0) {
      if (delivered_ >= opts_.limit) return finish();
      if (next_ == end_ && !refill()) return finish();
      const auto take = std::min<std::uint64_t>({n, end_ - next_, opts_.limit - delivered_});
      for (std::size_t k = 0; k < take; ++k) {
        // A stop request or the run time is seen before every event, not only when a batch
        // runs out: a slow consumer stops within the event in hand. Without a run time this is
        // one atomic load; the clock is read only when a run time is set.
        if (ctx_.stop_requested() || expired()) return finish();
        auto& r = buf_[next_++];
        detail::assign_text(position_, r.eid);
        ++delivered_;
        --n;
        bool go;
        if constexpr (std::is_same_v<T, record>) {
          if (r.event.empty()) r.event = queue_;
          go = f(std::move(r));
        } else {
          go = f(detail::decode_record<T>(std::move(r), queue_));
        }
        if (!go) return delivered_ >= opts_.limit ? finish() : flow::more;
      }
    }
    return flow::more;
  }

  /// The eid of the last event delivered (the start position before the first).
  [[nodiscard]] const std::string& position() const noexcept { return position_; }
  /// Events delivered so far.
  [[nodiscard]] std::uint64_t count() const noexcept { return delivered_; }
  /// Events skipped because retention removed them (only under on_expired = resume).
  [[nodiscard]] std::uint64_t missed() const noexcept { return missed_; }
  /// Events in damaged records skipped (only under on_corrupt = skip).
  [[nodiscard]] std::uint64_t corrupt_skipped() const noexcept { return corrupt_skipped_; }
  /// The bot's checkpoint when the read started (what a checkpoint commit expects to find).
  [[nodiscard]] const std::optional<checkpoint>& started_from() {
    resolve();
    return checkpoint_;
  }
  [[nodiscard]] const std::string& queue() const noexcept { return queue_; }
  /// The run-time limit of the read options (for drivers that consume on another thread).
  [[nodiscard]] const std::optional<std::chrono::milliseconds>& run_time() const noexcept {
    return opts_.run_time;
  }
  [[nodiscard]] const std::string& bot() const noexcept { return bot_; }

  /// Called before each wait in follow mode, so that a consumer sharing this run can flush
  /// and commit what it holds while the queue is idle.
  void on_idle(std::function<void()> hook) { idle_ = std::move(hook); }

 private:
  void resolve() {
    if (resolved_) return;
    resolved_ = true;
    checkpoint_ = bus_->get_checkpoint(bot_, queue_);
    if (opts_.start)
      position_ = *opts_.start == "z/" ? std::string{} : *opts_.start;
    else if (checkpoint_)
      position_ = checkpoint_->eid;
  }

  flow finish() {
    buf_.clear();
    next_ = end_ = 0;
    done_ = true;
    return flow::done;
  }

  bool expired() const { return deadline_ && ctx_.clock->now() >= *deadline_; }

  // Fetches the next batch; false at the end (not following), on stop or when time ran out.
  // A backend reading in place overwrites the records of the previous batch (their strings keep
  // their storage); any other appends to the emptied buffer.
  bool refill() {
    if constexpr (!backend_reading_in_place<B>) buf_.clear();
    next_ = end_ = 0;
    if (done_) return false;
    for (;;) {
      if (ctx_.stop_requested() || expired()) return false;
      const auto want =
          static_cast<std::size_t>(std::min<std::uint64_t>(opts_.batch, opts_.limit - delivered_));
      try {
        const bool skip = opts_.on_corrupt == corrupt_policy::skip;
        if constexpr (backend_reading_in_place<B>) {
          end_ = bus_->read_in_place(queue_, position_, want, buf_, skip ? &corrupt_skipped_ : nullptr);
        } else if (skip) {
          if constexpr (skips_damage<B>) {
            end_ = bus_->read_skipping_damage(queue_, position_, want, buf_, corrupt_skipped_);
          } else {
            throw config_error(
                "rstreams::bus::read: queue_read_options.on_corrupt = skip: this backend cannot "
                "skip damaged records");
          }
        } else {
          end_ = bus_->read(queue_, position_, want, buf_);
        }
        if (end_ != 0) return true;
      } catch (const checkpoint_expired& e) {
        if (opts_.on_expired != expired_policy::resume) throw e.for_bot(bot_);
        missed_ += e.missed();
        position_ = e.removed_through();
        continue;
      }
      if (!opts_.follow) return false;
      if (idle_) idle_();
      auto timeout = opts_.poll;
      if (deadline_) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - ctx_.clock->now());
        if (left.count() <= 0) return false;
        timeout = std::min(timeout, left);
      }
      try {
        bus_->wait(queue_, position_, timeout, ctx_.stop);
      } catch (const checkpoint_expired&) {  // NOLINT(bugprone-empty-catch): the next read reports it
      }
    }
  }

  B* bus_;
  std::string bot_;
  std::string queue_;
  queue_read_options opts_;
  run_context ctx_{};
  std::optional<clock::time_point> deadline_;
  bool resolved_ = false;
  bool done_ = false;
  std::optional<checkpoint> checkpoint_;
  std::string position_;
  std::vector<record> buf_;  // records [next_, end_) are still to deliver
  std::size_t next_ = 0;
  std::size_t end_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t missed_ = 0;
  std::uint64_t corrupt_skipped_ = 0;
  std::function<void()> idle_;
};

template <class T>
struct read_fn {
  /// The events of `queue` after the start position, as bot `bot` reads them.
  template <backend B>
  auto operator()(B& bus, std::string bot, std::string queue, queue_read_options opts = {}) const {
    return read_source<B, T>(bus, std::move(bot), std::move(queue), std::move(opts));
  }
};

/// Reads a queue as a source of `event<T>`, strictly after a start position: the bot's
/// checkpoint by default, or `opts.start` (any eid or prefix). Ends at the end of the queue,
/// after `opts.limit` events or `opts.run_time`; with `opts.follow` it waits for new events
/// (the backend's `wait`) until the run is stopped. Reading commits nothing: checkpoints move
/// when what was derived is written (`write`, `enrich`, `offload`, or `set_checkpoint`).
///
/// Forms: `read(bus, bot, queue[, opts])` (nlohmann::json payloads) ·
///        `read_as<T>(bus, bot, queue[, opts])` (user type with from_json; `record` = raw).
/// A payload that does not decode throws payload_error naming the queue and eid.
/// Demand: fetches `opts.batch` records per backend call; buffers one batch.
template <class T>
inline constexpr read_fn<T> read_as{};
inline constexpr read_fn<nlohmann::json> read{};

}  // namespace rstreams::bus
