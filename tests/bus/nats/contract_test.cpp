// The backend contract suite (support/backend_contract.hpp) on the nats backend.
#include <support/backend_contract.hpp>
#include <support/nats_bus.hpp>

namespace {
const bool registered = rstreams::test::register_backend_contract<rstreams::test::nats_bus>();
}  // namespace
