#pragma once
// The engine of `enrich` and `offload`: reads raw records, decodes each payload once, calls the
// user's function, writes what it derives (and dead letters), and commits the input checkpoint
// through a low-watermark tracker once everything derived from those inputs is durable.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_stats.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/checkpoint_tracker.hpp>
#include <rstreams/bus/correlation.hpp>
#include <rstreams/bus/detail/callable_traits.hpp>
#include <rstreams/bus/detail/checkpoint_committer.hpp>
#include <rstreams/bus/detail/lineage.hpp>
#include <rstreams/bus/detail/payload_codec.hpp>
#include <rstreams/bus/detail/queue_writer.hpp>
#include <rstreams/bus/event.hpp>
#include <rstreams/bus/event_error.hpp>
#include <rstreams/bus/on_failure.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/bus/raw_json.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_metrics.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams::bus::detail {

/// How a bot function wants its input: per event or per batch (`std::vector<event<T>>`), the
/// payload or the whole event, and of which payload type (nlohmann::json for generic lambdas).
template <class F>
struct bot_fn_traits {
  using arg = first_arg_t<F>;
  static constexpr bool batch = is_vector_v<arg>;
  using unit = std::remove_cvref_t<typename std::conditional_t<batch, arg, std::vector<arg>>::value_type>;
  static constexpr bool wants_event = is_event_v<unit>;
  using payload = std::conditional_t<std::is_void_v<unit>, nlohmann::json, payload_of_t<unit>>;
  static_assert(!batch || wants_event,
                "rstreams::bus: a batch function takes std::vector<event<T>> (the events, with their eids).");
};

struct engine_settings {
  std::string bot;
  std::string in;
  std::string out;  // empty for offload
  std::size_t batch = 100;
  bus::on_failure on_failure = bus::on_failure::fail;
  std::string dead_letter_queue;
  queue_write_options write;
  /// The bot's live counters (enrich_options::metrics), or null.
  stage_metrics* metrics = nullptr;
};

template <backend B, class F, bool Enrich>
class bot_engine {
  using traits = bot_fn_traits<F>;
  using T = typename traits::payload;
  using ticket = checkpoint_tracker::ticket;

 public:
  using payload_type = T;

  bot_engine(B& bus, engine_settings s, F& f, std::optional<checkpoint> started_from)
      : s_(std::move(s)),
        f_(&f),
        dead_(bus, dead_letter_queue_for(s_.in, s_.dead_letter_queue), s_.write),
        committer_(bus, s_.bot, s_.in, std::move(started_from), s_.write.checkpoint) {
    if constexpr (Enrich) out_.emplace(bus, s_.out, s_.write);
    if (traits::batch && s_.batch == 0) throw config_error("rstreams::bus: batch size must be at least 1");
    if constexpr (backend_deferring_sync<B>) {
      // A backend that would fsync each micro-batch (local, every_batch): the batches are
      // appended unsynced and each checkpoint commit, on a second thread, first syncs the
      // queues written (one fsync for the whole span, shared with whatever was appended since),
      // then commits. The bot works on the next span meanwhile; at most one commit runs and
      // positions covering 4 checkpoint spans wait (commit_in_background), else the bot waits.
      if (bus.syncs_each_append()) {
        queue_writer<B>* out = nullptr;
        if constexpr (Enrich) out = &*out_;
        if (out != nullptr) out->defer_sync();
        dead_.defer_sync();
        const std::uint64_t span = std::max<std::uint64_t>(s_.write.checkpoint.records, 1);
        const std::uint64_t waiting = span > UINT64_MAX / 4 ? UINT64_MAX : 4 * span;
        committer_.commit_in_background(
            [out, dead = &dead_] {
              if (out != nullptr) out->sync();
              dead->sync();
            },
            waiting);
      }
    }
  }

  // Not copied or moved: the committer's thread may work on the queue writers in place.
  bot_engine(const bot_engine&) = delete;
  bot_engine& operator=(const bot_engine&) = delete;

  void start(const run_context& ctx) { ctx_ = ctx; }
  /// Where payloads of type T go once encoded (instead of being destroyed here); null: destroy.
  void keep_spent(std::vector<T>* spent) noexcept { spent_ = spent; }
  [[nodiscard]] std::size_t demand() const noexcept { return 1024; }

