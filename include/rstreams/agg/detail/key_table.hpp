#pragma once
// Per-key state for the keyed operators: keys and values in slots numbered in order of
// appearance (for deterministic iteration; values are reset in place, so vectors inside
// keep their capacity), keys and values in separate arrays (a lookup compares keys packed
// together, so a key space's index stays in L1 however large its values), an open-addressing index, and eviction follows the CLOCK algorithm (an
// update sets the key's reference bit; the eviction hand clears set bits as it sweeps and
// evicts the first key whose bit is clear: a key not updated for a whole sweep). CLOCK
// approximates least-recently-updated at the cost of one byte written per element, where an
// exact recency list costs a few dependent writes. Eviction reuses the evicted key's slot,
// so a fixed key space runs without allocating once every key has been seen.

#include <rstreams/agg/key_limit.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams::detail {

template <class K, class V, class Hash = std::hash<K>, class Eq = std::equal_to<K>>
class key_table {
 public:
  using slot_id = std::uint32_t;
  static constexpr slot_id none = ~slot_id{0};

 private:
  // The index is open addressing with linear probing over 8-byte buckets (the slot and 32
  // bits of the mixed hash), at most half full, so a lookup is a multiply, one or two bucket
  // reads and one key read.
  struct bucket {
    slot_id slot;
    std::uint32_t tag;
  };

 public:
  explicit key_table(key_limit limit = {}) : limit_(limit) { rehash(16); }

  struct found {
    slot_id slot;
    bool inserted;
  };

  /// The slot of `k`, made when missing. `make()` builds the value of a fresh slot; when the
  /// table is full, the key under the CLOCK hand is first passed to `evict(key, value)`, then
  /// its slot is handed to `k` and `reset(value)` prepares the reused value in place.
  /// `evict` may also take the slot as a third argument, for state kept beside the table.
  template <class Make, class Evict, class Reset>
  found touch(const K& k, Make&& make, Evict&& evict, Reset&& reset) {
    const std::uint32_t tag = tag_of(k);
    std::size_t pos = home(tag);
    for (;; pos = (pos + 1) & mask_) {
      const bucket b = buckets_[pos];
      if (b.slot == none) break;
      if (b.tag == tag && eq_(keys_[b.slot], k)) {
        last_ = b.slot;
        referenced_[b.slot] = 1;
        return {b.slot, false};
      }
    }
    if (limit_.bounded && keys_.size() >= limit_.max_keys) {
      const slot_id s = sweep();
      if constexpr (std::is_invocable_v<Evict&, const K&, V&, slot_id>)
        evict(std::as_const(keys_[s]), values_[s], s);
      else
        evict(std::as_const(keys_[s]), values_[s]);
      ++evictions_;
      erase_bucket(tag_of(keys_[s]), s);
      keys_[s] = k;
      reset(values_[s]);
      place(tag, s);
      referenced_[s] = 1;
      last_ = s;
      return {s, true};
    }
    const auto s = static_cast<slot_id>(keys_.size());
    values_.push_back(make());
    try {
      keys_.push_back(k);
    } catch (...) {
      values_.pop_back();
      throw;
    }
    referenced_.push_back(1);
    if (keys_.size() * 2 > buckets_.size())
      rehash(buckets_.size() * 2);  // places every slot, the new one included
    else
      buckets_[pos] = bucket{s, tag};
    last_ = s;
    return {s, true};
  }

  /// A snapshot of the index for lookups of keys already present, to be kept in locals by
  /// a hot loop (no member reloads per element). It stays valid until the next `touch` that
  /// inserts a key (any `touch` returning `inserted`, which may also evict one).
  class probe {
   public:
    /// The slot of `k` (marked as updated, for CLOCK), or `none` when `k` is not present.
    [[nodiscard]] slot_id find(const K& k) const {
      const std::uint32_t tag = tag_hash(k);
      for (std::size_t pos = static_cast<std::size_t>(mix(tag) >> shift_);; pos = (pos + 1) & mask_) {
        const bucket b = buckets_[pos];
        if constexpr (exact_tag) {
          if (b.slot == none) return none;
          if (b.tag == tag) {
            if (referenced_ != nullptr) referenced_[b.slot] = 1;
            return b.slot;
          }
        } else {
          if (b.tag == tag && eq_(keys_[b.slot], k)) {  // an empty bucket's tag (0) matches no key
            if (referenced_ != nullptr) referenced_[b.slot] = 1;
            return b.slot;
          }
          if (b.slot == none) return none;
        }
      }
    }
    [[nodiscard]] V& value(slot_id s) const noexcept { return values_[s]; }
    [[nodiscard]] const K& key(slot_id s) const noexcept { return keys_[s]; }

   private:
    friend class key_table;
    const bucket* buckets_;
    const K* keys_;
    V* values_;
    std::uint8_t* referenced_;  // null while no bit can be clear
    std::size_t mask_;
    unsigned shift_;
    [[no_unique_address]] Eq eq_;
  };
  [[nodiscard]] probe lookup() noexcept {
    probe p;
    p.buckets_ = buckets_.data();
    p.keys_ = keys_.data();
    p.values_ = values_.data();
    // Until the first eviction every reference bit is still set from the key's insertion, so
    // lookups need not mark anything.
    p.referenced_ = swept_ ? referenced_.data() : nullptr;
    p.mask_ = mask_;
    p.shift_ = shift_;
    p.eq_ = eq_;
    return p;
  }

