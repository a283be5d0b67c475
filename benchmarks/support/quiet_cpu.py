#!/usr/bin/env python3
"""Prints the CPU that runs a fixed busy loop fastest right now.

Why: on the 2-core VMs this project is measured on, one core at a time may run a
single-threaded program 1.5-1.9x slower than the other (another tenant on its physical core, as
far as the guest can tell), and which core that is changes every few minutes. A benchmark whose
variants and baseline run in one process, or a compile-time probe that starts a compiler per
measurement, gets whichever core the scheduler gives it: a baseline on the slow core and a
variant on the quick one (or the reverse) moved the same code's compile-time ratio between 0.71x
and 1.65x round to round. benchmarks/run.sh and compile_time/run.sh pin what they compare to the
core this picks, so that both sides of a ratio run on one core.

    quiet_cpu.py            the CPU number (the first allowed one if only one is allowed)
    quiet_cpu.py --verbose  also each CPU's loop times on stderr

As a module: pick(verbose=False) -> int.
"""
import os
import statistics
import sys
import time


def _loop_seconds(iterations=300_000):
    t0 = time.perf_counter()
    s = 0
    for i in range(iterations):
        s = (s + (i ^ (s >> 3))) & 0xFFFFFF
    return time.perf_counter() - t0


def pick(verbose=False):
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) == 1:
        return allowed[0]
    times = {c: [] for c in allowed}
    try:
        # Turns, so that a tenant arriving mid-way slows every core's samples alike.
        for _ in range(5):
            for c in allowed:
                os.sched_setaffinity(0, {c})
                times[c].append(_loop_seconds())
    finally:
        os.sched_setaffinity(0, set(allowed))
    medians = {c: statistics.median(t) for c, t in times.items()}
    if verbose:
        for c in allowed:
            print(f"quiet_cpu: cpu {c}: {medians[c] * 1e3:.1f} ms "
                  f"({' '.join(f'{t * 1e3:.1f}' for t in times[c])})", file=sys.stderr)
    return min(medians, key=medians.get)


if __name__ == "__main__":
    print(pick(verbose="--verbose" in sys.argv[1:]))
