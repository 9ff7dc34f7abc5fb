// kerasrt: load a Keras model file once, predict from any number of threads.
//
// Thread-safety guarantee
// -----------------------
// A `Model` is immutable once `load` returns. Every const member function, `predict` included,
// may be called concurrently from any number of threads on the same `Model` (or on copies of
// it: copies share one set of weights). Each `predict` call runs on its own per-call
// workspace, taken from a small pool owned by the model; the pool and the cache of memory
// plans per input shape are the only synchronised state, and neither is held while a layer
// runs. There is no global graph, session or "current model": any number of models live side
// by side in one process. Loading itself is thread-safe too (HDF5, which is not, is
// serialised internally).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace kerasrt {

// The one exception type of the library. `what()` reads
// "<file>: layer '<name>' (<Class>): <reason>" with the parts that apply.
class Error : public std::runtime_error {
 public:
  explicit Error(std::string reason, std::string layer = {}, std::string file = {});

  const std::string& reason() const noexcept { return reason_; }
  const std::string& layer() const noexcept { return layer_; }
  const std::string& file() const noexcept { return file_; }

  // The same error, attributed to a file or layer when it did not name one yet.
  Error in_file(const std::string& file) const;
  Error in_layer(const std::string& layer) const;

 private:
  std::string reason_, layer_, file_;
};

enum class DType { kFloat32, kFloat64, kFloat16, kInt32, kInt64, kBool, kString };
const char* dtype_name(DType dtype);

// A dimension that is not fixed by the model (Keras `None`), e.g. the batch dimension.
inline constexpr int64_t kAnyDim = -1;

struct TensorInfo {
  std::string name;
  std::vector<int64_t> shape;  // batch first; kAnyDim where Keras says None
  DType dtype = DType::kFloat32;

  // Whether a tensor of shape `given` may be passed for this input: the same rank, and every
  // dimension equal to the model's wherever the model fixes it.
  bool accepts(const std::vector<int64_t>& given) const;
};

// A dense, row-major tensor that owns its data: float32 values, or UTF-8 strings for the inputs
// and outputs of models that take or give text (StringLookup, TextVectorization, Hashing of
// strings; `TensorInfo::dtype` says which an input or output is).
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::vector<int64_t> shape);  // float32, zero-filled
  Tensor(std::vector<int64_t> shape, std::vector<float> values);
  // A string tensor: one string per element, row-major.
  static Tensor of_strings(std::vector<int64_t> shape, std::vector<std::string> strings);

  DType dtype() const noexcept { return is_string_ ? DType::kString : DType::kFloat32; }
  const std::vector<int64_t>& shape() const noexcept { return shape_; }
  int64_t size() const noexcept {
    return static_cast<int64_t>(is_string_ ? strings_.size() : values_.size());
  }
  // float32 values (empty for a string tensor).
  float* data() noexcept { return values_.data(); }
  const float* data() const noexcept { return values_.data(); }
  const std::vector<float>& values() const noexcept { return values_; }
  // Strings (empty for a float32 tensor).
  const std::vector<std::string>& strings() const noexcept { return strings_; }

 private:
  std::vector<int64_t> shape_;
  std::vector<float> values_;
  std::vector<std::string> strings_;
  bool is_string_ = false;
};

// A borrowed, read-only view of caller memory (row-major), for zero-copy predict: `data` for a
// float32 input, `strings` for a string input.
struct TensorView {
  const float* data = nullptr;
  std::vector<int64_t> shape;
  const std::string* strings = nullptr;

  static TensorView of(const Tensor& tensor) {
    if (tensor.dtype() == DType::kString) return {nullptr, tensor.shape(), tensor.strings().data()};
    return {tensor.data(), tensor.shape()};
  }
};

// Bounds on what a model file (and later a predict call) may make kerasrt read, allocate or
// walk. The defaults accept any real Keras model up to ~1 billion parameters and stop corrupt
// or hostile files early, before the memory is allocated, with an Error naming the limit:
// "... over the limit Limits::max_file_bytes = 4294967296". Raise one for an unusually large
// model; lower them when loading files you do not trust (see SECURITY.md).
struct Limits {
  uint64_t max_file_bytes = uint64_t{4}
                            << 30;  // a model or weights file (or load_from_memory bytes)
  int64_t max_total_parameters = int64_t{1}
                                 << 30;  // weight values read from the file, and in the built model
  int64_t max_tensor_elements = int64_t{1}
                                << 31;  // any one tensor: a weight, a layer output, a predict input
  uint64_t max_workspace_bytes = uint64_t{16}
                                 << 30;  // one predict call's intermediate tensors and scratch
  int64_t max_graph_nodes = 10000;       // layer calls, nested models inlined (each call counts)
  int max_nesting_depth = 32;            // models inside models
  uint64_t max_json_bytes = uint64_t{64} << 20;    // a config JSON (model_config, config.json, ...)
  int max_json_depth = 256;                        // nesting of JSON arrays and objects
  uint64_t max_string_bytes = uint64_t{64} << 20;  // one HDF5 string attribute, chunks joined
  uint64_t max_name_bytes = 4096;                  // a layer, input, output or weight name
  int64_t max_zip_entries = 10000;                 // entries in a .keras archive
  uint64_t max_zip_expanded_bytes = uint64_t{4}
                                    << 30;  // bytes expanded from a .keras archive, in total
};

