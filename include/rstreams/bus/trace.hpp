#pragma once
// Lineage of one event (Botmon's trace): back through `correlation_id` to the source event it
// came from, and forward to every event derived from it, across queues.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/record.hpp>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus {

/// An event found by a trace, and the depth it was found at (1 = a direct parent or child).
struct traced_event {
  record event;
  int depth = 0;
};

/// `event`; `ancestors` from its parent back to the source event (which has no correlation);
/// `descendants` in breadth-first order; `scanned`: records read looking forward; `truncated`:
/// a bound stopped the forward search (see trace_options).
struct lineage {
  record event;
  std::vector<traced_event> ancestors;
  std::vector<traced_event> descendants;
  std::size_t scanned = 0;
  bool truncated = false;
};

/// Bounds of the forward search. Derived events are written after their parent was stored, so
/// each queue is read only from the parent's eid time on (a position lookup; eids from one clock,
/// so writers on machines whose clocks lag may be missed), and at most
/// `max_scan_per_queue` records per queue and level. Which queues: those that bots reading the
/// parent's queue declare they write (bot_options::writes, recorded at each run), else every
/// queue. `max_depth` bounds both directions.
struct trace_options {
  std::size_t max_scan_per_queue = 100'000;
  int max_depth = 16;
};

/// The event `eid` of `queue` (one position read), or nothing when the queue has none.
template <backend B>
std::optional<record> find_event(B& bus, std::string_view queue, std::string_view eid) {
  std::vector<record> out;
  if (bus.read(queue, previous(eid), 1, out) == 1 && out[0].eid == eid) return std::move(out[0]);
  return std::nullopt;
}

namespace detail {

// The queues to look in for children of events in `queue`.
template <backend B>
std::vector<std::string> child_queues(B& bus, const std::string& queue, const std::vector<queue_info>& all) {
  std::set<std::string> out;
  if constexpr (stores_bot_state<B>) {
    for (const auto& b : bus.bots()) {
      if (b.checkpoints.count(queue) == 0) continue;
      const auto s = bus.get_bot_state(b.id);
      if (!s || s->writes.empty()) return {};  // a reader that declares nothing: look everywhere
      for (const auto& w : s->writes) out.insert(w);
    }
  }
  std::vector<std::string> names;
  for (const auto& q : all)
    if (out.empty() || out.count(q.name) != 0) names.push_back(q.name);
  return out.empty() ? std::vector<std::string>{} : names;
}
}  // namespace detail

/// An event found by its eid alone, and the queue that holds it.
struct located_event {
  std::string queue;
  record event;
};

/// Every queue's event `eid`, by queue name (one position read per queue). Eids are numbered
/// per queue, so queues written in the same millisecond may each hold one: more than one result
/// means the eid alone does not say which event is meant.
template <backend B>
std::vector<located_event> find_events(B& bus, std::string_view eid) {
  validate_position(eid);
  std::vector<located_event> out;
  for (const auto& q : bus.queues())
    if (auto r = find_event(bus, q.name, eid)) out.push_back({q.name, std::move(*r)});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.queue < b.queue; });
  return out;
}

/// The lineage of event `eid` of `queue`. Throws config_error when there is no such event.
template <backend B>
lineage trace(B& bus, std::string_view queue, std::string_view eid, const trace_options& opt = {}) {
  auto start = find_event(bus, queue, eid);
  if (!start)
    throw config_error("rstreams: trace: no event " + std::string(eid) + " in queue " + std::string(queue));
  lineage out;
  out.event = *start;
  // Back: one read per step.
  auto at = *start;
  for (int depth = 1; depth <= opt.max_depth && at.correlation_id; ++depth) {
    auto parent = find_event(bus, at.correlation_id->source, at.correlation_id->start);
    if (!parent) break;
    out.ancestors.push_back({*parent, depth});
    at = std::move(*parent);
  }
  // Forward: breadth first, each level reading candidate queues from the parent's eid.
  const auto all = bus.queues();
  // Each found event with the queue it was read from (a backend may leave `event` unset).
  struct found {
    traced_event t;
    std::string queue;
  };
  std::deque<found> frontier{{{*start, 0}, std::string(queue)}};
  std::set<std::pair<std::string, std::string>> seen{{std::string(queue), start->eid}};
  std::vector<record> buf;
  while (!frontier.empty()) {
    const auto f = std::move(frontier.front());
    frontier.pop_front();
    const auto& parent = f.t;
    if (parent.depth >= opt.max_depth) {
      out.truncated = true;
      continue;
    }
    auto queues = detail::child_queues(bus, f.queue, all);
    if (queues.empty())
      for (const auto& q : all) queues.push_back(q.name);
    for (const auto& q : queues) {
      // From the start of the parent's millisecond: another queue numbers its own eids within
      // that ms, so a child stored in the same ms may sort before the parent's eid.
      std::string after = previous(make_eid(eid_to_ms(parent.event.eid)));
      std::size_t scanned = 0;
      while (scanned < opt.max_scan_per_queue) {
        buf.clear();
        const auto n = bus.read(q, after, std::min<std::size_t>(1000, opt.max_scan_per_queue - scanned), buf);
        if (n == 0) break;
        scanned += n;
        after = buf.back().eid;
        for (auto& r : buf) {
          const auto& c = r.correlation_id;
          if (!c || c->source != f.queue || parent.event.eid < c->start || parent.event.eid > c->last())
            continue;
          if (!seen.insert({q, r.eid}).second) continue;
          out.descendants.push_back({r, parent.depth + 1});
          frontier.push_back({{std::move(r), parent.depth + 1}, q});
        }
      }
      if (scanned >= opt.max_scan_per_queue) out.truncated = true;
      out.scanned += scanned;
    }
  }
  return out;
}

}  // namespace rstreams::bus
