// Pools with the installed fast exact engine and prints the correctly rounded means (a package
// consumer of poolproof::engine), two planes on two threads.
#include <poolproof/engine/adaptive_pool.h>

#include <cstdint>
#include <iostream>
#include <vector>

int main() {
  const std::vector<std::int64_t> shape{2, 5};
  const std::vector<float> input{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<std::int64_t> out_size{3};
  std::vector<float> output(6);
  poolproof::engine::adaptive_avg_pool<float>(poolproof::reference::float_format::binary32, shape,
                                              input, out_size, output, 2);
  for (const float value : output) std::cout << value << '\n';
}
