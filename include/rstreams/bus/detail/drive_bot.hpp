#pragma once
// One run of a bot engine over its reader, as enrich and offload both do it.

#include <rstreams/bus/bot_stats.hpp>
#include <rstreams/bus/detail/read_ahead.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/run.hpp>

namespace rstreams::bus::detail {

/// Drives `engine` from `src` (a queue reader): on a reader thread of its own with
/// `read_ahead`, else inline, telling the engine when the input runs dry in follow mode. The
/// stats carry what the reader skipped: events behind retention (`missed`) and damaged ones
/// under the skip policy (`corrupt_skipped`).
template <class Engine, class Src>
bot_stats drive_bot(Src& src, Engine& engine, bool read_ahead, bool follow, const run_context& ctx) {
  bot_stats stats;
  if (read_ahead) {
    stats = drive_read_ahead<typename Engine::payload_type>(src, engine, ctx);
  } else {
    if (follow) src.on_idle([&engine] { engine.idle(); });
    stats = rstreams::detail::drive(src, engine, ctx);
  }
  stats.missed = src.missed();
  stats.corrupt_skipped = src.corrupt_skipped();
  return stats;
}

}  // namespace rstreams::bus::detail
