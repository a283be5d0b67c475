#pragma once
// `write_lines(path)`: every element to a file, one line each. Defined, for this release, in
// sinks/to_file.hpp under its old name's header (`to_file` is its deprecated alias); include
// this header for the new name.

#include <rstreams/sinks/to_file.hpp>
