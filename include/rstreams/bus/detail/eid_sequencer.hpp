#pragma once
// How every backend numbers a queue's records: each eid strictly after the last one stored.
// The time is the store's clock in ms; a clock that stands still or goes back keeps the last
// ms and bumps the 7-digit sequence, borrowing the next ms once the sequence is exhausted.

#include <rstreams/bus/eid.hpp>

#include <cstdint>
#include <cstring>
#include <string>

namespace rstreams::bus::detail {

/// The eid sequence of one queue, and the writer of its text: the "z/YYYY/MM/DD/HH/mm/<ms>-"
/// part is made once per ms (its date part once per minute) and, within a batch, the sequence
/// digits are stepped like an odometer instead of dividing by ten seven times (the divisions
/// were the costliest part of encoding an append). Eids are written into the caller's string,
/// which allocates nothing when it already has the capacity.
class eid_sequencer {
 public:
  /// Where the sequence stands: the last eid assigned, if any.
  struct position {
    bool has_last = false;
    eid_parts last{};
  };

  [[nodiscard]] const position& where() const noexcept { return pos_; }
  /// Continues after `p` (e.g. restored when a batch that failed is abandoned).
  void restore(const position& p) noexcept { pos_ = p; }
  /// Continues after the eid `last`, as found in the store.
  void continue_after(const eid_parts& last) noexcept { pos_ = {true, last}; }
  /// An empty queue: the next eid is the clock's.
  void reset() noexcept { pos_ = {}; }

  /// Takes a caller-given eid as the next one (an import keeping eids); false, and nothing
  /// changes, when it is not strictly after the last.
  bool take(const eid_parts& p) noexcept {
    if (pos_.has_last && !(pos_.last < p)) return false;
    pos_ = {true, p};
    return true;
  }

  /// The next eid for a record stored at `now_ms`, written into `out`; returns its parts.
  const eid_parts& next(std::int64_t now_ms, std::string& out) {
    eid_parts& p = pos_.last;
    if (!pos_.has_last || now_ms > p.ms) {
      p = {now_ms, 0};
    } else if (p.seq < eid_max_seq) {
      ++p.seq;
    } else {
      ++p.ms;
      p.seq = 0;
    }
    pos_.has_last = true;
    write(out, p.ms, p.seq);
    return p;
  }

 private:
  static constexpr std::size_t seq_digits = 7;  // make_eid pads the sequence to 7 digits

  void write(std::string& out, std::int64_t ms, std::uint32_t seq) {
    if (ms != ms_) {
      const auto minute = ms / 60'000;
      if (minute != minute_) {
        minute_text_ = make_eid(ms, 0).substr(0, eid_ms_at);
        minute_ = minute;
      }
      ms_text_ = minute_text_;
      eid_append_padded(ms_text_, static_cast<std::uint64_t>(ms), 1);
      ms_text_.push_back('-');
      ms_ = ms;
    }
    if (digits_valid_ && seq == digits_seq_ + 1) {
      for (std::size_t i = seq_digits; i-- > 0;) {
        if (digits_[i] != '9') {
          ++digits_[i];
          break;
        }
        digits_[i] = '0';
      }
    } else {
      auto v = seq;
      for (std::size_t i = seq_digits; i-- > 0; v /= 10) digits_[i] = static_cast<char>('0' + v % 10);
    }
    digits_seq_ = seq;
    digits_valid_ = true;
    const auto n = ms_text_.size();
    out.resize(n + seq_digits);
    char* at = out.data();
    std::memcpy(at, ms_text_.data(), n);
    std::memcpy(at + n, digits_, seq_digits);
  }

  position pos_;
  std::int64_t minute_ = -1;
  std::string minute_text_;  // "z/YYYY/MM/DD/HH/mm/" of minute_
  std::int64_t ms_ = -1;
  std::string ms_text_;           // "z/YYYY/MM/DD/HH/mm/<ms>-" of ms_
  char digits_[seq_digits] = {};  // the sequence text of digits_seq_
  std::uint32_t digits_seq_ = 0;
  bool digits_valid_ = false;
};

}  // namespace rstreams::bus::detail
