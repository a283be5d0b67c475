#pragma once
// A fixed-capacity ring of samples, oldest dropped first: what the dashboard keeps per bot and
// queue, so an hour (or a week) of sampling never grows the server past its capacity.

#include <rstreams/core/error.hpp>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace rstreams::dashboard {

/// Keeps the last `capacity()` values added. Storage grows to the capacity on demand and never
/// past it; `values()` returns them oldest first.
template <class T>
class history_ring {
 public:
  /// Throws config_error for a capacity of 0.
  explicit history_ring(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw config_error("rstreams: history_ring: the capacity must be at least 1");
  }

  void add(T value) {
    if (ring_.size() < capacity_) {
      // Grows by doubling, but never allocates past the capacity.
      if (ring_.size() == ring_.capacity())
        ring_.reserve(std::min(capacity_, std::max<std::size_t>(4, ring_.size() * 2)));
      ring_.push_back(std::move(value));
    } else {
      ring_[next_] = std::move(value);
      next_ = (next_ + 1) % capacity_;
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return ring_.size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  /// The vector's allocated slots: never more than the capacity (checked by the tests).
  [[nodiscard]] std::size_t storage() const noexcept { return ring_.capacity(); }
  [[nodiscard]] bool empty() const noexcept { return ring_.empty(); }

  /// The newest value; the ring must not be empty.
  [[nodiscard]] const T& back() const { return ring_[(next_ + ring_.size() - 1) % ring_.size()]; }

  /// Oldest first.
  [[nodiscard]] std::vector<T> values() const {
    std::vector<T> out;
    out.reserve(ring_.size());
    for (std::size_t i = 0; i < ring_.size(); ++i) out.push_back(ring_[(next_ + i) % ring_.size()]);
    return out;
  }

 private:
  std::size_t capacity_;
  std::size_t next_ = 0;  // the oldest slot once full
  std::vector<T> ring_;
};

}  // namespace rstreams::dashboard
