// Waits of one bus handle share one inotify instance, however many queues they wait on, and
// fall back to polling (and say so) when inotify cannot be had.

#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/local/notifier.hpp>

#include <support/catch.hpp>
#include <support/local_records.hpp>
#include <support/temp_file.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

namespace {

using rstreams::test::no_fsync;

std::vector<rb::record> one_record(int n) {
  std::vector<rb::record> rs(1);
  rs[0].id = "tester";
  rs[0].payload = "{\"n\":" + std::to_string(n) + "}";
  return rs;
}

// Open inotify instances of this process: descriptors whose link is "anon_inode:inotify".
int inotify_instances() {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const auto target = fs::read_symlink(e.path(), ec);
    if (!ec && target.string() == "anon_inode:inotify") ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("waits on 200 queues share one inotify instance and wake on appends of another handle",
          "[bus][local][notifier]") {
  rstreams::test::temp_file dir("bus", "");
  constexpr int queues = 200;
  const auto before = inotify_instances();
  rb::local_backend writer(dir.path().string(), no_fsync());
  std::vector<std::string> last(queues);
  for (int q = 0; q < queues; ++q) {
    auto r = one_record(q);
    last[static_cast<std::size_t>(q)] = writer.append("q" + std::to_string(q), r);
  }
  rb::local_backend waiter(dir.path().string(), no_fsync());
  REQUIRE(waiter.notifier().mode == "idle");

  std::atomic<int> waiting{0};
  std::atomic<int> woken{0};
  std::vector<std::thread> threads;
  threads.reserve(queues);
  for (int q = 0; q < queues; ++q) {
    threads.emplace_back([&, q] {
      waiting.fetch_add(1);
      if (waiter.wait("q" + std::to_string(q), last[static_cast<std::size_t>(q)], std::chrono::seconds(20)))
        woken.fetch_add(1);
    });
  }
  while (waiting.load() < queues) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Every waiter asleep, each with its watch (a fixed 200 ms pause saw 192 of 200 at load 8).
  const auto asleep_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (waiter.notifier().watches < queues && std::chrono::steady_clock::now() < asleep_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(inotify_instances() - before == 1);  // was one per waited-on queue
  const auto st = waiter.notifier();
  CHECK(st.mode == "inotify");
  CHECK(st.instances == 1);
  CHECK(st.watches == queues);
  CHECK(woken.load() == 0);

  const auto t0 = std::chrono::steady_clock::now();
  for (int q = 0; q < queues; ++q) {
    auto r = one_record(1000 + q);
    writer.append("q" + std::to_string(q), r);
  }
  for (auto& t : threads) t.join();
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(woken.load() == queues);
  CHECK(took < std::chrono::seconds(5));  // woken by inotify, not by the 20 s timeout
  CHECK(inotify_instances() - before == 1);
}

TEST_CASE("a wait is woken promptly for a queue created after it began", "[bus][local][notifier]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend writer(dir.path().string(), no_fsync());
  rb::local_backend waiter(dir.path().string(), no_fsync());
  std::atomic<bool> got{false};
  std::thread t([&] { got = waiter.wait("fresh", "", std::chrono::seconds(20)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = one_record(1);
  writer.append("fresh", r);
  t.join();
  CHECK(got.load());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("a stop request ends waits sharing the instance at once", "[bus][local][notifier]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_backend bus(dir.path().string(), no_fsync());
  std::stop_source stop;
  std::vector<std::thread> threads;
  std::atomic<int> done{0};
  for (int q = 0; q < 4; ++q)
    threads.emplace_back([&, q] {
      (void)bus.wait("s" + std::to_string(q), "", std::chrono::seconds(20), stop.get_token());
      done.fetch_add(1);
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto t0 = std::chrono::steady_clock::now();
  stop.request_stop();
  for (auto& t : threads) t.join();
  CHECK(done.load() == 4);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}

TEST_CASE("without inotify, waits poll and the handle says why", "[bus][local][notifier]") {
  rstreams::test::temp_file dir("bus", "");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // A real failure of inotify_init1: no descriptor is left in the process (EMFILE).
    int code = 0;
    try {
      rb::local_backend bus(dir.path().string(), no_fsync());
      auto r = one_record(0);
      const auto first = bus.append("q", r);  // opens the queue's files before they run out
      std::vector<rb::record> out;
      (void)bus.read("q", "", 10, out);
      // The waiter thread starts and ends while descriptors are free (UBSan's vptr checks at
      // thread start and end need one of their own); it waits, and so creates the notifier,
      // while none is left.
      std::atomic<bool> go{false};
      std::atomic<bool> waited{false};
      std::atomic<bool> finish{false};
      std::atomic<bool> got{false};
      std::thread t([&] {
        while (!go.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        got = bus.wait("q", first, std::chrono::seconds(20));
        waited = true;
        while (!finish.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      });
      std::vector<int> filler;
      while (true) {
        const int fd = ::dup(0);
        if (fd < 0) break;
        filler.push_back(fd);
      }
      go = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const auto t0 = std::chrono::steady_clock::now();
      auto r2 = one_record(1);
      bus.append("q", r2);
      while (!waited.load() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30))
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      const auto took = std::chrono::steady_clock::now() - t0;
      const auto st = bus.notifier();
      for (int fd : filler) ::close(fd);
      finish = true;
      t.join();
      if (!got.load())
        code = 1;
      else if (took > std::chrono::seconds(2))
        code = 2;
      else if (st.mode != "polling" || st.instances != 0)
        code = 3;
      else if (st.reason.find("inotify_init1") == std::string::npos)
        code = 4;
    } catch (...) {
      code = 5;
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
