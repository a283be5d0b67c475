#pragma once
// The bot runtime: a named job (an enrich or offload run) with one active instance (a backend
// lease), started when an input queue advances, on a 6-field cron schedule, or once, which
// counts consecutive failures and pauses itself past a limit, as RStreams does.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/bot_stats.hpp>
#include <rstreams/bus/cron.hpp>
#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/offload.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace rstreams::bus {

/// When a bot runs: `once()`, `on_queue(q...)` (whenever one of its input queues holds events
/// after the bot's checkpoint, waking on appends), or `cron("sec min hour dom month dow")`.
class bot_trigger {
 public:
  enum class kind { once, queues, schedule };

  static bot_trigger once() { return bot_trigger(kind::once); }
  static bot_trigger on_queue(std::string queue) { return on_queues({std::move(queue)}); }
  static bot_trigger on_queues(std::vector<std::string> queues) {
    if (queues.empty()) throw config_error("rstreams::bus::bot_trigger: on_queues needs at least one queue");
    for (const auto& q : queues) validate_queue_name(q);
    bot_trigger t(kind::queues);
    t.queues_ = std::move(queues);
    return t;
  }
  static bot_trigger cron(std::string_view expression) {
    bot_trigger t(kind::schedule);
    t.schedule_.emplace(expression);
    return t;
  }

  [[nodiscard]] kind type() const noexcept { return kind_; }
  [[nodiscard]] const std::vector<std::string>& queues() const noexcept { return queues_; }
  [[nodiscard]] const std::optional<cron_schedule>& schedule() const noexcept { return schedule_; }

 private:
  explicit bot_trigger(kind k) : kind_(k) {}
  kind kind_;
  std::vector<std::string> queues_;
  std::optional<cron_schedule> schedule_;
};

/// How a bot is run.
struct bot_options {
  std::string id;
  bot_trigger trigger = bot_trigger::once();
  /// The bot pauses itself after more than this many consecutive failed runs (RStreams: a
  /// "rogue" bot after more than 10).
  std::uint32_t error_limit = 10;
  /// The lease one instance holds while it runs (expires if the process dies). A run renews it
  /// every `lease_ttl / 3`; a run that finds it lost is stopped and fails with lease_lost.
  std::chrono::milliseconds lease_ttl{5 * 60'000};
  /// The pause after a failed run before the next attempt (queue triggers; doubles per
  /// consecutive failure, up to 64 times this).
  std::chrono::milliseconds error_backoff{1000};
  /// The longest wait between checks of the inputs (a stop request ends any wait at once).
  std::chrono::milliseconds poll{1000};
  /// Wall time for cron schedules (tests substitute a clock); system_clock by default.
  std::function<std::chrono::system_clock::time_point()> wall_clock{};
  /// What the bot reads besides the queues it checkpoints, and what it writes: queue names, or
  /// external sources and sinks as "kind:what" ("file:input/orders.csv", "http:api.example.com",
  /// "postgres:warehouse.orders"). Stored with its state at each run; the topology draws them.
  std::vector<std::string> reads{};
  std::vector<std::string> writes{};
};

/// A run found that its bot's lease had expired and been taken by another instance: the run was
/// stopped (what it had derived and committed stands; the other instance's commits win).
class lease_lost : public rstreams::error {
 public:
  explicit lease_lost(const std::string& bot)
      : error("rstreams: bot " + bot +
              " lost its lease during a run (it expired and another instance took it); the run was "
              "stopped. Raise bot_options.lease_ttl if runs stall longer than the ttl."),
        bot_(bot) {}
  [[nodiscard]] const std::string& bot() const noexcept { return bot_; }