  bool accept(record&& r) {
    if constexpr (std::is_same_v<T, raw_json>) {
      // The record's text becomes the payload, not a copy of it: under on_failure::fail no dead
      // letter will need the record's payload.
      if (s_.on_failure == on_failure::fail) {
        std::optional<T> text(std::in_place, std::move(r.payload));
        const bool more = accept_decoded(std::move(r), std::move(text), {});
        // What a function taking `raw_json&&` left in place goes back to the record, whose
        // storage the reader reuses for a later event (read_in_place): no allocation per event.
        if constexpr (!traits::batch) r.payload = std::move(text->text);
        return more;
      }
    }
    std::optional<T> payload;
    std::exception_ptr error;
    try {
      // Decoded straight into the optional: T is built from the conversion's prvalue (no move
      // per event), unless T takes any argument at all (then the conversion could be bypassed).
      struct decoded {
        const record& r;
        const std::string& queue;
        operator T() const { return decode_payload<T>(r.payload, queue, r.eid); }  // NOLINT
      };
      struct unrelated {};
      if constexpr (std::is_constructible_v<T, unrelated>)
        payload.emplace(decode_payload<T>(r.payload, s_.in, r.eid));
      else
        payload.emplace(decoded{r, s_.in});
    } catch (const payload_error&) {
      error = std::current_exception();
    }
    return accept_decoded(std::move(r), std::move(payload), error);
  }

  /// `accept` for a record whose payload was decoded already (read_ahead.hpp): `payload`, or
  /// the payload_error in `error`.
  bool accept_decoded(record&& r, std::optional<T>&& payload, const std::exception_ptr& error) {
    // The clock is read every 16 events: time limits are coarse, and an idle input flushes
    // through `idle()` anyway.
    if ((element_++ & 15) == 0) now_ = ctx_.clock->now();
    const auto now = now_;
    ++stats_.in;
    const auto est = r.event_source_timestamp != 0 ? r.event_source_timestamp : r.timestamp;
    const ticket t = tracker_.read(r.eid, est);
    const std::string& eid = tracker_.eid(t);
    if (!payload) {
      if (s_.on_failure == on_failure::fail) {
        salvage(now);
        std::rethrow_exception(error);
      }
      dead_letter(r, lineage::of_one(eid, t, est), describe_error(error), now);
      return after(now);
    }
    if constexpr (traits::batch) {
      batch_.push_back(make_event(r, eid, std::move(*payload)));
      batch_raw_.push_back(std::move(r));
      batch_tickets_.push_back(t);
      if (batch_.size() >= s_.batch) run_batch(now);
    } else {
      run_one(r, t, eid, est, std::move(*payload), now);
    }
    return after(now);
  }

  /// The input is idle (follow mode, called before each wait): a partial batch goes to the
  /// function; outputs are appended and the checkpoint committed only when their own cadence
  /// says so (records / bytes / time), never just because the input ran dry (a trickle would
  /// otherwise cost an append and a commit, each with its fsyncs, per event).
  void idle() {
    const auto now = now_ = ctx_.clock->now();
    if constexpr (traits::batch)
      if (!batch_.empty()) run_batch(now);
    if ((Enrich && out_->due(now)) || dead_.due(now))
      flush(now);
    else
      progress(now);
  }

  bot_stats finish() {
    const auto now = now_ = ctx_.clock->now();
    if constexpr (traits::batch)
      if (!batch_.empty()) run_batch(now);
    flush(now);
    committer_.commit(now);
    committer_.drain();
    publish();
    stats_.commits = committer_.commits();
    stats_.checkpoint = committer_.committed();
    if constexpr (Enrich) stats_.out = out_->written();
    stats_.dead_letters = dead_.written();
    return stats_;
  }

