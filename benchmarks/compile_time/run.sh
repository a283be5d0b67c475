#!/usr/bin/env bash
# Compile time of a 20-stage rstreams pipeline against the same chain in C++20 std::views.
# Compiles each TU $RUNS times (default 5) at -O2 with the project's include path, in turns so
# that a change of machine load hits every probe alike; checks that the programs print the same
# sum; prints the median compiler CPU time (user+sys, steadier than wall time on a shared
# machine), the median wall time and the ratios to std::views.
# Two more probes split the umbrella's time: the umbrella with an empty main (its headers alone)
# and the standard headers the umbrella brings in (listed by the compiler's -M) with an empty
# main. From them: the pipeline's own cost (umbrella TU - umbrella headers), rstreams' header
# code (umbrella headers - their standard headers), and the least an umbrella with these standard
# headers and this pipeline could take (standard headers + the pipeline's cost: its own headers
# costing nothing). The last line lists the standard headers under the umbrella and not under
# FLOOR (the ones its entities cannot do without, one reason each): anything there is a header
# the umbrella could avoid (or FLOOR must name, with its reason).
# Each round's compiles run on one core, the one benchmarks/support/quiet_cpu.py finds quickest
# just before the round (one core of this machine's two is at times 1.5-1.9x slower than the
# other, and which one changes), and a probe's ratio is the median over rounds of its time over
# the std::views compile of the same round.
# CPU-time ratios run above the ratios of compiler instructions (callgrind) for header-heavy TUs:
# parsing is memory-bound (GCC's heap grows, page faults add system time). Decide with both.
#   usage: benchmarks/compile_time/run.sh [--json FILE]     (CXX selects the compiler)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
json=""
if [[ ${1:-} == --json ]]; then json=$2; fi

python3 - "$here" "$root" "${CXX:-c++}" "${RUNS:-5}" "$json" <<'PY'
import json, os, resource, statistics, subprocess, sys, tempfile, time
here, root, cxx, runs, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
sys.path.insert(0, os.path.join(here, "..", "support"))
import quiet_cpu
probes = [("std::views (<ranges>)", "std_views_20.cpp", []),
          ("rstreams (umbrella header)", "rstreams_20.cpp", []),
          ("rstreams (per-entity headers)", "rstreams_20.cpp", ["-DRSTREAMS_PROBE_PER_HEADER"])]
# The standard headers the umbrella includes (directly or not): extensionless files under the
# compiler's C++ include directory.
def std_headers_of(text):
    deps = subprocess.run([cxx, "-std=c++20", f"-I{root}/include", "-M", "-x", "c++", "-"],
                          input=text, check=True, capture_output=True,
                          text=True).stdout.replace("\\\n", " ").split()
    return sorted({os.path.basename(d) for d in deps
                   if "/c++/" in d and "/bits/" not in d and "." not in os.path.basename(d)})
std_headers = std_headers_of("#include <rstreams/rstreams.hpp>\n")
tmp_sources = []
def probe_source(tag, includes):
    path = os.path.join(tempfile.gettempdir(), f"rstreams_probe_{tag}_{os.getpid()}.cpp")
    with open(path, "w") as f:
        f.writelines(f"#include <{h}>\n" for h in includes)
        f.write("int main() { return 0; }\n")
    tmp_sources.append(path)
    return path
