#pragma once
// deprecated path, kept for one release: include <rstreams/core/detail/write_back.hpp>
#include <rstreams/core/detail/write_back.hpp>
