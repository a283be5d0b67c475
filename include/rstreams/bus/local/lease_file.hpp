#pragma once
// Bot leases of the local backend: `leases/<bot>.lease` holds the holder's token, pid and
// expiry (ms since the epoch), read and changed under flock on that file. A lease is free when
// the file is empty, expired, or its holder process no longer exists.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/detail/now_ms.hpp>
#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/lock.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

namespace rstreams::bus::detail {

struct lease_record {
  std::string token;
  std::int64_t pid = 0;
  std::int64_t expires_at = 0;
};

inline std::optional<lease_record> read_lease(int fd, const std::string& path) {
  std::string text(file_size(fd, path), '\0');
  text.resize(pread_full(fd, text.data(), text.size(), 0, path));
  if (text.empty()) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(text);
    return lease_record{j.at("token").get<std::string>(), j.at("pid").get<std::int64_t>(),
                        j.at("expires_at").get<std::int64_t>()};
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a torn write of a dead holder: the lease is free
  }
}

inline void write_lease(int fd, const std::string& path, const lease_record& l) {
  const auto text = nlohmann::json{{"token", l.token}, {"pid", l.pid}, {"expires_at", l.expires_at}}.dump();
  if (::ftruncate(fd, 0) != 0) throw_errno(path, "cannot truncate lease");
  pwrite_full(fd, text.data(), text.size(), 0, path);
}

inline bool lease_is_free(const std::optional<lease_record>& l) {
  if (!l) return true;
  if (l->expires_at <= now_ms()) return true;
  return l->pid > 0 && ::kill(static_cast<pid_t>(l->pid), 0) != 0 && errno == ESRCH;
}

inline std::string new_lease_token() {
  static std::atomic<std::uint64_t> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "-" + std::to_string(rd()) + "-" + std::to_string(++counter);
}

class lease_file final : public lease_state {
 public:
  lease_file(std::string file, std::string token, std::chrono::milliseconds ttl)
      : path_(std::move(file)), token_(std::move(token)), ttl_(ttl) {}

  bool renew() override {
    auto fd = open_file(path_, O_RDWR | O_CREAT);
    flock_guard g(fd.get(), path_);
    const auto cur = read_lease(fd.get(), path_);
    // Still ours (even past its expiry, as long as nobody took it), or free again.
    if (cur && cur->token != token_) return false;
    write_lease(fd.get(), path_, {token_, ::getpid(), now_ms() + ttl_.count()});
    return true;
  }

  [[nodiscard]] bool held() const override {
    auto fd = open_if_exists(path_, O_RDONLY);
    if (!fd) return false;
    flock_guard g(fd.get(), path_, lock_mode::shared);
    const auto cur = read_lease(fd.get(), path_);
    return cur && cur->token == token_ && cur->expires_at > now_ms();
  }

  void release() noexcept override {
    try {
      auto fd = open_if_exists(path_, O_RDWR);
      if (!fd) return;
      flock_guard g(fd.get(), path_);
      const auto cur = read_lease(fd.get(), path_);
      if (cur && cur->token == token_) (void)::ftruncate(fd.get(), 0);
    } catch (...) {
      // Releasing is best effort: an unreleased lease expires after its ttl.
    }
  }

 private:
  std::string path_;
  std::string token_;
  std::chrono::milliseconds ttl_;
};

/// Takes the lease of `bot` for `ttl` if it is free.
inline std::optional<lease> try_lease_file(const std::string& dir, std::string_view bot,
                                           std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) throw config_error("rstreams: try_lease: the ttl must be positive");
  make_dirs(dir);
  const auto path = dir + "/" + std::string(bot) + ".lease";
  auto fd = open_file(path, O_RDWR | O_CREAT);
  flock_guard g(fd.get(), path);
  if (!lease_is_free(read_lease(fd.get(), path))) return std::nullopt;
  auto token = new_lease_token();
  write_lease(fd.get(), path, {token, ::getpid(), now_ms() + ttl.count()});
  return lease(std::make_unique<lease_file>(path, std::move(token), ttl));
}

}  // namespace rstreams::bus::detail