UMBRELLA_ALONE = "umbrella headers, empty main"
STD_ALONE = "their std headers, empty main"
probes.append((UMBRELLA_ALONE, probe_source("umbrella", ["rstreams/rstreams.hpp"]), []))
probes.append((STD_ALONE, probe_source("std", std_headers), []))
FLOOR = [
    "algorithm",           # sorting, bounds and copies in windows, channels and the thread pool
    "array",               # route's fixed fan-out, agg's small vector
    "atomic",              # run-scope cancellation, metrics, lock-free channels
    "bit",                 # spsc_channel's power-of-two capacity
    "chrono",              # durations and clocks in the API (throttle, batch, windows, run_for);
                           # with libstdc++ only <bits/chrono.h> (core/detail/chrono.hpp)
    "condition_variable",  # blocking channels, the thread pool, manual_clock
    "coroutine",           # generator<T>
    "deque",               # queues: channels, batch, merge, parallel_map, distinct's FIFO order
    "exception",           # exception_ptr carried across threads and out of generators
    "functional",          # std::function (scheduled tasks), std::hash and std::equal_to (keys)
    "memory",              # unique_ptr and shared_ptr (type erasure, shared channel state)
    "mutex",               # channels, the thread pool, metrics
    "numeric",             # std::gcd for sliding windows
    "optional",            # what a pull returns, first/last/min/max
    "ostream",             # to_ostream and write_lines format with `os << x`
    "istream",             # lines(stream)
    "semaphore",           # steady_clock's interruptible sleep
    "set",                 # distinct's keys that are ordered but not hashable
    "stdexcept",           # rstreams::error derives from std::runtime_error
    "stop_token",          # cancellation of runs and of clocks' sleeps
    "string", "string_view",  # names, labels, errors, lines
    "system_error",        # errno texts for io_error
    "thread",              # worker threads (exec/)
    "tuple",               # zip, merge, tee and bound stages' arguments
    "unordered_map",       # keyed state (agg/)
    "unordered_set",       # distinct's hashable keys
    "vector",              # buffers, chunks, batches
    "cerrno", "cstddef", "cstdint", "cstdio", "cstring", "iterator", "limits", "new",
    "type_traits", "utility",
]
# A compiler cache on PATH (/usr/lib/ccache) would answer every compile after the first from its
# cache: each probe compiles for real.
compile_env = dict(os.environ, CCACHE_DISABLE="1")
cpu = {p[0]: [] for p in probes}
wall = {p[0]: [] for p in probes}
with tempfile.TemporaryDirectory() as tmp:
    outputs = set()
    cpus = []
    for i in range(runs):
        core = quiet_cpu.pick()
        cpus.append(core)
        for name, src, flags in probes:
            obj = os.path.join(tmp, "probe.o")
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([cxx, "-std=c++20", "-O2", f"-I{root}/include", *flags,
                            os.path.join(here, src), "-c", "-o", obj], check=True, env=compile_env,
                           preexec_fn=lambda: os.sched_setaffinity(0, {core}))
            wall[name].append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if i == 0 and src not in tmp_sources:
                exe = os.path.join(tmp, "probe")
                subprocess.run([cxx, obj, "-o", exe], check=True)
                outputs.add(subprocess.run([exe, "100000"], check=True, capture_output=True, text=True).stdout)
    if len(outputs) != 1:
        sys.exit(f"compile_time: the programs disagree: {outputs}")
base = statistics.median(cpu[probes[0][0]])
print(f"compile time, 20-stage pipeline TU at -O2 (median of {runs}, each round on one core: "
      f"cpu {' '.join(map(str, cpus))}; goal: rstreams <= std::views)")
print(f"  {'':32} {'cpu s':>7} {'wall s':>7}  ratio (cpu, median of the rounds' ratios)")
result = {}
for name, _, _ in probes:
    c, w = statistics.median(cpu[name]), statistics.median(wall[name])
    rounds = [t / b for t, b in zip(cpu[name], cpu[probes[0][0]])]
    q = statistics.median(rounds)
    result[name] = {"cpu_s": c, "wall_s": w, "ratio": q, "round_ratios": rounds}
    print(f"  {name:32} {c:7.2f} {w:7.2f}  {q:.2f}  ({' '.join(f'{r:.2f}' for r in rounds)})")
umbrella = result[probes[1][0]]["cpu_s"]
pipeline = umbrella - result[UMBRELLA_ALONE]["cpu_s"]
own = result[UMBRELLA_ALONE]["cpu_s"] - result[STD_ALONE]["cpu_s"]
least = result[STD_ALONE]["cpu_s"] + pipeline
split = {"pipeline_s": pipeline, "rstreams_header_code_s": own, "least_umbrella_s": least,
         "least_umbrella_ratio": least / base}
print(f"  split of the umbrella TU: the pipeline {pipeline:.2f} s, rstreams' header code {own:.2f} s, "
      f"standard headers {result[STD_ALONE]['cpu_s']:.2f} s")
print(f"  least umbrella with these std headers and this pipeline: {least:.2f} s, {least / base:.2f}")
print(f"  ({len(std_headers)} standard headers under the umbrella: {' '.join(std_headers)})")
extra = sorted(set(std_headers) - set(std_headers_of("".join(f"#include <{h}>\n" for h in ["ranges", *FLOOR]))))
print(f"  (under the umbrella but not under the floor: {' '.join(extra) or 'none'})")
for path in tmp_sources:
    os.unlink(path)
if out:
    with open(out, "w") as f:
        json.dump({"runs": runs, "cpus": cpus, "probes": result, "split": split, "umbrella_std_headers": std_headers,
                   "floor_headers": FLOOR, "umbrella_std_headers_not_in_floor": extra}, f, indent=1)
PY
