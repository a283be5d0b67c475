// The NATS JetStream backend against raw libnats loops doing the same work, in the same run,
// on a nats-server started here (`nats-server -js` on a free loopback port, killed at the end;
// set RSTREAMS_NATS_URL to use a running server instead):
//
// * nats_publish/rstreams: `nats_backend::append` of 1000 records per call (100-byte JSON
//   payloads): eids, framing, async publish with at most 4096 in flight, returns after every
//   PubAck. nats_publish/baseline_raw_async: js_PublishAsync of the same 1000 framed bodies
//   (same bytes on the wire, with message ids of the same form and length) then
//   js_PublishAsyncComplete. Every run of the raw loops takes a fresh id prefix: ids that
//   repeat within the server's 2-minute duplicate window are acknowledged without being
//   stored, which made an earlier version of this baseline skip most of the server's work.
//   nats_publish/raw_async_chained: the raw loop with the backend's ordering chain (each
//   message expects its predecessor's id), i.e. what that guarantee costs in raw libnats.
//   Each publish variant also reports client_us_per_msg (CPU of this whole process, all
//   threads) and server_us_per_msg (CPU of the nats-server started here): on a shared,
//   loaded machine they vary less than the wall time.
// * nats_consume/rstreams: `read(queue, after, 1000)` through a 100k-record queue, records
//   decoded into `record`s. nats_consume/baseline_raw_fetch: an ephemeral pull consumer,
//   natsSubscription_Fetch of 1000, AckAll acknowledged once per batch, of each message the
//   whole envelope (eid, id, event, correlation, the two timestamps as numbers) and the body,
//   as the backend's records hold them.
// * nats_enrich/rstreams: the enrich bot end to end on NATS (read, parse, derive, write with
//   lineage, checkpoint every 1000) over 50k events, in events/s of wall time;
//   nats_enrich/rstreams_checkpoint_consumers: the same with nats_options::checkpoint_consumers
//   (a durable consumer kept at each checkpoint); nats_enrich/baseline_local_backend: the same
//   bot on the local backend (fsync never).

#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/nats/message_codec.hpp>
#include <rstreams/bus/nats/nats_backend.hpp>

#include <benchmark/benchmark.h>
#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern char** environ;  // NOLINT: POSIX

namespace rb = rstreams::bus;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::size_t batch = 1000;
constexpr std::size_t consume_records = 100'000;
constexpr std::size_t enrich_events = 50'000;

struct server {
  pid_t pid = -1;
  fs::path dir;
  std::string url;

