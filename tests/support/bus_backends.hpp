#pragma once
// The backends the bus operation tests run on: one suite, parameterised with
//   TEMPLATE_LIST_TEST_CASE("...", "[bus][enrich]", rstreams::test::bus_backends) {
//     TestType fx;              // a fresh, empty bus
//     auto& bus = fx.bus();     // the backend object
//     auto other = fx.reopen(); // a second, independent handle on the same bus (a restart,
//                               // or another process's view)
//   }
// Each fixture gives a bus that no other test sees.
// The `bus` executable runs the suite on the local backend; the `nats` executable compiles the
// same test files again (tests/bus/nats/shared_*_test.cpp include them) with
// RSTREAMS_TEST_NATS_BUS defined, which runs them on a real JetStream server instead.

#include <rstreams/bus/local/local_backend.hpp>

#include <support/temp_file.hpp>

#if defined(RSTREAMS_TEST_NATS_BUS)
#include <support/nats_bus.hpp>
#endif

#include <string>
#include <string_view>
#include <tuple>
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

/// Every backend the bus operation suite runs on.
#if defined(RSTREAMS_TEST_NATS_BUS)
using bus_backends = std::tuple<nats_bus>;
#else
using bus_backends = std::tuple<local_bus>;
#endif

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
