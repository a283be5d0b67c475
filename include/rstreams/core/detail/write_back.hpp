#pragma once
// Hot loops keep a member (a position, a count) in a local while they call downstream: a store
// through the callback may alias the member, which would force it to memory on every element.
// This puts the local back into the member however the loop ends, an exception included.

namespace rstreams::detail {

template <class T>
class write_back {
 public:
  write_back(T& member, const T& local) noexcept : member_(member), local_(local) {}
  write_back(const write_back&) = delete;
  write_back& operator=(const write_back&) = delete;
  ~write_back() { member_ = local_; }

 private:
  T& member_;
  const T& local_;
};

}  // namespace rstreams::detail
