#pragma once
// The single owner of a heap object or a C handle, for members of widely included headers.

#include <utility>

namespace rstreams::detail {

/// Deletes what an owner holds (the default).
struct delete_object {
  template <class T>
  void operator()(T* p) const noexcept {
    delete p;
  }
};

/// Owns one `T` and frees it (`Free{}(p)`: `delete p` by default) with itself, as a
/// std::unique_ptr<T, Free> does: moves, never copies; a moved-from owner is empty; an empty one
/// frees nothing. Not a std::unique_ptr because of its cost to the
/// compiler: with GCC 12 each unique_ptr type costs every translation unit that names it about
/// 1 MB of compiler memory (its tuple's constraints), whether or not the code is used, and the
/// headers under the umbrella named several (benchmarks/compile_time).
template <class T, class Free = delete_object>
class owner {
 public:
  owner() = default;
  explicit owner(T* p) noexcept : p_(p) {}
  owner(owner&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  owner& operator=(owner&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  owner(const owner&) = delete;
  owner& operator=(const owner&) = delete;
  ~owner() { reset(); }

  /// Frees what is held (emptied first, as std::unique_ptr::reset does).
  void reset() noexcept {
    if (T* p = std::exchange(p_, nullptr)) Free{}(p);
  }

  [[nodiscard]] T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

}  // namespace rstreams::detail
