// The backend contract suite (support/backend_contract.hpp) on the mem backend.
#include <support/backend_contract.hpp>
#include <support/mem_bus.hpp>

namespace {
const bool registered = rstreams::test::register_backend_contract<rstreams::test::mem_bus>();
}  // namespace
