#pragma once
// The low watermark of a bot's progress on one input queue: which read position may be
// committed because everything derived from it, and from every event before it, is durable.

#include <rstreams/core/error.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams::bus {

/// A position that may be committed: the last input eid covered, how many inputs became
/// complete since the previous `take`, and the source timestamp of that last input.
struct watermark {
  std::string eid;
  std::uint64_t records = 0;
  std::int64_t source_timestamp = 0;
};

/// Tracks the inputs a bot has read from one queue until everything derived from them is
/// durably written, and yields the highest position that is safe to commit: every input up to
/// it has been `finished` by the transform, and every output derived from it `written`.
///
/// * 1 -> 0: an input that derives nothing is complete as soon as it is finished.
/// * 1 -> N: each output holds its input; the input completes when the last of them is written.
/// * N -> 1: an output derived from inputs [first, last] holds all of them until it is written.
///
/// Inputs are identified by the ticket `read` returns (cheap) or by their eid (inputs arrive in
/// eid order, so a lookup is a binary search, and O(1) at either end of the window).
/// Not thread-safe: one tracker belongs to one bot run.
class checkpoint_tracker {
 public:
  using ticket = std::uint64_t;

  /// Registers the next input (eids strictly increase); it stays open until `finished`.
  ticket read(std::string eid, std::int64_t source_timestamp = 0) {
    if (!window_.empty() && !(window_.back().eid < eid))
      throw error("rstreams: checkpoint_tracker: input \"" + eid + "\" read after \"" + window_.back().eid +
                  "\"; inputs must arrive in eid order");
    if (window_.empty() && last_ && !(last_->eid < eid))
      throw error("rstreams: checkpoint_tracker: input \"" + eid + "\" read after the committed position \"" +
                  last_->eid + "\"");
    window_.push_back(entry{std::move(eid), source_timestamp, 0, false});
    return base_ + window_.size() - 1;
  }

  /// An output derived from inputs [first, last] is in flight (not yet durable).
  void derived(ticket first, ticket last) { adjust(first, last, +1); }
  void derived(ticket t) { adjust(t, t, +1); }
  /// The output derived from inputs [first, last] is durable.
  void written(ticket first, ticket last) { adjust(first, last, -1); }
  void written(ticket t) { adjust(t, t, -1); }

  /// The transform is done with input `t`: it will derive nothing more from it.
  void finished(ticket t) { at(t, "finished").finished = true; }
  /// The transform is done with every input up to and including `t`.
  void finished_through(ticket t) {
    check(t, "finished_through");
    for (auto i = static_cast<std::size_t>(t - base_) + 1; i-- > 0;) {
      if (window_[i].finished) break;
      window_[i].finished = true;
    }
  }

  /// The same by eid (the correlation of an output names its parents' eids).
  [[nodiscard]] ticket find(std::string_view eid) const {
    if (const auto t = lookup(eid)) return *t;
    throw error("rstreams: checkpoint_tracker: eid \"" + std::string(eid) + "\" is not an input in flight");
  }
  /// The ticket of an input in flight, or nothing.
  [[nodiscard]] std::optional<ticket> lookup(std::string_view eid) const {
    if (!window_.empty()) {
      if (window_.back().eid == eid) return base_ + window_.size() - 1;
      if (window_.front().eid == eid) return base_;
      const auto it = std::lower_bound(window_.begin(), window_.end(), eid,
                                       [](const entry& e, std::string_view x) { return e.eid < x; });
      if (it != window_.end() && it->eid == eid) return base_ + static_cast<ticket>(it - window_.begin());
    }
    return std::nullopt;
  }
  void derived(std::string_view first, std::string_view last) {
    derived(find(first), find(last.empty() ? first : last));
  }
  void written(std::string_view first, std::string_view last) {
    written(find(first), find(last.empty() ? first : last));
  }
  void finished(std::string_view eid) { finished(find(eid)); }

  /// Moves the watermark over the complete inputs at the front and returns it when it moved
  /// since the last `take` (records = inputs completed since then), else nothing.
  std::optional<watermark> take() {
    advance();
    if (completed_ == 0) return std::nullopt;
    watermark w = *last_;
    w.records = completed_;
    completed_ = 0;
    return w;
  }

  /// The highest complete position so far (after advancing), whether taken or not.
  [[nodiscard]] const std::optional<watermark>& position() {
    advance();
    return last_;
  }

  /// The eid of an input in flight (the reference stays valid until the input completes).
  [[nodiscard]] const std::string& eid(ticket t) const {
    check(t, "eid");
    return window_[static_cast<std::size_t>(t - base_)].eid;
  }

  /// Inputs read but not yet complete.
  [[nodiscard]] std::size_t in_flight() const noexcept { return window_.size(); }
  /// Inputs completed and not yet taken.
  [[nodiscard]] std::uint64_t pending_records() {
    advance();
    return completed_;
  }

 private:
  struct entry {
    std::string eid;
    std::int64_t source_timestamp;
    std::int64_t outputs;  // derived, not yet written
    bool finished;
  };

  // Called several times per event: the test stays inline, the message out of line.
  void check(ticket t, const char* what) const {
    if (t < base_ || t - base_ >= window_.size()) [[unlikely]]
      not_in_flight(t, what);
  }
  [[noreturn, gnu::cold, gnu::noinline]] static void not_in_flight(ticket t, const char* what) {
    throw error(std::string("rstreams: checkpoint_tracker: ") + what + " on ticket " + std::to_string(t) +
                ", which is not an input in flight (complete or never read)");
  }
  entry& at(ticket t, const char* what) {
    check(t, what);
    return window_[static_cast<std::size_t>(t - base_)];
  }

  void adjust(ticket first, ticket last, std::int64_t delta) {
    if (last < first) std::swap(first, last);
    check(first, delta > 0 ? "derived" : "written");
    check(last, delta > 0 ? "derived" : "written");
    // Iterators, not indexes: each deque index is a division and a pointer chase.
    const auto from = window_.begin() + static_cast<std::ptrdiff_t>(first - base_);
    const auto to = from + static_cast<std::ptrdiff_t>(last - first) + 1;
    if (delta < 0)
      for (auto it = from; it != to; ++it)
        if (it->outputs + delta < 0) [[unlikely]]
          more_written_than_derived(it->eid);
    for (auto it = from; it != to; ++it) it->outputs += delta;
  }

  [[noreturn, gnu::cold, gnu::noinline]] static void more_written_than_derived(const std::string& eid) {
    throw error("rstreams: checkpoint_tracker: more outputs written than derived for input \"" + eid + "\"");
  }

  void advance() {
    while (!window_.empty() && window_.front().finished && window_.front().outputs == 0) {
      auto& f = window_.front();
      if (!last_) last_.emplace();
      last_->eid = std::move(f.eid);
      last_->source_timestamp = f.source_timestamp;
      window_.pop_front();
      ++base_;
      ++completed_;
    }
  }

  std::deque<entry> window_;
  ticket base_ = 0;
  std::optional<watermark> last_;
  std::uint64_t completed_ = 0;
};

}  // namespace rstreams::bus
