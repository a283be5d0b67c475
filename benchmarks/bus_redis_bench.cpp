// The local bus's append against Redis Streams, the peer a user would otherwise pick for a
// durable queue on one machine, in the same run (issue 17):
//
// * bus_vs_redis_<policy>/baseline_redis_xadd: 100k events (100-byte JSON payloads, the bot id
//   and a timestamp as fields) added to a fresh stream with XADD, pipelined in batches of 1000
//   (hiredis), to a redis-server started here with its append-only file on and `appendfsync`
//   set to match the policy: no (never), everysec (interval), always (every_batch: Redis
//   flushes and fsyncs once per event-loop pass, i.e. per pipelined batch).
// * bus_vs_redis_<policy>/rstreams: the same events appended to a fresh local queue in batches
//   of 1000 with fsync policy never / interval (its default window) / every_batch.
//
// Both report items_per_second (wall time: I/O waits are not CPU time) and disk_bytes_per_event:
// what the run added on disk (Redis: its append-only files; rstreams: the queue's segments and
// index) per event; the payload alone is 100 bytes. Needs hiredis (libhiredis-dev) to build and
// redis-server (Debian redis-server) to run; without the server the Redis variants say so.

#include <rstreams/bus/local/local_backend.hpp>

#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>
#include "support/scratch_dir.hpp"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t events_per_run = 100'000;
constexpr std::size_t batch = 1000;

const fs::path& scratch_root() {
  static const bench::scratch_dir s("redis-bench");
  return s.path();
}

// 100-byte JSON payloads, as in bus_append_bench.
const std::vector<std::string>& payloads() {
  static const std::vector<std::string> ps = [] {
    std::vector<std::string> v(batch);
    std::mt19937 rng(42);
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::string p = R"({"id":)" + std::to_string(i) + R"(,"customer":"c)" + std::to_string(rng() % 100000) +
                      R"(","amount":)" + std::to_string(rng() % 100000) + R"(,"note":")";
      p += std::string(97 - p.size(), 'x');
      p += "\"}";
      v[i] = std::move(p);
    }
    return v;
  }();
  return ps;
}

std::uintmax_t tree_bytes(const fs::path& dir) {
  std::uintmax_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file(ec)) n += e.file_size(ec);
  return n;
}

bool have_redis_server() {
  return std::system("command -v redis-server > /dev/null 2>&1") == 0;
}