 private:
  std::string bot_;
};

/// A bot's record of its runs.
struct bot_status {
  std::uint64_t runs = 0;        // runs completed without error
  std::uint64_t failures = 0;    // runs that threw
  std::uint64_t locked_out = 0;  // attempts skipped because another instance held the lease
  std::uint32_t consecutive_errors = 0;
  bool paused = false;
  std::string last_error;
  bot_stats last{};   // the last successful run
  bot_stats total{};  // summed over successful runs (checkpoint = the latest)
};

/// A named job under the bot runtime. The job is any callable `bot_stats(const run_context&)`,
/// usually an `enrich` or `offload` run (see make_enrich_bot / make_offload_bot).
///
/// `run_once(ctx)` runs it now if the lease is free and the bot is not paused; `run(ctx)` runs
/// it per the trigger until `ctx.stop` is requested or the bot pauses itself (more than
/// `error_limit` consecutive failures; `resume()` clears that). Failures never escape `run`
/// silently: each is counted and kept in `status().last_error`, and `run_once` rethrows it.
/// On a backend that `stores_bot_state` (local, NATS), the error count and the pause are stored with
/// the bot's checkpoints and read again before each run, so a paused bot stays paused across
/// restarts until `resume()` (or `resume_bot(bus, id)` from any process) clears it.
/// While the job runs, the lease is renewed every `lease_ttl / 3`; if it was lost meanwhile the
/// job is stopped (its run_context's stop) and the run fails with lease_lost.
template <backend B>
class bot {
 public:
  using job_type = std::function<bot_stats(const run_context&)>;

  bot(B& bus, bot_options opts, job_type job) : bus_(&bus), opts_(std::move(opts)), job_(std::move(job)) {
    validate_bot_name(opts_.id);
    if (!job_) throw config_error("rstreams::bus::bot " + opts_.id + ": no job");
    if (opts_.error_limit == 0)
      throw config_error("rstreams::bus::bot " + opts_.id + ": error_limit must be at least 1");
  }

  [[nodiscard]] const std::string& id() const noexcept { return opts_.id; }
  [[nodiscard]] const bot_status& status() const noexcept { return status_; }
  [[nodiscard]] const bot_options& options() const noexcept { return opts_; }

  /// Clears the pause and the consecutive error count (and their stored copy).
  void resume() {
    status_.paused = false;
    status_.consecutive_errors = 0;
    save_state();
  }

  /// Reads the stored error count and pause (backends that store them); run_once does it too.
  void reload_state() {
    if constexpr (stores_bot_state<B>) {
      if (auto s = bus_->get_bot_state(opts_.id)) {
        status_.consecutive_errors = s->consecutive_errors;
        status_.paused = s->paused;
        if (!s->last_error.empty()) status_.last_error = s->last_error;
      }
    }
  }

  /// Runs the job once now. Returns its stats, or nothing when the bot is paused or another
  /// instance holds the lease. A failure is counted (and may pause the bot), then rethrown.
  std::optional<bot_stats> run_once(const run_context& ctx = {}) {
    reload_state();
    if (status_.paused) return std::nullopt;
    auto held = bus_->try_lease(opts_.id, opts_.lease_ttl);
    if (!held) {
      ++status_.locked_out;
      return std::nullopt;
    }
    const auto started = wall_now_ms();
    try {
      auto stats = run_renewing(*held, ctx);
      ++status_.runs;
      status_.consecutive_errors = 0;
      record_run_quietly(started, &stats);
      status_.last = stats;
      status_.total.in += stats.in;
      status_.total.out += stats.out;
      status_.total.dead_letters += stats.dead_letters;
      status_.total.commits += stats.commits;
      status_.total.missed += stats.missed;
      status_.total.corrupt_skipped += stats.corrupt_skipped;
      if (stats.checkpoint) status_.total.checkpoint = stats.checkpoint;
      return stats;
    } catch (...) {
      ++status_.failures;
      ++status_.consecutive_errors;
      status_.last_error = rstreams::detail::describe_current_exception();
      if (status_.consecutive_errors > opts_.error_limit) status_.paused = true;
      record_run_quietly(started, nullptr);
      throw;
    }
  }

  /// True when an input queue holds events after the bot's checkpoint (queue triggers), or
  /// always for other triggers.
  [[nodiscard]] bool has_work() {
    if (opts_.trigger.type() != bot_trigger::kind::queues) return true;
    for (const auto& q : opts_.trigger.queues())
      if (pending_in(q)) return true;
    return false;
  }

