#pragma once
// The progress line of long commands (import, export, verify, repair): events, bytes, rate and,
// when the total is known, ETA; on stderr, redrawn in place with \r, and only when stderr is a
// terminal, so that nothing extra appears when the output is piped or captured.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include <unistd.h>

namespace rstreams::cli {

/// "1.2 MB", "845 B".
inline std::string human_bytes(double b) {
  const char* unit[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000.0 && u < 4) {
    b /= 1000.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, unit[u]);
  return buf;
}

class progress_line {
 public:
  /// `label` starts the line ("import orders"); shown only when stderr is a terminal.
  explicit progress_line(std::string label)
      : label_(std::move(label)), on_(::isatty(STDERR_FILENO) != 0), t0_(std::chrono::steady_clock::now()) {}
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;
  ~progress_line() { finish(); }

  /// Totals for the ETA, 0 = unknown. The ETA follows events when their total is known, else bytes.
  void set_totals(std::uint64_t events, std::uint64_t bytes) {
    total_events_ = events;
    total_bytes_ = bytes;
  }

  /// Redraws at most ten times a second (always when `force`).
  void update(std::uint64_t events, std::uint64_t bytes, bool force = false) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - t0_).count();
    std::string line = label_ + ": " + std::to_string(events);
    if (total_events_ > 0) line += "/" + std::to_string(total_events_);
    line += " events, " + human_bytes(static_cast<double>(bytes));
    if (secs > 0.05) {
      char rate[64];
      std::snprintf(rate, sizeof rate, ", %.0f events/s, %s/s", static_cast<double>(events) / secs,
                    human_bytes(static_cast<double>(bytes) / secs).c_str());
      line += rate;
      double done = 0;
      if (total_events_ > 0) {
        done = static_cast<double>(events) / static_cast<double>(total_events_);
      } else if (total_bytes_ > 0) {
        done = static_cast<double>(bytes) / static_cast<double>(total_bytes_);
      }
      if (done > 0 && done < 1) {
        char eta[32];
        std::snprintf(eta, sizeof eta, ", ETA %.0fs", secs * (1 - done) / done);
        line += eta;
      }
    }
    // Pad over a longer previous line, then return to the line's start.
    const auto width = line.size();
    if (width < width_) line.append(width_ - width, ' ');
    width_ = width;
    std::fprintf(stderr, "\r%s", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }

  /// Ends the line (a newline after the last redraw), once.
  void finish() {
    if (on_ && drawn_) {
      std::fputc('\n', stderr);
      std::fflush(stderr);
    }
    drawn_ = false;
    on_ = false;
  }

 private:
  std::string label_;
  bool on_;
  bool drawn_ = false;
  std::size_t width_ = 0;
  std::uint64_t total_events_ = 0, total_bytes_ = 0;
  std::chrono::steady_clock::time_point t0_, last_{};
};

}  // namespace rstreams::cli
