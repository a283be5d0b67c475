// A consuming bot against SQLite used as a queue, on the same machine in the same run, for each
// durability tier:
//
// * bus_consume/rstreams_<policy>: an `offload` bot reads 1M events (100-byte JSON payloads) of
//   a local-backend queue from the start, hands each payload (as raw_json: no parse) to a
//   function that adds up its bytes, and commits its checkpoint every 1000 events and at the end
//   (checkpoint_options defaults), on a local backend opened with fsync policy never / interval
//   / every_batch.
// * bus_consume/sqlite_<synchronous>: the same 1M payloads as BLOB rows of a WAL-mode SQLite
//   table; a consumer loops `SELECT rowid, payload FROM events WHERE rowid > ? ORDER BY rowid
//   LIMIT 1000`, adds up the bytes of each payload, then `UPDATE`s its position row (one
//   autocommit transaction per batch), with `PRAGMA synchronous` OFF / NORMAL / FULL as the
//   matching tiers (OFF: the OS decides, as never; NORMAL in WAL mode: synced at WAL
//   checkpoints, so a power loss may roll back the last commits, as interval; FULL: every
//   commit synced, as every_batch).
//
// Each iteration is a new consumer (a new bot name / position row) reading the whole queue.
// Items per second come from wall time around the consumer (I/O waits are not CPU time);
// cpu_ns_per_item is the process's CPU time per event. Issue 17's goal: rstreams >= SQLite in
// every tier. Compare medians of `--benchmark_repetitions=5` (the pairs are registered next to
// each other; `--benchmark_enable_random_interleaving=true` interleaves them).

#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/offload.hpp>
#include <rstreams/bus/raw_json.hpp>

#include "support/bus_fill.hpp"
#include "support/scratch_dir.hpp"

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <time.h>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

namespace {

using bench::process_cpu;
using bench::set_rate;

constexpr std::size_t events_per_run = 1'000'000;
constexpr std::size_t payload_bytes = 100;
constexpr std::size_t batch_records = 1000;

const fs::path& scratch_root() {
  static const bench::scratch_dir s("consume-bench");
  return s.path();
}

// Event `i`: a JSON object of exactly 100 bytes.
std::string make_payload(std::size_t i) {
  std::string s = R"({"n":)" + std::to_string(i) + R"(,"pad":")";
  s.append(payload_bytes - s.size() - 2, 'p');
  s += "\"}";
  return s;
}

// --- rstreams ---------------------------------------------------------------------------------

const std::string& bus_dir() {
  static const std::string dir = [] {
    const auto d = (scratch_root() / "bus").string();
    rb::local_options o;
    o.fsync = rb::fsync_policy::never;
    rb::local_backend bus(d, o);
    bench::fill_queue(bus, "events", events_per_run, make_payload, batch_records);
    bus.flush();
    return d;
  }();
  return dir;
}

void bench_rstreams(benchmark::State& state, rb::fsync_policy policy) {
  rb::local_options opt;
  opt.fsync = policy;
  rb::local_backend bus(bus_dir(), opt);
  static std::size_t run = 0;
  double seconds = 0, cpu = 0;
  std::size_t items = 0;
  std::uint64_t sum = 0;
  for (auto _ : state) {
    rb::offload_options o{.bot = "consumer-" + std::to_string(run++), .in = "events"};
    o.checkpoint.records = batch_records;
    const auto c0 = process_cpu();
    const auto t0 = std::chrono::steady_clock::now();
    const auto stats = rb::offload(bus, o, [&sum](rb::raw_json&& p) { sum += p.text.size(); });
    const auto t1 = std::chrono::steady_clock::now();
    cpu += process_cpu() - c0;
    if (stats.in != events_per_run) state.SkipWithError("the bot lost events");
    seconds += std::chrono::duration<double>(t1 - t0).count();
    items += stats.in;
  }
  benchmark::DoNotOptimize(sum);
  set_rate(state, items, seconds, cpu);
}

// --- SQLite -----------------------------------------------------------------------------------

void check(benchmark::State& state, int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    state.SkipWithError((std::string(what) + ": " + sqlite3_errmsg(db)).c_str());
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error(sql + ": " + msg);
  }
}

