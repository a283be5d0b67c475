#pragma once
// The in-memory backend: a whole bus in this process's memory, for users' unit tests (like the
// RStreams SDK's mock mode): no directory, no server, nothing left behind.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/mem/mem_lease.hpp>
#include <rstreams/bus/mem/mem_store.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus {

/// A bus held in memory, named: every handle opened on the same name in this process shares one
/// bus (`mem_backend("tests")`, or `open_bus("mem://tests")` with <rstreams/bus/mem/register.hpp>).
/// The bus lives while a handle on it (or a lease taken from one) exists; when the last one
/// goes, so do its events, and the name opens an empty bus again. Nothing crosses processes.
///
/// It meets the whole `backend` contract as the local and NATS backends do (the same contract
/// suite runs on all three): eids assigned on append (system clock ms, strictly increasing per
/// queue), reads after an eid or a prefix, `wait` woken by appends from any thread (timeout and
/// stop token honoured), checkpoints with compare-and-set and force, `queues()`, `bots()`,
/// leases with ttl, and stored bot state (`stores_bot_state`). Thread-safe: one mutex per bus;
/// records are copied in and out. Movable, not copyable.
class mem_backend {
 public:
  /// Opens (or joins) the bus called `name` (a queue-like name: letters, digits, '_', '.', '-').
  explicit mem_backend(std::string_view name) {
    try {
      detail::validate_name("mem bus", name);
    } catch (const config_error& e) {
      throw config_error(std::string(e.what()) + " (in mem://<name>)");
    }
    store_ = detail::mem_store_table::open(std::string(name));
  }

  // Another handle on the same bus is `mem_backend(name())`, as with the other backends.
  mem_backend(mem_backend&&) noexcept = default;
  mem_backend& operator=(mem_backend&&) noexcept = default;
  mem_backend(const mem_backend&) = delete;
  mem_backend& operator=(const mem_backend&) = delete;
  ~mem_backend() = default;

  /// Appends a batch; see `backend`. The records get their eid, `event` (the queue), and
  /// `timestamp` / `event_source_timestamp` when those were 0.
  std::string append(std::string_view queue, std::span<record> records) {
    validate_queue_name(queue);
    return store_->append(queue, records);
  }

  std::size_t read(std::string_view queue, std::string_view after, std::size_t max,
                   std::vector<record>& out) {
    validate_queue_name(queue);
    validate_position(after);
    return store_->read(queue, after, max, out);
  }

  /// Blocks until the queue has a record after `after` (true), `timeout` passes or `stop` is
  /// requested (false).
  bool wait(std::string_view queue, std::string_view after, std::chrono::milliseconds timeout,
            std::stop_token stop = {}) {
    validate_queue_name(queue);
    validate_position(after);
    return store_->wait(queue, after, timeout, stop);
  }

  std::optional<checkpoint> get_checkpoint(std::string_view bot, std::string_view queue) {
    validate_bot_name(bot);
    validate_queue_name(queue);
    return store_->get_checkpoint(bot, queue);
  }

  /// Compare-and-set; see `backend`.
  void commit_checkpoint(std::string_view bot, std::string_view queue,
                         const std::optional<std::string>& expected_eid, const checkpoint& next,
                         bool force = false) {
    validate_bot_name(bot);
    validate_queue_name(queue);
    if (!next.eid.empty()) validate_position(next.eid);
    store_->commit_checkpoint(bot, queue, expected_eid, next, force);
  }

  /// The queues, sorted by name.
  std::vector<queue_info> queues() { return store_->queues(); }
  /// The bots with a checkpoint, sorted by id.
  std::vector<bot_info> bots() { return store_->bots(); }

  std::optional<bot_state> get_bot_state(std::string_view bot) {
    validate_bot_name(bot);
    return store_->get_bot_state(bot);
  }
  void put_bot_state(std::string_view bot, const bot_state& s) {
    validate_bot_name(bot);
    store_->put_bot_state(bot, s);
  }

  /// Takes the bot's lease for `ttl` if no live instance holds it.
  std::optional<lease> try_lease(std::string_view bot, std::chrono::milliseconds ttl) {
    validate_bot_name(bot);
    const auto owner = store_->take_lease(bot, ttl);
    if (owner == 0) return std::nullopt;
    return lease(std::make_unique<detail::mem_lease_state>(store_, std::string(bot), owner, ttl));
  }

  /// "mem://<name>".
  [[nodiscard]] std::string describe() const { return "mem://" + store_->name(); }

  /// The bus name.
  [[nodiscard]] const std::string& name() const noexcept { return store_->name(); }

 private:
  std::shared_ptr<detail::mem_store> store_;
};

static_assert(backend<mem_backend>);
static_assert(stores_bot_state<mem_backend>);

}  // namespace rstreams::bus
