#pragma once
// Umbrella for users: everything that needs only the standard library (pipelines,
// concurrency, aggregation). Parts with dependencies have their own umbrellas:
// <rstreams/bus.hpp> (nlohmann/json, fmt), <rstreams/interop.hpp> (range-v3, fmt); the
// connectors are included one by one from <rstreams/io/...> (each names its library).

#include <rstreams/agg.hpp>
#include <rstreams/exec.hpp>
#include <rstreams/pipeline.hpp>
