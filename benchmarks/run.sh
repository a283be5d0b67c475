#!/usr/bin/env bash
# Builds the benchmarks in Release at -O2, runs every benchmark program (JSON, 5 repetitions)
# and the Node.js peers, then prints each variant's ratio to its group's baseline (of the
# medians, and of the fastest repetitions) and the compile-time comparison.
# A ratio compares variants of one group, so they must meet the same machine: the repetitions of
# a program's variants run in random interleaved order (not five of one variant, then five of
# the next, while the machine drifts), a program whose variants run on one thread runs pinned to
# one core (below), and each program starts after `sync`, so the page cache that the disk
# benchmarks before it dirtied is not written back while it runs (a flusher on one of two cores
# costs a two-thread variant and not its one-thread baseline).
#
#   benchmarks/run.sh [--quick] [--filter REGEX] [--build-dir DIR] [--no-compile-time]
#
#   --quick            one short repetition per benchmark (a smoke run, not figures to quote)
#   --filter REGEX     only benchmarks whose name `group/variant` matches (Google Benchmark regex);
#                      skips the compile-time probe unless it matches "compile_time"
#   --build-dir DIR    default: build/bench under the repository
#   --report           only print the table of the results already in DIR/results
# Results: DIR/results/*.json and DIR/results/table.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/bench"
quick=0
filter=""
compile_time=1
report_only=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --filter) filter=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --no-compile-time) compile_time=0 ;;
    --report) report_only=1 ;;
    -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ -n $filter && ! compile_time =~ $filter ]]; then compile_time=0; fi
results="$build/results"

