#pragma once
// queue -> side effect (a function, or any rstreams sink), as one bot run; the checkpoint moves
// only after the side effect succeeded.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_stats.hpp>
#include <rstreams/bus/detail/bot_engine.hpp>
#include <rstreams/bus/detail/checkpoint_committer.hpp>
#include <rstreams/bus/detail/drive_bot.hpp>
#include <rstreams/bus/on_failure.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/as_source.hpp>
#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/metrics.hpp>
#include <rstreams/core/run.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
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
  /// Counts this bot's events in/out, errors, dead letters and commits in `metrics->bot(bot)`,
  /// as they happen (once per ~1000 events or commit, not per event), for to_prometheus
  /// (core/metrics_text.hpp: rstreams_bot_live_*). Null (the default): nothing is counted.
  rstreams::metrics_registry* metrics = nullptr;
};
#pragma GCC diagnostic pop

namespace detail {
/// True when sink `k` (or the sink at the end of `stage | sink`) destroys what an earlier run
/// wrote, as `write_lines(path)` does: a bot runs again and again, so its sink must append.
template <class K>
bool replaces_output(const K& k) {
  if constexpr (requires { k.replaces_output(); })
    return k.replaces_output();
  else if constexpr (requires { k.last_sink(); })
    return replaces_output(k.last_sink());
  else
    return false;
}
}  // namespace detail

template <class T>
struct offload_fn {
  template <backend B, class F>
  bot_stats operator()(B& bus, const offload_options& o, F f, const run_context& ctx = {}) const {
    validate_bot_name(o.bot);
    validate_queue_name(o.in);
    if (!o.dead_letter_queue.empty()) validate_queue_name(o.dead_letter_queue);
    if constexpr (rstreams::sink<F>) {
      if (detail::replaces_output(f))
        throw config_error("rstreams::bus::offload: bot " + o.bot + ": " + rstreams::describe(f) +
                           " replaces its file on every run, so a later run would destroy what this one "
                           "wrote while the checkpoint says it was handled; use write_lines(path, "
                           "rstreams::file_mode::append)");
      // Any sink: the side effect is complete when the sink finished, so commit at the end.
      using P = std::conditional_t<std::is_void_v<T>, nlohmann::json, T>;
      if (o.read.follow) return follow_rounds<P>(bus, o, f, ctx);
      auto src = read_as<P>(bus, o.bot, o.in, o.read);
      auto started = src.started_from();
      rstreams::run(source_ref<decltype(src)>(src) | std::move(f), ctx);
      bot_stats stats;
      stats.in = src.count();
      stats.missed = src.missed();
      stats.corrupt_skipped = src.corrupt_skipped();
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
          detail::engine_settings{o.bot,
                                  o.in,
                                  {},
                                  o.batch,
                                  detail::failure_policy(o),
                                  o.dead_letter_queue,
                                  w,
                                  o.metrics != nullptr ? &o.metrics->bot(o.bot) : nullptr},
          f, src.started_from());
      return detail::drive_bot(src, engine, o.read_ahead, o.read.follow, ctx);
    }
  }

 private:
  // A followed queue never ends, so a sink never finishes on its own: the run goes in rounds of
  // at most `checkpoint.records` events or `checkpoint.time`, each into a fresh copy of the sink
  // that finishes (making its output as durable as it makes it) before the round's commit.
  template <class P, backend B, class F>
  static bot_stats follow_rounds(B& bus, const offload_options& o, const F& f, const run_context& ctx) {
    if constexpr (!std::is_copy_constructible_v<F>) {
      throw config_error("rstreams::bus::offload: bot " + o.bot +
                         ": in follow mode the sink runs once per checkpoint round, so it must be copyable");
    } else {
      bot_stats stats;
      std::optional<detail::checkpoint_committer<B>> committer;
      const auto started_at = ctx.clock->now();
      std::uint64_t left = o.read.limit;
      std::optional<std::string> start = o.read.start;
      for (;;) {
        queue_read_options r = o.read;
        r.start = start;
        r.limit = std::min<std::uint64_t>(left, std::max<std::uint64_t>(1, o.checkpoint.records));
        auto round_time = o.checkpoint.time;
        if (o.read.run_time) {
          const auto spent =
              std::chrono::duration_cast<std::chrono::milliseconds>(ctx.clock->now() - started_at);
          if (spent >= *o.read.run_time) break;
          round_time = std::min(round_time, *o.read.run_time - spent);
        }
        r.run_time = round_time;
        auto src = read_as<P>(bus, o.bot, o.in, r);
        if (!committer) committer.emplace(bus, o.bot, o.in, src.started_from(), o.checkpoint);
        F sink = f;
        rstreams::run(source_ref<decltype(src)>(src) | std::move(sink), ctx);
        if (src.count() != 0) {
          committer->offer(watermark{src.position(), src.count(), 0}, ctx.clock->now());
          committer->commit(ctx.clock->now());
          start = src.position();
        } else if (!start) {
          start = src.position();
        }
        stats.in += src.count();
        stats.missed += src.missed();
        stats.corrupt_skipped += src.corrupt_skipped();
        left -= src.count();
        if (left == 0 || ctx.stop_requested()) break;
      }
      if (committer) {
        stats.commits = committer->commits();
        stats.checkpoint = committer->committed();
      }
      return stats;
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
///   committed once the sink finished, i.e. at the end of the run. In follow mode (a run that
///   never ends by itself) the run goes in rounds of `checkpoint.records` events or
///   `checkpoint.time`, each into a fresh copy of the sink, committed once that copy finished. Errors fail the run. A sink
///   that replaces its output each run (`write_lines(path)`) is refused: use
///   `write_lines(path, file_mode::append)`.
///
/// Forms: `offload(bus, opts, f_or_sink[, run_context])` -> bot_stats.
inline constexpr offload_fn<void> offload{};
template <class T>
inline constexpr offload_fn<T> offload_as{};

}  // namespace rstreams::bus
