#pragma once
// The memory an append encodes its batch into before its one write(). There is one per thread,
// not one per queue: a process that appends to a thousand queues keeps one buffer per appending
// thread instead of a thousand, and a queue or backend opened later on the same thread finds its
// pages already mapped. Growing leaves the new bytes uninitialized (the encoder writes every
// byte it hands to write()) and maps their pages with one system call: on virtual machines a
// page fault can cost ~10 us, and a first batch of 100 KiB would otherwise take ~25 of them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include <sys/mman.h>
#include <unistd.h>

namespace rstreams::bus::detail {

class encode_buffer {
 public:
  /// The calling thread's buffer. An append uses it from encoding to its write(), on one thread,
  /// with no user code in between.
  static encode_buffer& for_this_thread() noexcept {
    thread_local encode_buffer buffer;
    return buffer;
  }

  [[nodiscard]] char* data() noexcept { return data_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// Grows to at least `need` bytes, keeping the first `keep`. Throws std::bad_alloc.
  void grow(std::size_t need, std::size_t keep) {
    const auto n = std::max({need, 2 * size_, min_size});
    auto now = std::make_unique_for_overwrite<char[]>(n);
    if (keep != 0) std::memcpy(now.get(), data_.get(), keep);
    map_pages(now.get() + keep, n - keep);
    data_ = std::move(now);
    size_ = n;
  }

  /// Gives the memory back when a batch needed more than `limit` bytes: one huge batch does not
  /// pin its buffer for the thread's life.
  void release_above(std::size_t limit) noexcept {
    if (size_ <= limit) return;
    data_.reset();
    size_ = 0;
  }

 private:
  static constexpr std::size_t min_size = std::size_t{64} << 10;

  // Faults in the whole pages of [p, p + n) at once; a kernel without MADV_POPULATE_WRITE
  // (before Linux 5.14) says EINVAL and the pages fault in one by one as before.
  static void map_pages([[maybe_unused]] char* p, [[maybe_unused]] std::size_t n) noexcept {
#ifdef MADV_POPULATE_WRITE
    static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto from = (reinterpret_cast<std::uintptr_t>(p) + page - 1) & ~(page - 1);
    const auto to = (reinterpret_cast<std::uintptr_t>(p) + n) & ~(page - 1);
    if (to > from) (void)::madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE);
#endif
  }

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
};

}  // namespace rstreams::bus::detail
