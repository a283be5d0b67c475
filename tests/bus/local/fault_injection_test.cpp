// Faults injected into the local log's life: kill -9 while a bus is being created, the states a
// killed or out-of-space creation leaves, and stale temporary files; power cuts and kill -9
// during appends, checkpoint commits and enrich runs (whose output syncs overlap their work).

#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/local/local_backend.hpp>

#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

namespace {

rb::local_options durable_options() {
  rb::local_options o;
  o.fsync = rb::fsync_policy::every_batch;
  return o;
}

// Opens the bus, appends one event and reads it back: what "usable" means.
void require_usable(const std::string& dir) {
  rb::local_backend bus(dir, durable_options());
  std::vector<rb::record> one(1);
  one[0].payload = "{}";
  bus.append("q", one);
  std::vector<rb::record> out;
  REQUIRE(bus.read("q", "", 10, out) == 1);
}

// Runs `body(ready)` in a forked child and kills it with SIGKILL `delay` after the child called
// `ready()` (or ended); returns the wait status. The child exits 2 when `body` throws.
template <class Body>
int run_then_kill(Body body, std::chrono::microseconds delay) {
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(ready[0]);
    try {
      body([&] {
        char c = 1;
        (void)!::write(ready[1], &c, 1);
      });
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(0);
  }
  ::close(ready[1]);
  char c = 0;
  (void)!::read(ready[0], &c, 1);
  ::close(ready[0]);
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace

TEST_CASE("every state a killed bus creation leaves is completed on the next open", "[bus][local][fault]") {
  rstreams::test::temp_file dir("bus", "");
  fs::create_directories(dir.path());
  const auto root = dir.path();
  SECTION("the directory only") {}
  SECTION("queues made") {
    fs::create_directories(root / "queues");
  }
  SECTION("queues and checkpoints made") {
    fs::create_directories(root / "queues");
    fs::create_directories(root / "checkpoints");
  }
  SECTION("all three made") {
    fs::create_directories(root / "queues");
    fs::create_directories(root / "checkpoints");
    fs::create_directories(root / "leases");
  }
  SECTION("the marker's temporary file half written") {
    fs::create_directories(root / "queues");
    fs::create_directories(root / "checkpoints");
    fs::create_directories(root / "leases");
    std::ofstream(root / ".rstreams-bus.json.tmp.999999") << R"({"form)";
  }
  require_usable(root.string());
  REQUIRE(fs::exists(root / "rstreams-bus.json"));
  for (const auto& e : fs::directory_iterator(root))
    REQUIRE(e.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("a directory with anything else in it is still refused, and left as it was",
          "[bus][local][fault]") {
  rstreams::test::temp_file dir("bus", "");
  fs::create_directories(dir.path() / "queues" / "orders");
  REQUIRE_THROWS_WITH(rb::local_backend(dir.path().string()), Catch::Contains("not an rstreams bus"));
  REQUIRE(fs::exists(dir.path() / "queues" / "orders"));
  REQUIRE_FALSE(fs::exists(dir.path() / "rstreams-bus.json"));
}

TEST_CASE("kill -9 at any moment of creating a bus never leaves a directory that cannot be opened",
          "[bus][local][fault]") {
  rstreams::test::temp_file parent("killcreate", "");
  fs::create_directories(parent.path());
  std::mt19937 rng(12345);
  // Creation takes a few fsyncs; the kill lands anywhere from before it starts to after it ends.
  std::uniform_int_distribution<int> delay_us(0, 3000);
  int trials = 0, killed_midway = 0;
  for (int t = 0; t < 120; ++t) {
    const auto dir = (parent.path() / ("bus" + std::to_string(t))).string();
    const int status = run_then_kill(
        [&](auto ready) {
          ready();
          rb::local_backend bus(dir, durable_options());
        },
        std::chrono::microseconds(delay_us(rng)));
    REQUIRE_FALSE((WIFEXITED(status) && WEXITSTATUS(status) == 2));  // the child itself never failed
    if (WIFSIGNALED(status) && fs::exists(dir) && !fs::exists(fs::path(dir) / "rstreams-bus.json"))
      ++killed_midway;
    ++trials;
    CAPTURE(t);
    require_usable(dir);
  }
  REQUIRE(trials == 120);
  // Not a proof the kills landed mid-creation every time, but some must have.
  WARN("kill -9 trials: " << trials << ", killed after starting and before the marker: " << killed_midway);
}

TEST_CASE("temporary files of writers that died are removed on the next open", "[bus][local][fault]") {
  rstreams::test::temp_file dir("bus", "");
  { rb::local_backend bus(dir.path().string()); }
  fs::create_directories(dir.path() / "checkpoints" / "bot1");
  std::ofstream(dir.path() / "checkpoints" / "bot1" / ".q.json.tmp.999999") << "{";
  const auto live = ".q.json.tmp." + std::to_string(::getppid());  // a running process: left alone
  std::ofstream(dir.path() / "checkpoints" / "bot1" / live) << "{";
  rb::local_backend bus(dir.path().string());
  REQUIRE_FALSE(fs::exists(dir.path() / "checkpoints" / "bot1" / ".q.json.tmp.999999"));
  REQUIRE(fs::exists(dir.path() / "checkpoints" / "bot1" / live));
  REQUIRE(bus.bots().empty());
}

// ---- power loss, simulated ----------------------------------------------------------------
// The log's file operations are recorded (file.hpp's file_recorder) while events are appended
// under fsync every_batch. For many steps k, disk images "as after a power cut at step k" are
// built: each file keeps what its last fsync covered plus a prefix of the later writes and maybe
// a torn subset (512-byte sectors) of the next one; an entry whose directory was not fsynced
// since it appeared may vanish. Recovery over every image must open cleanly, keep every event
// acknowledged before the cut, and return nothing but a prefix of what was appended.

namespace {

struct recorder final : rb::detail::file_recorder {
  std::vector<rb::detail::file_op> ops;
  std::mutex mu;  // a bot commits on a second thread
  void record(const rb::detail::file_op& op) override {
    std::lock_guard l(mu);
    ops.push_back(op);
  }
};

struct sim_entry {
  bool dir = false;
  bool entry_durable = true;
  std::string durable;                       // contents as of the last fsync
  std::vector<rb::detail::file_op> pending;  // writes and truncates since
  // What a rename replaced: a journaling file system makes a rename one transaction, so a cut
  // before the directory's fsync leaves either the new entry or this one under the name.
  std::shared_ptr<sim_entry> replaced;
};

void apply_op(std::string& content, const rb::detail::file_op& op) {
  using k = rb::detail::file_op;
  if (op.kind == k::truncate) {
    content.resize(op.offset);
  } else if (op.kind == k::write) {
    if (content.size() < op.offset + op.bytes.size()) content.resize(op.offset + op.bytes.size());
    content.replace(op.offset, op.bytes.size(), op.bytes);
  }
}

// A write of which only some 512-byte sectors reached the disk.
void apply_torn(std::string& content, const rb::detail::file_op& op, std::mt19937& rng) {
  if (op.kind != rb::detail::file_op::write) {
    if (rng() % 2) apply_op(content, op);
    return;
  }
  const auto end = op.offset + op.bytes.size();
  for (auto sector = op.offset / 512 * 512; sector < end; sector += 512) {
    if (rng() % 2) continue;
    const auto from = std::max<std::uint64_t>(sector, op.offset);
    const auto to = std::min<std::uint64_t>(sector + 512, end);
    if (content.size() < to) content.resize(to);  // a later sector extends the file; holes read as zeros
    content.replace(from, to - from, op.bytes.substr(from - op.offset, to - from));
  }
}

std::map<std::string, sim_entry> snapshot(const fs::path& root) {
  std::map<std::string, sim_entry> m;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    sim_entry s;
    s.dir = e.is_directory();
    if (!s.dir) {
      std::ifstream in(e.path(), std::ios::binary);
      s.durable.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    m[e.path().string()] = s;
  }
  return m;
}

// The state after ops [0, k) as a power cut would leave it, written under `image`.
void build_image(std::map<std::string, sim_entry> state, const std::vector<rb::detail::file_op>& ops,
                 std::size_t k, const std::string& root, const fs::path& image, std::mt19937& rng) {
  using kind = rb::detail::file_op;
  for (std::size_t i = 0; i < k; ++i) {
    const auto& op = ops[i];
    switch (op.kind) {
      case kind::mkdir:
        state[op.path] = sim_entry{true, false, {}, {}, {}};
        break;
      case kind::create:
        state[op.path] = sim_entry{false, false, {}, {}, {}};
        break;
      case kind::write:
      case kind::truncate:
        state[op.path].pending.push_back(op);
        break;
      case kind::fsync: {
        auto& s = state[op.path];
        for (const auto& p : s.pending) apply_op(s.durable, p);
        s.pending.clear();
        break;
      }
      case kind::dirsync:
        for (auto& [path, s] : state)
          if (fs::path(path).parent_path() == fs::path(op.path)) s.entry_durable = true;
        break;
      case kind::rename: {
        auto moved = state[op.path];
        state.erase(op.path);
        moved.entry_durable = false;
        if (const auto it = state.find(op.to); it != state.end() && !it->second.dir)
          moved.replaced = std::make_shared<sim_entry>(it->second);
        state[op.to] = moved;
        break;
      }
    }
  }
  std::vector<std::string> gone;
  for (auto& [path, s] : state) {
    const bool parent_gone = std::any_of(gone.begin(), gone.end(), [&](const std::string& g) {
      return path.size() > g.size() && path.compare(0, g.size(), g) == 0 && path[g.size()] == '/';
    });
    const bool lost = !s.entry_durable && rng() % 3 == 0;
    if (!parent_gone && lost && s.replaced) {
      s = *s.replaced;  // the rename did not reach the disk: the file it replaced is still there
    } else if (parent_gone || lost) {
      gone.push_back(path);
      continue;
    }
    const auto target = image / fs::path(path).lexically_relative(root);
    if (s.dir) {
      fs::create_directories(target);
      continue;
    }
    auto content = s.durable;
    const auto keep = s.pending.empty() ? 0 : rng() % (s.pending.size() + 1);
    for (std::size_t i = 0; i < keep; ++i) apply_op(content, s.pending[i]);
    if (keep < s.pending.size()) apply_torn(content, s.pending[keep], rng);
    fs::create_directories(target.parent_path());
    std::ofstream(target, std::ios::binary)
        .write(content.data(), static_cast<std::streamsize>(content.size()));
  }
}

}  // namespace

TEST_CASE("after a simulated power cut at any step, every acknowledged event survives",
          "[bus][local][fault][power]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::every_batch;
  opt.segment_bytes = 900;  // several segment rolls
  opt.index_every_bytes = 200;
  { rb::local_backend created(dir.path().string(), opt); }
  const auto root = fs::canonical(dir.path()).string();
  const auto initial = snapshot(root);

  recorder rec;
  std::vector<std::pair<std::size_t, std::size_t>> acks;  // (ops recorded, events acknowledged)
  std::vector<rb::record> sent;
  rb::detail::active_file_recorder = &rec;
  {
    rb::local_backend bus(root, opt);
    for (int b = 0; b < 24; ++b) {
      std::vector<rb::record> batch(static_cast<std::size_t>(1 + b % 3));
      for (std::size_t i = 0; i < batch.size(); ++i)
        batch[i].payload = nlohmann::json{{"n", sent.size() + i}, {"pad", std::string(40, 'p')}}.dump();
      bus.append("q", batch);
      sent.insert(sent.end(), batch.begin(), batch.end());
      acks.emplace_back(rec.ops.size(), sent.size());
    }
  }
  rb::detail::active_file_recorder = nullptr;
  REQUIRE(rec.ops.size() > 100);

  std::mt19937 rng(20261205);
  std::size_t images = 0;
  for (std::size_t k = 0; k <= rec.ops.size(); ++k) {
    std::size_t acked = 0;
    for (const auto& [at, n] : acks)
      if (at <= k) acked = n;
    for (int variant = 0; variant < 6; ++variant) {
      rstreams::test::temp_file image("powercut", "");
      build_image(initial, rec.ops, k, root, image.path(), rng);
      CAPTURE(k, variant, acked);
      auto check = opt;  // the same recovery without this test's own fsyncs (they cost seconds)
      check.fsync = rb::fsync_policy::never;
      rb::local_backend bus(image.path().string(), check);
      std::vector<rb::record> got;
      std::string after;
      while (bus.read("q", after, 1000, got) > 0) after = got.back().eid;
      REQUIRE(got.size() >= acked);
      REQUIRE(got.size() <= sent.size());
      for (std::size_t i = 0; i < got.size(); ++i) REQUIRE(got[i] == sent[i]);
      std::vector<rb::record> one(1);
      one[0].payload = "{}";
      bus.append("q", one);  // and the queue takes appends again
      ++images;
    }
  }
  WARN("power-cut images checked: " << images << " over " << rec.ops.size() << " recorded operations");
}

TEST_CASE("after a simulated power cut at any step, every acknowledged checkpoint survives",
          "[bus][local][fault][power]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::every_batch;
  opt.checkpoint_journal_bytes = 512;  // a compaction (file rewrite) every ~10 commits
  std::vector<std::string> eids;
  {
    rb::local_backend created(dir.path().string(), opt);
    std::vector<rb::record> events(50);
    for (auto& r : events) r.payload = "{}";
    created.append("in", events);
    for (const auto& r : events) eids.push_back(r.eid);
  }
  // A checkpoint in the format before the journal: moved into it by the first commit.
  fs::create_directories(dir.path() / "checkpoints" / "bot");
  const rb::checkpoint old{"z/2026/01/", 9, 8, 7};
  std::ofstream(dir.path() / "checkpoints" / "bot" / "old.json") << nlohmann::json(old).dump();
  const auto root = fs::canonical(dir.path()).string();
  const auto initial = snapshot(root);

  constexpr std::uint64_t commits = 30;
  recorder rec;
  std::vector<std::pair<std::size_t, std::uint64_t>> acks;  // (ops recorded, commits acknowledged)
  rb::detail::active_file_recorder = &rec;
  {
    rb::local_backend bus(root, opt);
    std::optional<std::string> last;
    for (std::uint64_t n = 1; n <= commits; ++n) {
      const auto& eid = eids[n % eids.size()];
      bus.commit_checkpoint("bot", "in", last, {eid, n, 0, 0});
      last = eid;
      acks.emplace_back(rec.ops.size(), n);
    }
  }
  rb::detail::active_file_recorder = nullptr;
  // The journal was created and compacted (each a rename) among the recorded steps.
  REQUIRE(std::count_if(rec.ops.begin(), rec.ops.end(),
                        [](const auto& op) { return op.kind == rb::detail::file_op::rename; }) >= 3);

  std::mt19937 rng(20261205);
  std::size_t images = 0;
  for (std::size_t k = 0; k <= rec.ops.size(); ++k) {
    std::uint64_t acked = 0;
    for (const auto& [at, n] : acks)
      if (at <= k) acked = n;
    for (int variant = 0; variant < 2; ++variant) {
      rstreams::test::temp_file image("powercut", "");
      build_image(initial, rec.ops, k, root, image.path(), rng);
      CAPTURE(k, variant, acked);
      auto check = opt;
      check.fsync = rb::fsync_policy::never;
      rb::local_backend bus(image.path().string(), check);
      const auto cp = bus.get_checkpoint("bot", "in");
      if (acked > 0) {
        REQUIRE(cp.has_value());
        REQUIRE(cp->records >= acked);
      }
      if (cp) {
        REQUIRE(cp->records <= commits);
        REQUIRE(cp->eid == eids[cp->records % eids.size()]);
      }
      REQUIRE(bus.get_checkpoint("bot", "old") == old);  // never lost, whatever step the cut hit
      bus.commit_checkpoint("bot", "in", cp ? std::optional<std::string>(cp->eid) : std::nullopt,
                            {eids[0], 1000, 0, 0});  // and commits work again
      REQUIRE(rb::local_backend(image.path().string(), check).get_checkpoint("bot", "in")->records == 1000);
      ++images;
    }
  }
  WARN("power-cut images of checkpoint commits checked: " << images << " over " << rec.ops.size()
                                                          << " recorded operations");
}

// ---- enrich under the default policy: output syncs overlap the bot's work -------------------

namespace {

constexpr std::size_t bot_inputs = 1200;

std::vector<std::string> fill_inputs(rb::local_backend& bus, std::size_t n) {
  std::vector<rb::record> events(n);
  for (std::size_t i = 0; i < n; ++i) events[i].payload = nlohmann::json{{"n", i}}.dump();
  bus.append("in", events);
  std::vector<std::string> eids;
  for (const auto& r : events) eids.push_back(r.eid);
  return eids;
}

rb::enrich_options bot_options() {
  rb::enrich_options o{.bot = "bot", .in = "in", .out = "out"};
  o.write.records = 50;              // micro-batches of 50
  o.write.checkpoint.records = 200;  // a checkpoint every 200 inputs
  o.write.checkpoint.time = std::chrono::hours(1);
  return o;
}

nlohmann::json enrich_fn(nlohmann::json&& j) {
  j["seen"] = true;
  return std::move(j);
}

// The inputs (by eid) that have an output in "out".
std::set<std::string> derived_inputs(rb::local_backend& bus) {
  std::set<std::string> from;
  std::vector<rb::record> got;
  std::string after;
  while (bus.read("out", after, 1000, got) > 0) after = got.back().eid;
  for (const auto& r : got) {
    REQUIRE(r.correlation_id.has_value());
    from.insert(r.correlation_id->start);
  }
  return from;
}

// What a crash must never break: every input up to the checkpoint has its output (at-least-once,
// never skip); then a rerun of the bot derives every input.
void require_nothing_skipped(rb::local_backend& bus, const std::vector<std::string>& inputs) {
  const auto cp = bus.get_checkpoint("bot", "in");
  auto from = derived_inputs(bus);
  if (cp)
    for (const auto& eid : inputs)
      if (eid <= cp->eid) REQUIRE(from.count(eid) == 1);
  const auto again = rb::enrich(bus, bot_options(), enrich_fn);
  REQUIRE(again.checkpoint == std::optional<std::string>(inputs.back()));
  from = derived_inputs(bus);
  for (const auto& eid : inputs) REQUIRE(from.count(eid) == 1);
}

}  // namespace

TEST_CASE("enrich, default policy: a checkpoint is never durable before the outputs it covers",
          "[bus][local][fault][power][enrich]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options opt;  // the default: fsync every_batch
  REQUIRE(opt.fsync == rb::fsync_policy::every_batch);
  std::vector<std::string> inputs;
  {
    rb::local_backend created(dir.path().string(), opt);
    inputs = fill_inputs(created, bot_inputs);
  }
  const auto root = fs::canonical(dir.path()).string();
  const auto initial = snapshot(root);

  recorder rec;
  rb::bot_stats stats;
  rb::detail::active_file_recorder = &rec;
  {
    rb::local_backend bus(root, opt);
    stats = rb::enrich(bus, bot_options(), enrich_fn);
  }
  rb::detail::active_file_recorder = nullptr;
  REQUIRE(stats.in == bot_inputs);
  REQUIRE(stats.out == bot_inputs);
  REQUIRE(stats.checkpoint == std::optional<std::string>(inputs.back()));
  // One sync of the output queue per commit at most (not one per micro-batch of 50: 24).
  const auto out_syncs = std::count_if(rec.ops.begin(), rec.ops.end(), [](const auto& op) {
    return op.kind == rb::detail::file_op::fsync && op.path.find("/queues/out/") != std::string::npos;
  });
  CHECK(out_syncs >= 1);
  CHECK(out_syncs <= static_cast<std::ptrdiff_t>(stats.commits) + 1);

  std::mt19937 rng(20261206);
  std::size_t images = 0, reran = 0;
  for (std::size_t k = 0; k <= rec.ops.size(); ++k) {
    for (int variant = 0; variant < 2; ++variant) {
      rstreams::test::temp_file image("powercut", "");
      build_image(initial, rec.ops, k, root, image.path(), rng);
      CAPTURE(k, variant);
      auto check = opt;
      check.fsync = rb::fsync_policy::never;
      rb::local_backend bus(image.path().string(), check);
      const auto cp = bus.get_checkpoint("bot", "in");
      const auto from = derived_inputs(bus);
      if (cp)
        for (const auto& eid : inputs)
          if (eid <= cp->eid) REQUIRE(from.count(eid) == 1);
      if (variant == 0 && k % 8 == 0) {  // the rerun derives the rest (slower: some images only)
        require_nothing_skipped(bus, inputs);
        ++reran;
      }
      ++images;
    }
  }
  WARN("power-cut images of an enrich run checked: " << images << " (" << reran << " rerun) over "
                                                     << rec.ops.size() << " recorded operations");
}

TEST_CASE("enrich, default policy: kill -9 mid-run skips nothing", "[bus][local][fault][enrich]") {
  rstreams::test::temp_file parent("killenrich", "");
  fs::create_directories(parent.path());
  std::mt19937 rng(20261206);
  int killed_midway = 0;
  for (int t = 0; t < 4; ++t) {
    const auto dir = (parent.path() / ("bus" + std::to_string(t))).string();
    std::vector<std::string> inputs;
    {
      rb::local_backend bus(dir);
      inputs = fill_inputs(bus, 8000);
    }
    const int status = run_then_kill(
        [&](auto ready) {
          rb::local_backend bus(dir);
          ready();
          rb::enrich(bus, bot_options(), enrich_fn);
        },
        std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 40)(rng)));
    REQUIRE_FALSE((WIFEXITED(status) && WEXITSTATUS(status) == 2));
    CAPTURE(t);
    rb::local_backend bus(dir);
    const auto cp = bus.get_checkpoint("bot", "in");
    if (WIFSIGNALED(status) && (!cp || cp->eid != inputs.back())) ++killed_midway;
    require_nothing_skipped(bus, inputs);
  }
  WARN("enrich runs killed before their last commit: " << killed_midway << " of 4");
}
