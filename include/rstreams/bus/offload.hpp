#pragma once
// queue -> side effect (a function, or any rstreams sink), as one bot run; the checkpoint moves
// only after the side effect succeeded.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_stats.hpp>
#include <rstreams/bus/detail/bot_engine.hpp>
#include <rstreams/bus/detail/checkpoint_committer.hpp>
#include <rstreams/bus/detail/read_ahead.hpp>
#include <rstreams/bus/on_failure.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/as_source.hpp>
#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/run.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace rstreams::bus {

// The deprecated `on_error` member must not warn where the struct itself copies or moves it
// (GCC reports those at the struct).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
/// What an offload run reads and how it handles bad events.
struct offload_options {
  std::string bot;
  std::string in;
  queue_read_options read{};
  checkpoint_options checkpoint{};
  /// Events per call for a batch function (one taking std::vector<event<T>>).
  std::size_t batch = 100;
  /// What happens to an event that does not decode or whose function throws (on_failure.hpp).
  bus::on_failure on_failure = bus::on_failure::fail;
  /// Deprecated name of `on_failure`, kept for one release; when set, it wins.
  [[deprecated("use offload_options::on_failure")]] std::optional<bus::on_failure> on_error{};
  /// Where dead letters go; empty means `<in>.error`.
  std::string dead_letter_queue{};
  /// Read and decode on a second thread, a few batches ahead of the function (bounded), so
  /// that parsing overlaps the function, the writes and the commits. It costs more CPU in all
  /// (memory made on one core and used on another): worth it with a core to spare and a
  /// costly function, not on a busy machine (benchmarks/bus_enrich_bench.cpp measures both).
  /// Either way the function is called on the calling thread, in order.
  bool read_ahead = false;
};
#pragma GCC diagnostic pop

template <class T>
struct offload_fn {
  template <backend B, class F>
  bot_stats operator()(B& bus, const offload_options& o, F f, const run_context& ctx = {}) const {
    validate_bot_name(o.bot);
    validate_queue_name(o.in);
    if (!o.dead_letter_queue.empty()) validate_queue_name(o.dead_letter_queue);
    if constexpr (rstreams::sink<F>) {
      // Any sink: the side effect is complete when the sink finished, so commit at the end.
      using P = std::conditional_t<std::is_void_v<T>, nlohmann::json, T>;
      auto src = read_as<P>(bus, o.bot, o.in, o.read);
      auto started = src.started_from();
      rstreams::run(source_ref<decltype(src)>(src) | std::move(f), ctx);
      bot_stats stats;
      stats.in = src.count();
      auto committer = detail::checkpoint_committer<B>(bus, o.bot, o.in, started, o.checkpoint);
      if (src.count() != 0) {
        committer.offer(watermark{src.position(), src.count(), 0}, ctx.clock->now());
        committer.commit(ctx.clock->now());
      }
      stats.commits = committer.commits();
      stats.checkpoint = committer.committed();
      return stats;
    } else {
      queue_write_options w;
      w.checkpoint = o.checkpoint;
      auto src = read_as<record>(bus, o.bot, o.in, o.read);
      detail::bot_engine<B, F, false> engine(
          bus,
          detail::engine_settings{
              o.bot, o.in, {}, o.batch, detail::failure_policy(o), o.dead_letter_queue, w},
          f, src.started_from());
      if (o.read_ahead)
        return detail::drive_read_ahead<typename decltype(engine)::payload_type>(src, engine, ctx);
      if (o.read.follow) src.on_idle([&engine] { engine.idle(); });
      return rstreams::detail::drive(src, engine, ctx);
    }
  }
};

/// Runs bot `o.bot` once over queue `o.in` and hands each event to a side effect; the
/// checkpoint moves past an event only once its side effect succeeded.
///
/// * `offload(bus, opts, f)`: `f` takes the payload, the `event<T>` or a
///   `std::vector<event<T>>` batch (as enrich) and returns nothing; when it returns the side
///   effect is done. Commits every N records / T time and at the end. Decode failures and
///   exceptions follow `o.on_failure` (fail, or dead-letter to `<in>.error`).
/// * `offload(bus, opts, sink)`: any rstreams sink (a file writer, `stage | sink`, ...) gets the
///   events (`offload_as<T>` for a user payload type, else nlohmann::json); the checkpoint is
///   committed once the sink finished, i.e. at the end of the run. Errors fail the run.
///
/// Forms: `offload(bus, opts, f_or_sink[, run_context])` -> bot_stats.
inline constexpr offload_fn<void> offload{};
template <class T>
inline constexpr offload_fn<T> offload_as{};

}  // namespace rstreams::bus
