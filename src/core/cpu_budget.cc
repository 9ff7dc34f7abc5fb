#include "core/cpu_budget.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "kerasrt/kerasrt.h"

namespace kerasrt {
namespace {

namespace fs = std::filesystem;

std::string read_small_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// cpu.max: "max 100000" (no limit) or "150000 100000" (1.5 CPUs).
std::optional<double> v2_limit(const fs::path& dir) {
  std::istringstream in(read_small_file(dir / "cpu.max"));
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  const double value = std::strtod(quota.c_str(), nullptr);
  return value > 0 ? std::optional<double>(value / period) : std::nullopt;
}

// cpu.cfs_quota_us is -1 without a limit.
std::optional<double> v1_limit(const fs::path& dir) {
  double quota = -1, period = 0;
  std::istringstream(read_small_file(dir / "cpu.cfs_quota_us")) >> quota;
  std::istringstream(read_small_file(dir / "cpu.cfs_period_us")) >> period;
  return quota > 0 && period > 0 ? std::optional<double>(quota / period) : std::nullopt;
}

void keep_smallest(std::optional<double>& smallest, std::optional<double> limit) {
  if (limit) smallest = std::min(smallest.value_or(*limit), *limit);
}

// The smallest limit from `path` (relative to `mount`) up to the mount's root. Levels that do not
// exist are skipped: in a container without a cgroup namespace /proc/self/cgroup names the host's
// path, while the container's own cgroup is the mount's root.
template <typename Limit>
std::optional<double> smallest_up_the_tree(const fs::path& mount, std::string path, Limit limit) {
  std::optional<double> smallest;
  for (;;) {
    keep_smallest(smallest, limit(mount / fs::path(path).relative_path()));
    if (path.empty() || path == "/") return smallest;
    const size_t slash = path.find_last_of('/');
    path = slash == std::string::npos ? "" : path.substr(0, slash);
  }
}

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

std::optional<double> cgroup_cpu_quota(std::string_view proc_self_cgroup,
                                       const std::string& cgroup_root) {
  std::optional<double> smallest;
  std::istringstream lines{std::string(proc_self_cgroup)};
  std::string line;
  while (std::getline(lines, line)) {
    // "hierarchy-id:controller,list:/path"
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (controllers.empty()) {  // cgroup v2: mounted at the root, or at unified/ beside v1
      for (const char* mount : {"", "unified"})
        keep_smallest(smallest,
                      smallest_up_the_tree(fs::path(cgroup_root) / mount, path, v2_limit));
      continue;
    }
    std::vector<std::string> names;
    std::istringstream list(controllers);
    for (std::string name; std::getline(list, name, ',');) names.push_back(name);
    if (std::find(names.begin(), names.end(), "cpu") == names.end()) continue;
    // The cpu controller is mounted under its list's name ("cpu,cpuacct"), usually with a "cpu"
    // link to it; a list of just "cpu" is that one mount.
    keep_smallest(smallest,
                  smallest_up_the_tree(fs::path(cgroup_root) / controllers, path, v1_limit));
    if (controllers != "cpu")
      keep_smallest(smallest, smallest_up_the_tree(fs::path(cgroup_root) / "cpu", path, v1_limit));
  }
  return smallest;
}

int usable_cores() {
  static const int cores = [] {
    const int cpus = affinity_cpus();
    const std::optional<double> quota =
        cgroup_cpu_quota(read_small_file("/proc/self/cgroup"), "/sys/fs/cgroup");
    // Rounded up: a quota of 1.5 CPUs keeps 2 threads busy three quarters of the time.
    return quota ? std::clamp(static_cast<int>(std::ceil(*quota)), 1, cpus) : cpus;
  }();
  return cores;
}

}  // namespace kerasrt
