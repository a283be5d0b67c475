#pragma once
// The backends the operations tests (stats, topology, trace) run on, as a Catch2 type list:
// local and mem in the bus suite; the nats suite compiles the same files again
// (tests/bus/nats/shared_*_test.cpp) with RSTREAMS_TEST_NATS_BUS defined, for a real server.

#include <support/bus_backends.hpp>

#if defined(RSTREAMS_TEST_NATS_BUS)
#include <support/nats_bus.hpp>
#else
#include <support/mem_bus.hpp>
#endif

#include <tuple>

namespace rstreams::test {
#if defined(RSTREAMS_TEST_NATS_BUS)
using ops_backends = std::tuple<nats_bus>;
#else
using ops_backends = std::tuple<local_bus, mem_bus>;
#endif
}  // namespace rstreams::test
