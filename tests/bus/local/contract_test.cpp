// The backend contract suite (support/backend_contract.hpp) on the local backend.
#include <support/backend_contract.hpp>
#include <support/bus_backends.hpp>

namespace {
const bool registered = rstreams::test::register_backend_contract<rstreams::test::local_bus>();
}  // namespace
