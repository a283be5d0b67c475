// The behaviour of load on every backend: support/contract/load_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/load.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

static_assert(rstreams::sink<decltype(rb::load(std::declval<rt::local_bus::backend_type&>(), "b", "q"))>);
