// The .npy reader (kerasrt predict --input).
#include "fuzz_common.h"
#include "kerasrt/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kerasrt;
  try {
    const Tensor tensor = parse_npy(fuzz::bytes(data, size));
    // What was read must be consistent: encoding it again cannot fail.
    (void)encode_npy(tensor);
  } catch (const Error&) {
  }
  return 0;
}
