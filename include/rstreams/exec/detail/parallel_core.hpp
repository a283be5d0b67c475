#pragma once
// The engine of exec/parallel_map.hpp: the feeder, the workers and the consumer of a parallel
// stage, the intake and reorder rings they share, and how they wait and wake each other.

#include <rstreams/core/context.hpp>
#include <rstreams/core/detail/chrono.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/exec/spsc_channel.hpp>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams::detail {

/// True when a call of `S` never waits for anything outside memory (a file, a socket, another
/// thread): the source says so with `static constexpr bool never_waits = true` (iota, repeat, a
/// forward range). A parallel stage over it needs no feeder task (see parallel_core).
template <class S>
constexpr bool never_waits() {
  if constexpr (requires { S::never_waits; })
    return S::never_waits;
  else
    return false;
}

struct parallel_shape {
  std::size_t workers;
  std::size_t window;
};

/// One element's result.
template <class R>
struct parallel_result {
  std::optional<R> value;  // empty when the policy dropped the element
  std::exception_ptr error;
};

/// A place in the reorder ring; `ready` publishes the result to the consumer.
template <class R>
struct parallel_slot : parallel_result<R> {
  std::atomic<bool> ready{false};
};

/// What the feeder, the workers and the consumer of a parallel stage share. The consumer (the
/// calling thread) is a worker too: when the result it would hand on next is not there, it
/// claims and computes elements as the workers do (`parallel_map_source::help`), and it parks
/// only when there is nothing to claim either. `workers` counts it.
///
/// The feeder task takes elements from upstream while fewer than `window` are in flight, and
/// publishes each at once into the intake ring (slot `sequence % window`), so that a source
/// which blocks in the middle of a call never holds back what it delivered. With several workers,
/// one that finds nothing to claim while the feeder is not taking (it waits for credit, or for a
/// core after its wake-up) takes from upstream itself under the same lock, so that the workers
/// never wait for the feeder to be scheduled (`self_feed`). An upstream that never waits
/// (`never_waits`: iota, a forward range) has no feeder: the consumer feeds itself too, as the
/// workers do, and no third thread competes for the workers' cores (with two workers on two
/// cores, the feeder's wake-ups cost about 3% of the throughput). Workers claim runs
/// of consecutive elements from the intake with one compare-and-swap, move them out (which
/// frees their slots), compute them and write each result into the reorder ring (slot
/// `sequence % window` again: free, since at most `window` are in flight and they leave in
/// sequence), from which the consumer hands them out in order. Unordered, a worker keeps a run's
/// results and queues them as a whole; the consumer hands runs out as they come. The consumer
/// returns credit in batches. A run grows while the function is cheap (up to
/// window / (2 workers)), so that claims and wake-ups are paid per run, and stays at one element
/// when it is slow; a run never waits for elements that are not there. A side that finds
/// nothing to do spins briefly, then parks; a signal costs an atomic operation and a load
/// unless the other side is parked.
///
/// With a core to spare beyond the workers and elements costly enough that half a window keeps
/// the workers busy for a while (`patient`), the consumer and the feeder stay off the cores:
/// the consumer sleeps for about the time the workers take for half a window, hands that half
/// on as one credit and wakes the feeder, and the workers wake nobody unless they run dry (on a
/// virtual machine a wake-up across cores costs a worker about 10 us). Spinning there would
/// only slow the workers (a busy sibling hyperthread) and take a core from the rest of the
/// machine. When the workers fill every core, a waiting side's yield hands its core to a worker
/// until the scheduler gives it a turn, which is cheaper than any wake-up, so the short
/// spin-then-park stays; a worker whose long run leaves the intake low yields in turn, so that
/// the consumer and the feeder refill it before the workers run dry. In that case a consumer or
/// feeder that was woken also waits for a worker's core: the scheduler rarely lets a wake-up
/// preempt a thread in the middle of its time slice (Linux's EEVDF runs it to parity, a slice
/// of milliseconds), while the workers empty the window in a fraction of that. So a worker
/// that sees one of them woken and not yet running yields its core at once, between two
/// elements when they are slow (`yield_to_waking`): the wait is then one element, not a slice.
template <class S, class R, class F, class P, bool Ordered>
struct parallel_core {
  using T = value_t<S>;
  using slot = parallel_slot<R>;
  using result = parallel_result<R>;
  static constexpr std::size_t no_end = static_cast<std::size_t>(-1);
  /// A run aims at about this much work, so that its synchronization is noise.
  static constexpr std::chrono::nanoseconds run_target = std::chrono::microseconds(100);
  /// Half a window of at least this much work (per worker) is worth sleeping through.
  static constexpr std::chrono::nanoseconds patient_wait = std::chrono::microseconds(20);
  /// When patient, a run this long wakes the consumer for its results alone (latency).
  static constexpr std::chrono::nanoseconds slow_run = std::chrono::milliseconds(1);
  /// Elements at least this costly (ns) check for a woken consumer or feeder after each one.
  static constexpr std::int64_t yield_each_ns = 2000;

