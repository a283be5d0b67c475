#pragma once
// Settings of the NATS JetStream backend.

#include <chrono>
#include <cstdint>
#include <string>

namespace rstreams::bus {

/// How the NATS backend names things, replicates, publishes and retries.
struct nats_options {
  /// Namespace of everything this bus creates on the server: streams `<prefix>_Q_<queue>`,
  /// subjects `<prefix>.q.<queue>`, KV buckets `<prefix>_checkpoints` and `<prefix>_leases`.
  /// Letters, digits, '_' and '-'.
  std::string prefix = "rstreams";
  /// Replicas of every stream and bucket (3 on a three-node cluster).
  int replicas = 1;
  /// Most asynchronous publishes in flight at once (jsOptions.PublishAsync.MaxPending).
  std::int64_t max_pending = 4096;
  /// Connection attempts when opening, with exponential backoff from `backoff` up to `max_backoff`.
  int connect_attempts = 5;
  /// Attempts of one server operation that fails for a transient reason (disconnected, timeout,
  /// no responders, cluster leader election) before the backend gives up with a nats_error.
  int attempts = 8;
  std::chrono::milliseconds backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  /// Time limit of one JetStream request and of one publish acknowledgement.
  std::chrono::milliseconds request_timeout{5000};
  /// Also keep, for each checkpoint, a durable consumer named after the bot on the queue's
  /// stream, positioned right after the checkpoint, so that `nats consumer info <stream> <bot>`
  /// shows the bot's progress (ack floor = the checkpoint's stream sequence, unprocessed =
  /// its lag). A view for operators only: the checkpoint itself stays the key-value entry.
  /// Costs a consumer delete and create per commit, plus a search when the checkpoint is not
  /// where this handle's last read of the queue stopped.
  bool checkpoint_consumers = false;
  /// Reconnections libnats tries after losing an established connection, and the pause between.
  int max_reconnect = 120;
  std::chrono::milliseconds reconnect_wait{250};
};

}  // namespace rstreams::bus