  server() {
    if (const char* u = std::getenv("RSTREAMS_NATS_URL")) {
      url = u;
      return;
    }
    dir = fs::temp_directory_path() / ("rstreams-nats-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    const int port = ntohs(a.sin_port);
    ::close(fd);
    std::string prog = "nats-server", js = "-js", addr = "-a", host = "127.0.0.1", p = "-p",
                port_s = std::to_string(port), sd = "-sd", store = (dir / "js").string();
    char* argv[] = {prog.data(),   js.data(), addr.data(),  host.data(), p.data(),
                    port_s.data(), sd.data(), store.data(), nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const std::string log = (dir / "server.log").string();
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const int rc = posix_spawnp(&pid, "nats-server", &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      std::fprintf(stderr, "nats_bench: cannot start nats-server\n");
      std::exit(1);
    }
    url = "nats://127.0.0.1:" + port_s;
    for (int i = 0; i < 500; ++i) {
      natsConnection* nc = nullptr;
      if (natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK) {
        natsConnection_Destroy(nc);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::fprintf(stderr, "nats_bench: nats-server did not come up\n");
    std::exit(1);
  }
  ~server() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int st = 0;
      ::waitpid(pid, &st, 0);
    }
    if (!dir.empty()) fs::remove_all(dir);
  }
};

server& the_server() {
  static server s;
  return s;
}

/// CPU seconds used so far by the nats-server this program started (0 with RSTREAMS_NATS_URL).
double server_cpu_seconds() {
  const pid_t pid = the_server().pid;
  if (pid <= 0) return 0;
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return 0;
  char buf[1024];
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // Fields after the command name "(...)": state is field 3, utime 14, stime 15.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return 0;
  unsigned long utime = 0, stime = 0;
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return 0;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Adds the CPU cost per message of the client process (all its threads) and of the server
/// to a benchmark's counters: on a loaded machine these vary less than the wall time.
struct cpu_meter {
  double client0 = process_cpu_seconds();
  double server0 = server_cpu_seconds();
  void report(benchmark::State& state, std::size_t messages) const {
    const double m = static_cast<double>(messages);
    state.counters["client_us_per_msg"] = (process_cpu_seconds() - client0) * 1e6 / m;
    if (the_server().pid > 0)
      state.counters["server_us_per_msg"] = (server_cpu_seconds() - server0) * 1e6 / m;
  }
};

std::string make_payload(std::size_t i) {
  char buf[160];
  std::snprintf(
      buf, sizeof buf,
      R"({"id":%zu,"customer":"customer-%06zu","email":"c%zu@example.com","total":%zu.%02zu,"country":"NL"})",
      i, i % 100000, i % 100000, (i * 7919) % 1000, i % 100);
  return buf;
}

std::vector<rb::record> make_records(std::size_t n, std::size_t from = 0) {
  std::vector<rb::record> rs(n);
  for (std::size_t i = 0; i < n; ++i) {
    rs[i].id = "bench";
    rs[i].event = "orders";
    rs[i].timestamp = 1;
    rs[i].event_source_timestamp = 1;
    rs[i].payload = make_payload(from + i);
  }
  return rs;
}

rb::nats_options bench_options(const std::string& prefix) {
  rb::nats_options o;
  o.prefix = prefix;
  o.max_pending = 4096;
  return o;
}

// ---- publish ----

void publish_rstreams(benchmark::State& state) {
  rb::nats_backend bus(the_server().url, bench_options("bpub"));
  auto rs = make_records(batch);
  const cpu_meter cpu;
  for (auto _ : state) benchmark::DoNotOptimize(bus.append("orders", rs));
  cpu.report(state, state.iterations() * batch);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

struct raw_ctx {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  std::atomic<std::uint64_t> errors{0};
  explicit raw_ctx(const std::string& url) {
    natsConnection_ConnectTo(&nc, url.c_str());
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = 4096;
    jo.PublishAsync.ErrHandler = [](jsCtx*, jsPubAckErr*, void* c) { ++static_cast<raw_ctx*>(c)->errors; };
    jo.PublishAsync.ErrHandlerClosure = this;
    natsConnection_JetStream(&js, nc, &jo);
  }
  ~raw_ctx() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }
  void stream(const char* name, const char* subject) {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name;
    const char* subs[] = {subject};
    cfg.Subjects = subs;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    js_AddStream(nullptr, js, &cfg, nullptr, nullptr);
  }
  /// Messages the stream holds.
  std::uint64_t stored(const char* name) {
    jsStreamInfo* si = nullptr;
    if (js_GetStreamInfo(&si, js, name, nullptr, nullptr) != NATS_OK) return 0;
    const std::uint64_t n = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    return n;
  }
};

/// A message-id prefix no earlier run used: ids must never repeat within the server's
/// duplicate window (2 minutes), or the server drops the messages as duplicates instead of
/// storing them and the baseline does less work than the backend. 12 characters, like the
/// backend's connection token.
std::string fresh_token() {
  static constexpr char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
  std::random_device rd;
  std::uint64_t bits = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  std::string t;
  for (int i = 0; i < 12; ++i, bits >>= 5) t += alphabet[bits & 31U];  // 60 random bits
  return t;
}

/// The raw loop: format-2 messages made per publish, js_PublishMsgAsync with a message id "<token>-<n hex>"
/// each, js_PublishAsyncComplete per batch of 1000; errors counted by the error handler. With
/// `chained`, each message but the first also expects its predecessor's id, as the backend's
/// messages do (what that ordering costs in raw libnats).
void publish_raw_loop(benchmark::State& state, const char* stream, const char* subject, bool chained) {
  raw_ctx raw(the_server().url);
  raw.stream(stream, subject);
  auto rs = make_records(batch);
  rb::detail::nats_assign_eids("", rs);
  const std::string token = fresh_token();
  const std::uint64_t before = raw.stored(stream);
  unsigned long long n = 0;
  char ids[2][48];
  const cpu_meter cpu;
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i, ++n) {
      char* id = ids[n % 2];
      std::snprintf(id, sizeof ids[0], "%s-%llx", token.c_str(), n);
      // The message the backend sends: the payload as the body, the envelope as headers.
      natsMsg* m = nullptr;
      natsMsg_Create(&m, subject, nullptr, rs[i].payload.data(), static_cast<int>(rs[i].payload.size()));
      natsMsgHeader_Set(m, "Rstreams-Format", "2");
      natsMsgHeader_Set(m, "Rstreams-Eid", rs[i].eid.c_str());
      natsMsgHeader_Set(m, "Rstreams-Id", rs[i].id.c_str());
      natsMsgHeader_Set(m, "Rstreams-Event", rs[i].event.c_str());
      natsMsgHeader_Set(m, "Rstreams-Timestamp", "1");
      natsMsgHeader_Set(m, "Rstreams-Event-Source-Timestamp", "1");
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MsgId = id;
      if (chained && n > 0) po.ExpectLastMsgId = ids[(n + 1) % 2];
      if (js_PublishMsgAsync(raw.js, &m, &po) != NATS_OK) {
        natsMsg_Destroy(m);
        ++raw.errors;
      }
    }
    js_PublishAsyncComplete(raw.js, nullptr);
  }
  cpu.report(state, state.iterations() * batch);
  if (raw.errors != 0) state.SkipWithError("raw publish errors");
  if (raw.stored(stream) - before != n) state.SkipWithError("raw publish: not every message was stored");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

void publish_raw(benchmark::State& state) {
  publish_raw_loop(state, "RAWPUB", "rawpub.orders", false);
}
void publish_raw_chained(benchmark::State& state) {
  publish_raw_loop(state, "RAWCH", "rawch.orders", true);
}

// ---- consume ----

void fill_consume_queue() {
  static bool done = false;
  if (done) return;
  done = true;
  rb::nats_backend bus(the_server().url, bench_options("bcon"));
  for (std::size_t i = 0; i < consume_records; i += batch) {
    auto rs = make_records(batch, i);
    bus.append("orders", rs);
  }
}

void consume_rstreams(benchmark::State& state) {
  fill_consume_queue();
  rb::nats_backend bus(the_server().url, bench_options("bcon"));
  std::vector<rb::record> out;
  std::string after;
  for (auto _ : state) {
    out.clear();
    if (bus.read("orders", after, batch, out) == 0) {
      after.clear();
      bus.read("orders", after, batch, out);
    }
    after = out.back().eid;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

void consume_raw(benchmark::State& state) {
  fill_consume_queue();
  raw_ctx raw(the_server().url);
  natsSubscription* sub = nullptr;
  std::uint64_t pending = 0;
  const auto open = [&] {
    if (sub != nullptr) {
      natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
    }
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = "bcon_Q_orders";
    so.ManualAck = true;
    so.Config.AckPolicy = js_AckAll;
    so.Config.MaxAckPending = 1 << 20;
    so.Config.MemoryStorage = true;
    js_PullSubscribe(&sub, raw.js, "bcon.q.orders", nullptr, nullptr, &so, nullptr);
    pending = consume_records;
  };
  open();
  // What a hand-written client keeps of each message: the whole envelope (the headers, the
  // timestamps as numbers) and the body, as the backend's records hold it.
  struct raw_event {
    std::string eid, id, event, correlation, body;
    long long timestamp = 0, event_source_timestamp = 0;
  };
  std::vector<raw_event> events;
  const auto header = [](natsMsg* m, const char* key) {
    const char* v = nullptr;
    return natsMsgHeader_Get(m, key, &v) == NATS_OK ? std::string(v) : std::string();
  };
  const auto number = [](natsMsg* m, const char* key) {
    const char* v = nullptr;
    return natsMsgHeader_Get(m, key, &v) == NATS_OK ? std::strtoll(v, nullptr, 10) : 0LL;
  };
  for (auto _ : state) {
    if (pending == 0) open();
    natsMsgList list{nullptr, 0};
    natsSubscription_Fetch(&list, sub, static_cast<int>(batch), 5000, nullptr);
    events.clear();
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* m = list.Msgs[i];
      events.push_back({header(m, "Rstreams-Eid"), header(m, "Rstreams-Id"), header(m, "Rstreams-Event"),
                        header(m, "Rstreams-Correlation-Id"),
                        std::string(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m))),
                        number(m, "Rstreams-Timestamp"), number(m, "Rstreams-Event-Source-Timestamp")});
    }
    if (list.Count > 0) natsMsg_Ack(list.Msgs[list.Count - 1], nullptr);
    pending -= std::min<std::uint64_t>(pending, static_cast<std::uint64_t>(list.Count));
    natsMsgList_Destroy(&list);
    benchmark::DoNotOptimize(events.data());
  }
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

// ---- enrich ----

struct order {
  std::int64_t id = 0;
  std::string customer;
  std::string email;
  double total = 0;
  std::string country;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(order, id, customer, email, total, country)
struct summary {
  std::int64_t id = 0;
  bool big = false;
  std::string country;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(summary, id, big, country)

template <class B>
void run_enrich(benchmark::State& state, B& bus) {
  for (std::size_t i = 0; i < enrich_events; i += batch) {
    auto rs = make_records(batch, i);
    bus.append("orders", rs);
  }
  int run = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    rb::enrich_options o{.bot = "summarizer" + std::to_string(run++), .in = "orders", .out = "summaries"};
    o.write.records = batch;
    o.write.checkpoint.records = batch;
    const auto stats = rb::enrich(bus, o, [](const order& x) {
      return summary{x.id, x.total > 500, x.country};
    });
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    state.SetIterationTime(dt.count());
    if (stats.in != enrich_events) state.SkipWithError("enrich read the wrong count");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * enrich_events));
}

void enrich_nats(benchmark::State& state) {
  rb::nats_backend bus(the_server().url, bench_options("benr" + std::to_string(::getpid())));
  run_enrich(state, bus);
}

void enrich_nats_checkpoint_consumers(benchmark::State& state) {
  auto o = bench_options("benc" + std::to_string(::getpid()));
  o.checkpoint_consumers = true;
  rb::nats_backend bus(the_server().url, o);
  run_enrich(state, bus);
}

void enrich_local(benchmark::State& state) {
  const auto dir = fs::temp_directory_path() / ("rstreams-nats-bench-local-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    rb::local_options opt;
    opt.fsync = rb::fsync_policy::never;
    rb::local_backend bus(dir.string(), opt);
    run_enrich(state, bus);
  }
  fs::remove_all(dir);
}

}  // namespace

BENCHMARK(publish_rstreams)->Name("nats_publish/rstreams")->UseRealTime()->MinTime(2.0);
BENCHMARK(publish_raw)->Name("nats_publish/baseline_raw_async")->UseRealTime()->MinTime(2.0);
BENCHMARK(publish_raw_chained)->Name("nats_publish/raw_async_chained")->UseRealTime()->MinTime(2.0);
BENCHMARK(consume_rstreams)->Name("nats_consume/rstreams")->UseRealTime()->MinTime(2.0);
BENCHMARK(consume_raw)->Name("nats_consume/baseline_raw_fetch")->UseRealTime()->MinTime(2.0);
BENCHMARK(enrich_nats)->Name("nats_enrich/rstreams")->UseManualTime()->Iterations(3);
BENCHMARK(enrich_nats_checkpoint_consumers)
    ->Name("nats_enrich/rstreams_checkpoint_consumers")
    ->UseManualTime()
    ->Iterations(3);
BENCHMARK(enrich_local)->Name("nats_enrich/baseline_local_backend")->UseManualTime()->Iterations(3);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  (void)the_server();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  nats_Close();  // every connection is gone by now; the server object dies after main
  return 0;
}
