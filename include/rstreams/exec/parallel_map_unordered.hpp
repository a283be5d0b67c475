#pragma once

#include <rstreams/exec/parallel_map.hpp>

namespace rstreams {

struct parallel_map_unordered_fn : detail::parallel_map_impl<false> {};

/// `parallel_map` that hands results out as they complete, not in input order: a slow element
/// does not hold back the ones after it (a cheap function's results come out run by run).
///
/// Forms: `parallel_map_unordered(src, n, f [, policy])` ·
/// `src | parallel_map_unordered(n, f [, policy])` ·
/// `src | parallel_map_unordered(parallelism{.workers = n, .in_flight = w}, f [, policy])`
/// Requires: n >= 1, w >= n (else config_error); `f` callable from several threads at once.
/// Demand: at most n (or w) elements in flight; a feeder task keeps the n workers busy (none
/// when the upstream never waits: then they feed themselves), and they take elements in runs
/// while `f` is cheap, as in `parallel_map`. The calling thread is
/// one of the n workers (it computes while no result is there; n == 1 runs inline on it).
inline constexpr parallel_map_unordered_fn parallel_map_unordered{};

}  // namespace rstreams
