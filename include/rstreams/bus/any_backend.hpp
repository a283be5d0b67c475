#pragma once
// A backend chosen at run time (from a URL, see open_bus.hpp), behind one virtual call per batch.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/corrupt_policy.hpp>
#include <rstreams/bus/queue_stats.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams::bus {

namespace detail {

class any_backend_interface {
 public:
  virtual ~any_backend_interface() = default;
  virtual std::string append(std::string_view queue, std::span<record> records) = 0;
  [[nodiscard]] virtual bool syncs_each_append() const = 0;
  virtual std::string append_unsynced(std::string_view queue, std::span<record> records) = 0;
  virtual void sync_appended(std::string_view queue) = 0;
  virtual std::size_t read(std::string_view queue, std::string_view after, std::size_t max,
                           std::vector<record>& out) = 0;
  // Reads past damaged records (corrupt_policy::skip); config_error when the backend cannot.
  virtual std::size_t read_skipping_damage(std::string_view queue, std::string_view after, std::size_t max,
                                           std::vector<record>& out, std::uint64_t& skipped) = 0;
  // backend_reading_in_place: the backend's own, else a read moved over the caller's records.
  virtual std::size_t read_in_place(std::string_view queue, std::string_view after, std::size_t max,
                                    std::vector<record>& out, std::uint64_t* skipped) = 0;
  virtual bool wait(std::string_view queue, std::string_view after, std::chrono::milliseconds timeout,
                    std::stop_token stop) = 0;
  virtual std::optional<checkpoint> get_checkpoint(std::string_view bot, std::string_view queue) = 0;
  virtual void commit_checkpoint(std::string_view bot, std::string_view queue,
                                 const std::optional<std::string>& expected_eid, const checkpoint& next,
                                 bool force) = 0;
  virtual std::vector<queue_info> queues() = 0;
  virtual std::vector<bot_info> bots() = 0;
  virtual std::optional<lease> try_lease(std::string_view bot, std::chrono::milliseconds ttl) = 0;
  // Bot state, where the backend stores it (else nothing / ignored).
  virtual std::optional<bot_state> get_bot_state(std::string_view bot) = 0;
  virtual void put_bot_state(std::string_view bot, const bot_state& s) = 0;
  // Positions and statistics (reports_stats); config_error where the backend has none.
  virtual std::uint64_t position(std::string_view queue, std::string_view eid) = 0;
  virtual queue_stats get_queue_stats(std::string_view queue) = 0;
  virtual std::optional<lease_holder> get_lease_holder(std::string_view bot) = 0;
  [[nodiscard]] virtual std::string describe() const = 0;
  virtual void* target() noexcept = 0;
};

template <class B>
class any_backend_model final : public any_backend_interface {
 public:
  explicit any_backend_model(B b) : b_(std::move(b)) {}
  std::string append(std::string_view queue, std::span<record> records) override {
    return b_.append(queue, records);
  }
  [[nodiscard]] bool syncs_each_append() const override {
    if constexpr (backend_deferring_sync<B>)
      return b_.syncs_each_append();
    else
      return false;
  }
  std::string append_unsynced(std::string_view queue, std::span<record> records) override {
    if constexpr (backend_deferring_sync<B>)
      return b_.append_unsynced(queue, records);
    else
      return b_.append(queue, records);
  }
  void sync_appended(std::string_view queue) override {
    if constexpr (backend_deferring_sync<B>) b_.sync_appended(queue);
  }
  std::size_t read(std::string_view queue, std::string_view after, std::size_t max,
                   std::vector<record>& out) override {
    return b_.read(queue, after, max, out);
  }
  std::size_t read_skipping_damage(std::string_view queue, std::string_view after, std::size_t max,
                                   std::vector<record>& out, std::uint64_t& skipped) override {
    if constexpr (skips_damage<B>)
      return b_.read_skipping_damage(queue, after, max, out, skipped);
    else
      throw config_error("rstreams::bus: queue_read_options.on_corrupt = skip: backend " + b_.describe() +
                         " cannot skip damaged records");
  }
  std::size_t read_in_place(std::string_view queue, std::string_view after, std::size_t max,
                            std::vector<record>& out, std::uint64_t* skipped) override {
    if constexpr (backend_reading_in_place<B>) {
      return b_.read_in_place(queue, after, max, out, skipped);
    } else {
      std::vector<record> batch;
      const auto n = skipped != nullptr ? read_skipping_damage(queue, after, max, batch, *skipped)
                                        : b_.read(queue, after, max, batch);
      if (out.size() < n) out.resize(n);
      std::move(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n), out.begin());
      return n;
    }
  }
  bool wait(std::string_view queue, std::string_view after, std::chrono::milliseconds timeout,
            std::stop_token stop) override {
    return b_.wait(queue, after, timeout, std::move(stop));
  }
  std::optional<checkpoint> get_checkpoint(std::string_view bot, std::string_view queue) override {
    return b_.get_checkpoint(bot, queue);
  }
  void commit_checkpoint(std::string_view bot, std::string_view queue,
                         const std::optional<std::string>& expected_eid, const checkpoint& next,
                         bool force) override {
    b_.commit_checkpoint(bot, queue, expected_eid, next, force);
  }
  std::vector<queue_info> queues() override { return b_.queues(); }
  std::vector<bot_info> bots() override { return b_.bots(); }
  std::optional<lease> try_lease(std::string_view bot, std::chrono::milliseconds ttl) override {
    return b_.try_lease(bot, ttl);
  }
  std::optional<bot_state> get_bot_state(std::string_view bot) override {
    if constexpr (stores_bot_state<B>)
      return b_.get_bot_state(bot);
    else
      return std::nullopt;
  }
  void put_bot_state(std::string_view bot, const bot_state& s) override {
    if constexpr (stores_bot_state<B>) b_.put_bot_state(bot, s);
  }
  std::uint64_t position(std::string_view queue, std::string_view eid) override {
    if constexpr (reports_stats<B>)
      return b_.position(queue, eid);
    else
      throw no_stats();
  }
  queue_stats get_queue_stats(std::string_view queue) override {
    if constexpr (reports_stats<B>)
      return b_.queue_stats(queue);
    else
      throw no_stats();
  }
  std::optional<lease_holder> get_lease_holder(std::string_view bot) override {
    if constexpr (reports_stats<B>)
      return b_.lease_holder(bot);
    else
      throw no_stats();
  }
  [[nodiscard]] std::string describe() const override { return b_.describe(); }
  void* target() noexcept override { return &b_; }

