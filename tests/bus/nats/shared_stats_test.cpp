// The shared bus suite (tests/bus/stats_test.cpp) on a real NATS JetStream server: see
// support/bus_backends.hpp.
#define RSTREAMS_TEST_NATS_BUS
#include <bus/stats_test.cpp>  // NOLINT(bugprone-suspicious-include)
