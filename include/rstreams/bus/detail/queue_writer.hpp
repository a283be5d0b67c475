#pragma once
// A micro-batch of records bound for one queue, appended as one backend call.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/clock.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace rstreams::bus::detail {

template <backend B>
class queue_writer {
 public:
  queue_writer(B& bus, std::string queue, const queue_write_options& opts)
      : bus_(&bus),
        queue_(std::move(queue)),
        records_(opts.records),
        bytes_limit_(opts.bytes),
        age_(opts.time) {
    validate_queue_name(queue_);
    buf_.reserve(records_);
  }

  [[nodiscard]] const std::string& queue() const noexcept { return queue_; }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }

  /// Adds a record; `now` dates the batch when it is the first.
  void add(record&& r, clock::time_point now) {
    if (n_ == 0) first_at_ = now;
    bytes_ += r.payload.size();
    if (n_ < buf_.size())
      buf_[n_] = std::move(r);
    else
      buf_.push_back(std::move(r));
    ++n_;
  }

  /// The record the next `commit_slot` adds, to be filled in place: a record of an earlier
  /// batch whose strings keep their capacity, so that steady state allocates nothing. Every
  /// field must be assigned (the eid is cleared).
  record& slot() {
    if (n_ == buf_.size()) buf_.emplace_back();
    auto& r = buf_[n_];
    r.eid.clear();
    return r;
  }
  /// Adds the record filled through `slot()`.
  void commit_slot(clock::time_point now) {
    if (n_ == 0) first_at_ = now;
    bytes_ += buf_[n_].payload.size();
    ++n_;
  }

  /// True when the batch reached its record or byte limit.
  [[nodiscard]] bool full() const noexcept { return n_ >= records_ || bytes_ >= bytes_limit_; }
  /// True when the batch is full or its first record is older than the time limit.
  [[nodiscard]] bool due(clock::time_point now) const noexcept {
    return n_ != 0 && (full() || now - first_at_ >= age_);
  }

  /// From now on `flush` appends without the backend's sync (backend_deferring_sync): the
  /// owner makes the batches durable with `sync()` before committing anything that depends on
  /// them.
  void defer_sync() noexcept { deferred_ = true; }
  /// Makes durable what deferred flushes appended (nothing to do otherwise). Safe on another
  /// thread than the one adding and flushing (it reads only what `defer_sync` set).
  void sync() const {
    if constexpr (backend_deferring_sync<B>)
      if (deferred_) bus_->sync_appended(queue_);
  }

  /// Appends the batch (durable per the backend's policy on return, or once `sync()` returns
  /// after `defer_sync()`); returns how many records. The records stay allocated for reuse (up
  /// to the record limit).
  std::size_t flush() {
    if (n_ == 0) return 0;
    const std::span<record> batch(buf_.data(), n_);
    if constexpr (backend_deferring_sync<B>)
      last_eid_ = deferred_ ? bus_->append_unsynced(queue_, batch) : bus_->append(queue_, batch);
    else
      last_eid_ = bus_->append(queue_, batch);
    const auto n = n_;
    written_ += n;
    n_ = 0;
    bytes_ = 0;
    if (buf_.size() > records_) buf_.resize(records_);
    return n;
  }

  /// Records appended so far, and the eid of the last.
  [[nodiscard]] std::uint64_t written() const noexcept { return written_; }
  [[nodiscard]] const std::string& last_eid() const noexcept { return last_eid_; }

 private:
  B* bus_;
  std::string queue_;
  std::size_t records_;
  std::size_t bytes_limit_;
  clock::duration age_;
  std::vector<record> buf_;  // [0, n_) pending; the rest kept for reuse
  std::size_t n_ = 0;
  std::size_t bytes_ = 0;
  clock::time_point first_at_{};
  std::string last_eid_;
  std::uint64_t written_ = 0;
  bool deferred_ = false;
};

}  // namespace rstreams::bus::detail