 private:
  static std::string describe_error(const std::exception_ptr& error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return e.what();
    } catch (...) {
      return "unknown error";
    }
  }

  static std::int64_t source_timestamp_of(const event<T>& e) noexcept {
    return e.event_source_timestamp != 0 ? e.event_source_timestamp : e.timestamp;
  }

  event<T> make_event(const record& r, const std::string& eid, T&& payload) const {
    event<T> e;
    e.payload = std::move(payload);
    e.eid = eid;
    e.id = r.id;
    e.event = s_.in;
    e.timestamp = r.timestamp;
    e.event_source_timestamp = r.event_source_timestamp;
    e.correlation_id = r.correlation_id;
    return e;
  }

  // Wall-clock ms for output timestamps, refreshed once per millisecond of the run's clock.
  std::int64_t wall(clock::time_point now) {
    if (wall_ms_ == 0 || now - wall_at_ >= std::chrono::milliseconds{1}) {
      wall_ms_ = now_ms();
      wall_at_ = now;
    }
    return wall_ms_;
  }

  void run_one(record& r, ticket t, const std::string& eid, std::int64_t est, T&& payload,
               clock::time_point now) {
    const lineage from = lineage::of_one(eid, t, est);
    try {
      if constexpr (traits::wants_event) {
        auto e = make_event(r, eid, std::move(payload));
        handle_result(from, now, [&] { return std::invoke(*f_, std::move(e)); });
      } else {
        handle_result(from, now, [&] { return std::invoke(*f_, std::move(payload)); });
      }
    } catch (const user_failure& u) {
      fail_or_dead_letter(r, from, u, now);
    }
    tracker_.finished(t);
  }

  void run_batch(clock::time_point now) {
    const auto units = static_cast<std::uint64_t>(batch_.size());
    // Copies: the function may change the events it is given.
    const std::string first_eid = batch_.front().eid;
    const std::string last_eid = units > 1 ? batch_.back().eid : std::string{};
    const lineage from{first_eid,
                       last_eid,
                       units,
                       source_timestamp_of(batch_.front()),
                       batch_tickets_.front(),
                       batch_tickets_.back()};
    try {
      handle_result(from, now, [&] { return std::invoke(*f_, batch_); });
    } catch (const user_failure& u) {
      for (std::size_t i = 0; i < batch_raw_.size(); ++i)
        fail_or_dead_letter(
            batch_raw_[i],
            lineage::of_one(batch_raw_[i].eid, batch_tickets_[i], source_timestamp_of(batch_[i])), u, now);
    }
    tracker_.finished_through(from.last);
    batch_.clear();
    batch_raw_.clear();
    batch_tickets_.clear();
  }

  struct user_failure {
    std::string cause;
    std::exception_ptr error;
  };

  // Calls the user's function and emits what it returns, each output derived from `from`.
  template <class Call>
  void handle_result(const lineage& from, clock::time_point now, Call&& call) {
    using R = decltype(call());
    if constexpr (!Enrich) {
      try {
        call();
      } catch (...) {
        throw user_failure{rstreams::detail::describe_current_exception(), std::current_exception()};
      }
    } else {
      static_assert(!std::is_void_v<R>,
                    "rstreams::bus::enrich: the function returns void. Return the derived payload, "
                    "std::optional of it (zero or one event) or std::vector of it (many).");
      // `res` is initialised from the prvalue `call` returns: no move of the user's result.
      const auto guarded = [&]() -> R {
        try {
          return call();
        } catch (...) {
          throw user_failure{rstreams::detail::describe_current_exception(), std::current_exception()};
        }
      };
      R res = guarded();
      const auto emit = [&](auto&& x) {
        fill_output(out_->slot(), std::forward<decltype(x)>(x), from, now);
        out_->commit_slot(now);
        tracker_.derived(from.first, from.last);
        pending_.emplace_back(from.first, from.last);
      };
      if constexpr (is_optional_v<R>) {
        if (res) emit(std::move(*res));
      } else if constexpr (is_vector_v<R>) {
        for (auto& x : res) emit(std::move(x));
      } else {
        emit(std::move(res));
      }
    }
  }

  // An rvalue payload of the input's type outlives its encoding in `spent_` (raw_json is moved
  // out when encoded: nothing left to free).
  template <class V, class X>
  static constexpr bool keeps_spent =
      std::is_same_v<V, T> && !std::is_same_v<T, raw_json> && !std::is_lvalue_reference_v<X>;

  // Fills a reused output record (see queue_writer::slot) with what `f` returned.
  template <class X>
  void fill_output(record& o, X&& x, const lineage& from, clock::time_point now) {
    using V = std::remove_cvref_t<X>;
    if constexpr (is_event_v<V>) {
      o.id = std::move(x.id);
      o.timestamp = x.timestamp;
      o.event_source_timestamp = x.event_source_timestamp;
      o.correlation_id = std::move(x.correlation_id);
      encode_output(o.payload, std::forward<X>(x).payload, from);
      if constexpr (keeps_spent<payload_of_t<V>, X>)
        if (spent_ != nullptr) spent_->push_back(std::move(x.payload));
      if (o.id.empty()) o.id.assign(s_.bot);
      if (!o.correlation_id) set_correlation(o, from);
    } else {
      encode_output(o.payload, std::forward<X>(x), from);
      if constexpr (keeps_spent<V, X>)
        if (spent_ != nullptr) spent_->push_back(std::move(x));
      o.id.assign(s_.bot);
      o.timestamp = 0;
      o.event_source_timestamp = 0;
      set_correlation(o, from);
    }
    o.event.assign(s_.out);
    if (o.timestamp == 0) o.timestamp = wall(now);
    if (o.event_source_timestamp == 0) o.event_source_timestamp = from.source_timestamp;
  }

  // A derived payload that cannot be written (a string that is not UTF-8, under the default
  // invalid_utf8::error) names the output queue and the input event it was derived from.
  template <class P>
  void encode_output(std::string& out, P&& payload, const lineage& from) {
    try {
      encode_payload_into(out, std::forward<P>(payload), s_.write.invalid_utf8 == invalid_utf8::replace);
    } catch (const nlohmann::json::type_error& e) {
      std::throw_with_nested(
          rstreams::error("rstreams: " + s_.bot + ": queue " + s_.out + ", derived from event " +
                          std::string(from.last_eid.empty() ? from.first_eid : from.last_eid) +
                          ": the payload cannot be written as JSON: " + e.what() +
                          " (queue_write_options.invalid_utf8 = invalid_utf8::replace writes U+FFFD)"));
    }
  }

  void set_correlation(record& o, const lineage& from) {
    if (!o.correlation_id) o.correlation_id.emplace();
    auto& c = *o.correlation_id;
    c.source.assign(s_.in);
    c.start.assign(from.first_eid);
    c.end.assign(from.last_eid);
    c.units = from.units;
  }

  void fail_or_dead_letter(record& r, const lineage& from, const user_failure& u, clock::time_point now) {
    if (s_.on_failure == on_failure::fail) {
      salvage(now);
      try {
        std::rethrow_exception(u.error);
      } catch (...) {
        std::throw_with_nested(event_error(s_.bot, s_.in, r.eid, u.cause));
      }
    }
    dead_letter(r, from, u.cause, now);
  }

  // A dead letter of the one input `from` (r, its record), its eid in the correlation.
  void dead_letter(record& r, const lineage& from, const std::string& cause, clock::time_point now) {
    if (auto* m = s_.metrics) {
      m->errors.fetch_add(1, std::memory_order_relaxed);
      m->dead_lettered.fetch_add(1, std::memory_order_relaxed);
    }
    nlohmann::json body{{"bot", s_.bot}, {"queue", s_.in}, {"eid", r.eid}, {"error", cause}};
    auto parsed = nlohmann::json::parse(r.payload, nullptr, false);
    body["payload"] = parsed.is_discarded() ? nlohmann::json(r.payload) : std::move(parsed);
    record d;
    d.id = s_.bot;
    d.event = dead_.queue();
    d.timestamp = wall(now);
    d.event_source_timestamp = from.source_timestamp;
    d.correlation_id = correlation{s_.in, r.eid, {}, 1};
    d.payload = body.dump();
    dead_.add(std::move(d), now);
    tracker_.derived(from.first);
    pending_.emplace_back(from.first, from.first);
    tracker_.finished(from.first);
  }

  bool after(clock::time_point now) {
    const bool out_due = Enrich && out_->due(now);
    if (out_due || dead_.due(now)) {
      flush(now);
    } else if (tracker_.in_flight() >= 1024 || committer_.due(now)) {
      progress(now);
    }
    return true;
  }

  // Appends what is buffered; then everything derived so far is durable.
  void flush(clock::time_point now) {
    if constexpr (Enrich) out_->flush();
    dead_.flush();
    for (const auto& [a, b] : pending_) tracker_.written(a, b);
    pending_.clear();
    progress(now);
  }

  void progress(clock::time_point now) {
    if (auto w = tracker_.take())
      committer_.offer(std::move(*w), now);
    else if (committer_.due(now))
      committer_.commit(now);
    publish();
  }

  // The live counters catch up with what this run did (here, not per event: progress runs once
  // per ~1000 events or per commit).
  void publish() {
    auto* m = s_.metrics;
    if (m == nullptr) return;
    const auto catch_up = [](std::atomic<std::uint64_t>& to, std::uint64_t now, std::uint64_t& told) {
      if (now > told) to.fetch_add(now - told, std::memory_order_relaxed);
      told = now;
    };
    catch_up(m->own_in, stats_.in, told_in_);
    if constexpr (Enrich) catch_up(m->own_out, out_->written(), told_out_);
    catch_up(m->commits, committer_.commits(), told_commits_);
  }

  // Before failing: make durable what is complete and commit it, so that the next run starts
  // exactly at the failing event.
  void salvage(clock::time_point now) {
    if (s_.metrics != nullptr) s_.metrics->errors.fetch_add(1, std::memory_order_relaxed);
    flush(now);
    committer_.commit(now);
    committer_.drain();
    publish();
  }

  engine_settings s_;
  F* f_;
  std::optional<queue_writer<B>> out_;
  queue_writer<B> dead_;
  checkpoint_tracker tracker_;
  checkpoint_committer<B> committer_;
  std::vector<std::pair<ticket, ticket>> pending_;
  std::vector<event<T>> batch_;
  std::vector<record> batch_raw_;
  std::vector<ticket> batch_tickets_;
  run_context ctx_{};
  std::vector<T>* spent_ = nullptr;
  bot_stats stats_;
  std::uint64_t element_ = 0;
  std::uint64_t told_in_ = 0, told_out_ = 0, told_commits_ = 0;  // published to s_.metrics
  clock::time_point now_{};
  std::int64_t wall_ms_ = 0;
  clock::time_point wall_at_{};
};

}  // namespace rstreams::bus::detail
