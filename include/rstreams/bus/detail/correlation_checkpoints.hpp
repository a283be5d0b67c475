#pragma once
// Checkpoints derived from the correlations of written events (RStreams' rule: "no
// correlation_id, no checkpoint"). Events arrive in the order of their parents; a parent group
// (one correlation start) is complete once an event of a later group is written, and the last
// group at the end of the stream. So 1->N fan-out never checkpoints a parent before its last
// child is durable, and N->1 ranges commit their `end`.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/checkpoint_tracker.hpp>
#include <rstreams/bus/correlation.hpp>
#include <rstreams/bus/detail/checkpoint_committer.hpp>
#include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/core/clock.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rstreams::bus::detail {

template <backend B>
class correlation_checkpoints {
 public:
  correlation_checkpoints(B& bus, std::string bot, const checkpoint_options& opts)
      : bus_(&bus), bot_(std::move(bot)), opts_(opts) {}

  /// An event with this correlation was added to the batch being written.
  void add(const correlation& c, std::int64_t source_timestamp) {
    if (c.source.empty() || c.start.empty()) return;
    auto& s = source(c.source);
    if (s.open && s.open->eid_start != c.start) close(s);
    if (!s.open)
      s.open = group{c.start, c.last(), c.units, source_timestamp};
    else {
      s.open->eid_last = c.last();
      s.open->source_timestamp = source_timestamp;
    }
  }

  /// The batch was written: every closed group is durable.
  void written(clock::time_point now) {
    for (auto& s : sources_) {
      if (!s.closed) continue;
      s.committer.offer(std::move(*s.closed), now);
      s.closed.reset();
    }
  }

  /// End of the stream, after the final batch was written: the open groups are complete too.
  void finish(clock::time_point now) {
    for (auto& s : sources_) {
      if (s.open) close(s);
      if (s.closed) s.committer.offer(std::move(*s.closed), now);
      s.closed.reset();
      s.committer.commit(now);
    }
  }

  /// Commits positions whose time has come (called between batches).
  void tick(clock::time_point now) {
    for (auto& s : sources_)
      if (s.committer.due(now)) s.committer.commit(now);
  }

 private:
  struct group {
    std::string eid_start;
    std::string eid_last;
    std::uint64_t units;
    std::int64_t source_timestamp;
  };
  struct per_source {
    std::string name;
    checkpoint_committer<B> committer;
    std::optional<group> open;
    std::optional<watermark> closed;
  };

  per_source& source(const std::string& name) {
    if (last_ < sources_.size() && sources_[last_].name == name) return sources_[last_];
    for (std::size_t i = 0; i < sources_.size(); ++i)
      if (sources_[i].name == name) return sources_[last_ = i];
    sources_.push_back(per_source{name, checkpoint_committer<B>::load(*bus_, bot_, name, opts_), {}, {}});
    last_ = sources_.size() - 1;
    return sources_.back();
  }

  static void close(per_source& s) {
    auto& g = *s.open;
    if (!s.closed) s.closed = watermark{};
    s.closed->eid = std::move(g.eid_last);
    s.closed->records += g.units;
    s.closed->source_timestamp = g.source_timestamp;
    s.open.reset();
  }

  B* bus_;
  std::string bot_;
  checkpoint_options opts_;
  std::vector<per_source> sources_;
  std::size_t last_ = 0;
};

}  // namespace rstreams::bus::detail
