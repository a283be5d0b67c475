#pragma once
// Every public header of the dependency-free core (core/, sources/, ops/, sinks/), for the
// two-translation-unit ODR test (tests/core/odr_one_test.cpp, odr_two_test.cpp): a function or
// variable defined in one of them without `inline` is then defined twice and the link fails.
// Add new core headers here.

#include <rstreams/core/clock.hpp>
#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/run_scope.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/ops/chunk.hpp>
#include <rstreams/ops/distinct.hpp>
#include <rstreams/ops/drop.hpp>
#include <rstreams/ops/drop_while.hpp>
#include <rstreams/ops/enumerate.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/flat_map.hpp>
#include <rstreams/ops/join.hpp>
#include <rstreams/ops/scan.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/take_while.hpp>
#include <rstreams/ops/tap.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/devnull.hpp>
#include <rstreams/sinks/first.hpp>
#include <rstreams/sinks/fold.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sinks/last.hpp>
#include <rstreams/sinks/max.hpp>
#include <rstreams/sinks/min.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to.hpp>
#include <rstreams/sinks/to_file.hpp>
#include <rstreams/sinks/to_ostream.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/empty.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/generate.hpp>
#include <rstreams/sources/generator.hpp>
#include <rstreams/sources/iota.hpp>
#include <rstreams/sources/lines.hpp>
#include <rstreams/sources/repeat.hpp>
#include <rstreams/sources/single.hpp>
