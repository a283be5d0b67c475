#pragma once
// Umbrella for users: everything that needs only the standard library (pipelines,
// concurrency, aggregation). The parts with dependencies have their own umbrellas:
// <rstreams/bus.hpp> (nlohmann/json), <rstreams/interop.hpp> (range-v3, fmt), and the
// connectors under <rstreams/io/...>. Library headers never include an umbrella.

#include <rstreams/pipeline.hpp>
