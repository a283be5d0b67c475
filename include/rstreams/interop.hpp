#pragma once
// Umbrella for users: range-v3 and fmt interoperation (link rstreams::ranges and rstreams::fmt).

#include <rstreams/interop/fmt.hpp>
#include <rstreams/interop/ranges.hpp>
