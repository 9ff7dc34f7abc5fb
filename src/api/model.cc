// The public API: file -> LoadedSpec (format readers) -> Graph (builder) -> Runtime.
#include <algorithm>
#include <filesystem>
#include <optional>

#include "core/helper_threads.h"
#include "format/file_bytes.h"
#include "format/readers.h"
#include "graph/intra_op_threads.h"
#include "graph/runtime.h"
#include "kerasrt/kerasrt.h"

namespace kerasrt {
namespace {

// Runs one load step, attributing any error to `file` and turning library exceptions that
// escape (a JSON type error, an allocation failure) into kerasrt::Error.
template <typename F>
auto attributed(const std::string& file, F&& step) -> decltype(step()) {
  try {
    return step();
  } catch (const Error& e) {
    throw e.in_file(file);
  } catch (const std::bad_alloc&) {
    throw Error("out of memory while loading", "", file);
  } catch (const std::exception& e) {
    throw Error(std::string("malformed model: ") + e.what(), "", file);
  }
}

std::shared_ptr<const detail::Runtime> make_runtime(LoadedSpec spec, const LoadOptions& options,
                                                    const std::string& file) {
  const IntraOpThreads threads(options.intra_op_threads);
  // The reader's file closes on a helper thread while this one builds the graph; it reads the
  // model's bytes, which outlive this function.
  std::optional<HelperThreads::Offer> closing;
  if (spec.open_file)
    closing.emplace(HelperThreads::instance().offer(
        [open_file = std::move(spec.open_file)]() mutable { open_file.reset(); }));
  auto runtime = std::make_shared<const detail::Runtime>(
      build_graph(std::move(spec), options.limits), options, file);
  if (closing) closing->wait();
  return runtime;
}

// A model file, mapped, shared with the weights left in it (Array::in_file).
std::shared_ptr<const FileBytes> open_shared(const std::string& path, uint64_t max_bytes) {
  return std::make_shared<const FileBytes>(FileBytes::open(path, max_bytes));
}

// The layers copy or re-lay out, while loading, every weight they read in place from the file
// (SharedFloats::in_file): a model never keeps its file mapped, so a file replaced while a
// server runs cannot make predict fault. A helper unmaps it after the load has returned.
void release(std::shared_ptr<const FileBytes> file) {
  if (file.use_count() != 1)
    throw Error("internal error: a layer still reads its weights from the file after loading");
  HelperThreads::instance().post([file = std::move(file)]() mutable { file.reset(); });
}

}  // namespace

Tensor::Tensor(std::vector<int64_t> shape) : shape_(std::move(shape)) {
  values_.assign(static_cast<size_t>(num_elements(shape_)), 0.0f);
}

Tensor::Tensor(std::vector<int64_t> shape, std::vector<float> values)
    : shape_(std::move(shape)), values_(std::move(values)) {
  if (static_cast<int64_t>(values_.size()) != num_elements(shape_))
    throw Error("tensor of shape " + to_string(shape_) + " needs " +
                std::to_string(num_elements(shape_)) + " values, got " +
                std::to_string(values_.size()));
}

Tensor Tensor::of_strings(std::vector<int64_t> shape, std::vector<std::string> strings) {
  if (static_cast<int64_t>(strings.size()) != num_elements(shape))
    throw Error("string tensor of shape " + to_string(shape) + " needs " +
                std::to_string(num_elements(shape)) + " strings, got " +
                std::to_string(strings.size()));
  Tensor tensor;
  tensor.shape_ = std::move(shape);
  tensor.strings_ = std::move(strings);
  tensor.is_string_ = true;
  return tensor;
}

Model::Model(std::shared_ptr<const detail::Runtime> runtime) : runtime_(std::move(runtime)) {}

Model Model::load(const std::string& path, const LoadOptions& options) {
  return attributed(path, [&] {
    // A tf.keras SavedModel: the directory, or its saved_model.pb.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      return Model(make_runtime(read_savedmodel_dir(path, options), options, path));
    if (std::filesystem::path(path).filename() == "saved_model.pb") {
      const std::string dir = std::filesystem::path(path).parent_path().string();
      return Model(
          make_runtime(read_savedmodel_dir(dir.empty() ? "." : dir, options), options, path));
    }
    auto file = open_shared(path, options.limits.max_file_bytes);
    Model model(make_runtime(read_model_bytes(file->bytes(), path, options, file), options, path));
    release(std::move(file));
    return model;
  });
}

Model Model::load_from_memory(std::span<const std::byte> bytes, const std::string& name,
                              const LoadOptions& options) {
  return attributed(name, [&] {
    return Model(make_runtime(read_model_bytes(bytes, name, options), options, name));
  });
}

Model Model::load_json(const std::string& json_path, const std::string& weights_path,
                       const LoadOptions& options) {
  const std::string label = json_path + " + " + weights_path;
  return attributed(label, [&] {
    const uint64_t max_bytes = options.limits.max_file_bytes;
    const std::string json =
        attributed(json_path, [&] { return read_text_file(json_path, max_bytes); });
    auto weights = attributed(weights_path, [&] { return open_shared(weights_path, max_bytes); });
    Model model(
        make_runtime(read_json_and_weights(json, weights->bytes(), weights_path, options, weights),
                     options, label));
    release(std::move(weights));
    return model;
  });
}

const std::vector<TensorInfo>& Model::inputs() const { return runtime_->inputs(); }
const std::vector<TensorInfo>& Model::outputs() const { return runtime_->outputs(); }
const ModelSummary& Model::summary() const { return runtime_->summary(); }

std::vector<Tensor> Model::predict(std::span<const TensorView> inputs) const {
  return runtime_->predict(inputs);
}

std::vector<Tensor> Model::predict(const std::vector<Tensor>& inputs) const {
  std::vector<TensorView> views;
  for (const Tensor& t : inputs) views.push_back(TensorView::of(t));
  return runtime_->predict(views);
}

std::map<std::string, Tensor> Model::predict(
    const std::map<std::string, TensorView>& inputs) const {
  // Inputs in the model's order; every name must be one of the model's inputs.
  std::vector<TensorView> views;
  for (const TensorInfo& info : runtime_->inputs()) {
    auto it = inputs.find(info.name);
    if (it == inputs.end())
      throw Error("no value given for input '" + info.name + "'", "", runtime_->file());
    views.push_back(it->second);
  }
  for (const auto& entry : inputs) {
    const auto& known = runtime_->inputs();
    if (std::none_of(known.begin(), known.end(),
                     [&](const TensorInfo& info) { return info.name == entry.first; }))
      throw Error("the model has no input named '" + entry.first + "'", "", runtime_->file());
  }
  std::vector<Tensor> outputs = runtime_->predict(views);
  std::map<std::string, Tensor> named;
  for (size_t i = 0; i < outputs.size(); ++i)
    named.emplace(runtime_->outputs()[i].name, std::move(outputs[i]));
  return named;
}

std::map<std::string, Tensor> Model::predict(const std::map<std::string, Tensor>& inputs) const {
  std::map<std::string, TensorView> views;
  for (const auto& [name, tensor] : inputs) views.emplace(name, TensorView::of(tensor));
  return predict(views);
}

const std::string& Model::source() const { return runtime_->file(); }
WorkspaceStats Model::workspace_stats() const { return runtime_->workspace_stats(); }

}  // namespace kerasrt
