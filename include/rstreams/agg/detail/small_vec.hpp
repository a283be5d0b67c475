#pragma once
// A vector with room for N elements inside itself: a key's few open panes or sessions sit in
// the key's slot, so the hot path reaches them without another cache miss. Beyond N it
// spills to a heap vector, which keeps its capacity when it moves back. The spill is held by
// one pointer so that the slot stays small, and `data_` always points at the live elements
// (inline or spilled), so reaching them is one load and no branch on the hot path.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace rstreams::detail {

template <class T, std::size_t N>
class small_vec {
 public:
  small_vec() noexcept { point(); }
  small_vec(small_vec&& o) noexcept
      : n_(o.n_), on_heap_(o.on_heap_), inline_(std::move(o.inline_)), spill_(std::move(o.spill_)) {
    point();
    o.n_ = 0;
    o.on_heap_ = false;
    o.point();
  }
  small_vec& operator=(small_vec&& o) noexcept {
    if (this != &o) {
      n_ = o.n_;
      on_heap_ = o.on_heap_;
      inline_ = std::move(o.inline_);
      spill_ = std::move(o.spill_);
      point();
      o.n_ = 0;
      o.on_heap_ = false;
      o.point();
    }
    return *this;
  }
  small_vec(const small_vec& o) : n_(o.n_), on_heap_(o.on_heap_), inline_(o.inline_) {
    if (o.spill_) spill_ = std::make_unique<std::vector<T>>(*o.spill_);
    point();
  }
  small_vec& operator=(const small_vec& o) {
    if (this != &o) *this = small_vec(o);
    return *this;
  }
  ~small_vec() = default;

  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + n_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + n_; }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T& back() noexcept { return data_[n_ - 1]; }

  T* insert(T* pos, T&& x) {
    const auto i = static_cast<std::size_t>(pos - begin());
    if (!on_heap_ && n_ < N) {
      for (std::size_t j = n_; j > i; --j) inline_[j] = std::move(inline_[j - 1]);
      inline_[i] = std::move(x);
      ++n_;
      return inline_.data() + i;
    }
    if (!on_heap_) {
      if (!spill_) spill_ = std::make_unique<std::vector<T>>();
      auto& heap = *spill_;
      heap.clear();
      for (std::size_t j = 0; j < n_; ++j) heap.push_back(std::move(inline_[j]));
      on_heap_ = true;
    }
    auto& heap = *spill_;
    heap.insert(heap.begin() + static_cast<std::ptrdiff_t>(i), std::move(x));
    ++n_;
    point();
    return heap.data() + i;
  }

  void erase(T* first, T* last) {
    const auto a = static_cast<std::size_t>(first - begin());
    const auto b = static_cast<std::size_t>(last - begin());
    if (a == b) return;
    if (on_heap_) {
      auto& heap = *spill_;
      heap.erase(heap.begin() + static_cast<std::ptrdiff_t>(a),
                 heap.begin() + static_cast<std::ptrdiff_t>(b));
      n_ = static_cast<std::uint32_t>(heap.size());
      if (n_ <= N) {
        for (std::size_t j = 0; j < n_; ++j) inline_[j] = std::move(heap[j]);
        heap.clear();
        on_heap_ = false;
      }
      point();
    } else {
      std::size_t out = a;
      for (std::size_t j = b; j < n_; ++j) inline_[out++] = std::move(inline_[j]);
      n_ = static_cast<std::uint32_t>(out);
    }
  }

  template <class P>
  void erase_if(P p) {
    T* out = begin();
    for (T* it = begin(); it != end(); ++it)
      if (!p(*it)) {
        if (out != it) *out = std::move(*it);
        ++out;
      }
    erase(out, end());
  }

  void clear() noexcept {
    n_ = 0;
    if (spill_) spill_->clear();
    on_heap_ = false;
    point();
  }

 private:
  void point() noexcept { data_ = on_heap_ ? spill_->data() : inline_.data(); }

  T* data_ = nullptr;
  std::uint32_t n_ = 0;
  bool on_heap_ = false;
  std::array<T, N> inline_{};
  std::unique_ptr<std::vector<T>> spill_;
};

/// The inline capacity that fits `T`s in about `bytes` (at least 2): enough for the panes of
/// common sliding windows (size/slide + 1) without making every key's slot large.
template <class T, std::size_t bytes = 96>
inline constexpr std::size_t small_vec_capacity = sizeof(T) * 2 >= bytes ? 2 : bytes / sizeof(T);

}  // namespace rstreams::detail
