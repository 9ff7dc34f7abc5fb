// TFOpLambda structural functions: reshape, transpose, concat, stack, expand_dims, squeeze and
// matmul. None may touch the batch axis.
#include <algorithm>
#include <map>

#include "kernels/onednn.h"
#include "kernels/transpose.h"
#include "layers/permuting.h"
#include "layers/tf_op_lambda.h"

namespace kerasrt {
namespace {

// Output 0 is input 0's data with another shape (reshape, expand_dims, squeeze).
class ShapeOnly final : public Layer {
 public:
  // target: the per-sample shape, -1 for the one inferred entry; `squeeze` lists axes to drop
  // (then target is unused) and `insert` an axis to add.
  enum class Kind { kReshape, kExpand, kSqueeze };
  ShapeOnly(Kind kind, Dims target, std::vector<int> axes)
      : kind_(kind), target_(std::move(target)), axes_(std::move(axes)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (kind_ == Kind::kExpand) {
      Dims out = in;
      const int a = axes_[0];
      if (static_cast<size_t>(a) > in.size()) throw Error("the input rank changed");
      out.insert(out.begin() + a, 1);
      return {out};
    }
    if (kind_ == Kind::kSqueeze) {
      Dims out;
      for (size_t i = 0; i < in.size(); ++i) {
        const bool drop = std::find(axes_.begin(), axes_.end(), static_cast<int>(i)) != axes_.end();
        if (drop && in[i] != 1 && in[i] != kAnyDim)
          throw Error("TensorFlow function 'squeeze': axis " + std::to_string(i) + " of " +
                      to_string(in) + " is not of size 1");
        if (!drop) out.push_back(in[i]);
      }
      return {out};
    }
    int64_t count = 1;
    for (size_t d = 1; d < in.size(); ++d) count = mul_dim(count, in[d]);
    int64_t known = 1;
    for (int64_t t : target_) known = mul_dim(known, t);
    if (count != kAnyDim && count != known)
      throw Error("TensorFlow function 'reshape': " + to_string(in) + " has " +
                  std::to_string(count) + " elements per sample and the target " +
                  to_string(target_) + " has " + std::to_string(known) +
                  "; kerasrt does not support reshapes that change the batch size");
    Dims out{in[0]};
    out.insert(out.end(), target_.begin(), target_.end());
    return {out};
  }
  bool aliases_input() const override { return true; }
  void run(const RunContext&) const override {}

 private:
  Kind kind_;
  Dims target_;
  std::vector<int> axes_;
};

class Transpose final : public PermutingLayer {
 public:
  explicit Transpose(std::vector<int> perm) : PermutingLayer(std::move(perm)) {}
  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    if (inputs[0].size() != perm_.size()) throw Error("the input rank changed");
    return {permuted_shape(inputs[0], perm_)};
  }
};

// concat (stack = false) along `axis`, or stack along a new axis `axis` of the output.
class Join final : public Layer {
 public:
  Join(std::vector<int> inputs, int axis, bool stack)
      : inputs_(std::move(inputs)), axis_(axis), stack_(stack) {}

  std::vector<Dims> output_shapes(std::span<const Dims> shapes) const override {
    Dims out = shapes[static_cast<size_t>(inputs_[0])];
    const size_t axis = static_cast<size_t>(axis_);
    for (size_t k = 1; k < inputs_.size(); ++k) {
      const Dims& s = shapes[static_cast<size_t>(inputs_[k])];
      if (s.size() != out.size())
        throw Error("tensors of different ranks " + to_string(out) + " and " + to_string(s));
      for (size_t i = 1; i < s.size(); ++i) {
        if (!stack_ && i == axis) {
          out[i] = add_dim(out[i], s[i]);
          continue;
        }
        if (out[i] == kAnyDim) out[i] = s[i];
        if (s[i] != kAnyDim && s[i] != out[i])
          throw Error("tensors of shapes " + to_string(shapes[static_cast<size_t>(inputs_[0])]) +
                      " and " + to_string(s) + " do not fit together");
      }
    }
    if (stack_) {
      if (axis > out.size()) throw Error("the input rank changed");
      out.insert(out.begin() + axis_, static_cast<int64_t>(inputs_.size()));
    } else if (axis >= out.size()) {
      throw Error("the input rank changed");
    }
    return {out};
  }

