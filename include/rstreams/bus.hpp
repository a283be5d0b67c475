#pragma once
// Umbrella for users: the event bus (events, eids, queues, bots, checkpoints) with the
// embedded local backend and the in-memory one (mem://). Needs nlohmann/json and fmt (link
// rstreams::json and rstreams::fmt). The NATS backend is separate:
// <rstreams/bus/nats/register.hpp> (link rstreams::nats).

#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/backend_registry.hpp>
#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/bot_stats.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/checkpoint_tracker.hpp>
#include <rstreams/bus/correlation.hpp>
#include <rstreams/bus/cron.hpp>
#include <rstreams/bus/derive.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/event.hpp>
#include <rstreams/bus/event_error.hpp>
#include <rstreams/bus/load.hpp>
#include <rstreams/bus/local/register.hpp>
#include <rstreams/bus/mem/register.hpp>
#include <rstreams/bus/offload.hpp>
#include <rstreams/bus/on_failure.hpp>
#include <rstreams/bus/open_bus.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/bus/raw_json.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/bus/set_checkpoint.hpp>
#include <rstreams/bus/write.hpp>

#include <rstreams/bus/local/local_backend.hpp>