  parallel_core(parallel_shape shape, F fn, P pol)
      : workers(shape.workers),
        window(shape.window),
        max_run(std::max<std::size_t>(1, shape.window / (2 * shape.workers))),
        credit_step(std::max<std::size_t>(1, std::min(shape.window / 2, max_run))),
        wake_batch(std::max<std::size_t>(1, shape.window / 4)),
        half_window(std::max<std::size_t>(1, shape.window / 2)),
        spare_core(shape.workers < std::thread::hardware_concurrency()),
        f(std::move(fn)),
        policy(std::move(pol)),
        intake(new intake_slot[shape.window]),
        ring(new slot[Ordered ? shape.window : 0]) {}

  const std::size_t workers;
  const std::size_t window;
  const std::size_t max_run;
  const std::size_t credit_step;
  const std::size_t wake_batch;  // results worth waking a parked consumer for
  const std::size_t half_window;
  const bool spare_core;  // the machine has a core beyond the workers
  F f;
  P policy;
  struct intake_slot {
    std::optional<T> item;
    std::atomic<bool> full{false};  // until the worker that claimed it moved it out
  };
  std::unique_ptr<intake_slot[]> intake;
  std::unique_ptr<slot[]> ring;
  std::mutex sink_mutex;  // serialises a dead-letter sink
  // Whoever takes from upstream holds `feed_mutex`: the feeder task, or a worker that ran dry
  // while the feeder was not taking (see `self_feed`). What they share lives under it.
  std::mutex feed_mutex;
  S* up = nullptr;
  std::stop_token feed_quit;
  std::size_t taken = 0;
  std::exception_ptr feed_error;

  alignas(detail::cache_line) std::atomic<std::size_t> tail{0};       // published by the feeder
  alignas(detail::cache_line) std::atomic<std::size_t> head{0};       // claimed by the workers
  alignas(detail::cache_line) std::atomic<std::size_t> delivered{0};  // credit from the consumer
  std::atomic<std::size_t> end{no_end};                               // `tail` once the feeder stopped
  alignas(detail::cache_line) std::atomic<std::size_t> published{0};  // runs announced

  // Unordered: the results of completed runs, in completion order.
  std::mutex done_mutex;
  std::deque<std::vector<result>> done_runs;
  std::atomic<std::size_t> runs_done{0};
  std::atomic<std::size_t> results_done{0};  // elements in those runs, all told

  alignas(detail::cache_line) std::atomic<bool> consumer_parked{false};
  std::atomic<bool> consumer_napping{false};  // ... and wakes on its own for its batch
  std::atomic<bool> feeder_parked{false};
  // Woken and not yet running: a hint for the workers (stale at worst until the next park).
  alignas(detail::cache_line) std::atomic<bool> consumer_waking{false};
  std::atomic<bool> feeder_waking{false};
  // One element's cost, as a recent run measured it; rewritten only when it moved by a quarter
  // (its own line: the consumer and the feeder read it).
  alignas(detail::cache_line) std::atomic<std::int64_t> element_ns{0};
  std::atomic<int> idle_workers{0};
  std::mutex park_mutex;
  std::condition_variable_any consumer_cv;
  std::condition_variable_any feeder_cv;
  std::condition_variable_any worker_cv;

  slot& at(std::size_t seq) noexcept { return ring[seq % window]; }

  /// The workers' time for half a window, as the last run measured it.
  std::chrono::nanoseconds half_window_time() const noexcept {
    const auto per_worker = (half_window + workers - 1) / workers;
    return std::chrono::nanoseconds(element_ns.load(std::memory_order_relaxed) *
                                    static_cast<std::int64_t>(per_worker));
  }

