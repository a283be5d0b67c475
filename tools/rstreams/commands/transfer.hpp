#pragma once
// `import QUEUE FILE` and `export QUEUE FILE`: RStreams JSON lines (the SDK's format; plain or
// gzip) into and out of a queue, with a progress line on a terminal.

#include "common.hpp"
#include "progress.hpp"

#if defined(RSTREAMS_CLI_TRANSFER)
#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/transfer/export_events.hpp>
#include <rstreams/bus/transfer/import_events.hpp>
#endif

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include <sys/stat.h>

namespace rstreams::cli {

#if defined(RSTREAMS_CLI_TRANSFER)

struct import_args {
  std::string queue, file, id = "rstreams-import";
  bool new_eids = false, strict = false, create = false;
};

struct export_args {
  std::string queue, file, from, through;
  bool gzip = false;
};

/// `-` is standard input / output.
inline std::string transfer_path(const std::string& file, bool input) {
  if (file == "-") return input ? "/dev/stdin" : "/dev/stdout";
  return file;
}

inline void print_transfer(const context& c, const char* verb, const std::string& queue,
                           const std::string& file, const rb::transfer_progress& p) {
  if (c.as_json) {
    std::cout << json{{"queue", queue},   {"file", file},     {"events", p.events},
                      {"lines", p.lines}, {"bytes", p.bytes}, {"seconds", p.elapsed.count()}}
                     .dump()
              << '\n';
    return;
  }
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", p.elapsed.count());
  std::cout << verb << ' ' << p.events << " events (" << human_bytes(static_cast<double>(p.bytes)) << ") "
            << (verb[0] == 'i' ? "into " : "from ") << queue << (verb[0] == 'i' ? " from " : " to ") << file
            << " in " << secs << " s\n";
}

inline int run_import(context& c, const import_args& a) {
  rb::validate_queue_name(a.queue);
  rb::validate_bot_name(a.id);
  const auto path = transfer_path(a.file, true);
  // Checked before the bus is touched, so a wrong name changes nothing.
  struct ::stat st {};
  if (::stat(path.c_str(), &st) != 0 || ::access(path.c_str(), R_OK) != 0)
    throw usage_error("cannot read " + a.file + ": " + std::strerror(errno));
  auto bus = a.create && c.bus.find("://") == std::string::npos ? rb::any_backend(rb::local_backend(c.bus))
                                                                : open_existing_bus(c.bus, c.opt);
  progress_line progress("import " + a.queue);
  // The total for an ETA: the file's size, when it is a plain regular file (gzip counts
  // uncompressed bytes).
  if (S_ISREG(st.st_mode)) {
    unsigned char magic[2] = {0, 0};
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      if (std::fread(magic, 1, 2, f) != 2) magic[0] = 0;
      std::fclose(f);
    }
    if (!(magic[0] == 0x1f && magic[1] == 0x8b))
      progress.set_totals(0, static_cast<std::uint64_t>(st.st_size));
  }
  rb::import_options o;
  o.keep_eids = !a.new_eids;
  o.envelope.auto_detect_payload = !a.strict;
  o.envelope.id = a.id;
  o.progress = [&](const rb::transfer_progress& p) { progress.update(p.events, p.bytes, p.done); };
  rb::transfer_progress p;
  try {
    if (auto* local = bus.target<rb::local_backend>()) {
      p = rb::import_events(*local, a.queue, path, o);
    } else if (o.keep_eids) {
      throw usage_error("bus " + bus.describe() +
                        " cannot store the eids the file carries; give --new-eids to assign new ones");
    } else {
      p = rb::import_events(bus, a.queue, path, o);
    }
  } catch (const rb::envelope_error& e) {
    // The library names its option; the user knows the flag.
    std::string what = e.what();
    if (const auto at = what.find("import with keep_eids = false"); at != std::string::npos)
      what.replace(at, 29, "give --new-eids");
    throw usage_error(what);
  }
  progress.finish();
  print_transfer(c, "imported", a.queue, a.file, p);
  return 0;
}

inline int run_export(context& c, const export_args& a) {
  auto bus = open_existing_bus(c.bus, c.opt);
  require_queue(bus, a.queue);
  rb::export_options o;
  o.gzip = a.gzip;
  if (!a.from.empty()) o.after = rb::previous(parse_position(a.from));
  if (!a.through.empty()) {
    // A time means every event of that millisecond.
    if (const auto ms = parse_iso_time(a.through)) {
      o.through = rb::make_eid(*ms, rb::eid_max_seq);
    } else {
      o.through = parse_position(a.through);
    }
  }
  progress_line progress("export " + a.queue);
  try {
    const auto q = bus.queue_stats(a.queue);
    const auto from =
        o.after.empty() ? q.first_position : std::max(bus.position(a.queue, o.after), q.first_position);
    const auto to =
        o.through.empty() ? q.head_position : std::min(bus.position(a.queue, o.through), q.head_position);
    progress.set_totals(to > from ? to - from : 0, 0);
  } catch (const rstreams::config_error&) {
    // A backend without positions: no ETA.
  }
  o.progress = [&](const rb::transfer_progress& p) { progress.update(p.events, p.bytes, p.done); };
  const auto path = transfer_path(a.file, false);
  const auto p = rb::export_events(bus, a.queue, path, o);
  progress.finish();
  if (a.file != "-") print_transfer(c, "exported", a.queue, a.file, p);
  return 0;
}

/// `import`, `export`.
inline void add_transfer(CLI::App& app, context& c) {
  auto i = std::make_shared<import_args>();
  auto* imp =
      app.add_subcommand("import", "append the events of an RStreams JSON-lines file (plain or gzip)");
  add_bus(imp, c);
  imp->add_option("queue", i->queue, "queue (created on first write)")->required();
  imp->add_option("file", i->file, "JSON-lines file, - for standard input")->required();
  imp->add_flag("--new-eids", i->new_eids, "assign new eids instead of keeping the file's");
  imp->add_flag("--strict", i->strict, "reject lines that are not event envelopes (else: bare payloads)");
  imp->add_option("--id", i->id, "the writer's id for bare payloads and envelopes without one");
  imp->add_flag("--create", i->create, "create a local bus in a new or empty directory");
  on_run(imp, c, [&c, i] { return run_import(c, *i); });

  auto e = std::make_shared<export_args>();
  auto* exp = app.add_subcommand("export", "write a queue's events as RStreams JSON lines");
  add_bus(exp, c);
  exp->add_option("queue", e->queue, "queue")->required();
  exp->add_option("file", e->file, "output file, - for standard output")->required();
  exp->add_option("--from", e->from, "first eid, prefix or UTC time to write");
  exp->add_option("--through", e->through, "last eid, prefix or UTC time to write");
  exp->add_flag("--gzip", e->gzip, "gzip the file");
  on_run(exp, c, [&c, e] { return run_export(c, *e); });
}

#else

/// Built without zlib: the commands exist and say why they cannot run.
inline void add_transfer(CLI::App& app, context& c) {
  for (const char* name : {"import", "export"}) {
    auto* cmd = app.add_subcommand(name, "(needs zlib: this rstreams was built without it)");
    cmd->allow_extras();
    on_run(cmd, c, [name]() -> int {
      throw usage_error(std::string(name) + ": this rstreams was built without zlib (Debian: zlib1g-dev)");
    });
  }
}

#endif

}  // namespace rstreams::cli
