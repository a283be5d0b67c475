#pragma once
// queue -> function -> queue, as one bot run: read after the checkpoint, derive, write, and
// commit the input checkpoint only once what was derived from it is durable.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_stats.hpp>
#include <rstreams/bus/detail/bot_engine.hpp>
#include <rstreams/bus/detail/drive_bot.hpp>
#include <rstreams/bus/on_failure.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/metrics.hpp>
#include <rstreams/core/run.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace rstreams::bus {

// The deprecated `on_error` member must not warn where the struct itself copies or moves it
// (GCC reports those at the struct).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
/// What an enrich run reads, writes, and how it handles bad events.
struct enrich_options {
  std::string bot;
  std::string in;
  std::string out;
  queue_read_options read{};
  queue_write_options write{};
  /// Events per call for a batch function (one taking std::vector<event<T>>).
  std::size_t batch = 100;
  /// What happens to an event that does not decode or whose function throws (on_failure.hpp).
  bus::on_failure on_failure = bus::on_failure::fail;
  /// Deprecated name of `on_failure`, kept for one release; when set, it wins.
  [[deprecated("use enrich_options::on_failure")]] std::optional<bus::on_failure> on_error{};
  /// Where dead letters go; empty means `<in>.error`.
  std::string dead_letter_queue{};
  /// Read and decode on a second thread, a few batches ahead of the function (bounded), so
  /// that parsing overlaps the function, the writes and the commits. It costs more CPU in all
  /// (memory made on one core and used on another): worth it with a core to spare and a
  /// costly function, not on a busy machine (benchmarks/bus_enrich_bench.cpp measures both).
  /// Either way the function is called on the calling thread, in order.
  bool read_ahead = false;
  /// Counts this bot's events in/out, errors, dead letters and commits in `metrics->bot(bot)`,
  /// as they happen (once per ~1000 events or commit, not per event), for to_prometheus
  /// (core/metrics_text.hpp: rstreams_bot_live_*). Null (the default): nothing is counted.
  rstreams::metrics_registry* metrics = nullptr;
};
#pragma GCC diagnostic pop

struct enrich_fn {
  template <backend B, class F>
  bot_stats operator()(B& bus, const enrich_options& o, F f, const run_context& ctx = {}) const {
    validate_bot_name(o.bot);
    validate_queue_name(o.in);
    validate_queue_name(o.out);
    if (!o.dead_letter_queue.empty()) validate_queue_name(o.dead_letter_queue);
    o.write.validate("enrich");
    auto src = read_as<record>(bus, o.bot, o.in, o.read);
    detail::bot_engine<B, F, true> engine(
        bus,
        detail::engine_settings{o.bot, o.in, o.out, o.batch, detail::failure_policy(o), o.dead_letter_queue,
                                o.write, o.metrics != nullptr ? &o.metrics->bot(o.bot) : nullptr},
        f, src.started_from());
    return detail::drive_bot(src, engine, o.read_ahead, o.read.follow, ctx);
  }
};

/// Runs bot `o.bot` once over queue `o.in` (from its checkpoint, or `o.read.start`) and writes
/// what `f` derives to `o.out`. Each output carries its correlation_id (the parent queue and
/// eid; first..last and units for a batch) and the parent's event_source_timestamp, so lineage
/// is never copied by hand. The checkpoint of `o.in` moves only past inputs whose derived events
/// are durable (every N records / T time per `o.write.checkpoint`, and at the end); a
/// concurrent instance that moved it makes the commit throw stale_checkpoint.
///
/// `f` takes the payload (`const T&`, T any type with from_json; a generic lambda gets
/// nlohmann::json), the whole `event<T>`, or `std::vector<event<T>>` (batches of `o.batch`,
/// N->1). It returns the derived payload (or `event<U>`), `std::optional` of it (zero or one)
/// or `std::vector` of it (1->N).
///
/// A payload that does not decode, or an exception from `f`, follows `o.on_failure`: `fail`
/// commits what is complete and throws (payload_error / event_error naming queue and eid);
/// `dead_letter` writes it to `<in>.error` and goes on. With `o.read.follow` the run waits for
/// new events (flushing and committing while idle) until `ctx.stop` is requested.
///
/// Forms: `enrich(bus, opts, f[, run_context])` -> bot_stats.
inline constexpr enrich_fn enrich{};

}  // namespace rstreams::bus
