#include "repository.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "log.h"

namespace kerasrt::server {
namespace fs = std::filesystem;
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool hidden(const fs::path& p) { return p.filename().string().starts_with("."); }

std::optional<int64_t> version_number(const std::string& text) {
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const int64_t v = std::stoll(text);
  if (v <= 0) return std::nullopt;
  return v;
}

// Names, sizes and modification times of the regular files in a folder and its subfolders (a
// SavedModel's variables/): changes when a file is added, removed, rewritten or still being
// copied.
std::string signature_of(const fs::path& folder) {
  std::vector<std::string> parts;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    if (hidden(entry.path())) {
      if (entry.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file(ec)) continue;
    const auto size = entry.file_size(ec);
    const auto time = entry.last_write_time(ec).time_since_epoch().count();
    parts.push_back(fs::relative(entry.path(), folder, ec).string() + ":" + std::to_string(size) +
                    ":" + std::to_string(time));
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += p + ";";
  return out;
}

std::string file_signature(const std::string& path) {
  std::error_code ec;
  return path + ":" + std::to_string(fs::file_size(path, ec));
}

}  // namespace

void apply_batching_setting(BatchingConfig& config, const std::string& key,
                            const std::string& value) {
  const auto integer = [&](int64_t minimum) {
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != value.size() || value.empty() || v < minimum)
      throw std::invalid_argument(key + " needs a whole number >= " + std::to_string(minimum) +
                                  ", got '" + value + "'");
    return v;
  };
  if (key == "batching") {
    if (value == "true" || value == "on" || value == "1")
      config.enabled = true;
    else if (value == "false" || value == "off" || value == "0")
      config.enabled = false;
    else
      throw std::invalid_argument("batching needs on or off, got '" + value + "'");
  } else if (key == "max_batch_size") {
    config.max_batch_size = static_cast<int>(std::min<int64_t>(integer(1), 1 << 20));
  } else if (key == "max_queue_delay_us") {
    config.max_queue_delay_us = integer(0);
  } else if (key == "max_queue_size") {
    config.max_queue_size = static_cast<int>(std::min<int64_t>(integer(1), 1 << 24));
  } else {
    throw std::invalid_argument("unknown model setting '" + key +
                                "' (batching, max_batch_size, max_queue_delay_us, max_queue_size)");
  }
}

Repository::Repository(RepositoryOptions options, Scheduler& scheduler, Metrics& metrics)
    : options_(std::move(options)), scheduler_(scheduler), metrics_(metrics) {}

Repository::~Repository() { stop(); }

