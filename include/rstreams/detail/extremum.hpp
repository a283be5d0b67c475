#pragma once
// deprecated path, kept for one release: include <rstreams/sinks/detail/extremum.hpp>
#include <rstreams/sinks/detail/extremum.hpp>
