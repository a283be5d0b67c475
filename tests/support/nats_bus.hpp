#pragma once
// The NATS fixture of the shared bus suite (see bus_backends.hpp): one JetStream server per
// test process, started on first use on a free loopback port, and a fresh name prefix per
// fixture, so every test sees an empty bus of its own.

#include <rstreams/bus/nats/nats_backend.hpp>

#include <support/nats_server.hpp>

#include <atomic>
#include <string>
#include <string_view>

namespace rstreams::test {

class nats_bus {
 public:
  using backend_type = rstreams::bus::nats_backend;
  static constexpr std::string_view name = "nats";

  nats_bus() : prefix_(next_prefix()), bus_(open()) {}

  backend_type& bus() noexcept { return bus_; }
  /// The name prefix of this fixture's streams and buckets (nats_options::prefix).
  [[nodiscard]] const std::string& prefix() const noexcept { return prefix_; }
  /// Another connection on the same bus, as a restarted process would open it.
  backend_type reopen() const { return open(); }

  /// The server all fixtures of this process share.
  static nats_server& server() {
    static nats_server s;
    return s;
  }

 private:
  static std::string next_prefix() {
    static std::atomic<int> n{0};
    return "t" + std::to_string(::getpid()) + "_" + std::to_string(n++);
  }
  backend_type open() const {
    rstreams::bus::nats_options opt;
    opt.prefix = prefix_;
    return backend_type(server().url(), opt);
  }
  std::string prefix_;
  backend_type bus_;
};

}  // namespace rstreams::test
