#pragma once
// deprecated path, kept for one release: include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
