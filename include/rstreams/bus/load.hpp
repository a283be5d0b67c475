#pragma once
// Any source of payloads or events into a queue.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/bus/write.hpp>

#include <string>
#include <utility>

namespace rstreams::bus {

struct load_fn {
  template <backend B>
  auto operator()(B& bus, std::string bot, std::string queue, queue_write_options opts = {}) const {
    return detail::queue_sink<B, false>(bus, std::move(bot), std::move(queue), std::move(opts));
  }
};

/// A sink that puts whatever a source yields into `queue` as bot `bot`: plain payloads
/// (nlohmann::json or any type with to_json) become events entering the bus now; `event<T>`s
/// keep their envelope (the queue and, if empty, the id are filled in). Micro-batched as
/// `write`; commits no checkpoint (the source is not a queue).
///
/// Forms: `src | load(bus, bot, queue[, opts])`. Yields a write_result.
/// Demand: 256 per step; buffers one micro-batch.
inline constexpr load_fn load{};

}  // namespace rstreams::bus