  /// Whether the consumer and the feeder should stay off the cores (see above).
  bool patient() const noexcept { return spare_core && half_window_time() >= patient_wait; }

  /// Results the consumer hands on before it returns them as credit. Patient, it returns them
  /// when it is about to wait (it woke for half a window or more, and waking the feeder twice
  /// for them would cost twice).
  std::size_t credit_batch() const noexcept { return patient() ? window : credit_step; }

  /// Wakes a thread parked on `cv`. The waker changed what the waiter checks, then saw it
  /// parked: once the waker held the lock, the waiter is inside `wait` or has yet to check, so
  /// the notification may follow the unlock (and the waiter does not wake into a held lock).
  void wake(std::condition_variable_any& cv, bool all = false) {
    park_mutex.lock();
    park_mutex.unlock();
    if (all)
      cv.notify_all();
    else
      cv.notify_one();
  }

  /// A worker published results (`dry`: and found nothing more to claim; `always`: the feeder
  /// stopped): wake the consumer if it is parked and it is worth it: the result it waits for is
  /// there (ordered) and so is a batch of them, or nothing more is coming soon (the workers ran
  /// dry or no element waits to be claimed), or the run was slow (`slow`: then a wake-up costs
  /// little next to it, and latency matters). A napping consumer wakes on its own for its batch.
  /// Dekker-style without fences (ThreadSanitizer does not model them): the count and the flags
  /// are seq_cst on both sides, so either the consumer's check sees the results or the worker
  /// sees it parked (or no longer napping). It settled its credit before parking, so then
  /// `delivered` names the result it waits for.
  void announce(bool always = false, bool slow = false, bool dry = false) {
    published.fetch_add(1, std::memory_order_seq_cst);
    if (!consumer_parked.load(std::memory_order_seq_cst)) return;
    if (!always) {
      const std::size_t d = delivered.load(std::memory_order_acquire);
      const bool napping = consumer_napping.load(std::memory_order_seq_cst);
      bool batch;
      if constexpr (Ordered) {
        if (!at(d).ready.load(std::memory_order_acquire)) return;  // its worker will wake it
        batch = !napping && at(d + wake_batch - 1).ready.load(std::memory_order_acquire);
      } else {
        const std::size_t have = results_done.load(std::memory_order_acquire) - d;
        if (have == 0) return;
        batch = !napping && have >= wake_batch;
      }
      const bool idle =
          dry || (!napping && tail.load(std::memory_order_acquire) == head.load(std::memory_order_acquire));
      if (!batch && !idle && !slow) return;  // whoever takes what waits will announce again
    }
    consumer_waking.store(true, std::memory_order_relaxed);
    wake(consumer_cv);
  }

  /// The consumer handed `count` elements on: room for as many more.
  void give_credit(std::size_t count) {
    delivered.store(count, std::memory_order_seq_cst);
    // A parked worker takes from upstream itself (`self_feed`) if it gets a core first.
    if (workers >= 2 && idle_workers.load(std::memory_order_seq_cst) != 0) wake(worker_cv);
    if (!feeder_parked.load(std::memory_order_seq_cst)) return;
    feeder_waking.store(true, std::memory_order_relaxed);
    wake(feeder_cv);
  }

  /// The feeder published elements: wake a worker if one is parked. Per element the store is a
  /// release and the check is not fenced, so a worker that parks just then may miss it: a
  /// parked worker looks again every millisecond. After each batch the feeder's check is seq_cst.
  /// The consumer computes too and counts among the idle workers while it waits, so it is woken
  /// for elements to claim as well.
  void offer(std::size_t count, bool fenced) {
    if (fenced) {
      tail.store(count, std::memory_order_seq_cst);
      if (idle_workers.load(std::memory_order_seq_cst) == 0) return;
    } else {
      tail.store(count, std::memory_order_release);
      if (idle_workers.load(std::memory_order_relaxed) == 0) return;
    }
    const bool consumer = consumer_parked.load(std::memory_order_seq_cst);
    if (consumer) consumer_waking.store(true, std::memory_order_relaxed);
    park_mutex.lock();
    park_mutex.unlock();
    worker_cv.notify_one();
    if (consumer) consumer_cv.notify_one();
  }