 private:
  config_error no_stats() const {
    return config_error("rstreams: backend " + b_.describe() +
                        " reports no positions or statistics (it does not model reports_stats)");
  }
  B b_;
};

}  // namespace detail

/// Any backend, type-erased: movable, and itself a `backend` (calls are per batch, so the
/// virtual call costs nothing that matters). Build it from a backend object or with `open_bus`.
class any_backend {
 public:
  template <class B>
  requires(!std::same_as<std::remove_cvref_t<B>, any_backend> && backend<std::remove_cvref_t<B>>)
      any_backend(B&& b)  // NOLINT(google-explicit-constructor): any backend converts, like std::function
      : impl_(std::make_unique<detail::any_backend_model<std::remove_cvref_t<B>>>(std::forward<B>(b))) {}

  any_backend(any_backend&&) noexcept = default;
  any_backend& operator=(any_backend&&) noexcept = default;

  std::string append(std::string_view queue, std::span<record> records) {
    return impl_->append(queue, records);
  }
  /// See backend_deferring_sync: the wrapped backend's, or false / a plain `append` / nothing
  /// for one that does not defer its syncs.
  [[nodiscard]] bool syncs_each_append() const { return impl_->syncs_each_append(); }
  std::string append_unsynced(std::string_view queue, std::span<record> records) {
    return impl_->append_unsynced(queue, records);
  }
  void sync_appended(std::string_view queue) { impl_->sync_appended(queue); }
  std::size_t read(std::string_view queue, std::string_view after, std::size_t max,
                   std::vector<record>& out) {
    return impl_->read(queue, after, max, out);
  }
  /// Reads past damaged records, counting them (see corrupt_policy.hpp).
  std::size_t read_skipping_damage(std::string_view queue, std::string_view after, std::size_t max,
                                   std::vector<record>& out, std::uint64_t& skipped) {
    return impl_->read_skipping_damage(queue, after, max, out, skipped);
  }
  /// See backend_reading_in_place: the wrapped backend's, or a plain read moved over `out`'s
  /// records for one that does not read in place (the same result, without the saving).
  std::size_t read_in_place(std::string_view queue, std::string_view after, std::size_t max,
                            std::vector<record>& out, std::uint64_t* skipped) {
    return impl_->read_in_place(queue, after, max, out, skipped);
  }
  bool wait(std::string_view queue, std::string_view after, std::chrono::milliseconds timeout,
            std::stop_token stop = {}) {
    return impl_->wait(queue, after, timeout, std::move(stop));
  }
  std::optional<checkpoint> get_checkpoint(std::string_view bot, std::string_view queue) {
    return impl_->get_checkpoint(bot, queue);
  }
  void commit_checkpoint(std::string_view bot, std::string_view queue,
                         const std::optional<std::string>& expected_eid, const checkpoint& next,
                         bool force = false) {
    impl_->commit_checkpoint(bot, queue, expected_eid, next, force);
  }
  std::vector<queue_info> queues() { return impl_->queues(); }
  std::vector<bot_info> bots() { return impl_->bots(); }
  std::optional<lease> try_lease(std::string_view bot, std::chrono::milliseconds ttl) {
    return impl_->try_lease(bot, ttl);
  }
  /// The wrapped backend's stored bot state (nothing when it stores none; see stores_bot_state).
  std::optional<bot_state> get_bot_state(std::string_view bot) { return impl_->get_bot_state(bot); }
  void put_bot_state(std::string_view bot, const bot_state& s) { impl_->put_bot_state(bot, s); }
  /// See reports_stats; throw config_error when the wrapped backend does not report them.
  std::uint64_t position(std::string_view queue, std::string_view eid) { return impl_->position(queue, eid); }
  bus::queue_stats queue_stats(std::string_view queue) { return impl_->get_queue_stats(queue); }
  std::optional<bus::lease_holder> lease_holder(std::string_view bot) { return impl_->get_lease_holder(bot); }
  [[nodiscard]] std::string describe() const { return impl_->describe(); }

  /// The backend inside, when it is a `B`; else nullptr.
  template <class B>
  B* target() noexcept {
    auto* model = dynamic_cast<detail::any_backend_model<B>*>(impl_.get());
    return model != nullptr ? static_cast<B*>(model->target()) : nullptr;
  }

 private:
  std::unique_ptr<detail::any_backend_interface> impl_;
};

static_assert(backend<any_backend>);
static_assert(reports_stats<any_backend>);
static_assert(backend_deferring_sync<any_backend>);
static_assert(backend_reading_in_place<any_backend>);

}  // namespace rstreams::bus

// open_bus was declared here before the backend registry: kept reachable from this header for
// one release (open_bus.hpp includes this one first, so the order works either way).
#include <rstreams/bus/open_bus.hpp>
