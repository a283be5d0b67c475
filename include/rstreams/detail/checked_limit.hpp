#pragma once
// deprecated path, kept for one release: include <rstreams/exec/detail/checked_limit.hpp>
#include <rstreams/exec/detail/checked_limit.hpp>