BatchingConfig Repository::config_for(const std::string& name) const {
  BatchingConfig config = options_.batching;
  // DIR/<name>/config.json: {"batching": true, "max_batch_size": 16, ...}
  if (!options_.directory.empty()) {
    const fs::path file = fs::path(options_.directory) / name / "config.json";
    std::error_code ec;
    if (fs::is_regular_file(file, ec)) {
      std::ifstream in(file);
      const nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
      if (!json.is_object()) throw std::invalid_argument(file.string() + " is not a JSON object");
      for (const auto& [key, value] : json.items())
        apply_batching_setting(config, key,
                               value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  if (auto it = options_.model_config.find(name); it != options_.model_config.end())
    for (const auto& [key, value] : it->second) apply_batching_setting(config, key, value);
  return config;
}

std::shared_ptr<const ServedVersion> Repository::load_version(const std::string& name,
                                                              int64_t version,
                                                              const std::string& folder_or_file,
                                                              bool is_file, std::string* error) {
  const auto start = Clock::now();
  try {
    std::optional<Model> model;
    std::string path;
    if (is_file) {
      path = folder_or_file;
      model = Model::load(folder_or_file, options_.load);
    } else {
      std::vector<std::string> models, jsons, weights;
      for (const auto& entry : fs::directory_iterator(folder_or_file)) {
        if (hidden(entry.path()) || !entry.is_regular_file()) continue;
        const std::string file = entry.path().string();
        if (ends_with(file, ".weights.h5"))
          weights.push_back(file);
        else if (ends_with(file, ".keras") || ends_with(file, ".h5") || ends_with(file, ".hdf5"))
          models.push_back(file);
        else if (ends_with(file, ".json"))
          jsons.push_back(file);
      }
      std::sort(models.begin(), models.end());
      const bool saved_model = fs::is_regular_file(fs::path(folder_or_file) / "saved_model.pb");
      if (saved_model && models.empty() && jsons.empty() && weights.empty()) {
        path = folder_or_file;  // a tf.keras SavedModel: the version folder is the model
        model = Model::load(folder_or_file, options_.load);
      } else if (jsons.size() == 1 && (weights.size() + models.size()) == 1) {
        const std::string w = weights.empty() ? models[0] : weights[0];
        path = jsons[0] + " + " + w;
        model = Model::load_json(jsons[0], w, options_.load);
      } else if (models.size() == 1 && jsons.empty()) {
        path = models[0];
        model = Model::load(models[0], options_.load);
      } else if (models.empty() && jsons.empty()) {
        throw Error(
            "no model file (.keras, .h5, a SavedModel's saved_model.pb, or architecture .json + "
            "weights .h5) in " +
            folder_or_file);
      } else {
        throw Error("more than one model file in " + folder_or_file +
                    ": keep one .keras/.h5 file, or one .json and one weights file");
      }
    }
    auto served = std::make_shared<ServedVersion>(std::move(*model));
    served->name = name;
    served->version = version;
    served->path = path;
    const BatchingConfig config = config_for(name);
    std::string reason;
    const BatchMode mode = config.enabled
                               ? check_batching(served->model, config.max_batch_size, &reason)
                               : BatchMode::kOff;
    served->metrics = &metrics_.model(name, version);
    served->queue = std::make_shared<BatchQueue>(served->model, config, mode, served->metrics);
    scheduler_.register_queue(served->queue);
    served->batching = !config.enabled ? "off (configured)"
                       : mode == BatchMode::kOff
                           ? std::string("off: ") + reason
                           : std::string(batch_mode_name(mode)) + ", max batch " +
                                 std::to_string(config.max_batch_size) + " rows, max delay " +
                                 std::to_string(config.max_queue_delay_us) + " us";
    metrics_.model_load(name, version, true);
    log_event("info", "model version loaded",
              {{"model", name},
               {"version", version},
               {"path", served->path},
               {"seconds", std::chrono::duration<double>(Clock::now() - start).count()},
               {"batching", served->batching},
               {"batching_note", reason}});
    return served;
  } catch (const std::exception& e) {
    *error = e.what();
    metrics_.model_load(name, version, false);
    log_event(
        "error", "model version failed to load; the versions already loaded keep serving",
        {{"model", name}, {"version", version}, {"source", folder_or_file}, {"error", *error}});
    return nullptr;
  }
}

void Repository::load_initial() {
  for (const auto& [name, path] : options_.files) {
    std::string error;
    auto served = load_version(name, 1, path, true, &error);
    if (!served) throw Error("model '" + name + "' failed to load: " + error);
    Slot slot;
    slot.served = served;
    slot.state = "AVAILABLE";
    slot.source = path;
    slot.signature = slot.seen_signature = file_signature(path);
    std::lock_guard lock(mutex_);
    Entry& entry = models_[name];
    entry.fixed = true;
    entry.versions[1] = std::move(slot);
  }
  if (!options_.directory.empty()) {
    std::error_code ec;
    if (!fs::is_directory(options_.directory, ec))
      throw Error("the model repository " + options_.directory + " is not a folder");
    scan(true);
  }
}

void Repository::scan_now() { scan(false); }

void Repository::scan(bool initial) {
  if (options_.directory.empty()) return;
  // name -> version -> (folder, signature)
  std::map<std::string, std::map<int64_t, std::pair<std::string, std::string>>> found;
  std::error_code ec;
  for (const auto& model_dir : fs::directory_iterator(options_.directory, ec)) {
    if (hidden(model_dir.path()) || !model_dir.is_directory(ec)) continue;
    const std::string name = model_dir.path().filename().string();
    auto& versions = found[name];
    for (const auto& version_dir : fs::directory_iterator(model_dir.path(), ec)) {
      if (!version_dir.is_directory(ec)) continue;
      const auto v = version_number(version_dir.path().filename().string());
      if (!v) continue;
      versions[*v] = {version_dir.path().string(), signature_of(version_dir.path())};
    }
  }
  if (ec && initial)
    throw Error("cannot read the model repository " + options_.directory + ": " + ec.message());

  const bool latest_only = options_.version_policy == "latest";
  for (const auto& [name, versions] : found) {
    if (auto it = models_.find(name); it != models_.end() && it->second.fixed)
      continue;  // --model wins
    // Only this thread writes models_; it reads without the lock and writes under it.
    std::map<int64_t, Slot> slots;
    if (auto it = models_.find(name); it != models_.end()) slots = it->second.versions;
    std::vector<int64_t> keep;
    for (auto v_it = versions.rbegin(); v_it != versions.rend(); ++v_it) {
      const int64_t v = v_it->first;
      const auto& [folder, signature] = v_it->second;
      Slot& slot = slots[v];
      slot.source = folder;
      bool serving = false;
      if (slot.served && slot.signature == signature) {
        serving = true;
      } else if (!slot.served && slot.state == "END" && slot.signature == signature) {
        serving = false;  // failed before, files unchanged: not retried
      } else if (!initial && slot.seen_signature != signature) {
        slot.seen_signature = signature;  // new or changing: wait for the next poll
        if (slot.state.empty()) slot.state = "LOADING";
        serving = slot.served != nullptr;
      } else {
        slot.seen_signature = signature;
        {
          std::lock_guard lock(mutex_);
          auto& live = models_[name].versions[v];
          if (!live.served) live.state = "LOADING";
          live.source = folder;
        }
        std::string error;
        auto served = load_version(name, v, folder, false, &error);
        slot.signature = signature;
        if (served) {
          slot.served = served;
          slot.state = "AVAILABLE";
          slot.error.clear();
          serving = true;
        } else {
          slot.error = error;
          if (!slot.served) slot.state = "END";
          serving = slot.served != nullptr;
        }
      }
      if (serving) {
        keep.push_back(v);
        if (latest_only) break;
      }
    }
    // Versions to drop: gone from disk, or older than the one serving under "latest".
    for (auto it = slots.begin(); it != slots.end();) {
      const int64_t v = it->first;
      const bool on_disk = versions.count(v) > 0;
      const bool kept = std::find(keep.begin(), keep.end(), v) != keep.end();
      // Versions not serving (loading, or failed: reported) stay listed when newer than the
      // one serving under "latest", and always under "all".
      const bool list_unserved = !latest_only || keep.empty() || v > keep.front();
      if (!on_disk || (!kept && (it->second.served || !list_unserved))) {
        if (it->second.served)
          log_event("info", "model version unloaded (requests already holding it finish first)",
                    {{"model", name},
                     {"version", v},
                     {"reason", on_disk ? "a newer version serves" : "removed"}});
        it = slots.erase(it);
      } else {
        ++it;
      }
    }
    std::lock_guard lock(mutex_);
    models_[name].versions = std::move(slots);
  }
  // Models whose folder is gone.
  std::lock_guard lock(mutex_);
  for (auto it = models_.begin(); it != models_.end();) {
    if (!it->second.fixed && !found.count(it->first)) {
      log_event("info", "model removed from the repository", {{"model", it->first}});
      it = models_.erase(it);
    } else {
      ++it;
    }
  }
}

void Repository::start_polling() {
  if (options_.directory.empty() || options_.poll_seconds <= 0) return;
  poller_ = std::thread([this] {
    std::unique_lock lock(stop_mutex_);
    while (!stopping_) {
      stop_cv_.wait_for(lock, std::chrono::duration<double>(options_.poll_seconds));
      if (stopping_) break;
      lock.unlock();
      try {
        scan(false);
      } catch (const std::exception& e) {
        log_event("error", "repository poll failed", {{"error", e.what()}});
      }
      lock.lock();
    }
  });
}

void Repository::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

Repository::Lookup Repository::find(const std::string& name, std::optional<int64_t> version) const {
  std::lock_guard lock(mutex_);
  Lookup out;
  auto it = models_.find(name);
  if (it == models_.end()) {
    out.status = 404;
    out.error = version ? "Servable not found for request: Specific(" + name + ", " +
                              std::to_string(*version) + ")"
                        : "Servable not found for request: Latest(" + name + ")";
    return out;
  }
  const auto& versions = it->second.versions;
  if (version) {
    auto v = versions.find(*version);
    if (v == versions.end() || !v->second.served) {
      out.status = 404;
      out.error = "Servable not found for request: Specific(" + name + ", " +
                  std::to_string(*version) + ")";
      if (v != versions.end() && !v->second.error.empty())
        out.error += ": version failed to load: " + v->second.error;
      return out;
    }
    out.served = v->second.served;
    return out;
  }
  for (auto v = versions.rbegin(); v != versions.rend(); ++v)
    if (v->second.served) {
      out.served = v->second.served;
      return out;
    }
  out.status = 503;
  out.error = "model '" + name + "' has no version available";
  for (const auto& [v, slot] : versions)
    if (!slot.error.empty())
      out.error += "; version " + std::to_string(v) + " failed to load: " + slot.error;
  return out;
}

bool Repository::known(const std::string& name) const {
  std::lock_guard lock(mutex_);
  return models_.count(name) > 0;
}

std::vector<std::string> Repository::names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, entry] : models_) out.push_back(name);
  return out;
}

std::vector<VersionStatus> Repository::status(const std::string& name) const {
  std::lock_guard lock(mutex_);
  std::vector<VersionStatus> out;
  auto it = models_.find(name);
  if (it == models_.end()) return out;
  for (auto v = it->second.versions.rbegin(); v != it->second.versions.rend(); ++v)
    out.push_back({v->first, v->second.state, v->second.error});
  return out;
}

std::vector<int64_t> Repository::available_versions(const std::string& name) const {
  std::lock_guard lock(mutex_);
  std::vector<int64_t> out;
  auto it = models_.find(name);
  if (it == models_.end()) return out;
  for (const auto& [v, slot] : it->second.versions)
    if (slot.served) out.push_back(v);
  return out;
}

size_t Repository::queued_requests() const { return scheduler_.queued(); }

}  // namespace kerasrt::server
