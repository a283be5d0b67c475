#pragma once
// deprecated path, kept for one release: include <rstreams/core/detail/errno_text.hpp>
#include <rstreams/core/detail/errno_text.hpp>
