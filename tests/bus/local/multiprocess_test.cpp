// The local backend shared by real processes (fork): concurrent appenders, a follower woken by
// another process, and writers killed with SIGKILL at random points.

#include <rstreams/bus/local/local_backend.hpp>

#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rb = rstreams::bus;
using namespace std::chrono_literals;

static_assert(rb::backend<rb::local_backend>);

namespace {

// Runs `body` in a child process; the child never returns into the test framework.
template <class F>
pid_t spawn(F body) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int code = 0;
    try {
      body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child %d failed: %s\n", static_cast<int>(::getpid()), e.what());
      code = 1;
    } catch (...) {
      code = 1;
    }
    ::_exit(code);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct pipe_pair {
  int fds[2] = {-1, -1};
  pipe_pair() {
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  }
  ~pipe_pair() {
    close_read();
    close_write();
  }
  void close_read() {
    if (fds[0] >= 0) ::close(fds[0]);
    fds[0] = -1;
  }
  void close_write() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
  void send(const std::string& line) const {  // one write: atomic below PIPE_BUF
    const auto text = line + "\n";
    (void)!::write(fds[1], text.data(), text.size());
  }
  /// Reads into `text` until it holds `count` whole lines that start with `prefix`, or the
  /// writer has closed. A kill that follows lands at a point of the child's progress, not of
  /// the machine's speed.
  void read_until(std::string& text, std::string_view prefix, int count) const {
    char buf[4096];
    while (whole_lines_starting(text, prefix) < count) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n == 0) return;
      if (n > 0) text.append(buf, static_cast<std::size_t>(n));
    }
  }
  static int whole_lines_starting(std::string_view text, std::string_view prefix) {
    int n = 0;
    for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string_view::npos; at = end + 1)
      n += text.substr(at, end - at).starts_with(prefix) ? 1 : 0;
    return n;
  }
  std::string read_all() const {
    std::string all;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) != 0) {
      if (n > 0) all.append(buf, static_cast<std::size_t>(n));
    }
    return all;
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<rb::record> read_all(rb::local_backend& bus, const std::string& queue) {
  std::vector<rb::record> all;
  std::string after;
  while (bus.read(queue, after, 1000, all) > 0) after = all.back().eid;
  return all;
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("two processes appending to one queue lose nothing and keep eids increasing",
          "[bus][local][process]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string());  // creates the bus before the children share it
  constexpr int writers = 2;
  constexpr int per_writer = 3000;
  std::uint64_t segment_bytes = rb::local_options{}.segment_bytes;
  SECTION("in one segment") {}
  SECTION("rolling small segments") {
    segment_bytes = 4 * 1024;
  }
  std::vector<pid_t> pids;
  for (int w = 0; w < writers; ++w) {
    pids.push_back(spawn([&, w] {
      rb::local_options opt;
      opt.fsync = rb::fsync_policy::never;
      opt.segment_bytes = segment_bytes;
      opt.index_every_bytes = 2048;
      rb::local_backend mine(dir.path().string(), opt);
      std::mt19937 rng(static_cast<unsigned>(w + 1));
      int n = 0;
      while (n < per_writer) {
        const int size = std::min(per_writer - n, static_cast<int>(rng() % 20) + 1);
        std::vector<rb::record> batch(static_cast<std::size_t>(size));
        for (auto& r : batch) r.payload = nlohmann::json{{"w", w}, {"n", n++}}.dump();
        mine.append("shared", batch);
      }
    }));
  }
  for (const auto pid : pids) REQUIRE(wait_exit(pid) == 0);

  const auto all = read_all(bus, "shared");
  REQUIRE(all.size() == static_cast<std::size_t>(writers * per_writer));
  std::vector<int> next(writers, 0);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0) REQUIRE(all[i - 1].eid < all[i].eid);
    const auto j = nlohmann::json::parse(all[i].payload);
    const auto w = j.at("w").get<int>();
    REQUIRE(j.at("n").get<int>() == next[static_cast<std::size_t>(w)]++);  // each writer's order kept
  }
  REQUIRE(bus.queues().at(0).records == static_cast<std::uint64_t>(writers * per_writer));
  if (segment_bytes < rb::local_options{}.segment_bytes) {
    int segments = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path() / "queues" / "shared"))
      segments += e.path().extension() == ".seg" ? 1 : 0;
    REQUIRE(segments > 10);  // the writers rolled segments under each other
  }
}