  void run(const RunContext& ctx) const override {
    const std::span<const int64_t> first = ctx.inputs[static_cast<size_t>(inputs_[0])].shape;
    int64_t outer = 1;
    for (int i = 0; i < axis_; ++i) outer *= first[static_cast<size_t>(i)];
    float* out = ctx.outputs[0].data;
    for (int64_t o = 0; o < outer; ++o) {
      for (int k : inputs_) {
        const ConstTensor& in = ctx.inputs[static_cast<size_t>(k)];
        const int64_t chunk = in.size() / std::max<int64_t>(outer, 1);
        std::copy_n(in.data + o * chunk, chunk, out);
        out += chunk;
      }
    }
  }

 private:
  std::vector<int> inputs_;
  int axis_;
  bool stack_;
};

struct MatOperand {
  int input = -1;
  Array constant;
  bool transposed = false;
};

class MatMul final : public Layer {
 public:
  MatMul(std::string function, MatOperand a, MatOperand b)
      : function_(std::move(function)), a_(std::move(a)), b_(std::move(b)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims a = shape_of(a_, inputs), b = shape_of(b_, inputs);
    const int64_t m = a[a.size() - (a_.transposed ? 1 : 2)];
    const int64_t ka = a[a.size() - (a_.transposed ? 2 : 1)];
    const int64_t kb = b[b.size() - (b_.transposed ? 1 : 2)];
    const int64_t n = b[b.size() - (b_.transposed ? 2 : 1)];
    if (ka != kb && ka != kAnyDim && kb != kAnyDim)
      throw Error("TensorFlow function '" + function_ + "': shapes " + to_string(a) + " and " +
                  to_string(b) + " do not multiply");
    Dims out = batch_shape(function_, a, b);
    out.push_back(m);
    out.push_back(n);
    return {out};
  }

  // One batched matrix product per shape, its operands read in place.
  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    const Dims out = output_shapes(inputs)[0];
    const auto matrices = [&](const Dims& stored, bool transposed) {
      return StridedMatrices::row_major(stored, transposed, out.size());
    };
    return prepare_batched_matmul(matrices(shape_of(a_, inputs), a_.transposed),
                                  matrices(shape_of(b_, inputs), b_.transposed),
                                  matrices(out, false), 1.0f);
  }

  void run(const RunContext& ctx) const override {
    with_prepared(*this, ctx, [&](const Prepared& product, float* scratch) {
      run_batched_matmul(product, data_of(a_, ctx), data_of(b_, ctx), ctx.outputs[0].data, scratch);
    });
  }

 private:
  static Dims shape_of(const MatOperand& op, std::span<const Dims> inputs) {
    return op.input >= 0 ? inputs[static_cast<size_t>(op.input)] : op.constant.shape;
  }
  static const float* data_of(const MatOperand& op, const RunContext& ctx) {
    return op.input >= 0 ? ctx.inputs[static_cast<size_t>(op.input)].data
                         : op.constant.values.data();
  }
  static Dims batch_shape(const std::string& function, const Dims& a, const Dims& b) {
    const Dims ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
    const size_t rank = std::max(ab.size(), bb.size());
    Dims out(rank);
    for (size_t i = 0; i < rank; ++i) {
      const int64_t x = i + ab.size() >= rank ? ab[i + ab.size() - rank] : 1;
      const int64_t y = i + bb.size() >= rank ? bb[i + bb.size() - rank] : 1;
      if (x != 1 && y != 1 && x != y && x != kAnyDim && y != kAnyDim)
        throw Error("TensorFlow function '" + function + "': batch shapes " + to_string(a) +
                    " and " + to_string(b) + " do not broadcast");
      out[i] = x == 1 ? y : x;
    }
    return out;
  }

  std::string function_;
  MatOperand a_, b_;
};

int input_of(const TfOpArgs& args, const std::string& param) {
  const TfOpArg arg = args[param];
  if (!arg.is_tensor())
    throw Error("TensorFlow function '" + args.function() + "': argument '" + param +
                "' must be a tensor");
  return arg.input;
}