  /// Elements published and not yet claimed.
  bool claimable() const noexcept {
    return tail.load(std::memory_order_seq_cst) != head.load(std::memory_order_acquire);
  }

  /// Spins briefly, then parks until `ready()` (which includes elements to claim: the consumer
  /// computes too) or `stop`; true when ready. Patient, it first naps for half a window's work,
  /// then (if the result it waits for is still not there) parks until a worker or the feeder
  /// wakes it. Parked, it counts among the idle workers, whom the feeder wakes for each element
  /// it publishes (without a fence: a parked consumer looks again every millisecond, as the
  /// workers do, for a source that blocks in the middle of a call).
  template <class Ready>
  bool consumer_wait(const std::stop_token& stop, Ready ready) {
    const bool nap = patient();
    if (spin(ready, nap)) return true;
    const auto check = [&] {
      published.load(std::memory_order_seq_cst);  // pairs with announce
      return ready();
    };
    std::unique_lock lock(park_mutex);
    consumer_waking.store(false, std::memory_order_relaxed);
    bool ok = false;
    if (nap) {
      consumer_napping.store(true, std::memory_order_seq_cst);
      consumer_parked.store(true, std::memory_order_seq_cst);
      idle_workers.fetch_add(1, std::memory_order_seq_cst);  // pairs with offer
      ok = consumer_cv.wait_for(lock, stop, half_window_time(), check);
      consumer_napping.store(false, std::memory_order_seq_cst);
    } else {
      consumer_parked.store(true, std::memory_order_seq_cst);
      idle_workers.fetch_add(1, std::memory_order_seq_cst);
    }
    while (!ok && !stop.stop_requested())
      ok = consumer_cv.wait_for(lock, stop, std::chrono::milliseconds(1), check);
    idle_workers.fetch_sub(1, std::memory_order_relaxed);
    consumer_parked.store(false, std::memory_order_relaxed);
    consumer_waking.store(false, std::memory_order_relaxed);
    return ok;
  }

  /// The feeder found the window full: waits until the consumer returned credit since it saw
  /// `seen`, a worker ended the intake, or `stop`.
  void wait_for_credit(std::size_t seen, const std::stop_token& stop) {
    auto moved = [&] {
      return delivered.load(std::memory_order_seq_cst) != seen ||
             end.load(std::memory_order_seq_cst) != no_end;
    };
    if (spin(moved, patient())) return;
    std::unique_lock lock(park_mutex);
    feeder_waking.store(false, std::memory_order_relaxed);
    feeder_parked.store(true, std::memory_order_seq_cst);
    feeder_cv.wait(lock, stop, moved);
    feeder_parked.store(false, std::memory_order_relaxed);
    feeder_waking.store(false, std::memory_order_relaxed);
  }

  /// A worker found nothing to claim at `seen` (and the credit was `credit`): waits until the
  /// feeder publishes more, the run is over, or (with several workers) the consumer returned
  /// credit that lets it feed itself; after a stop request, at most a millisecond.
  void wait_for_elements(std::size_t seen, std::size_t credit, const std::stop_token& cancel) {
    auto more = [&] {
      return tail.load(std::memory_order_seq_cst) != seen || end.load(std::memory_order_acquire) != no_end ||
             (workers >= 2 && delivered.load(std::memory_order_seq_cst) != credit);
    };
    if (spin(more)) return;
    std::unique_lock lock(park_mutex);
    idle_workers.fetch_add(1, std::memory_order_seq_cst);
    while (!more() && !cancel.stop_requested()) {
      worker_cv.wait_for(lock, cancel, std::chrono::milliseconds(1), more);
      // The intake should end: try every millisecond to end it (`self_feed`) for a late feeder.
      if (workers >= 2 && feed_quit.stop_requested()) break;
    }
    idle_workers.fetch_sub(1, std::memory_order_relaxed);
  }

  /// The workers fill the cores and the consumer or the feeder was woken: give it this core now
  /// (it waits for one, see above). With nobody else to run, the yield returns at once.
  void yield_to_waking() {
    // A flag set just as its thread woke on its own stays until that thread parks again: only
    // a thread that is still parked counts.
    if ((consumer_waking.load(std::memory_order_relaxed) &&
         consumer_parked.load(std::memory_order_relaxed)) ||
        (feeder_waking.load(std::memory_order_relaxed) && feeder_parked.load(std::memory_order_relaxed)))
      std::this_thread::yield();
  }

