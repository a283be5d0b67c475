#pragma once
// One event or a range of them into a queue, now.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/detail/payload_codec.hpp>
#include <rstreams/bus/write.hpp>

#include <ranges>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace rstreams::bus {

struct put_fn {
  /// Appends one payload (or event) and returns its eid.
  template <backend B, class X>
  std::string operator()(B& bus, std::string_view bot, std::string_view queue, X&& x) const {
    const std::string b(bot), q(queue);
    validate_bot_name(b);
    validate_queue_name(q);
    record r = detail::make_record(std::forward<X>(x), b, q, detail::now_ms());
    return bus.append(q, std::span<record>(&r, 1));
  }
};

/// `put(bus, bot, queue, payload)`: writes one event as bot `bot` (envelope as `load` fills it)
/// and returns its eid. One backend call per event: for many events use `put_events` or `load`.
/// An empty payload text (a raw_json or record with no bytes) is refused before anything is
/// stored: a payload is JSON text, and null says "no value".
inline constexpr put_fn put{};

struct put_events_fn {
  /// Appends every element of a range in one batch; returns the eids in order.
  template <backend B, std::ranges::input_range R>
  std::vector<std::string> operator()(B& bus, std::string_view bot, std::string_view queue, R&& items) const {
    const std::string b(bot), q(queue);
    validate_bot_name(b);
    validate_queue_name(q);
    const auto now = detail::now_ms();
    std::vector<record> batch;
    if constexpr (std::ranges::sized_range<R>) batch.reserve(std::ranges::size(items));
    std::size_t i = 0;
    for (auto&& x : items) batch.push_back(detail::make_record(x, b, q, now, invalid_utf8::error, i++));
    std::vector<std::string> eids;
    if (batch.empty()) return eids;
    bus.append(q, std::span<record>(batch));
    eids.reserve(batch.size());
    for (auto& r : batch) eids.push_back(std::move(r.eid));
    return eids;
  }
};

/// `put_events(bus, bot, queue, range)`: writes all the range's payloads (or events) as one
/// batch and returns their eids (the batch is durable, per the backend's policy, on return).
inline constexpr put_events_fn put_events{};

}  // namespace rstreams::bus
