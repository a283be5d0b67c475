// The shared bus suite (tests/bus/trace_test.cpp) on a real NATS JetStream server: see
// support/bus_backends.hpp.
#define RSTREAMS_TEST_NATS_BUS
#include <bus/trace_test.cpp>  // NOLINT(bugprone-suspicious-include)