std::unique_ptr<Layer> make_join(const TfOpArgs& args, std::span<const Dims> inputs, bool stack) {
  const TfOpArg values = args["values"];
  if (!values.given() || !values.json->is_array() || values.json->empty())
    throw Error("TensorFlow function '" + args.function() +
                "': argument 'values' must be a list of tensors");
  std::vector<int> ins;
  for (const Json& item : *values.json) {
    if (!item.is_object() || !item.contains("kerasrt_input"))
      throw Error("TensorFlow function '" + args.function() +
                  "': a constant in 'values' is not supported (only tensors)");
    ins.push_back(item["kerasrt_input"].get<int>());
  }
  const size_t rank = inputs[static_cast<size_t>(ins[0])].size();
  const std::optional<int64_t> axis = args.get_int("axis");
  if (!axis && !stack) throw Error("TensorFlow function 'concat' is called without 'axis'");
  const int a = tf_op_axis(axis.value_or(0), stack ? rank + 1 : rank,
                           "TensorFlow function '" + args.function() + "': axis");
  return std::make_unique<Join>(std::move(ins), a, stack);
}

MatOperand mat_operand(const TfOpArgs& args, const char* param, bool transposed, bool is_a,
                       std::span<const Dims> inputs) {
  const TfOpArg arg = args[param];
  MatOperand op;
  op.transposed = transposed;
  const std::string what = "TensorFlow function '" + args.function() + "': ";
  size_t rank;
  if (arg.is_tensor()) {
    op.input = arg.input;
    rank = inputs[static_cast<size_t>(arg.input)].size();
    // A rank-2 tensor's batch axis is a matrix axis: only the rows of an untransposed `a`
    // are independent samples.
    if (rank == 2 && (!is_a || transposed))
      throw Error(what + "the rank-2 tensor '" + param +
                  "' would be multiplied across its batch axis, which kerasrt does not support");
  } else {
    if (!arg.given()) throw Error(what + "argument '" + param + "' is missing");
    op.constant = tf_op_constant(*arg.json, "argument '" + std::string(param) + "'");
    rank = op.constant.shape.size();
  }
  if (rank < 2) throw Error(what + "argument '" + param + "' must have rank 2 or more");
  return op;
}

std::unique_ptr<Layer> make_matmul(const TfOpArgs& args, std::span<const Dims> inputs) {
  // a_is_sparse / b_is_sparse are hints only; adjoint is transpose for real tensors.
  args.get_bool("a_is_sparse", false);
  args.get_bool("b_is_sparse", false);
  const bool ta = args.get_bool("transpose_a", false) || args.get_bool("adjoint_a", false);
  const bool tb = args.get_bool("transpose_b", false) || args.get_bool("adjoint_b", false);
  MatOperand a = mat_operand(args, "a", ta, true, inputs);
  MatOperand b = mat_operand(args, "b", tb, false, inputs);
  if (a.input < 0 && b.input < 0)
    throw Error("TensorFlow function '" + args.function() + "' has no tensor input");
  // Tensors must keep their batch axis aligned: a constant may not add leading batch axes.
  const size_t ra =
      a.input >= 0 ? inputs[static_cast<size_t>(a.input)].size() : a.constant.shape.size();
  const size_t rb =
      b.input >= 0 ? inputs[static_cast<size_t>(b.input)].size() : b.constant.shape.size();
  const bool bad = (a.input >= 0 && b.input >= 0 && ra != rb) ||
                   (a.input >= 0 && b.input < 0 && rb > 2 &&
                    (rb > ra || (rb == ra && b.constant.shape[0] != 1))) ||
                   (b.input >= 0 && a.input < 0 && ra > 2 &&
                    (ra > rb || (ra == rb && a.constant.shape[0] != 1))) ||
                   (a.input >= 0 && ra == 2 && b.input < 0 && rb > 2);
  if (bad)
    throw Error("TensorFlow function '" + args.function() + "': operands of ranks " +
                std::to_string(ra) + " and " + std::to_string(rb) +
                " would broadcast the batch axis against another axis, which kerasrt does not "
                "support");
  return std::make_unique<MatMul>(args.function(), std::move(a), std::move(b));
}

const std::map<std::string, std::vector<std::string>>& structure_params() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"reshape", {"tensor", "shape"}},
      {"transpose", {"a", "perm", "conjugate"}},
      {"compat.v1.transpose", {"a", "perm", "conjugate"}},
      {"concat", {"values", "axis"}},
      {"stack", {"values", "axis"}},
      {"expand_dims", {"input", "axis"}},
      {"compat.v1.expand_dims", {"input", "axis", "dim"}},
      {"squeeze", {"input", "axis"}},
      {"compat.v1.squeeze", {"input", "axis", "squeeze_dims"}},
      {"linalg.matmul",
       {"a", "b", "transpose_a", "transpose_b", "adjoint_a", "adjoint_b", "a_is_sparse",
        "b_is_sparse"}},
  };
  return table;
}

}  // namespace

