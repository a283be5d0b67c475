#pragma once
// The error a read gives when the events after its start position were removed by retention.

#include <rstreams/core/error.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace rstreams::bus {

/// What a read does when retention removed events after its start position: `fail` (the
/// default) throws checkpoint_expired; `resume` continues from the oldest kept event and counts
/// the events it missed (read_source::missed(), bot_stats::missed).
enum class expired_policy { fail, resume };

/// Retention removed events after the position a read starts from (a bot's checkpoint, or an
/// explicit start): reading on would skip them, so the read fails instead. Names the bot (empty
/// when the backend is read without one), the queue, the checkpoint, the oldest eid still kept,
/// and at most how many events were removed after the checkpoint (`missed`).
/// `queue_read_options::on_expired = expired_policy::resume` resumes from the oldest kept event
/// instead and counts `missed` in the bot's stats.
class checkpoint_expired : public error {
 public:
  checkpoint_expired(std::string bot, std::string queue, std::string checkpoint, std::string oldest_kept,
                     std::string removed_through, std::uint64_t missed)
      : error(message(bot, queue, checkpoint, oldest_kept, missed)),
        bot_(std::move(bot)),
        queue_(std::move(queue)),
        checkpoint_(std::move(checkpoint)),
        oldest_kept_(std::move(oldest_kept)),
        removed_through_(std::move(removed_through)),
        missed_(missed) {}

  [[nodiscard]] const std::string& bot() const noexcept { return bot_; }
  [[nodiscard]] const std::string& queue() const noexcept { return queue_; }
  /// The position the read started from ("" = the beginning).
  [[nodiscard]] const std::string& checkpoint() const noexcept { return checkpoint_; }
  /// The eid of the oldest event retention kept ("" when the queue holds none now).
  [[nodiscard]] const std::string& oldest_kept() const noexcept { return oldest_kept_; }
  /// The last eid retention removed: reading strictly after it resumes at `oldest_kept`.
  [[nodiscard]] const std::string& removed_through() const noexcept { return removed_through_; }
  /// How many removed events came after the checkpoint (exact when the checkpoint is at a
  /// removed segment's boundary; an upper bound when it falls inside a removed segment).
  [[nodiscard]] std::uint64_t missed() const noexcept { return missed_; }

  /// The same error naming bot `bot` (a backend raises it without knowing the bot).
  [[nodiscard]] checkpoint_expired for_bot(std::string bot) const {
    return {std::move(bot), queue_, checkpoint_, oldest_kept_, removed_through_, missed_};
  }

 private:
  static std::string message(const std::string& bot, const std::string& queue, const std::string& cp,
                             const std::string& oldest, std::uint64_t missed) {
    return "rstreams: " + (bot.empty() ? std::string("a read") : "bot " + bot) + " of queue " + queue +
           ": checkpoint " + (cp.empty() ? std::string("(the beginning)") : cp) +
           " is behind retention: up to " + std::to_string(missed) +
           " events after it were removed; the oldest kept event is " +
           (oldest.empty() ? std::string("(none)") : oldest) +
           " (use queue_read_options::on_expired = resume to continue from there)";
  }

  std::string bot_;
  std::string queue_;
  std::string checkpoint_;
  std::string oldest_kept_;
  std::string removed_through_;
  std::uint64_t missed_;
};

}  // namespace rstreams::bus
