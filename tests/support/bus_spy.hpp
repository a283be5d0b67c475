#pragma once
// A backend decorator for bus tests: forwards every call to a real backend and records the
// appends and checkpoint commits in order, so a test can check what was durable when a
// checkpoint moved. An optional hook runs before each commit (to race another instance).

#include <rstreams/bus/backend.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::test {

template <class B>
class bus_spy {
 public:
  struct call {
    std::string op;  // "append" or "commit"
    std::string queue;
    std::vector<bus::record> records;  // appended (with eids)
    std::string eid;                   // committed
  };

  explicit bus_spy(B& inner) : inner_(&inner) {}

  std::vector<call> calls;
  std::function<void(std::string_view bot, std::string_view queue)> before_commit;

  std::string append(std::string_view queue, std::span<bus::record> records) {
    auto last = inner_->append(queue, records);
    calls.push_back({"append", std::string(queue), {records.begin(), records.end()}, {}});
    return last;
  }
  std::size_t read(std::string_view queue, std::string_view after, std::size_t max,
                   std::vector<bus::record>& out) {
    return inner_->read(queue, after, max, out);
  }
  bool wait(std::string_view queue, std::string_view after, std::chrono::milliseconds timeout,
            std::stop_token stop) {
    return inner_->wait(queue, after, timeout, stop);
  }
  std::optional<bus::checkpoint> get_checkpoint(std::string_view bot, std::string_view queue) {
    return inner_->get_checkpoint(bot, queue);
  }
  void commit_checkpoint(std::string_view bot, std::string_view queue,
                         const std::optional<std::string>& expected, const bus::checkpoint& next,
                         bool force = false) {
    if (before_commit) before_commit(bot, queue);
    inner_->commit_checkpoint(bot, queue, expected, next, force);
    calls.push_back({"commit", std::string(queue), {}, next.eid});
  }
  std::vector<bus::queue_info> queues() { return inner_->queues(); }
  std::vector<bus::bot_info> bots() { return inner_->bots(); }
  std::optional<bus::lease> try_lease(std::string_view bot, std::chrono::milliseconds ttl) {
    return inner_->try_lease(bot, ttl);
  }
  std::string describe() const { return "spy:" + inner_->describe(); }

  /// How many records were appended to `queue` before the first commit on `in` that reached
  /// `eid` (or everything when none did).
  std::size_t appended_before_commit(std::string_view queue, std::string_view in,
                                     std::string_view eid) const {
    std::size_t n = 0;
    for (const auto& c : calls) {
      if (c.op == "commit" && c.queue == in && c.eid >= eid) return n;
      if (c.op == "append" && c.queue == queue) n += c.records.size();
    }
    return n;
  }

 private:
  B* inner_;
};

}  // namespace rstreams::test
