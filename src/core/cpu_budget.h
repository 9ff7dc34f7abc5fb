// How many cores kerasrt keeps busy at most (kerasrt::usable_cores in kerasrt.h): the CPUs the
// affinity mask allows, capped by the CPU quota of the process's cgroup, which the mask does not
// show. A container limited to 2 CPUs on a 64-core node sees 64 CPUs; 64 threads there use the
// quota up early in each scheduling period and then all stop until the next one (CFS throttling):
// a call's latency jumps by tens of milliseconds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kerasrt {

// The CPU quota in CPUs (quota / period) of the cgroup named in `proc_self_cgroup` (the text of
// /proc/self/cgroup) under the cgroup file systems mounted at `cgroup_root`: the smallest of the
// cgroup's and its ancestors' limits, cgroup v2 (cpu.max) or v1 (cpu.cfs_quota_us and
// cpu.cfs_period_us of the cpu controller). None when no level sets one.
std::optional<double> cgroup_cpu_quota(std::string_view proc_self_cgroup,
                                       const std::string& cgroup_root);

}  // namespace kerasrt
