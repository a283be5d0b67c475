#pragma once
// A lease of the in-memory backend: the owner id it was taken with, checked against the store.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/mem/mem_store.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace rstreams::bus::detail {

class mem_lease_state final : public lease_state {
 public:
  mem_lease_state(std::shared_ptr<mem_store> store, std::string bot, std::uint64_t owner,
                  std::chrono::milliseconds ttl)
      : store_(std::move(store)), bot_(std::move(bot)), owner_(owner), ttl_(ttl) {}

  bool renew() override {
    if (released_) return false;
    if (!store_->renew_lease(bot_, owner_, ttl_)) released_ = true;
    return !released_;
  }
  [[nodiscard]] bool held() const override { return !released_ && store_->holds_lease(bot_, owner_); }
  void release() noexcept override {
    if (released_) return;
    released_ = true;
    store_->release_lease(bot_, owner_);
  }

 private:
  std::shared_ptr<mem_store> store_;  // the lease may outlive the backend handle
  std::string bot_;
  std::uint64_t owner_;
  std::chrono::milliseconds ttl_;
  bool released_ = false;
};

}  // namespace rstreams::bus::detail
