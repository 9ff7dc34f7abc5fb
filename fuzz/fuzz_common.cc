#include "fuzz_common.h"

#include <sched.h>

// kerasrt runs on the cores the process may use (core/helper_threads.h). A fuzz target gets one:
// every task of a load or predict then runs on the calling thread, so that the stack of a report
// (a timeout, an out-of-memory, a crash) shows the code at work, not a caller waiting for a
// helper; and the sanitizers' stop-the-world reports (the RSS limit's memory profile) have no
// helper thread stopped inside the allocator or the symbolizer to deadlock on. Concurrency is
// the TSan suite's to test.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const int cpu = sched_getcpu();
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu < 0 ? 0 : cpu, &one);
  sched_setaffinity(0, sizeof one, &one);
  return 0;
}

namespace kerasrt::fuzz {

LoadOptions options() {
  LoadOptions options;
  Limits& limits = options.limits;
  limits.max_file_bytes = 4 << 20;
  limits.max_total_parameters = 1 << 22;
  limits.max_tensor_elements = 1 << 22;
  limits.max_workspace_bytes = 256 << 20;
  limits.max_graph_nodes = 2000;
  limits.max_nesting_depth = 16;
  limits.max_json_bytes = 1 << 20;
  limits.max_json_depth = 128;
  limits.max_string_bytes = 1 << 20;
  limits.max_name_bytes = 1024;
  limits.max_zip_entries = 100;
  limits.max_zip_expanded_bytes = 16 << 20;
  return options;
}

}  // namespace kerasrt::fuzz
