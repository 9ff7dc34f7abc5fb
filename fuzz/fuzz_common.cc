#include "fuzz_common.h"

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