const std::string& sqlite_path() {
  static const std::string path = [] {
    const auto p = (scratch_root() / "queue.sqlite").string();
    sqlite3* db = nullptr;
    sqlite3_open(p.c_str(), &db);
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db, "PRAGMA synchronous=OFF");
    exec(db, "CREATE TABLE events(payload BLOB NOT NULL)");
    exec(db, "CREATE TABLE positions(bot TEXT PRIMARY KEY, pos INTEGER NOT NULL)");
    exec(db, "BEGIN");
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO events(payload) VALUES (?)", -1, &ins, nullptr);
    for (std::size_t i = 0; i < events_per_run; ++i) {
      const auto p = make_payload(i);
      sqlite3_bind_blob(ins, 1, p.data(), static_cast<int>(p.size()), SQLITE_TRANSIENT);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    exec(db, "COMMIT");
    exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(db);
    return p;
  }();
  return path;
}

void bench_sqlite(benchmark::State& state, const char* synchronous) {
  sqlite3* db = nullptr;
  check(state, sqlite3_open(sqlite_path().c_str(), &db), db, "open");
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, std::string("PRAGMA synchronous=") + synchronous);
  sqlite3_stmt* sel = nullptr;
  sqlite3_stmt* upd = nullptr;
  check(state,
        sqlite3_prepare_v2(db, "SELECT rowid, payload FROM events WHERE rowid > ? ORDER BY rowid LIMIT 1000",
                           -1, &sel, nullptr),
        db, "prepare select");
  check(state, sqlite3_prepare_v2(db, "UPDATE positions SET pos = ? WHERE bot = ?", -1, &upd, nullptr), db,
        "prepare update");
  static std::size_t run = 0;
  double seconds = 0, cpu = 0;
  std::size_t items = 0;
  std::uint64_t sum = 0;
  for (auto _ : state) {
    const auto bot = "consumer-" + std::to_string(run++);
    exec(db, "INSERT INTO positions(bot, pos) VALUES ('" + bot + "', 0)");
    const auto c0 = process_cpu();
    const auto t0 = std::chrono::steady_clock::now();
    std::int64_t pos = 0;
    std::size_t n = 0;
    for (;;) {
      sqlite3_bind_int64(sel, 1, pos);
      std::size_t got = 0;
      int rc;
      while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        pos = sqlite3_column_int64(sel, 0);
        const auto* p = static_cast<const char*>(sqlite3_column_blob(sel, 1));
        const auto len = static_cast<std::size_t>(sqlite3_column_bytes(sel, 1));
        sum += len + static_cast<unsigned char>(p[0]);
        ++got;
      }
      check(state, rc, db, "select");
      sqlite3_reset(sel);
      if (got == 0) break;
      n += got;
      sqlite3_bind_int64(upd, 1, pos);
      sqlite3_bind_text(upd, 2, bot.data(), static_cast<int>(bot.size()), SQLITE_STATIC);
      check(state, sqlite3_step(upd), db, "update");
      sqlite3_reset(upd);
    }
    const auto t1 = std::chrono::steady_clock::now();
    cpu += process_cpu() - c0;
    if (n != events_per_run) state.SkipWithError("the SQLite consumer lost rows");
    seconds += std::chrono::duration<double>(t1 - t0).count();
    items += n;
  }
  sqlite3_finalize(sel);
  sqlite3_finalize(upd);
  sqlite3_close(db);
  benchmark::DoNotOptimize(sum);
  set_rate(state, items, seconds, cpu);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const auto reg = [](const char* name, auto fn, auto arg) {
    benchmark::RegisterBenchmark(name, fn, arg)->Unit(benchmark::kMillisecond)->Iterations(1);
  };
  reg("bus_consume/sqlite_synchronous_off", bench_sqlite, "OFF");
  reg("bus_consume/rstreams_fsync_never", bench_rstreams, rb::fsync_policy::never);
  reg("bus_consume/sqlite_synchronous_normal", bench_sqlite, "NORMAL");
  reg("bus_consume/rstreams_fsync_interval", bench_rstreams, rb::fsync_policy::interval);
  reg("bus_consume/sqlite_synchronous_full", bench_sqlite, "FULL");
  reg("bus_consume/rstreams_fsync_every_batch", bench_rstreams, rb::fsync_policy::every_batch);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
