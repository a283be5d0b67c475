// The shared bus suite (tests/bus/topology_test.cpp) on a real NATS JetStream server: see
// support/bus_backends.hpp.
#define RSTREAMS_TEST_NATS_BUS
#include <bus/topology_test.cpp>  // NOLINT(bugprone-suspicious-include)
