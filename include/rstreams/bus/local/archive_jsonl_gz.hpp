#pragma once
// A retention archive: each segment retention removes, as a gzip file of RStreams JSON-lines
// envelopes (the format the SDK's mock files and S3 archives use), written durably before the
// segment goes.

#include <rstreams/bus/detail/gz_lines.hpp>
#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/retention.hpp>
#include <rstreams/bus/transfer/envelope_json.hpp>

#include <fcntl.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace rstreams::bus {

/// `archive_jsonl_gz(dir)`: a `retention_archive` that writes each removed segment's events to
/// `dir/<queue>/<segment number, 10 digits>.jsonl.gz`, one envelope per line with its eid, and
/// makes the file and its directory entry durable (fsync) before returning, so the segment is
/// deleted only once its events are kept. The file is written under a temporary name and
/// renamed: a crash leaves the whole archive or none (the segment is then kept and archived
/// again on the next pass). Needs zlib (link rstreams::gzip).
///
/// Example: `o.retention = {.max_age = std::chrono::hours(24 * 7), .archive = rb::archive_jsonl_gz("archive")};`
inline retention_archive archive_jsonl_gz(std::filesystem::path dir) {
  return [dir = std::move(dir)](const removed_segment& s) {
    const auto qdir = dir / s.queue;
    std::filesystem::create_directories(qdir);
    char name[32];
    std::snprintf(name, sizeof name, "%010llu.jsonl.gz", static_cast<unsigned long long>(s.number));
    const std::string path = (qdir / name).string();
    const std::string tmp = path + ".tmp";
    {
      detail::gz_file out(tmp, "wb6", "retention archive of " + s.queue);
      std::string text;
      for (const auto& r : s.events) {
        text.clear();
        if (r.event.empty()) {
          auto copy = r;
          copy.event = s.queue;
          append_envelope(text, copy);
        } else {
          append_envelope(text, r);
        }
        text += '\n';
        out.write(text);
      }
      out.close();
    }
    detail::fsync_fd(detail::open_file(tmp, O_RDONLY).get(), tmp, false);
    std::filesystem::rename(tmp, path);
    detail::fsync_dir(qdir.string());
    detail::fsync_dir(dir.string());
  };
}

}  // namespace rstreams::bus
