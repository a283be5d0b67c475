// The behaviour of write on every backend: support/contract/write_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/derive.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/write.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/chunk.hpp>
#include <rstreams/ops/flat_map.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sources/from_range.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_spy.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

static_assert(rstreams::sink<decltype(rb::write(std::declval<rt::local_bus::backend_type&>(), "b", "q"))>);
