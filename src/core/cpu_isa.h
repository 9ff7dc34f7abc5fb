// The vector instruction set of kerasrt's own kernels (kernels/vecmath, gemm, winograd) and of
// the file scans that can use one: the best the CPU has, found by cpuid at run time (the default
// build has no -march), or a lower one that the environment variable KERASRT_ISA (scalar, avx2,
// avx512) asks for, so that tests and comparisons can run every code path on one machine.
// Decided once per process. oneDNN chooses its own (ONEDNN_MAX_CPU_ISA).
#pragma once

namespace kerasrt {

enum class Isa { kScalar, kAvx2, kAvx512 };

Isa isa();
const char* isa_name(Isa isa);

// Whether the CPU is AMD's: the few kernel choices measured to differ between the vendors' cores.
bool amd_cpu();

}  // namespace kerasrt
