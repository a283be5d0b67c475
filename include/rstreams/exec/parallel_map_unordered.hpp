#pragma once

#include <rstreams/exec/parallel_map.hpp>

namespace rstreams {

struct parallel_map_unordered_fn : detail::parallel_map_impl<false> {};

/// `parallel_map` that hands results out as they complete, not in input order: a slow element
/// does not hold back the ones after it.
///
/// Forms: `parallel_map_unordered(src, n, f [, policy])` · `src | parallel_map_unordered(n, f [, policy])`
/// Requires: n >= 1 (else config_error); `f` callable from several threads at once.
/// Demand: at most n elements in flight; n workers kept busy by a feeder task.
inline constexpr parallel_map_unordered_fn parallel_map_unordered{};

}  // namespace rstreams