struct LoadOptions {
  // Threads each predict call may use inside one layer (oneDNN/OpenMP). 1 suits many
  // concurrent callers (one core each); raise it when a single caller wants low latency.
  int intra_op_threads = 1;
  // See Limits above; checked while loading, and per call by predict.
  Limits limits;
  // NaN or Inf among the weights. Keras loads such files and so does kerasrt by default (the
  // predictions are then what Keras computes: NaN/Inf propagate by IEEE arithmetic). Set
  // this to refuse them at load instead, with an Error naming the weight.
  bool reject_non_finite_weights = false;
};

// One row of `Model::summary()`, as Keras's `model.summary()` prints it.
struct LayerSummary {
  std::string name;
  std::string class_name;
  std::vector<std::vector<int64_t>> output_shapes;
  int64_t params = 0;
  int64_t trainable_params = 0;
  int depth = 0;  // 0 for top-level layers, 1 for layers of a nested model, ...
};

struct ModelSummary {
  std::string name;
  std::string class_name;     // Sequential or Functional
  std::string keras_version;  // as written in the file
  std::string format;         // "h5", "keras", "json+h5weights", ...
  std::vector<LayerSummary> layers;
  int64_t total_params = 0;
  int64_t trainable_params = 0;
};

// A Keras layer class kerasrt builds, with the family it is listed under (core, attention,
// convolution, normalization, preprocessing, recurrent, structure, model). Old class names
// (Keras 1 `Convolution2D`, ...) are listed too, each as its own entry.
struct LayerSupport {
  std::string class_name;
  std::string family;
};
// Every supported layer class, sorted by family, then class name.
std::vector<LayerSupport> supported_layers();

// A shape as Keras prints it: "(None, 28, 28, 1)", kAnyDim as None.
std::string to_string(std::span<const int64_t> shape);
// 1234567 -> "1,234,567", as Keras prints parameter counts.
std::string with_commas(int64_t value);

// The vector instruction set of kerasrt's own kernels on this machine: "avx512", "avx2" or
// "scalar". The best the CPU has, unless the environment variable KERASRT_ISA asks for a lower
// one (to compare, or to test every code path on one machine).
const char* kernel_isa();

// The cores kerasrt keeps busy at most, and a caller's natural thread count: the CPUs the
// process's affinity mask allows, capped by its cgroup's CPU quota rounded up (a container's CPU
// limit, which the mask does not show). kerasrt's helper threads number one fewer.
int usable_cores();

// The memory a model holds for predict calls besides its weights (Model::workspace_stats): each
// call in flight holds one workspace (its intermediate tensors and scratch, per its memory plan),
// taken from a pool that keeps finished ones for the next calls.
struct WorkspaceStats {
  int64_t workspaces = 0;       // that exist now, in use or pooled
  uint64_t bytes = 0;           // their memory now
  int64_t peak_workspaces = 0;  // the most that existed at once
  uint64_t peak_bytes = 0;      // the most memory they held at once
};

namespace detail {
class Runtime;
}

class Model {
 public:
  // Load a model file (legacy HDF5 .h5 or a .keras archive); the format is detected from the
  // content, not the file name. Throws kerasrt::Error.
  static Model load(const std::string& path, const LoadOptions& options = {});
  // Load from bytes already in memory; `name` is used in error messages.
  static Model load_from_memory(std::span<const std::byte> bytes, const std::string& name,
                                const LoadOptions& options = {});
  // Load an architecture JSON (`model.to_json()`) plus a weights file (legacy `save_weights`
  // .h5, or Keras 3 `.weights.h5`).
  static Model load_json(const std::string& json_path, const std::string& weights_path,
                         const LoadOptions& options = {});

  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;
  const ModelSummary& summary() const;

  // Inputs in the order of `inputs()`; returns outputs in the order of `outputs()`.
  std::vector<Tensor> predict(const std::vector<Tensor>& inputs) const;
  std::vector<Tensor> predict(std::span<const TensorView> inputs) const;
  // Inputs by name (all of them); returns every output by name.
  std::map<std::string, Tensor> predict(const std::map<std::string, Tensor>& inputs) const;
  std::map<std::string, Tensor> predict(const std::map<std::string, TensorView>& inputs) const;

  // Where the model came from (path, "json + weights" paths, or the in-memory name).
  const std::string& source() const;
  // Its per-call memory so far (shared by copies of this Model).
  WorkspaceStats workspace_stats() const;

 private:
  explicit Model(std::shared_ptr<const detail::Runtime> runtime);
  std::shared_ptr<const detail::Runtime> runtime_;
};

// The table `kerasrt info` and Python's `Model.summary()` print, one string per line: Keras's
// model.summary() layout (layers of nested models indented when `expand_nested`), then the
// inputs and outputs with their dtypes.
std::vector<std::string> summary_lines(const Model& model, bool expand_nested = false);

}  // namespace kerasrt
