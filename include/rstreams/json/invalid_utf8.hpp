#pragma once
// What a JSON writer does with a string that is not valid UTF-8 (JSON text must be).

namespace rstreams {

/// `error` (the default): the writer fails, naming the stage or queue and the element.
/// `replace`: each invalid byte sequence is written as U+FFFD (the replacement character).
/// Used by `stringify` (stringify_options) and the bus writers (`bus::queue_write_options`).
enum class invalid_utf8 { error, replace };

}  // namespace rstreams
