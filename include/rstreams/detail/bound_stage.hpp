#pragma once
// deprecated path, kept for one release: include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
