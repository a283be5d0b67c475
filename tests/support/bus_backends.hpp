#pragma once
// Bus fixtures and helpers. A fixture is what the backend contract suite
// (support/backend_contract.hpp) runs on:
//   TestType fx;              // a fresh, empty bus that no other test sees
//   auto& bus = fx.bus();     // the backend object (TestType::backend_type)
//   auto other = fx.reopen(); // a second, independent handle on the same bus (a restart,
//                             // or another process's view)
//   TestType::name            // "local", "mem", "nats": the suffix of the test names
// This header has the local one; support/mem_bus.hpp and support/nats_bus.hpp the others.

#include <rstreams/bus/local/local_backend.hpp>

#include <support/temp_file.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace rstreams::test {

/// The local backend in a fresh temporary directory (removed afterwards). fsync is off: the
/// tests check semantics, not power-loss durability (the local backend's own tests do that).
class local_bus {
 public:
  using backend_type = rstreams::bus::local_backend;
  static constexpr std::string_view name = "local";

  local_bus() : dir_("bus", ""), bus_(open()) {}

  backend_type& bus() noexcept { return bus_; }
  /// Another handle on the same bus, as a restarted process would open it.
  backend_type reopen() const { return open(); }

 private:
  backend_type open() const {
    rstreams::bus::local_options opt;
    opt.fsync = rstreams::bus::fsync_policy::never;
    return backend_type(dir_.path().string(), opt);
  }
  temp_file dir_;
  backend_type bus_;
};

/// Every record of `queue`, in order (the whole queue, through the backend's read).
template <class B>
std::vector<rstreams::bus::record> read_all(B& bus, std::string_view queue) {
  std::vector<rstreams::bus::record> out;
  std::string after;
  while (bus.read(queue, after, 1000, out) != 0) after = out.back().eid;
  return out;
}

/// The eid of bot `bot`'s checkpoint on `queue`, or "none".
template <class B>
std::string checkpoint_of(B& bus, std::string_view bot, std::string_view queue) {
  const auto cp = bus.get_checkpoint(bot, queue);
  return cp ? cp->eid : std::string("none");
}

}  // namespace rstreams::test
