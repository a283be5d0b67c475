#pragma once
// Umbrella for users: concurrency (async boundaries, parallel stages, schedulers, time,
// fan-in and fan-out). Standard library only.

#include <rstreams/pipeline.hpp>

#include <rstreams/exec/async.hpp>
#include <rstreams/exec/batch.hpp>
#include <rstreams/exec/concat.hpp>
#include <rstreams/exec/idle_timeout.hpp>
#include <rstreams/exec/merge.hpp>
#include <rstreams/exec/mpsc_channel.hpp>
#include <rstreams/exec/parallel_map.hpp>
#include <rstreams/exec/parallel_map_unordered.hpp>
#include <rstreams/exec/partition.hpp>
#include <rstreams/exec/route.hpp>
#include <rstreams/exec/run_for.hpp>
#include <rstreams/exec/spsc_channel.hpp>
#include <rstreams/exec/tee.hpp>
#include <rstreams/exec/thread_pool.hpp>
#include <rstreams/exec/throttle.hpp>
#include <rstreams/exec/zip.hpp>
