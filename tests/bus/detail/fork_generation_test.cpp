#include <rstreams/bus/detail/fork_generation.hpp>

#include <support/catch.hpp>

#include <cstdint>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using rstreams::bus::detail::fork_generation;

namespace {

// Forks; the child runs `check` (true: exit 0) and the parent returns whether it did.
template <class F>
bool child_passes(F check) {
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) ::_exit(check() ? 0 : 1);
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

TEST_CASE("fork_generation is one per process and new in every child", "[bus][fork_generation]") {
  const std::uint64_t here = fork_generation();
  CHECK(here != 0);  // 0 stamps state made in no generation
  CHECK(fork_generation() == here);

  std::uint64_t in_thread = 0;
  std::thread([&] { in_thread = fork_generation(); }).join();
  CHECK(in_thread == here);  // threads share their process's state

  CHECK(child_passes([here] {
    const auto child = fork_generation();
    if (child == here || fork_generation() != child) return false;
    // A grandchild differs from its parent too.
    return child_passes([child] { return fork_generation() != child; });
  }));
  CHECK(fork_generation() == here);  // the parent keeps its own
}