  /// A short spin (about a microsecond, then a few yields): long enough to catch a signal that
  /// is on its way, too short to turn a waiting thread into a busy one that takes a core from
  /// the workers (a waiter that never parks also defeats `announce`'s batching). `brief`: the
  /// wait is known to be long and a core is free, so a few checks and no yields (a yield to
  /// nobody returns at once, and the spin would go on).
  template <class Ready>
  static bool spin(Ready& ready, bool brief = false) {
    for (int i = 0; i < (brief ? 4 : 20); ++i) {
      if (ready()) return true;
      if (i < 16)
        detail::cpu_relax();
      else
        std::this_thread::yield();
    }
    return ready();
  }

  /// Claims up to `want` published elements and moves them into `items`: the first one's
  /// sequence number, or with `items` empty the position where there were none.
  std::size_t claim(std::size_t want, std::vector<T>& items) {
    std::size_t h = head.load(std::memory_order_relaxed);
    std::size_t m = 0;
    for (;;) {
      const std::size_t t = tail.load(std::memory_order_acquire);
      if (h == t) return h;
      m = std::min(want, t - h);
      if (head.compare_exchange_weak(h, h + m, std::memory_order_acquire, std::memory_order_relaxed)) break;
    }
    for (std::size_t i = 0; i < m; ++i) {
      auto& s = intake[(h + i) % window];
      items.push_back(std::move(*s.item));
      s.item.reset();
      s.full.store(false, std::memory_order_release);
    }
    return h;
  }

  /// The feeder's loop: takes from upstream while the window has room, until the upstream ends,
  /// fails or `feed_quit` (then it ends the intake), or a worker that fed ended it.
  void feed() {
    for (;;) {
      std::unique_lock lock(feed_mutex);
      if (end.load(std::memory_order_relaxed) != no_end) return;
      if (feed_quit.stop_requested()) {
        finish_intake();
        return;
      }
      const std::size_t seen = delivered.load(std::memory_order_acquire);
      if (taken - seen == window) {
        lock.unlock();
        wait_for_credit(seen, feed_quit);
        continue;
      }
      take(window - (taken - seen));
    }
  }

  /// A worker found nothing to claim: when the feeder is not taking from upstream right now (it
  /// waits for credit, or for a core after its wake-up) and the window has room, take from
  /// upstream itself rather than wait for the feeder. True when it published elements or ended
  /// the intake. Only with several workers: the others compute what it publishes while it is in
  /// the upstream's call, should that block (a single worker would hold its elements back).
  bool self_feed() {
    if (workers < 2 || end.load(std::memory_order_acquire) != no_end) return false;
    std::unique_lock lock(feed_mutex, std::try_to_lock);
    if (!lock.owns_lock() || end.load(std::memory_order_relaxed) != no_end) return false;
    if (feed_quit.stop_requested()) {  // as the feeder would, so that a stop does not wait for it
      finish_intake();
      return true;
    }
    const std::size_t room = window - (taken - delivered.load(std::memory_order_acquire));
    if (room == 0) return false;
    const std::size_t before = taken;
    take(room);
    return taken != before || end.load(std::memory_order_relaxed) != no_end;
  }

  /// Takes up to `room` elements from upstream and publishes each at once into the intake ring;
  /// ends the intake when the upstream ends or fails (`feed_mutex` held).
  void take(std::size_t room) {
    try {
      const flow status = rstreams::push(*up, room, [&](auto&& x) {
        auto& s = intake[taken % window];
        // Free but for a claim being moved out right now: unordered, an element that left early
        // lends its credit to one claimed before it.
        while (s.full.load(std::memory_order_acquire)) std::this_thread::yield();
        s.item.emplace(std::forward<decltype(x)>(x));
        s.full.store(true, std::memory_order_relaxed);  // published by the tail
        offer(++taken, false);
        return true;
      });
      offer(taken, true);
      if (status == flow::done) finish_intake();
    } catch (...) {
      feed_error = std::current_exception();  // after the elements before it
      finish_intake();
    }
  }

  /// No more elements: tells the workers, the consumer and the feeder (`feed_mutex` held).
  void finish_intake() {
    end.store(taken, std::memory_order_seq_cst);
    wake(worker_cv, true);
    wake(feeder_cv);
    announce(true);
  }
};

}  // namespace rstreams::detail