TEST_CASE("a follower in another process wakes soon after an append", "[bus][local][process]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  rb::local_backend bus(dir.path().string(), opt);
  constexpr int appends = 20;
  pipe_pair ready, report;
  const auto pid = spawn([&] {
    ready.close_read();
    report.close_read();
    rb::local_backend follower(dir.path().string(), opt);
    std::string after;
    ready.send("ready");
    int seen = 0;
    std::vector<rb::record> got;
    while (seen < appends) {
      if (!follower.wait("ticks", after, 10s, {})) throw std::runtime_error("follower timed out");
      const auto woke = steady_ns();
      got.clear();
      follower.read("ticks", after, 100, got);
      for (const auto& r : got) {
        report.send(nlohmann::json::parse(r.payload).at("i").dump() + " " + std::to_string(woke));
        ++seen;
      }
      after = got.back().eid;
    }
  });
  ready.close_write();
  report.close_write();
  char c;
  REQUIRE(::read(ready.fds[0], &c, 1) == 1);
  std::vector<std::int64_t> called(appends), returned(appends);
  for (int i = 0; i < appends; ++i) {
    std::this_thread::sleep_for(15ms);  // let the follower go back to waiting
    std::vector<rb::record> one(1);
    one[0].payload = nlohmann::json{{"i", i}}.dump();
    called[static_cast<std::size_t>(i)] = steady_ns();
    bus.append("ticks", one);
    returned[static_cast<std::size_t>(i)] = steady_ns();
  }
  const auto lines = lines_of(report.read_all());
  REQUIRE(wait_exit(pid) == 0);
  REQUIRE(lines.size() == static_cast<std::size_t>(appends));
  // Latency from the moment the append returned (the event acknowledged) to the follower's
  // wake-up; the follower can even wake before append returns (the data is visible once written).
  std::vector<double> ms, from_call;
  for (const auto& l : lines) {
    std::istringstream words(l);
    std::size_t i = 0;
    std::int64_t woke = 0;
    words >> i >> woke;
    ms.push_back(static_cast<double>(std::max<std::int64_t>(0, woke - returned.at(i))) / 1e6);
    from_call.push_back(static_cast<double>(woke - called.at(i)) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(from_call.begin(), from_call.end());
  const auto median = ms[ms.size() / 2];
  std::ostringstream dist;
  for (const auto v : ms) dist << v << ' ';
  INFO("wake-up latency after append returned (ms), sorted: " << dist.str());
  // Issue 4 asks for a wake-up within 10 ms (measured: tens of microseconds). On a shared CI
  // machine a sample can be delayed by the scheduler (seen: 4 of 20 at 10-13 ms at load 6, the
  // other tests running beside it), so the median carries the assertion and up to a quarter of
  // the samples may be late; a follower that missed its wake-ups (sleeping out its wait) would
  // be late in all of them. Every sample is reported.
  CHECK(median < 10.0);
  CHECK(std::count_if(ms.begin(), ms.end(), [](double v) { return v >= 10.0; }) <= appends / 4);
  WARN("follower wake-up latency after append returned: median "
       << median << " ms, max " << ms.back() << " ms; from the append call: median "
       << from_call[from_call.size() / 2] << " ms, max " << from_call.back() << " ms; " << ms.size()
       << " appends");
}

TEST_CASE("a lease held by a process that died is free at once", "[bus][local][process]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string());
  pipe_pair report;
  const auto pid = spawn([&] {
    report.close_read();
    rb::local_backend mine(dir.path().string());
    auto l = mine.try_lease("bot", 1h);
    report.send(l ? "held" : "refused");
    ::pause();  // killed while holding it
  });
  report.close_write();
  char buf[8] = {};
  REQUIRE(::read(report.fds[0], buf, 5) == 5);
  REQUIRE(std::string(buf, 4) == "held");
  REQUIRE_FALSE(bus.try_lease("bot", 1h).has_value());  // a live holder keeps it
  ::kill(pid, SIGKILL);
  REQUIRE(wait_exit(pid) == 128 + SIGKILL);
  auto taken = bus.try_lease("bot", 1h);
  REQUIRE(taken.has_value());
  REQUIRE(taken->held());
}

TEST_CASE("writers killed at random points lose no acknowledged event and never corrupt one",
          "[bus][local][process][crash]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string());
  constexpr int inputs = 6000;
  constexpr std::size_t batch_size = 10;
  constexpr int trials = 60;
  {
    std::vector<rb::record> in(inputs);
    for (int i = 0; i < inputs; ++i)
      in[static_cast<std::size_t>(i)].payload = nlohmann::json{{"n", i}}.dump();
    bus.append("in", in);
  }
  const std::string pad(1500, 'p');  // batches of ~17 KB: a kill can land inside a write

  // The bot the children run: read after the checkpoint, derive one event per input, append,
  // then commit. Acknowledged eids and commits go to the parent through a pipe.
  const auto bot = [&](const pipe_pair& report) {
    rb::local_backend b(dir.path().string());
    auto cp = b.get_checkpoint("crash-bot", "in");
    std::optional<std::string> committed;
    if (cp) committed = cp->eid;
    std::uint64_t records = cp ? cp->records : 0;
    std::vector<rb::record> got;
    while (true) {
      got.clear();
      if (b.read("in", committed.value_or(""), batch_size, got) == 0) return;
      std::vector<rb::record> out(got.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        out[i].id = "crash-bot";
        out[i].correlation_id = rb::correlation{"in", got[i].eid, "", 1};
        out[i].payload = nlohmann::json{{"src", got[i].eid}, {"pad", pad}}.dump();
      }
      b.append("out", out);
      std::string acked = "A";
      for (const auto& r : out) acked += " " + r.eid;
      report.send(acked);
      records += got.size();
      b.commit_checkpoint("crash-bot", "in", committed, {got.back().eid, records, 0, 0});
      committed = got.back().eid;
      report.send("C " + *committed);
    }
  };

  std::mt19937 rng(20261127);
  std::set<std::string> acked;
  std::vector<std::string> kill_checkpoints;  // the committed checkpoint when each child died
  int killed_mid_run = 0;
  int killed_after_acks = 0;  // kills that landed after the child had acknowledged something
  std::string checked;        // out is verified up to this eid
  for (int t = 0; t < trials; ++t) {
    pipe_pair report;
    const auto pid = spawn([&] {
      report.close_read();
      bot(report);
    });
    report.close_write();
    // The kill lands after 0-3 acknowledged batches, then anywhere in the next batch or two
    // (a write, the commit, between them): counted in the child's progress, so a slow machine
    // (sanitizers, load) moves where kills land no more than a fast one does.
    std::string text;
    report.read_until(text, "A ", static_cast<int>(rng() % 4));
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 1500));
    ::kill(pid, SIGKILL);
    text += report.read_all();
    const auto code = wait_exit(pid);
    REQUIRE((code == 128 + SIGKILL || code == 0));
    killed_mid_run += code != 0 ? 1 : 0;
    bool progressed = false;
    for (const auto& line : lines_of(text)) {
      if (line.rfind("A ", 0) != 0) continue;
      progressed = true;
      std::istringstream words(line.substr(2));
      for (std::string eid; words >> eid;) acked.insert(eid);
    }
    killed_after_acks += progressed && code != 0 ? 1 : 0;
    const auto cp = bus.get_checkpoint("crash-bot", "in");
    kill_checkpoints.push_back(cp ? cp->eid : "");
    // After every kill, a reader sees only intact records (a torn tail is not returned).
    std::vector<rb::record> fresh_out;
    while (bus.read("out", checked, 1000, fresh_out) > 0) checked = fresh_out.back().eid;
    // Compared as strings: json == std::string trips a false -Warray-bounds in GCC 12 at -O3.
    for (const auto& r : fresh_out)
      REQUIRE(nlohmann::json::parse(r.payload).at("pad").get<std::string>() == pad);
  }
  // A final run completes the work.
  {
    pipe_pair report;
    const auto pid = spawn([&] {
      report.close_read();
      bot(report);
    });
    report.close_write();
    const auto text = report.read_all();
    REQUIRE(wait_exit(pid) == 0);
    for (const auto& line : lines_of(text)) {
      if (line.rfind("A ", 0) != 0) continue;
      std::istringstream words(line.substr(2));
      for (std::string eid; words >> eid;) acked.insert(eid);
    }
  }

  rb::local_backend fresh(dir.path().string());
  const auto in = read_all(fresh, "in");
  const auto out = read_all(fresh, "out");
  REQUIRE(in.size() == static_cast<std::size_t>(inputs));
  REQUIRE(fresh.get_checkpoint("crash-bot", "in")->eid == in.back().eid);

  // No corrupt record: every payload parses and is whole; eids strictly increase.
  std::map<std::string, int> copies;
  std::set<std::string> stored;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) REQUIRE(out[i - 1].eid < out[i].eid);
    const auto j = nlohmann::json::parse(out[i].payload);
    REQUIRE(j.at("pad").get<std::string>() == pad);
    REQUIRE(out[i].correlation_id->start == j.at("src").get<std::string>());
    ++copies[j.at("src").get<std::string>()];
    stored.insert(out[i].eid);
  }
  // No acknowledged event lost.
  for (const auto& eid : acked) REQUIRE(stored.count(eid) == 1);
  // Every input made it out at least once.
  for (const auto& r : in) REQUIRE(copies.count(r.eid) == 1);

  // Duplicates come only from the batch after the checkpoint a killed child left behind.
  std::map<std::string, int> allowed;
  for (const auto& cp : kill_checkpoints) {
    std::vector<rb::record> window;
    fresh.read("in", cp, batch_size, window);
    for (const auto& r : window) ++allowed[r.eid];
  }
  std::size_t duplicates = 0;
  for (const auto& [src, n] : copies) {
    if (n == 1) continue;
    duplicates += static_cast<std::size_t>(n - 1);
    INFO("input " << src << " was written " << n << " times");
    REQUIRE(n - 1 <= allowed[src]);
  }
  REQUIRE(duplicates <= static_cast<std::size_t>(trials) * batch_size);
  WARN("crash test: " << trials << " kills (" << killed_mid_run << " mid-run, " << killed_after_acks
                      << " after some acknowledgements), " << acked.size() << " acknowledged events, "
                      << duplicates << " duplicates from uncommitted batches");
  // About three in four kills follow an acknowledgement by construction (above), and the 600
  // batches of inputs outlast the trials (a few batches each).
  REQUIRE(killed_mid_run >= 10);
  REQUIRE(killed_after_acks >= 10);
}

