#pragma once
// deprecated path, kept for one release: include <rstreams/ops/detail/expand_source.hpp>
#include <rstreams/ops/detail/expand_source.hpp>
