#pragma once
// How much per-key state a keyed operator may hold, and what happens to the state it evicts.

#include <rstreams/core/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace rstreams {

/// What a keyed operator does with the state of a key it evicts to make room for a new one.
enum class on_evict : std::uint8_t {
  emit,     ///< send the evicted state downstream as it stands (a fold's partial result, a partial window)
  discard,  ///< forget it; counted in the operator's counters (`evicted`)
};

/// The bound on a keyed operator's state: at most `max_keys` keys; when a new key arrives
/// in a full table, one key is evicted according to `policy`. The victim is chosen by the
/// CLOCK algorithm, an approximation of least-recently-updated that costs one byte write per
/// element: every update marks its key; the eviction hand walks the keys in slot order,
/// unmarking marked keys, and evicts the first unmarked one (a key not updated since the hand
/// last passed it). Deterministic: the same input evicts the same keys.
/// `unbounded_keys()` is the explicit, greppable opt-out.
struct key_limit {
  std::size_t max_keys = 65536;
  on_evict policy = on_evict::emit;
  bool bounded = true;

  key_limit() = default;
  key_limit(std::size_t n, on_evict p = on_evict::emit) : max_keys(n), policy(p) {
    if (n == 0) throw config_error("rstreams: key_limit: max_keys must be at least 1 (got 0)");
  }

  /// No bound: the state grows with the number of distinct keys.
  static key_limit unbounded() noexcept {
    key_limit k;
    k.bounded = false;
    return k;
  }
};

/// The opt-out of the default bound (65536 keys, evicted state emitted).
inline key_limit unbounded_keys() noexcept {
  return key_limit::unbounded();
}

}  // namespace rstreams
