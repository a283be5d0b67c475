#pragma once
// The low watermark of a bot's progress on one input queue: which read position may be
// committed because everything derived from it, and from every event before it, is durable.

#include <rstreams/bus/detail/reuse_text.hpp>
#include <rstreams/core/error.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

  /// Registers the next input (eids strictly increase); it stays open until `finished`. The eid
  /// is copied into storage the tracker recycles: a steady run allocates nothing per input.
  ticket read(std::string_view eid, std::int64_t source_timestamp = 0) {
    if (!window_.empty()) {
      if (!(std::string_view(window_.back().eid) < eid)) [[unlikely]]
        out_of_order(eid, window_.back().eid, false);
    } else if (last_ && !(std::string_view(last_->eid) < eid)) [[unlikely]] {
      out_of_order(eid, last_->eid, true);
    }
    auto& e = window_.slot_after_back();
    detail::assign_text(e.eid, eid);
    e.source_timestamp = source_timestamp;
    e.outputs = 0;
    e.finished = false;
    window_.push_back();  // only now: a failed copy of the eid leaves the window as it was
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
      auto& e = window_[i];
      if (e.finished) break;
      e.finished = true;
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
      std::size_t lo = 0, hi = window_.size();  // the first entry whose eid is not below `eid`
      while (lo < hi) {
        const auto mid = lo + (hi - lo) / 2;
        if (std::string_view(window_[mid].eid) < eid)
          lo = mid + 1;
        else
          hi = mid;
      }
      if (lo < window_.size() && window_[lo].eid == eid) return base_ + static_cast<ticket>(lo);
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
    std::int64_t source_timestamp = 0;
    std::int64_t outputs = 0;  // derived, not yet written
    bool finished = false;
  };

  // The inputs in flight, oldest first, in fixed blocks that are recycled rather than freed: an
  // entry's eid keeps its capacity for a later input (no allocation per input once warm), and an
  // entry never moves while it is in the window (a reference to its eid stays valid).
  class window {
   public:
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    entry& operator[](std::size_t i) noexcept {
      const auto p = head_ + i;
      return (*blocks_[p / block_size])[p % block_size];
    }
    const entry& operator[](std::size_t i) const noexcept {
      const auto p = head_ + i;
      return (*blocks_[p / block_size])[p % block_size];
    }
    entry& front() noexcept { return (*this)[0]; }
    const entry& front() const noexcept { return (*this)[0]; }
    const entry& back() const noexcept { return (*this)[size_ - 1]; }

    /// How many entries, from the oldest, satisfy `pred` (a scan block by block).
    template <class Pred>
    [[nodiscard]] std::size_t count_front(Pred pred) const noexcept {
      std::size_t n = 0;
      for (std::size_t b = 0, at = head_; n < size_; ++b, at = 0) {
        const entry* e = blocks_[b]->data() + at;
        const std::size_t k = std::min(block_size - at, size_ - n);
        for (std::size_t i = 0; i < k; ++i)
          if (!pred(e[i])) return n + i;
        n += k;
      }
      return n;
    }

    /// The slot the next entry takes (it holds whatever it held before), allocated if need be.
    entry& slot_after_back() {
      if ((head_ + size_) / block_size == blocks_.size()) blocks_.push_back(std::make_unique<block>());
      return (*this)[size_];
    }
    /// Makes that slot the last entry.
    void push_back() noexcept { ++size_; }
    /// Drops the `n` oldest entries; a block emptied this way moves to the end for reuse.
    void pop_front(std::size_t n) noexcept {
      size_ -= n;
      head_ += n;
      if (size_ == 0) {
        head_ = 0;  // every slot is free: start over in the first block
        return;
      }
      if (const auto spent = head_ / block_size; spent > 0) {
        std::rotate(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(spent), blocks_.end());
        head_ %= block_size;
      }
    }

   private:
    static constexpr std::size_t block_size = 256;
    using block = std::array<entry, block_size>;
    std::vector<std::unique_ptr<block>> blocks_;
    std::size_t head_ = 0;  // the oldest entry's slot in blocks_[0]
    std::size_t size_ = 0;
  };

  [[noreturn, gnu::cold, gnu::noinline]] static void out_of_order(std::string_view eid,
                                                                  const std::string& prev, bool committed) {
    throw error("rstreams: checkpoint_tracker: input \"" + std::string(eid) + "\" read after " +
                (committed ? "the committed position \"" + prev + "\""
                           : "\"" + prev + "\"; inputs must arrive in eid order"));
  }

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
    const auto from = static_cast<std::size_t>(first - base_);
    const auto to = from + static_cast<std::size_t>(last - first) + 1;
    if (delta < 0)
      for (auto i = from; i != to; ++i)
        if (window_[i].outputs + delta < 0) [[unlikely]]
          more_written_than_derived(window_[i].eid);
    for (auto i = from; i != to; ++i) window_[i].outputs += delta;
  }

  [[noreturn, gnu::cold, gnu::noinline]] static void more_written_than_derived(const std::string& eid) {
    throw error("rstreams: checkpoint_tracker: more outputs written than derived for input \"" + eid + "\"");
  }

  // The eid of the newest complete input is swapped into the watermark (both strings keep
  // their storage), not those of the inputs it passes over.
  void advance() {
    const auto n = window_.count_front([](const entry& e) { return e.finished && e.outputs == 0; });
    if (n == 0) return;
    auto& f = window_[n - 1];
    if (!last_) last_.emplace();
    last_->eid.swap(f.eid);
    last_->source_timestamp = f.source_timestamp;
    window_.pop_front(n);
    base_ += n;
    completed_ += n;
  }

  window window_;
  ticket base_ = 0;
  std::optional<watermark> last_;
  std::uint64_t completed_ = 0;
};

}  // namespace rstreams::bus
