#pragma once
// Umbrella for users: the pipeline core with every source, operator and sink that needs
// nothing but the standard library. Library headers never include it.

#include <rstreams/core/clock.hpp>
#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/core/stage_source.hpp>

#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>

#include <rstreams/sinks/sum.hpp>
