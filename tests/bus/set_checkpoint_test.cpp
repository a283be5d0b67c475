// The behaviour of set_checkpoint on every backend: support/contract/set_checkpoint_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/set_checkpoint.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;