  /// Runs per the trigger until `ctx.stop` is requested, the bot pauses itself, or (trigger
  /// `once`) after one run. Returns the status.
  const bot_status& run(const run_context& ctx = {}) {
    switch (opts_.trigger.type()) {
      case bot_trigger::kind::once:
        attempt(ctx);
        break;
      case bot_trigger::kind::queues:
        run_on_queues(ctx);
        break;
      case bot_trigger::kind::schedule:
        run_on_schedule(ctx);
        break;
    }
    return status_;
  }

 private:
  static std::int64_t wall_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  void save_state() {
    if constexpr (stores_bot_state<B>) {
      auto s = bus_->get_bot_state(opts_.id).value_or(bot_state{});
      s.consecutive_errors = status_.consecutive_errors;
      s.paused = status_.paused;
      s.last_error = status_.last_error;
      bus_->put_bot_state(opts_.id, s);
    }
  }

  // After a run (`stats` null: it failed): adds it to the stored record of runs. Read again
  // first, so a pause set from another process meanwhile is kept. A failure to store it must
  // not turn the run's outcome into another error; the state is kept in memory either way and
  // stored again after the next run.
  void record_run_quietly(std::int64_t started, const bot_stats* stats) noexcept {
    if constexpr (stores_bot_state<B>) {
      try {
        auto s = bus_->get_bot_state(opts_.id).value_or(bot_state{});
        s.consecutive_errors = status_.consecutive_errors;
        s.paused = s.paused || status_.paused;
        status_.paused = s.paused;
        if (stats == nullptr) s.last_error = status_.last_error;
        s.last_run_start = started;
        s.last_run_end = wall_now_ms();
        s.last_outcome = stats != nullptr ? "ok" : "error";
        s.reads = opts_.reads;
        s.writes = opts_.writes;
        if (stats != nullptr) {
          ++s.runs;
          s.events_in += stats->in;
          s.events_out += stats->out;
          s.dead_letters += stats->dead_letters;
          s.commits += stats->commits;
        } else {
          ++s.failed_runs;
        }
        bus_->put_bot_state(opts_.id, s);
      } catch (...) {
      }
    }
  }

  // The job, with the lease renewed every ttl/3 by a helper thread; a lost lease stops the job.
  bot_stats run_renewing(lease& held, const run_context& ctx) {
    std::stop_source job_stop;
    std::stop_callback link(ctx.stop, [&job_stop] { job_stop.request_stop(); });
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::atomic<bool> lost{false};
    const auto every = std::max(std::chrono::milliseconds{1}, opts_.lease_ttl / 3);
    std::thread renewer([&] {
      std::unique_lock lk(m);
      while (!cv.wait_for(lk, every, [&] { return done; })) {
        lk.unlock();
        bool kept = true;
        try {
          kept = held.renew();
        } catch (...) {
          // A failed renewal (I/O, network) is tried again next period; expiry decides.
        }
        lk.lock();
        if (!kept) {
          lost = true;
          job_stop.request_stop();
          return;
        }
      }
    });
    const auto stop_renewer = [&] {
      {
        std::lock_guard lk(m);
        done = true;
      }
      cv.notify_all();
      renewer.join();
    };
    run_context jctx = ctx;
    jctx.stop = job_stop.get_token();
    bot_stats stats;
    try {
      stats = job_(jctx);
    } catch (...) {
      stop_renewer();
      if (lost) throw lease_lost(opts_.id);
      throw;
    }
    stop_renewer();
    if (lost) throw lease_lost(opts_.id);
    return stats;
  }

  bool pending_in(const std::string& q) {
    const auto cp = bus_->get_checkpoint(opts_.id, q);
    scratch_.clear();
    return bus_->read(q, cp ? cp->eid : std::string{}, 1, scratch_) != 0;
  }

  // One run; failures are counted, not thrown. True when it succeeded.
  bool attempt(const run_context& ctx) {
    try {
      return run_once(ctx).has_value();
    } catch (...) {
      return false;
    }
  }

