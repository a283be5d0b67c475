#pragma once
// A sink into a queue: micro-batched appends, and checkpoints of the queues the written
// events were derived from, committed once those events are durable.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/detail/correlation_checkpoints.hpp>
#include <rstreams/bus/detail/payload_codec.hpp>
#include <rstreams/bus/detail/queue_writer.hpp>
#include <rstreams/bus/event.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams::bus {

/// What a `write` or `load` run appended.
struct write_result {
  std::uint64_t events = 0;
  std::string last_eid;
};

namespace detail {

/// The record of an outgoing event or payload, envelope filled in: `id` = the bot unless set,
/// `event` = the queue, `timestamp` = now unless set, `event_source_timestamp` = the timestamp
/// unless set (an event entering the bus is its own source).
template <class X>
record make_record(X&& x, const std::string& bot, const std::string& queue, std::int64_t now) {
  using V = std::remove_cvref_t<X>;
  record r;
  if constexpr (std::is_same_v<V, record>) {
    r = std::forward<X>(x);
    r.eid.clear();
  } else if constexpr (is_event_v<V>) {
    if constexpr (std::is_lvalue_reference_v<X>) {
      r.id = x.id;
      r.correlation_id = x.correlation_id;
    } else {
      r.id = std::move(x.id);
      r.correlation_id = std::move(x.correlation_id);
    }
    r.timestamp = x.timestamp;
    r.event_source_timestamp = x.event_source_timestamp;
    r.payload = encode_payload(x.payload);
  } else {
    r.payload = encode_payload(x);
  }
  if (r.id.empty()) r.id = bot;
  r.event = queue;
  if (r.timestamp == 0) r.timestamp = now;
  if (r.event_source_timestamp == 0) r.event_source_timestamp = r.timestamp;
  return r;
}

/// The consumer of `write` and `load`: batches records and appends them.
template <backend B, bool Checkpoints>
class queue_sink_consumer {
 public:
  queue_sink_consumer(B& bus, std::string bot, std::string queue, const queue_write_options& opts)
      : bot_(std::move(bot)), writer_(bus, std::move(queue), opts), opts_(opts) {
    validate_bot_name(bot_);
    opts_.validate(Checkpoints ? "write" : "load");
    if (Checkpoints && opts_.auto_checkpoint) checkpoints_.emplace(bus, bot_, opts_.checkpoint);
  }

  void start(const run_context& ctx) { ctx_ = ctx; }

  template <class X>
  bool accept(X&& x) {
    const auto now = ctx_.clock->now();
    auto r = make_record(std::forward<X>(x), bot_, writer_.queue(), now_ms_cached(now));
    if (checkpoints_ && r.correlation_id) checkpoints_->add(*r.correlation_id, r.event_source_timestamp);
    writer_.add(std::move(r), now);
    if (writer_.due(now)) flush(now);
    return true;
  }

  std::size_t demand() const noexcept { return 256; }

  write_result finish() {
    const auto now = ctx_.clock->now();
    flush(now);
    if (checkpoints_) checkpoints_->finish(now);
    return write_result{writer_.written(), writer_.last_eid()};
  }

 private:
  void flush(clock::time_point now) {
    writer_.flush();
    if (checkpoints_) {
      checkpoints_->written(now);
      checkpoints_->tick(now);
    }
  }
  // Wall-clock ms, refreshed at most once per millisecond of the run's clock.
  std::int64_t now_ms_cached(clock::time_point now) {
    if (now - wall_at_ >= std::chrono::milliseconds{1} || wall_ms_ == 0) {
      wall_ms_ = now_ms();
      wall_at_ = now;
    }
    return wall_ms_;
  }

  std::string bot_;
  queue_writer<B> writer_;
  queue_write_options opts_;
  std::optional<correlation_checkpoints<B>> checkpoints_;
  run_context ctx_{};
  std::int64_t wall_ms_ = 0;
  clock::time_point wall_at_{};
};

template <backend B, bool Checkpoints>
class queue_sink : public sink_closure<queue_sink<B, Checkpoints>> {
 public:
  static constexpr std::string_view name = Checkpoints ? "write" : "load";

  queue_sink(B& bus, std::string bot, std::string queue, queue_write_options opts)
      : bus_(&bus), bot_(std::move(bot)), queue_(std::move(queue)), opts_(std::move(opts)) {
    validate_bot_name(bot_);
    validate_queue_name(queue_);
    opts_.validate(Checkpoints ? "write" : "load");
  }

  template <class T>
  auto consumer(std::size_t /*position*/) && {
    return queue_sink_consumer<B, Checkpoints>(*bus_, std::move(bot_), std::move(queue_), opts_);
  }

 private:
  B* bus_;
  std::string bot_;
  std::string queue_;
  queue_write_options opts_;
};

}  // namespace detail

struct write_fn {
  template <backend B>
  auto operator()(B& bus, std::string bot, std::string queue, queue_write_options opts = {}) const {
    return detail::queue_sink<B, true>(bus, std::move(bot), std::move(queue), std::move(opts));
  }
};

/// A sink that appends events to `queue` as bot `bot`, micro-batched by records / bytes / time
/// (queue_write_options; RStreams' defaults 100 / 200 KB / 200 ms), and commits the checkpoints of
/// the queues those events were derived from (their `correlation_id`) once they are durable:
/// every N records or T time and at the end. Events must arrive in the order of their parents;
/// a parent is committed only after its last derived event was written (1->N), a range's
/// `end` after the event covering it (N->1). Events without correlation commit nothing.
///
/// Forms: `src | write(bus, bot, queue[, opts])`; elements are `event<T>`, `record`, or plain
/// payloads. Yields a write_result. For derived events see `derive`.
/// Demand: 256 per step; buffers one micro-batch.
inline constexpr write_fn write{};

}  // namespace rstreams::bus
