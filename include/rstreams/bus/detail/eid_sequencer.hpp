#pragma once
// How every backend numbers a queue's records: each eid strictly after the last one stored.
// The time is the store's clock in ms; a clock that stands still or goes back keeps the last
// ms and bumps the 7-digit sequence, borrowing the next ms once the sequence is exhausted.

#include <rstreams/bus/eid.hpp>

#include <bit>
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
  [[gnu::always_inline]] inline const eid_parts& next(std::int64_t now_ms, std::string& out) {
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

  /// The eids of one batch, stepped in the caller's registers: the sequencer's state is held
  /// in locals (a member of a sequencer, which the caller's stores into eid strings may alias,
  /// is read and written back for each record) and written back by commit(). While a run is
  /// open, only the run steps its sequencer; without commit() (a batch abandoned) the sequencer
  /// stays at the run's first eid, as restore() expects.
  class run {
   public:
    explicit run(eid_sequencer& s) noexcept : s_(&s) {}

    /// As eid_sequencer::next.
    [[gnu::always_inline]] inline eid_parts next(std::int64_t now_ms, std::string& out) {
      if (!live_ || now_ms > ms_ || seq_ == eid_max_seq) [[unlikely]] {
        put_back();
        const auto p = start(*s_, now_ms, out);
        live_ = true;
        ms_ = p.ms;
        seq_ = p.seq;
        tail_ = s_->tail_;
        n_ = s_->prefix_len_ + seq_digits;
        return p;
      }
      ++seq_;
      tail_ = (tail_ >> 56) != '9' ? tail_ + (std::uint64_t{1} << 56) : carry(tail_);
      const auto n = n_;
      if (out.size() != n) out.resize(n);
      char* at = out.data();
      const char* text = s_->text_;
      if (n >= 32 && n <= 56) {  // three blocks cover up to 56 (standard eids are 40-42)
        std::memcpy(at, text, 16);
        std::memcpy(at + 16, text + 16, 16);
        std::memcpy(at + n - 24, text + n - 24, 16);
      } else {
        std::memcpy(at, text, n - seq_digits - 1);
      }
      const std::uint64_t tail =
          std::endian::native == std::endian::little ? tail_ : __builtin_bswap64(tail_);
      std::memcpy(at + n - 8, &tail, 8);
      return {ms_, seq_};
    }

    /// Whether next(now_ms, ...) steps within the run's ms (started, the sequence not at its
    /// end), writing an eid of length() characters.
    [[nodiscard]] bool steps_within_ms(std::int64_t now_ms) const noexcept {
      return live_ && now_ms <= ms_ && seq_ != eid_max_seq;
    }
    /// The length of the eids the run writes within its ms.
    [[nodiscard]] std::size_t length() const noexcept { return n_; }

    /// Writes the run's position back into the sequencer.
    void commit() noexcept { put_back(); }

   private:
    void put_back() noexcept {
      if (!live_) return;
      s_->pos_ = {true, {ms_, seq_}};
      s_->tail_ = tail_;
      s_->digits_seq_ = seq_;
      s_->digits_valid_ = true;
    }

    // The first eid of the run, or one that needs the sequencer's own step (a new ms).
    [[gnu::noinline]] static eid_parts start(eid_sequencer& s, std::int64_t now_ms, std::string& out) {
      return s.next(now_ms, out);
    }

    eid_sequencer* s_;
    bool live_ = false;
    std::int64_t ms_ = 0;
    std::uint32_t seq_ = 0;
    std::uint64_t tail_ = 0;
    std::size_t n_ = 0;  // the eid's length
  };

 private:
  static constexpr std::size_t seq_digits = 7;  // make_eid pads the sequence to 7 digits
  static constexpr std::size_t text_cap = 64;   // a standard eid is at most 42 characters

  // Inlined into the caller's loop. Within one ms only the digits change: they live in a
  // register-sized integer, stepped there (writing a digit into a buffer and then copying the
  // buffer with wider loads stalls store forwarding, which cost more than all else here).
  [[gnu::always_inline]] inline void write(std::string& out, std::int64_t ms, std::uint32_t seq) {
    if (ms != ms_) new_ms(ms);
    if (digits_valid_ && seq == digits_seq_ + 1 && (tail_ >> 56) != '9')
      tail_ += std::uint64_t{1} << 56;  // the last digit is the highest byte
    else
      tail_ = digits_valid_ && seq == digits_seq_ + 1 ? carry(tail_) : make_tail(seq);
    digits_seq_ = seq;
    digits_valid_ = true;
    const auto n = prefix_len_ + seq_digits;
    if (out.size() != n) out.resize(n);
    char* at = out.data();
    // The prefix but its '-' (fixed-size copies where it is long enough: inlined, unlike a
    // call for `n` bytes), then '-' and the digits in one store.
    if (n >= 32) {
      std::memcpy(at, text_, 16);
      std::memcpy(at + 16, text_ + 16, 16);
      std::memcpy(at + n - 24, text_ + n - 24, 16);
    } else {
      std::memcpy(at, text_, prefix_len_ - 1);
    }
    const std::uint64_t tail = std::endian::native == std::endian::little ? tail_ : __builtin_bswap64(tail_);
    std::memcpy(at + n - 8, &tail, 8);
  }

  // A new ms: its prefix (the minute's part made once per minute).
  [[gnu::noinline]] void new_ms(std::int64_t ms) {
    const auto minute = ms / 60'000;
    if (minute != minute_) {
      minute_text_ = make_eid(ms, 0).substr(0, eid_ms_at);
      minute_ = minute;
    }
    std::string prefix = minute_text_;
    eid_append_padded(prefix, static_cast<std::uint64_t>(ms), 1);
    prefix.push_back('-');
    std::memcpy(text_, prefix.data(), prefix.size());
    prefix_len_ = prefix.size();
    ms_ = ms;
    digits_valid_ = false;
  }

  // `t` (see make_tail) plus one, its last digit a 9: trailing 9s become 0s, the digit before
  // them goes up (one record in ten; make_tail's seven divisions cost more than the rest of
  // the eid). Not called for 9999999, the last sequence of a ms.
  static std::uint64_t carry(std::uint64_t t) noexcept {
    int shift = 56;
    for (; ((t >> shift) & 0xFF) == '9'; shift -= 8) t -= std::uint64_t{9} << shift;
    return t + (std::uint64_t{1} << shift);
  }

  // '-' and the 7 digits of `v`, as the bytes of a little-endian integer (first in memory, lowest).
  static std::uint64_t make_tail(std::uint32_t v) noexcept {
    std::uint64_t t = static_cast<unsigned char>('-');
    for (int i = 7; i >= 1; --i, v /= 10) t |= static_cast<std::uint64_t>('0' + v % 10) << (8 * i);
    return t;
  }

  position pos_;
  std::int64_t minute_ = -1;
  std::string minute_text_;  // "z/YYYY/MM/DD/HH/mm/" of minute_
  std::int64_t ms_ = -1;
  char text_[text_cap] = {};  // "z/YYYY/MM/DD/HH/mm/<ms>-" of ms_, prefix_len_ bytes
  std::size_t prefix_len_ = 0;
  std::uint64_t tail_ = 0;  // '-' and the digits of digits_seq_ (see make_tail)
  std::uint32_t digits_seq_ = 0;
  bool digits_valid_ = false;
};

}  // namespace rstreams::bus::detail
