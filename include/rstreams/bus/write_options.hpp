#pragma once
// deprecated path, kept for one release: include <rstreams/bus/queue_write_options.hpp>
#include <rstreams/bus/queue_write_options.hpp>