bool tf_op_structure_params(const std::string& function, std::vector<std::string>& params) {
  auto it = structure_params().find(function == "matmul" ? "linalg.matmul" : function);
  if (it == structure_params().end()) return false;
  params = it->second;
  return true;
}

std::unique_ptr<Layer> make_tf_op_structure(const TfOpArgs& args, std::span<const Dims> inputs) {
  const std::string& f = args.function();
  const std::string what = "TensorFlow function '" + f + "': ";
  if (f == "concat" || f == "stack") return make_join(args, inputs, f == "stack");
  if (f == "matmul" || f == "linalg.matmul") return make_matmul(args, inputs);
  if (f == "reshape") {
    input_of(args, "tensor");
    const auto shape = args.get_ints("shape");
    if (!shape || shape->size() < 2)
      throw Error(what + "argument 'shape' must list the batch axis and at least one more");
    if ((*shape)[0] != -1)
      throw Error(what + "the target shape " + args["shape"].json->dump() +
                  " does not keep the batch axis as -1; kerasrt does not support reshapes that "
                  "fix or change the batch size");
    Dims target(shape->begin() + 1, shape->end());
    for (int64_t d : target)
      if (d < 0)
        throw Error(what + "the target shape " + args["shape"].json->dump() +
                    " infers a dimension other than the batch axis, which would change the "
                    "batch size; kerasrt does not support it");
    return std::make_unique<ShapeOnly>(ShapeOnly::Kind::kReshape, std::move(target),
                                       std::vector<int>{});
  }
  if (f == "transpose" || f == "compat.v1.transpose") {
    const size_t rank = inputs[static_cast<size_t>(input_of(args, "a"))].size();
    args.get_bool("conjugate", false);  // no effect on real tensors
    const auto perm = args.get_ints("perm");
    if (!perm)
      throw Error(what +
                  "without 'perm' reverses every axis, the batch axis included, which "
                  "kerasrt does not support");
    if (perm->size() != rank)
      throw Error(what + "'perm' " + args["perm"].json->dump() + " is not a permutation of " +
                  std::to_string(rank) + " axes");
    std::vector<int> p;
    std::vector<bool> seen(rank, false);
    for (int64_t d : *perm) {
      if (d < 0 || d >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(d)] ||
          perm->size() != rank)
        throw Error(what + "'perm' " + args["perm"].json->dump() + " is not a permutation of " +
                    std::to_string(rank) + " axes");
      seen[static_cast<size_t>(d)] = true;
      p.push_back(static_cast<int>(d));
    }
    if (p[0] != 0)
      throw Error(what + "'perm' " + args["perm"].json->dump() +
                  " moves the batch axis, which kerasrt does not support");
    return std::make_unique<Transpose>(std::move(p));
  }
  if (f == "expand_dims" || f == "compat.v1.expand_dims") {
    const size_t rank = inputs[static_cast<size_t>(input_of(args, "input"))].size();
    std::optional<int64_t> axis = args.get_int("axis");
    if (!axis && f != "expand_dims") axis = args.get_int("dim");
    if (!axis) throw Error(what + "argument 'axis' is missing");
    const int a = tf_op_axis(*axis, rank + 1, what + "axis");
    return std::make_unique<ShapeOnly>(ShapeOnly::Kind::kExpand, Dims{}, std::vector<int>{a});
  }
  if (f == "squeeze" || f == "compat.v1.squeeze") {
    const Dims& in = inputs[static_cast<size_t>(input_of(args, "input"))];
    auto axes = args.get_ints("axis");
    if (!axes && f != "squeeze") axes = args.get_ints("squeeze_dims");
    if (!axes || axes->empty())
      throw Error(what +
                  "without 'axis' would also drop a batch axis of size 1, which kerasrt "
                  "does not support");
    std::vector<int> a;
    for (int64_t x : *axes) a.push_back(tf_op_axis(x, in.size(), what + "axis"));
    return std::make_unique<ShapeOnly>(ShapeOnly::Kind::kSqueeze, Dims{}, std::move(a));
  }
  throw Error(what + "is not supported");
}

}  // namespace kerasrt
