#include "core/cpu_isa.h"
#include "kerasrt/kerasrt.h"

namespace kerasrt {

const char* kernel_isa() { return isa_name(isa()); }

}  // namespace kerasrt
