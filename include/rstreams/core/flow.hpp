#pragma once
// The answer of a bulk push: whether the source may still have items.

namespace rstreams {

/// Result of `push(src, n, f)`: `more` when the source may have further items,
/// `done` when it is exhausted (it pushed its last item, if any, in this call).
enum class flow : bool { more = false, done = true };

}  // namespace rstreams
