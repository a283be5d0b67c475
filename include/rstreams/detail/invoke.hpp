#pragma once
// deprecated path, kept for one release: include <rstreams/core/detail/invoke.hpp>
#include <rstreams/core/detail/invoke.hpp>
