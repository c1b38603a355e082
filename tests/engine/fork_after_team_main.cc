// A child forked after another user of the OpenMP runtime (here a bare parallel region, as
// PyTorch's would be) had a team must still pool on two threads, not wait for threads that no
// longer exist. Its own process, so that the engine has started no team of its own before the
// fork. Exit 0: the child pooled and matched the parent's one-thread result; 1 otherwise (a hang
// ends by SIGALRM after 60 s).
#include <poolproof/engine/adaptive_pool.h>
#include <poolproof/reference/float_format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <vector>

int main() {
  namespace engine = poolproof::engine;
  std::atomic<int> members{0};
#pragma omp parallel num_threads(2)
  members.fetch_add(1);
  const std::vector<std::int64_t> shape{4, 10}, out{3};
  std::vector<float> input(40);
  std::iota(input.begin(), input.end(), 0.0f);
  std::vector<float> expected(12);
  engine::adaptive_avg_pool<float>(poolproof::reference::float_format::binary32, shape, input, out,
                                   expected, 1);
  const pid_t child = fork();
  if (child == -1) return 1;
  if (child == 0) {
    alarm(60);
    std::vector<float> got(12);
    engine::adaptive_avg_pool<float>(poolproof::reference::float_format::binary32, shape, input,
                                     out, got, 2);
    _exit(got == expected ? 0 : 1);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) return 1;
  if (!WIFEXITED(status)) {
    std::fprintf(stderr, "fork_after_team: the child ended by signal %d\n", WTERMSIG(status));
    return 1;
  }
  std::printf("fork_after_team: a team of %d before the fork; the child's exit status %d\n",
              members.load(), WEXITSTATUS(status));
  return WEXITSTATUS(status) == 0 && members.load() == 2 ? 0 : 1;
}