  /// The value of the key found by the last `touch` (no second lookup on the hot path).
  [[nodiscard]] V& last_value() noexcept { return values_[last_]; }
  [[nodiscard]] V& value(slot_id s) noexcept { return values_[s]; }
  [[nodiscard]] const K& key(slot_id s) const noexcept { return keys_[s]; }
  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }
  [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }

  /// Visits every slot in slot order (first appearance; an evicted key's slot is reused).
  template <class F>
  void for_each(F&& f) {
    for (slot_id s = 0; s < keys_.size(); ++s) f(s, std::as_const(keys_[s]), values_[s]);
  }

 private:
  // A bucket's tag: the key itself for small integers with the standard hash (a lookup then
  // never reads the key array), else 32 bits of the mixed hash; `mix(tag)` places it.
  static constexpr bool exact_tag = std::is_integral_v<K> && sizeof(K) <= sizeof(std::uint32_t) &&
                                    std::is_same_v<Hash, std::hash<K>> &&
                                    std::is_same_v<Eq, std::equal_to<K>>;
  static std::uint32_t tag_hash(const K& k) {
    if constexpr (exact_tag) {
      return static_cast<std::uint32_t>(k);
    } else {
      const auto h = static_cast<std::uint64_t>(Hash{}(k)) * 0x9E3779B97F4A7C15ull;
      return static_cast<std::uint32_t>(h >> 32) | 1u;  // never 0, the tag of an empty bucket
    }
  }
  static std::uint32_t mix(std::uint32_t tag) noexcept {
    if constexpr (exact_tag)
      return static_cast<std::uint32_t>((std::uint64_t{tag} * 0x9E3779B97F4A7C15ull) >> 32);
    else
      return tag;
  }
  std::uint32_t tag_of(const K& k) const { return tag_hash(k); }
  std::size_t home(std::uint32_t tag) const noexcept { return static_cast<std::size_t>(mix(tag) >> shift_); }

  void place(std::uint32_t tag, slot_id s) {
    std::size_t pos = home(tag);
    while (buckets_[pos].slot != none) pos = (pos + 1) & mask_;
    buckets_[pos] = bucket{s, tag};
  }

  // Removes slot `s`'s bucket and shifts the probe chain after it back (no tombstones).
  void erase_bucket(std::uint32_t tag, slot_id s) {
    std::size_t i = home(tag);
    while (buckets_[i].slot != s) i = (i + 1) & mask_;
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      const bucket b = buckets_[j];
      if (b.slot == none) break;
      const std::size_t h = home(b.tag);
      // b may move to i when its home is not within the cyclic range (i, j].
      const bool stays = (i <= j) ? (i < h && h <= j) : (i < h || h <= j);
      if (!stays) {
        buckets_[i] = b;
        i = j;
      }
    }
    buckets_[i] = bucket{none, 0};
  }

  void rehash(std::size_t capacity) {
    bits_ = 0;
    while ((std::size_t{1} << bits_) < capacity) ++bits_;
    shift_ = 32 - bits_;
    buckets_.assign(std::size_t{1} << bits_, bucket{none, 0});
    mask_ = buckets_.size() - 1;
    for (slot_id s = 0; s < keys_.size(); ++s) place(tag_of(keys_[s]), s);
  }

  // The CLOCK hand: the first slot from the hand whose reference bit is clear; set bits are
  // cleared on the way (at most one full turn, since the first turn clears them all).
  slot_id sweep() noexcept {
    swept_ = true;
    for (;;) {
      if (hand_ >= referenced_.size()) hand_ = 0;
      if (referenced_[hand_] == 0) return hand_++;
      referenced_[hand_++] = 0;
    }
  }

  key_limit limit_;
  [[no_unique_address]] Eq eq_{};
  std::vector<K> keys_;
  std::vector<V> values_;
  std::vector<bucket> buckets_;
  std::vector<std::uint8_t> referenced_;
  std::size_t mask_ = 0;
  unsigned bits_ = 0;
  unsigned shift_ = 32;
  slot_id last_ = 0;
  slot_id hand_ = 0;
  bool swept_ = false;
  std::uint64_t evictions_ = 0;
};

/// Results waiting for downstream demand: appended in bursts (a window boundary fires every
/// key), drained as the consumer asks. The storage is reused, so steady state allocates nothing.
template <class T>
class out_buffer {
 public:
  template <class... A>
  void emplace(A&&... a) {
    items_.emplace_back(std::forward<A>(a)...);
  }
  [[nodiscard]] bool empty() const noexcept { return read_ == items_.size(); }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size() - read_; }

  /// Delivers while `budget` lasts and `g` accepts; false when `g` said stop.
  template <class G>
  bool drain(std::size_t& budget, G& g) {
    while (budget != 0 && read_ != items_.size()) {
      --budget;
      if (!g(std::move(items_[read_++]))) {
        compact();
        return false;
      }
    }
    compact();
    return true;
  }

 private:
  void compact() {
    if (read_ == items_.size()) {
      items_.clear();
      read_ = 0;
    }
  }
  std::vector<T> items_;
  std::size_t read_ = 0;
};

}  // namespace rstreams::detail