  void run_on_queues(const run_context& ctx) {
    const auto& queues = opts_.trigger.queues();
    while (!ctx.stop_requested() && !status_.paused) {
      if (has_work()) {
        const auto failures = status_.failures;
        const auto locked = status_.locked_out;
        attempt(ctx);
        if (status_.failures != failures) {
          auto backoff =
              opts_.error_backoff * (1LL << std::min<std::uint32_t>(status_.consecutive_errors - 1, 6));
          ctx.clock->sleep_for(backoff, ctx.stop);
        } else if (status_.locked_out != locked) {
          ctx.clock->sleep_for(opts_.poll, ctx.stop);
        }
        continue;
      }
      // Idle: wait for an append after the checkpoint (one queue at a time when several).
      const auto per_queue =
          std::max(std::chrono::milliseconds{1}, opts_.poll / static_cast<long>(queues.size()));
      for (const auto& q : queues) {
        const auto cp = bus_->get_checkpoint(opts_.id, q);
        if (bus_->wait(q, cp ? cp->eid : std::string{}, per_queue, ctx.stop)) break;
        if (ctx.stop_requested()) break;
      }
    }
  }

  void run_on_schedule(const run_context& ctx) {
    const auto& schedule = *opts_.trigger.schedule();
    const auto wall = [&] {
      return opts_.wall_clock ? opts_.wall_clock() : std::chrono::system_clock::now();
    };
    while (!ctx.stop_requested() && !status_.paused) {
      const auto now = wall();
      const auto next = schedule.next(now);
      if (!next) break;
      const auto delay = std::chrono::duration_cast<clock::duration>(*next - now);
      if (!ctx.clock->sleep_until(ctx.clock->now() + delay, ctx.stop)) break;
      attempt(ctx);
    }
  }

  B* bus_;
  bot_options opts_;
  job_type job_;
  bot_status status_;
  std::vector<record> scratch_;
};

/// Clears the stored pause, error count and last error of bot `id` (backends that store bot
/// state; its record of runs stays), e.g.
/// from an operator's process; a running bot object sees it before its next run.
template <backend B>
void resume_bot(B& bus, std::string_view id) {
  validate_bot_name(id);
  if constexpr (stores_bot_state<B>) {
    auto s = bus.get_bot_state(id).value_or(bot_state{});
    s.paused = false;
    s.consecutive_errors = 0;
    s.last_error.clear();
    bus.put_bot_state(id, s);
  }
}

/// Pauses bot `id` from any process (backends that store bot state; config_error otherwise):
/// its runtime skips runs until resumed; a run in progress finishes first.
template <backend B>
void pause_bot(B& bus, std::string_view id) {
  validate_bot_name(id);
  if constexpr (stores_bot_state<B>) {
    auto s = bus.get_bot_state(id).value_or(bot_state{});
    s.paused = true;
    bus.put_bot_state(id, s);
  } else {
    throw config_error("rstreams: pause_bot " + std::string(id) + ": backend " + bus.describe() +
                       " stores no bot state");
  }
}

/// A bot whose job is `enrich(bus, opts, f)`; triggered when `opts.in` advances unless told.
template <backend B, class F>
bot<B> make_enrich_bot(B& bus, enrich_options opts, F f, std::optional<bot_trigger> trigger = std::nullopt) {
  bot_options bo;
  bo.id = opts.bot;
  bo.trigger = trigger ? std::move(*trigger) : bot_trigger::on_queue(opts.in);
  bo.writes.push_back(opts.out);
  if (!opts.dead_letter_queue.empty()) bo.writes.push_back(opts.dead_letter_queue);
  return bot<B>(bus, std::move(bo),
                [&bus, o = std::move(opts), f = std::move(f)](const run_context& ctx) mutable {
                  return enrich(bus, o, f, ctx);
                });
}

/// A bot whose job is `offload(bus, opts, f_or_sink)`; triggered when `opts.in` advances unless told.
template <backend B, class F>
bot<B> make_offload_bot(B& bus, offload_options opts, F f,
                        std::optional<bot_trigger> trigger = std::nullopt) {
  bot_options bo;
  bo.id = opts.bot;
  bo.trigger = trigger ? std::move(*trigger) : bot_trigger::on_queue(opts.in);
  if (!opts.dead_letter_queue.empty()) bo.writes.push_back(opts.dead_letter_queue);
  return bot<B>(bus, std::move(bo),
                [&bus, o = std::move(opts), f = std::move(f)](const run_context& ctx) mutable {
                  return offload(bus, o, f, ctx);
                });
}

}  // namespace rstreams::bus
