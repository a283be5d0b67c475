#pragma once
// Real nats-server processes for tests: one JetStream server, or a three-node cluster, on free
// loopback ports in temporary directories; killed (by pid) when the object goes away, and by
// the kernel when the thread that started them ends (PR_SET_PDEATHSIG), so a crashed test
// leaves nothing behind: start and restart servers from the test's main thread.
//
//   rstreams::test::nats_server server;          // nats-server -js on 127.0.0.1:<free port>
//   rstreams::bus::nats_backend bus(server.url());
//   rstreams::test::nats_cluster cluster(3);      // three nodes, routes between them
//   cluster.kill(1); cluster.restart(1);

#include <support/temp_file.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rstreams::test {

namespace detail {

/// A loopback port nobody listens on right now.
inline int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("free_loopback_port: socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("free_loopback_port: bind failed");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool port_accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

/// One nats-server process started from a config file; restartable on the same port and store.
class nats_process {
 public:
  nats_process(std::filesystem::path config, int port) : config_(std::move(config)), port_(port) { start(); }
  nats_process(const nats_process&) = delete;
  nats_process& operator=(const nats_process&) = delete;
  ~nats_process() { kill(); }

  void start() {
    if (pid_ > 0) return;
    std::string prog = "nats-server";
    std::string flag = "-c";
    std::string cfg = config_.string();
    char* argv[] = {prog.data(), flag.data(), cfg.data(), nullptr};
    const std::string log = config_.string() + ".log";
    // fork + exec rather than posix_spawn, to ask for SIGKILL when the test process dies
    // (a crashed test must not leave servers behind).
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
      pid_ = -1;
      throw std::runtime_error("nats_server: fork failed");
    }
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execvp(prog.data(), argv);
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!port_accepts(port_)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        std::ifstream in(log);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        throw std::runtime_error("nats_server: nats-server exited at start: " + text);
      }
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("nats_server: no listener on port");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  /// SIGKILL, as a crash.
  void kill() noexcept {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] bool running() const noexcept { return pid_ > 0; }

 private:
  std::filesystem::path config_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace detail

/// One JetStream server on a free loopback port.
class nats_server {
 public:
  nats_server() : dir_("nats", "") {
    std::filesystem::create_directories(dir_.path());
    const int port = detail::free_loopback_port();
    const auto cfg = dir_.path() / "server.conf";
    std::ofstream(cfg) << "listen: 127.0.0.1:" << port << "\n"
                       << "jetstream { store_dir: \"" << (dir_.path() / "js").string() << "\" }\n";
    proc_ = std::make_unique<detail::nats_process>(cfg, port);
  }
  [[nodiscard]] std::string url() const { return "nats://127.0.0.1:" + std::to_string(proc_->port()); }
  void kill() { proc_->kill(); }
  void restart() { proc_->start(); }

 private:
  temp_file dir_;
  std::unique_ptr<detail::nats_process> proc_;
};

/// `n` JetStream servers forming one cluster over loopback routes.
class nats_cluster {
 public:
  explicit nats_cluster(int n = 3) : dir_("nats-cluster", "") {
    std::filesystem::create_directories(dir_.path());
    std::vector<int> client(static_cast<std::size_t>(n));
    std::vector<int> route(static_cast<std::size_t>(n));
    for (auto& p : client) p = detail::free_loopback_port();
    for (auto& p : route) p = detail::free_loopback_port();
    for (int i = 0; i < n; ++i) {
      const auto cfg = dir_.path() / ("node" + std::to_string(i) + ".conf");
      std::ofstream f(cfg);
      f << "server_name: n" << i << "\nlisten: 127.0.0.1:" << client[static_cast<std::size_t>(i)] << "\n"
        << "jetstream { store_dir: \"" << (dir_.path() / ("js" + std::to_string(i))).string() << "\" }\n"
        << "cluster {\n  name: rs\n  listen: 127.0.0.1:" << route[static_cast<std::size_t>(i)]
        << "\n  routes: [";
      for (int j = 0; j < n; ++j) {
        if (j != i) f << "\n    \"nats-route://127.0.0.1:" << route[static_cast<std::size_t>(j)] << "\"";
      }
      f << "\n  ]\n}\n";
      f.close();
      configs_.push_back(cfg);
      ports_.push_back(client[static_cast<std::size_t>(i)]);
    }
    for (int i = 0; i < n; ++i)
      nodes_.push_back(std::make_unique<detail::nats_process>(configs_[static_cast<std::size_t>(i)],
                                                              ports_[static_cast<std::size_t>(i)]));
  }
  /// All nodes, comma separated, as libnats takes them.
  [[nodiscard]] std::string url() const {
    std::string u;
    for (const int p : ports_)
      u += (u.empty() ? "" : ",") + std::string("nats://127.0.0.1:") + std::to_string(p);
    return u;
  }
  [[nodiscard]] std::string url(int i) const {
    return "nats://127.0.0.1:" + std::to_string(ports_[static_cast<std::size_t>(i)]);
  }
  void kill(int i) { nodes_[static_cast<std::size_t>(i)]->kill(); }
  void restart(int i) { nodes_[static_cast<std::size_t>(i)]->start(); }
  [[nodiscard]] int size() const noexcept { return static_cast<int>(nodes_.size()); }

 private:
  temp_file dir_;
  std::vector<std::filesystem::path> configs_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<detail::nats_process>> nodes_;
};

}  // namespace rstreams::test
