// The behaviour of offload on every backend: support/contract/offload_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/offload.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/ops/transform.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_spy.hpp>
#include <support/catch.hpp>
#include <support/recording_sink.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;
