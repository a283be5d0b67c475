#pragma once
// deprecated path, kept for one release: include <rstreams/json/detail/json_text.hpp>
#include <rstreams/json/detail/json_text.hpp>
