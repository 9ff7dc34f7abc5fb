#include "layers/einsum_projection.h"

#include <algorithm>

#include "kernels/vecmath.h"

namespace kerasrt {
namespace {

bool valid_letters(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

}  // namespace

EinsumProjection::EinsumProjection(const std::string& equation, const Dims& output_shape,
                                   const std::string& bias_axes, const Activation& act,
                                   const Dims& input_shape, WeightReader& weights,
                                   const std::string& weight_prefix)
    : act_(act) {
  const auto bad = [&](const std::string& why) {
    return Error("equation '" + equation + "': " + why);
  };
  // Keras accepts "X,W->Y", "...X,W->...Y" and "X...,W->Y..." (X of two letters or more).
  const size_t comma = equation.find(','), arrow = equation.find("->");
  if (comma == std::string::npos || arrow == std::string::npos || arrow < comma)
    throw bad("not of the form input,kernel->output");
  std::string xs = equation.substr(0, comma), ws = equation.substr(comma + 1, arrow - comma - 1),
              ys = equation.substr(arrow + 2);
  const std::string dots = "...";
  const bool left = xs.rfind(dots, 0) == 0 && ys.rfind(dots, 0) == 0;
  const bool right = !left && xs.size() > 3 && ys.size() > 3 &&
                     xs.compare(xs.size() - 3, 3, dots) == 0 &&
                     ys.compare(ys.size() - 3, 3, dots) == 0;
  if (left) {
    xs.erase(0, 3);
    ys.erase(0, 3);
  } else if (right) {
    xs.erase(xs.size() - 3);
    ys.erase(ys.size() - 3);
  }
  if (!valid_letters(xs) || !valid_letters(ws) || !valid_letters(ys) || xs.empty() || ws.empty() ||
      ys.empty())
    throw bad("Keras accepts only [X],[Y]->[Z], ...[X],[Y]->...[Z] and [X]...,[Y]->[Z]...");
  if (input_shape.size() < xs.size())
    throw bad("the input " + to_string(input_shape) + " has fewer axes than the equation");
  const size_t elided = input_shape.size() - xs.size();
  if (!left && !right && elided != 0)
    throw bad("the input " + to_string(input_shape) + " does not have " +
              std::to_string(xs.size()) + " axes");
  if (elided > 10) throw bad("too many axes under the ellipsis");
  std::string synthetic;
  for (size_t i = 0; i < elided; ++i) synthetic += static_cast<char>('0' + i);
  const std::string x = left ? synthetic + xs : xs + synthetic;
  const std::string y = left ? synthetic + ys : ys + synthetic;

  // The full output shape as Keras assembles it: batch, the leading elided axes, output_shape,
  // the trailing elided axes.
  Dims full{input_shape[0]};
  if (left) full.insert(full.end(), input_shape.begin() + 1, input_shape.begin() + elided);
  full.insert(full.end(), output_shape.begin(), output_shape.end());
  if (right) full.insert(full.end(), input_shape.end() - elided, input_shape.end());
  if (full.size() != y.size())
    throw bad("output_shape " + to_string(output_shape) + " does not fit the output '" + ys + "'");
  const auto dim_of = [&](char c) {
    const size_t in_x = x.find(c);
    return in_x != std::string::npos ? input_shape[in_x] : full[y.find(c)];
  };
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t in_x = x.find(y[i]);
    if (in_x != std::string::npos && full[i] != kAnyDim && input_shape[in_x] != kAnyDim &&
        full[i] != input_shape[in_x])
      throw bad("output_shape " + to_string(output_shape) + " disagrees with the input " +
                to_string(input_shape) + " on '" + y[i] + "'");
  }
  Dims kernel_shape;
  for (char c : ws) {
    if (x.find(c) == std::string::npos && y.find(c) == std::string::npos)
      throw bad(std::string("the kernel letter '") + c +
                "' is in neither the input nor the output");
    kernel_shape.push_back(dim_of(c));
    if (kernel_shape.back() == kAnyDim || kernel_shape.back() <= 0)
      throw bad("the kernel dimension of '" + std::string(1, c) + "' is not known from the input " +
                to_string(input_shape) + " and output_shape " + to_string(output_shape));
  }
  const std::vector<float> kernel = weights.take(weight_prefix + "kernel", kernel_shape);
  try {
    gemm_ = std::make_shared<const EinsumGemm>(x, ws, y, kernel_shape, kernel);
  } catch (const Error& e) {
    throw bad(e.reason());
  }

  if (bias_axes.empty()) return;
  size_t first = ys.size();
  for (char c : bias_axes) {
    const size_t at = ys.find(c);
    if (at == std::string::npos)
      throw bad("bias axis '" + std::string(1, c) + "' is not an output letter");
    first = std::min(first, at);
  }
  // Keras's bias spans the output letters from the first bias axis on (1 where a letter has no
  // bias), then 1 for each trailing elided axis.
  Dims bias_shape;
  for (size_t i = first; i < ys.size(); ++i)
    bias_shape.push_back(bias_axes.find(ys[i]) != std::string::npos ? dim_of(ys[i]) : 1);
  if (right) bias_shape.insert(bias_shape.end(), elided, 1);
  const size_t block_start = (left ? elided : 0) + first;
  const Dims block(full.begin() + static_cast<std::ptrdiff_t>(block_start), full.end());
  for (size_t i = 0; i < block.size(); ++i)
    if (block[i] == kAnyDim || bias_shape[i] == kAnyDim)
      throw bad("the bias spans output axes of unknown size: " + to_string(full));
  const std::vector<float> bias = weights.take(weight_prefix + "bias", bias_shape);
  // Broadcast over the block once, so run() adds it cyclically.
  bias_.resize(static_cast<size_t>(num_elements(block)));
  for (size_t i = 0; i < bias_.size(); ++i) {
    size_t rest = i, at = 0, stride = 1;
    for (size_t d = block.size(); d-- > 0;) {
      const size_t coord = rest % static_cast<size_t>(block[d]);
      rest /= static_cast<size_t>(block[d]);
      if (bias_shape[d] != 1) at += coord * stride;
      stride *= static_cast<size_t>(bias_shape[d]);
    }
    bias_[i] = bias[at];
  }
}

void EinsumProjection::run(const Prepared& prepared, const float* in,
                           std::span<const int64_t> in_shape, float* out, float* scratch,
                           float* product_scratch) const {
  gemm_->run(prepared, in, in_shape, out, scratch, product_scratch);
  const int64_t count = gemm_->output_elements(in_shape);
  if (!bias_.empty()) {
    const int64_t block = static_cast<int64_t>(bias_.size());
    vec::add_bias_rows(out, count / block, block, bias_.data());
  }
  // A softmax needs the output's axes; the activations that map value by value, only its size.
  if (act_.is_pointwise())
    apply_pointwise(act_, out, count);
  else
    apply_activation(act_, out, gemm_->output_shape(in_shape));
}

}  // namespace kerasrt
