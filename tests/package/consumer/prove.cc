// Calls the installed prover on 5 -> 3 and 10 -> 4 and prints the report (a package consumer).
#include <poolproof/reference/fixed_pool.h>
#include <poolproof/solver/equivalence.h>
#include <poolproof/solver/report.h>

#include <cstdint>
#include <iostream>
#include <vector>

int main() {
  namespace solver = poolproof::solver;
  using poolproof::reference::pool_kind;
  for (const std::int64_t n : {5, 10}) {
    const std::vector<std::int64_t> in{n};
    const std::vector<std::int64_t> out{n == 5 ? 3 : 4};
    const solver::solver_options options;
    const solver::equivalence_report report{
        in, out, solver::prove_equivalence_nd(in, out, pool_kind::avg, options),
        solver::prove_equivalence_nd(in, out, pool_kind::max, options)};
    std::cout << solver::human_report(report, 8);
  }
}
