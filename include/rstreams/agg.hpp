#pragma once
// Umbrella for users: keyed state and windows. Standard library only.

#include <rstreams/pipeline.hpp>

#include <rstreams/agg/aggregator.hpp>
#include <rstreams/agg/counters.hpp>
#include <rstreams/agg/fold_by_key.hpp>
#include <rstreams/agg/group_by.hpp>
#include <rstreams/agg/key_by.hpp>
#include <rstreams/agg/key_limit.hpp>
#include <rstreams/agg/keyed.hpp>
#include <rstreams/agg/reduce_by_key.hpp>
#include <rstreams/agg/scan_by_key.hpp>
#include <rstreams/agg/window.hpp>
#include <rstreams/agg/window_config.hpp>
#include <rstreams/agg/window_result.hpp>
#include <rstreams/agg/window_spec.hpp>
