// Shared by the libFuzzer targets: tight limits, and a predict on small inputs for whatever
// loaded, so that kernels meet the odd shapes and options a mutated file describes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "kerasrt/kerasrt.h"

namespace kerasrt::fuzz {

// Limits far below the defaults: an input that makes kerasrt allocate or walk more than these
// without an error is a finding (libFuzzer's -rss_limit_mb and -malloc_limit_mb catch it).
LoadOptions options();

// The fuzz input as bytes.
inline std::span<const std::byte> bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

// Predicts on small deterministic inputs (batch 1 and an empty batch; unknown dimensions 3)
// when the model's inputs allow it. kerasrt::Error is an accepted outcome; anything else
// (another exception, a crash, a sanitizer report) is a finding.
template <typename M>
void exercise(const M& model, int64_t total_params) {
  if (total_params > (int64_t{1} << 20)) return;  // keep executions fast
  // String inputs get words that vocabularies hold, and text that standardization changes.
  static const char* const kWords[] = {"the",         "",      "cat",    "A b, c!",
                                       "caf\xc3\xa9", "[UNK]", "  x\ty "};
  for (int64_t batch : {int64_t{1}, int64_t{0}}) {
    std::vector<std::vector<float>> buffers;
    std::vector<std::vector<std::string>> texts(model.inputs().size());
    std::vector<std::vector<int64_t>> shapes;
    for (const TensorInfo& info : model.inputs()) {
      std::vector<int64_t> shape = info.shape;
      if (!shape.empty() && shape[0] == kAnyDim) shape[0] = batch;
      int64_t count = 1;
      for (int64_t& d : shape) {
        if (d == kAnyDim) d = 3;
        if (d < 0 || d > 4096) return;
        count *= d;
        if (count > 4096) return;
      }
      std::vector<float> values(static_cast<size_t>(count));
      for (size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<float>(static_cast<int>(i % 7) - 3) * 0.25f;
      if (info.dtype == DType::kString)
        for (size_t i = 0; i < values.size(); ++i)
          texts[buffers.size()].push_back(kWords[i % std::size(kWords)]);
      buffers.push_back(std::move(values));
      shapes.push_back(std::move(shape));
    }
    std::vector<TensorView> views;
    for (size_t i = 0; i < buffers.size(); ++i)
      views.push_back(model.inputs()[i].dtype == DType::kString
                          ? TensorView{nullptr, shapes[i], texts[i].data()}
                          : TensorView{buffers[i].data(), shapes[i]});
    try {
      model.predict(std::span<const TensorView>(views));
    } catch (const Error&) {
    }
  }
}

}  // namespace kerasrt::fuzz