// A redis-server of this run (append-only file on, no snapshots), stopped at exit.
class redis_server {
 public:
  redis_server() : dir_(scratch_root() / "redis") {
    fs::create_directories(dir_);
    port_ = 20000 + static_cast<int>(::getpid() % 20000);
    const std::string port = std::to_string(port_);
    const std::string dir = dir_.string();
    const std::string log = (dir_ / "redis.log").string();
    const char* argv[] = {
        "redis-server",  "--port", port.c_str(),  "--dir", dir.c_str(), "--appendonly", "yes",  "--save", "",
        "--appendfsync", "no",     "--daemonize", "no",    "--logfile", log.c_str(),    nullptr};
    if (posix_spawnp(&pid_, "redis-server", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0)
      pid_ = -1;
    for (int i = 0; i < 200 && pid_ > 0; ++i) {  // up to 10 s for it to accept connections
      if (redisContext* c = redisConnect("127.0.0.1", port_); c != nullptr && c->err == 0) {
        ctx_.reset(c);
        return;
      } else if (c != nullptr) {
        redisFree(c);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~redis_server() {
    ctx_.reset();
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  [[nodiscard]] redisContext* ctx() const { return ctx_.get(); }
  [[nodiscard]] const fs::path& dir() const { return dir_; }

  // Runs one command; false (and `error` set) when Redis refuses it.
  bool command(const std::string& cmd, std::string& error) {
    auto* r = static_cast<redisReply*>(redisCommand(ctx_.get(), cmd.c_str()));
    if (r == nullptr) {
      error = ctx_->errstr;
      return false;
    }
    const bool ok = r->type != REDIS_REPLY_ERROR;
    if (!ok) error = std::string(r->str, r->len);
    freeReplyObject(r);
    return ok;
  }

 private:
  struct free_ctx {
    void operator()(redisContext* c) const { redisFree(c); }
  };
  fs::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<redisContext, free_ctx> ctx_;
};

redis_server& the_server() {
  static redis_server s;
  return s;
}

const char* appendfsync_of(rb::fsync_policy p) {
  switch (p) {
    case rb::fsync_policy::never:
      return "no";
    case rb::fsync_policy::interval:
      return "everysec";
    default:
      return "always";
  }
}

void bench_redis(benchmark::State& state, rb::fsync_policy policy) {
  if (!have_redis_server()) {
    state.SkipWithError("redis-server is not installed (Debian: apt-get install redis-server)");
    return;
  }
  auto& srv = the_server();
  if (srv.ctx() == nullptr) {
    state.SkipWithError("redis-server did not start");
    return;
  }
  std::string err;
  if (!srv.command(std::string("CONFIG SET appendfsync ") + appendfsync_of(policy), err)) {
    state.SkipWithError(err.c_str());
    return;
  }
  const auto& ps = payloads();
  const std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  double seconds = 0;
  std::uintmax_t disk = 0;
  std::size_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    // A fresh stream, and the append-only file rewritten small, so each run starts alike.
    srv.command("DEL orders", err);
    srv.command("BGREWRITEAOF", err);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto before = tree_bytes(srv.dir());
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t done = 0; done < events_per_run; done += batch) {
      for (const auto& p : ps)
        redisAppendCommand(srv.ctx(), "XADD orders * id bench-loader ts %b payload %b", ts.data(), ts.size(),
                           p.data(), p.size());
      for (std::size_t i = 0; i < ps.size(); ++i) {
        void* reply = nullptr;
        if (redisGetReply(srv.ctx(), &reply) != REDIS_OK) {
          state.SkipWithError("redis: lost the connection");
          return;
        }
        auto* r = static_cast<redisReply*>(reply);
        if (r->type == REDIS_REPLY_ERROR) {
          const std::string e(r->str, r->len);
          freeReplyObject(r);
          state.SkipWithError(e.c_str());
          return;
        }
        freeReplyObject(r);
      }
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    events += events_per_run;
    state.PauseTiming();
    disk += tree_bytes(srv.dir()) - before;
    state.ResumeTiming();
  }
  state.counters["items_per_second"] = benchmark::Counter(static_cast<double>(events) / seconds);
  state.counters["disk_bytes_per_event"] =
      benchmark::Counter(static_cast<double>(disk) / static_cast<double>(events));
}

void bench_rstreams(benchmark::State& state, rb::fsync_policy policy) {
  const auto& ps = payloads();
  std::vector<rb::record> rs(ps.size());
  std::size_t run = 0;
  double seconds = 0;
  std::uintmax_t disk = 0;
  std::size_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto dir = scratch_root() / ("bus-" + std::to_string(run++));
    fs::remove_all(dir);
    rb::local_options o;
    o.fsync = policy;
    auto bus = std::make_unique<rb::local_backend>(dir.string(), o);
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t done = 0; done < events_per_run; done += batch) {
      for (std::size_t i = 0; i < ps.size(); ++i) {  // as a producer refills its batch
        rs[i].id = "bench-loader";
        rs[i].payload = ps[i];
      }
      bus->append("orders", rs);
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    events += events_per_run;
    state.PauseTiming();
    bus.reset();
    disk += tree_bytes(dir / "queues" / "orders");
    fs::remove_all(dir);
    state.ResumeTiming();
  }
  state.counters["items_per_second"] = benchmark::Counter(static_cast<double>(events) / seconds);
  state.counters["disk_bytes_per_event"] =
      benchmark::Counter(static_cast<double>(disk) / static_cast<double>(events));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (const auto& [name, policy] :
       {std::pair{"never", rb::fsync_policy::never}, std::pair{"interval", rb::fsync_policy::interval},
        std::pair{"every_batch", rb::fsync_policy::every_batch}}) {
    const std::string group = std::string("bus_vs_redis_") + name;
    benchmark::RegisterBenchmark((group + "/baseline_redis_xadd").c_str(), bench_redis, policy)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(3)
        ->UseRealTime();
    benchmark::RegisterBenchmark((group + "/rstreams").c_str(), bench_rstreams, policy)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(3)
        ->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
