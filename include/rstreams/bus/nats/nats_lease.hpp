#pragma once
// Bot leases in the JetStream key-value bucket `<prefix>_leases`: owner and expiry, taken when
// absent or expired and renewed by revision, so two takers cannot both win.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/nats/nats_state.hpp>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams::bus::detail {

class nats_lease_state final : public lease_state {
 public:
  nats_lease_state(std::shared_ptr<nats_state> st, kvStore* kv, std::string key, std::string owner,
                   std::uint64_t rev, std::chrono::milliseconds ttl, std::int64_t expires)
      : st_(std::move(st)),
        kv_(kv),
        key_(std::move(key)),
        owner_(std::move(owner)),
        rev_(rev),
        ttl_(ttl),
        expires_(expires) {}

  bool renew() override {
    if (lost_) return false;
    const std::int64_t expires = nats_now_ms() + ttl_.count();
    const std::string value = nlohmann::json{{"owner", owner_}, {"expires", expires}}.dump();
    std::uint64_t rev = 0;
    const natsStatus s = kvStore_UpdateString(&rev, kv_, key_.c_str(), value.c_str(), rev_);
    if (s != NATS_OK) {
      lost_ = true;
      return false;
    }
    rev_ = rev;
    expires_ = expires;
    return true;
  }
  [[nodiscard]] bool held() const override { return !lost_ && nats_now_ms() < expires_; }
  void release() noexcept override {
    if (lost_) return;
    lost_ = true;
    try {
      const std::string value = nlohmann::json{{"owner", ""}, {"expires", 0}}.dump();
      std::uint64_t rev = 0;
      (void)kvStore_UpdateString(&rev, kv_, key_.c_str(), value.c_str(), rev_);
    } catch (...) {  // NOLINT(bugprone-empty-catch): release never throws
    }
  }

 private:
  std::shared_ptr<nats_state> st_;
  kvStore* kv_;
  std::string key_;
  std::string owner_;
  std::uint64_t rev_;
  std::chrono::milliseconds ttl_;
  std::int64_t expires_;
  bool lost_ = false;
};

/// One active instance per bot: a key in `<prefix>_leases` holding owner and expiry, taken
/// when absent or expired, by revision (so two takers cannot both win).
inline std::optional<lease> nats_try_lease(const std::shared_ptr<nats_state>& state, std::string_view bot,
                                           std::chrono::milliseconds ttl) {
  auto& st = *state;
  auto& conn = *st.conn;
  kvStore* kv = st.bucket(st.leases, "leases");
  const std::string key = nats_escape(bot);
  const std::string owner = conn.tracker().token + "-" + std::to_string(st.next_lease++);
  const std::int64_t expires = nats_now_ms() + ttl.count();
  const std::string value = nlohmann::json{{"owner", owner}, {"expires", expires}}.dump();
  kvEntry* e = nullptr;
  const natsStatus g = conn.call(
      "read lease " + key, [&](jsErrCode*) { return kvStore_Get(&e, kv, key.c_str()); },
      [](natsStatus s2, int) { return s2 == NATS_NOT_FOUND; });
  std::uint64_t rev = 0;
  natsStatus s = NATS_OK;
  if (g == NATS_NOT_FOUND || e == nullptr) {
    s = kvStore_CreateString(&rev, kv, key.c_str(), value.c_str());
  } else {
    const auto held = nlohmann::json::parse(kvEntry_ValueString(e), nullptr, false);
    const std::uint64_t cur = kvEntry_Revision(e);
    kvEntry_Destroy(e);
    const std::int64_t until = held.is_object() ? held.value("expires", std::int64_t{0}) : 0;
    if (until > nats_now_ms()) return std::nullopt;
    s = kvStore_UpdateString(&rev, kv, key.c_str(), value.c_str(), cur);
  }
  if (s != NATS_OK) return std::nullopt;
  return lease(std::make_unique<nats_lease_state>(state, kv, key, owner, rev, ttl, expires));
}

}  // namespace rstreams::bus::detail