if ((!report_only)); then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DRSTREAMS_BUILD_TESTS=OFF -DRSTREAMS_BUILD_EXAMPLES=OFF -DRSTREAMS_BUILD_TOOLS=OFF \
    -DRSTREAMS_BUILD_BENCHMARKS=ON >/dev/null
  cmake --build "$build"
  rm -rf "$results"
  mkdir -p "$results"

  args=(--benchmark_format=json)
  if ((quick)); then
    args+=(--benchmark_repetitions=1 --benchmark_min_time=0.01)
  else
    # Every repetition is kept in the JSON (not only the aggregates): the table also compares
    # each variant's fastest repetition with its baseline's.
    args+=(--benchmark_repetitions=5 --benchmark_enable_random_interleaving=true)
  fi
  [[ -n $filter ]] && args+=("--benchmark_filter=$filter")

  # A program whose variants run on one thread runs pinned to the core that
  # support/quiet_cpu.py finds quickest just before it: one core of this machine's two is at
  # times 1.6-1.9x slower than the other, and a baseline and its variant must not run on
  # different ones. Programs with threads that work beside the measured one (exec's workers, the
  # NATS client, the dashboard's server, the consume benchmark's background committer) run
  # unpinned; so do the variants of a pinned program that `threaded` names, in a second pass
  # (the whole program unpinned when --filter is given): enrich's read-ahead thread, and its
  # default policy's committer thread (with it on the bot's core the default bot ran 683-708k
  # events/s, unpinned 742-782k, quiet host, 2026-12-07).
  pinned='^bench_(pipeline|agg|metrics|io|bus_append|bus_segment_lookup|bus_stats|bus_enrich)_bench$'
  declare -A threaded=([bench_bus_enrich_bench]='read_ahead|default_fsync')
  for exe in "$build"/benchmarks/bench_*; do
    [[ -x $exe ]] || continue
    name=$(basename "$exe")
    t=${threaded[$name]:-}
    sync
    if [[ $name =~ $pinned ]] && command -v taskset >/dev/null && [[ -z $t || -z $filter ]]; then
      cpu=$(python3 "$root/benchmarks/support/quiet_cpu.py")
      echo "running $name on cpu $cpu${t:+ (but $t)}" >&2
      taskset -c "$cpu" "$exe" "${args[@]}" ${t:+"--benchmark_filter=-$t"} >"$results/$name.json"
      if [[ -n $t ]]; then
        echo "running $name: $t, unpinned" >&2
        sync
        "$exe" "${args[@]}" "--benchmark_filter=$t" >"$results/$name-threaded.json"
      fi
    else
      echo "running $name" >&2
      "$exe" "${args[@]}" >"$results/$name.json"
    fi
  done

  # Node.js peers print one JSON object per line; RSTREAMS_QUICK=1 asks them for a short run.
  if command -v node >/dev/null; then
    for js in "$root"/benchmarks/peers/*.js; do
      [[ -e $js ]] || continue
      echo "running peer $(basename "$js")" >&2
      RSTREAMS_QUICK=$quick node "$js" >"$results/peer-$(basename "$js" .js).jsonl"
    done
  fi
fi

python3 - "$results" "$filter" <<'PY'
import glob, json, os, re, sys
results, flt = sys.argv[1], sys.argv[2]
rows = {}  # (group, variant) -> {"ips": items/s, "bps": bytes/s, "time": ns}, the medians
fastest = {}  # (group, variant) -> the same for its fastest repetition
for path in sorted(glob.glob(os.path.join(results, "bench_*.json"))):
    if os.path.getsize(path) == 0:
        continue  # --filter matched none of the program's benchmarks
    for b in json.load(open(path)).get("benchmarks", []):
        aggregate = b.get("run_type") == "aggregate"
        if aggregate and b.get("aggregate_name") != "median":
            continue
        group, _, variant = b["run_name"].partition("/")
        # Drop Google Benchmark's suffixes (/iterations:5, /real_time, ...) from the variant.
        variant = re.sub(r"(/(\w+:\S+|real_time|process_time|manual_time))+$", "", variant)
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        entry = {"ips": b.get("items_per_second"), "bps": b.get("bytes_per_second"),
                 "time": b["real_time"] * scale, "file": os.path.basename(path)}
        key = (group, variant)
        if aggregate:
            rows[key] = entry
            continue
        rows.setdefault(key, entry)  # one repetition (--quick): no aggregates follow
        # Fastest: the most items per second, or the least time where there is no item count.
        slowness = lambda e: -e["ips"] if e["ips"] else e["time"]
        if key not in fastest or slowness(entry) < slowness(fastest[key]):
            fastest[key] = entry
for path in sorted(glob.glob(os.path.join(results, "peer-*.jsonl"))):
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        p = json.loads(line)
        if flt and not re.search(flt, f'{p["group"]}/{p["variant"]}'):
            continue
        rows[(p["group"], p["variant"])] = {"ips": p.get("items_per_second"), "bps": p.get("bytes_per_second"),
                                            "time": None, "file": os.path.basename(path)}

def si(x):
    if x is None:
        return "-"
    for unit, f in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= f:
            return f"{x / f:.3g} {unit}"
    return f"{x:.3g}"

def ratio(r, base):
    # Time per element relative to the baseline: > 1 means slower.
    if base is None or r is base:
        return 1.0 if r is base else None
    if r["ips"] and base["ips"]:
        return base["ips"] / r["ips"]
    if r["time"] and base["time"]:
        return r["time"] / base["time"]
    return None

# Two ratios: of the medians, and of the fastest repetitions. A co-tenant on this VM's cores
# only ever adds time, so a variant's fastest repetition is the one least disturbed; when the two
# ratios differ much, the run was disturbed (see the README's Method).
lines = ["| group | variant | items/s | ns/item | bytes/s | time ratio to baseline | fastest vs fastest |",
         "|---|---|---:|---:|---:|---:|---:|"]
fmt = lambda q: "-" if q is None else f"{q:.2f}"
for group in dict.fromkeys(g for g, _ in rows):
    variants = [v for g, v in rows if g == group]
    base_name = next((v for v in variants if v.startswith("baseline")), None)
    base = rows[(group, base_name)] if base_name else None
    for v in sorted(variants, key=lambda v: (v != base_name, v)):
        r = rows[(group, v)]
        q = ratio(r, base)
        f, fb = fastest.get((group, v)), fastest.get((group, base_name))
        qf = ratio(f, fb) if f and fb else None
        ns = f"{1e9 / r['ips']:.3g}" if r["ips"] else "-"
        lines.append(f"| {group} | {v} | {si(r['ips'])} | {ns} | {si(r['bps'])} | {fmt(q)} | {fmt(qf)} |")
table = "\n".join(lines)
print(table)
open(os.path.join(results, "table.md"), "w").write(table + "\n")
PY

if ((compile_time && !report_only)); then
  echo
  sync  # as before each program: the disk benchmarks' writeback must not share the probe's cores
  "$root/benchmarks/compile_time/run.sh" --json "$results/compile_time.json" | tee "$results/compile_time.txt"
fi