TEST_CASE("checkpoint committers killed at random points lose no acknowledged commit",
          "[bus][local][process][crash]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options opt;
  opt.checkpoint_journal_bytes = 4096;  // compactions too, where a kill can land
  rb::local_backend bus(dir.path().string(), opt);
  std::vector<rb::record> events(200);
  for (auto& r : events) r.payload = "{}";
  bus.append("in", events);
  std::mt19937 rng(20261205);
  int killed = 0, acked_any = 0;
  for (int t = 0; t < 24; ++t) {
    auto child_opt = opt;
    child_opt.fsync = t % 2 == 0 ? rb::fsync_policy::never : rb::fsync_policy::every_batch;
    pipe_pair report;
    const auto pid = spawn([&] {
      report.close_read();
      rb::local_backend b(dir.path().string(), child_opt);
      for (;;) {
        const auto cp = b.get_checkpoint("bot", "in");
        const std::uint64_t n = cp ? cp->records + 1 : 1;
        b.commit_checkpoint("bot", "in", cp ? std::optional<std::string>(cp->eid) : std::nullopt,
                            {events[n % events.size()].eid, n, 0, 0});
        report.send(std::to_string(n));  // acknowledged
      }
    });
    report.close_write();
    // After 0-39 acknowledged commits (a compaction every few dozen), anywhere in the next few.
    std::string text;
    report.read_until(text, "", static_cast<int>(rng() % 40));
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    ::kill(pid, SIGKILL);
    text += report.read_all();
    const auto acks = lines_of(text);
    REQUIRE(wait_exit(pid) == 128 + SIGKILL);
    ++killed;
    rb::local_backend after(dir.path().string(), opt);
    const auto cp = after.get_checkpoint("bot", "in");
    if (acks.empty()) continue;
    ++acked_any;
    const auto last = std::stoull(acks.back());
    REQUIRE(cp.has_value());
    // The last acknowledged commit, or the one in flight when the kill landed.
    REQUIRE(cp->records >= last);
    REQUIRE(cp->records <= last + 1);
    REQUIRE(cp->eid == events[cp->records % events.size()].eid);
    // And the journal takes commits again.
    after.commit_checkpoint("bot", "in", cp->eid, *cp);
  }
  REQUIRE(killed == 24);
  REQUIRE(acked_any >= 12);
}
