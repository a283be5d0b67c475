#pragma once
// The backend contract suite: every case of the bus operations (put, load, read, write,
// set_checkpoint, offload, enrich, bot) that must hold on any backend, written once in
// support/contract/<op>_cases.hpp as a function of a bus fixture (see bus_backends.hpp), and
// instantiated per backend by one test file:
//
//   // tests/bus/<backend>/contract_test.cpp
//   #include <support/backend_contract.hpp>
//   #include <support/<backend>_bus.hpp>
//   static const bool registered = rstreams::test::register_backend_contract<rstreams::test::<backend>_bus>();
//
// Each case runs as "<case name> - <backend>", tagged [contract][<backend>] besides its own tags
// (`rstreams_bus_tests "[contract][mem]"` runs the suite on the in-memory backend).
// A new case goes into the cases file of its operation; a new operation's file is added below.

#include <support/contract/bot_cases.hpp>
#include <support/contract/enrich_cases.hpp>
#include <support/contract/load_cases.hpp>
#include <support/contract/offload_cases.hpp>
#include <support/contract/put_cases.hpp>
#include <support/contract/read_cases.hpp>
#include <support/contract/registry.hpp>
#include <support/contract/set_checkpoint_cases.hpp>
#include <support/contract/write_cases.hpp>

namespace rstreams::test {

/// Registers every contract case on fixture `Fx` (called once per backend, at static
/// initialisation); returns true.
template <class Fx>
bool register_backend_contract() {
  const contract_registry r(Fx::name);
  contract_put::add_put_cases<Fx>(r);
  contract_load::add_load_cases<Fx>(r);
  contract_read::add_read_cases<Fx>(r);
  contract_write::add_write_cases<Fx>(r);
  contract_set_checkpoint::add_set_checkpoint_cases<Fx>(r);
  contract_offload::add_offload_cases<Fx>(r);
  contract_enrich::add_enrich_cases<Fx>(r);
  contract_bot::add_bot_cases<Fx>(r);
  return true;
}

}  // namespace rstreams::test
