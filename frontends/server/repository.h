// The models a server serves: a repository folder laid out as TensorFlow Serving and Triton lay
// theirs out, `DIR/<name>/<version>/<model file>`, polled for versions that appear, change or
// disappear, plus single files given as `--model NAME=PATH` (version 1, never reloaded).
//
// A version folder holds one Keras file (`.keras`, `.h5`, `.hdf5`), or an architecture `.json`
// plus one weights file (`*.weights.h5`, or any other `.h5`). A version is loaded once its files
// look the same on two polls in a row (so a copy in progress is not loaded half-written; at start
// they are loaded at once), and loaded again when they change. A version that fails to load is
// reported (status API, log, metrics) and not retried until its files change; the versions
// already loaded keep serving. Lookups hand out shared pointers: a version removed from the
// repository stays alive until the requests that hold it are answered, so none is dropped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "batcher.h"
#include "kerasrt/kerasrt.h"
#include "metrics.h"

namespace kerasrt::server {

struct ServedVersion {
  explicit ServedVersion(Model m) : model(std::move(m)) {}
  std::string name;
  int64_t version = 0;
  std::string path;  // the model file (or "ARCH.json + WEIGHTS")
  Model model;
  std::shared_ptr<BatchQueue> queue;
  ModelMetrics* metrics = nullptr;
  std::string batching;  // what check_batching decided, for logs and metadata
};

struct VersionStatus {
  int64_t version = 0;
  std::string state;  // TensorFlow Serving's ManagerState names: LOADING, AVAILABLE, END
  std::string error;  // when the load failed
};

struct RepositoryOptions {
  std::string directory;                                   // may be empty
  std::vector<std::pair<std::string, std::string>> files;  // --model NAME=PATH
  std::string version_policy = "latest";                   // "latest" or "all"
  double poll_seconds = 2.0;                               // 0: no polling
  LoadOptions load;
  BatchingConfig batching;  // defaults for every model
  std::map<std::string, std::map<std::string, std::string>> model_config;  // NAME -> key=value
};

// Applies `key=value` settings (batching, max_batch_size, max_queue_delay_us, max_queue_size)
// to a config; throws std::invalid_argument naming a bad key or value.
void apply_batching_setting(BatchingConfig& config, const std::string& key,
                            const std::string& value);

class Repository {
 public:
  Repository(RepositoryOptions options, Scheduler& scheduler, Metrics& metrics);
  ~Repository();

  // Loads everything once. Throws kerasrt::Error when a --model file fails or the repository
  // folder cannot be read (a bad version inside it is only reported).
  void load_initial();
  void start_polling();
  void stop();
  void scan_now();  // one poll, synchronously (tests)

  struct Lookup {
    std::shared_ptr<const ServedVersion> served;
    int status = 200;  // 404 unknown model or version, 503 known but nothing loaded
    std::string error;
  };
  // `version` empty: the newest loaded version.
  Lookup find(const std::string& name, std::optional<int64_t> version) const;
  bool known(const std::string& name) const;
  std::vector<std::string> names() const;
  std::vector<VersionStatus> status(const std::string& name) const;
  std::vector<int64_t> available_versions(const std::string& name) const;
  size_t queued_requests() const;

 private:
  struct Slot {
    std::shared_ptr<const ServedVersion> served;
    std::string state;
    std::string error;
    std::string signature;       // of the files loaded (or that failed)
    std::string seen_signature;  // at the last poll
    std::string source;          // folder or file
  };
  struct Entry {
    std::map<int64_t, Slot> versions;
    bool fixed = false;  // from --model
  };

  void scan(bool initial);
  std::shared_ptr<const ServedVersion> load_version(const std::string& name, int64_t version,
                                                    const std::string& folder_or_file, bool is_file,
                                                    std::string* error);
  BatchingConfig config_for(const std::string& name) const;

  RepositoryOptions options_;
  Scheduler& scheduler_;
  Metrics& metrics_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> models_;
  std::thread poller_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace kerasrt::server
