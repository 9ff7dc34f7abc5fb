// `x[...]` (tf.__operators__.getitem): ints, slices (negative and missing bounds, steps of
// either sign), Ellipsis and None / tf.newaxis, with Python's (and tf.strided_slice's)
// semantics. The batch axis must be taken whole.
#include <algorithm>
#include <array>
#include <limits>

#include "kernels/index_walk.h"
#include "layers/tf_op_lambda.h"

namespace kerasrt {
namespace {

struct SliceEntry {
  enum class Kind { kIndex, kSlice, kNewAxis, kEllipsis };
  Kind kind = Kind::kSlice;
  int64_t index = 0;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
};

// One input axis after expanding the spec.
struct AxisOp {
  bool index = false;  // drop the axis, taking element `value`
  int64_t value = 0;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
};

struct Range {
  int64_t start = 0, step = 1, count = 0;
};

// Python's slice.indices(length).
Range resolve(const AxisOp& op, int64_t length) {
  Range r;
  r.step = op.step;
  const int64_t lower = op.step > 0 ? 0 : -1;
  const int64_t upper = op.step > 0 ? length : length - 1;
  const auto clamp = [&](std::optional<int64_t> v, int64_t fallback) {
    if (!v) return fallback;
    int64_t x = *v;
    if (x < 0) x += length;
    return std::min(std::max(x, lower), upper);
  };
  r.start = clamp(op.start, op.step > 0 ? lower : upper);
  const int64_t stop = clamp(op.stop, op.step > 0 ? upper : lower);
  const int64_t span = op.step > 0 ? stop - r.start : r.start - stop;  // within [-1, length + 1]
  const int64_t stride = op.step > 0 ? op.step : -(op.step + 1) + 1;   // |step|, no overflow
  r.count = span > 0 ? (span - 1) / stride + 1 : 0;
  if (r.count <= 1) r.step = 1;  // the step is never taken: keep offsets small
  return r;
}

class GetItem final : public Layer {
 public:
  // `axes`: one op per input axis; `new_axes`: for each output position whether it is a new
  // axis of size 1 (inserted in order among the kept axes).
  GetItem(std::vector<AxisOp> axes, std::vector<bool> layout)
      : axes_(std::move(axes)), layout_(std::move(layout)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (in.size() != axes_.size()) throw Error("the input rank changed");
    Dims kept;
    for (size_t i = 0; i < in.size(); ++i) {
      const AxisOp& op = axes_[i];
      if (i == 0) {
        kept.push_back(in[0]);
        continue;
      }
      if (in[i] == kAnyDim) {
        if (!op.index) kept.push_back(kAnyDim);
        continue;
      }
      if (op.index) {
        if (op.value < -in[i] || op.value >= in[i])
          throw Error("TensorFlow function '__operators__.getitem': index " +
                      std::to_string(op.value) + " is out of range for axis " + std::to_string(i) +
                      " of " + to_string(in));
        continue;
      }
      kept.push_back(resolve(op, in[i]).count);
    }
    Dims out;
    size_t k = 0;
    for (bool is_new : layout_) out.push_back(is_new ? 1 : kept[k++]);
    return {out};
  }

  // Where the slice starts in the input, and its count and step (in elements) along each kept
  // axis: worked out once per input shape.
  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    const size_t rank = in.size();
    std::vector<int64_t> stride(rank);
    int64_t s = 1;
    for (size_t i = rank; i-- > 0;) {
      stride[i] = s;
      s *= in[i];
    }
    auto slice = std::make_shared<Slice>();
    for (size_t i = 0; i < rank; ++i) {
      const AxisOp& op = axes_[i];
      if (op.index) {
        slice->base += (op.value < 0 ? op.value + in[i] : op.value) * stride[i];
        continue;
      }
      const Range r = i == 0 ? Range{0, 1, in[0]} : resolve(op, in[i]);
      slice->base += r.start * stride[i];
      slice->counts.push_back(r.count);
      slice->steps.push_back(r.step * stride[i]);
    }
    return slice;
  }

  void run(const RunContext& ctx) const override {
    if (ctx.outputs[0].size() == 0) return;
    with_prepared(*this, ctx, [&](const Prepared& prepared, float*) {
      // Every kept axis but the last walked; the last copied row by row.
      const auto& slice = static_cast<const Slice&>(prepared);
      const float* in = ctx.inputs[0].data + slice.base;
      float* out = ctx.outputs[0].data;
      const int64_t count = slice.counts.back(), step = slice.steps.back();
      walk_indices<1>(slice.counts, {slice.steps}, slice.counts.size() - 1,
                      [&](std::array<int64_t, 1> at) {
                        for (int64_t i = 0; i < count; ++i) out[i] = in[at[0] + i * step];
                        out += count;
                      });
    });
  }

 private:
  struct Slice final : Prepared {
    int64_t base = 0;
    std::vector<int64_t> counts, steps;  // over kept axes, in order (the batch axis at least)
  };

  std::vector<AxisOp> axes_;
  std::vector<bool> layout_;
};

std::optional<int64_t> bound(const Json& value, const std::string& what) {
  if (value.is_null()) return std::nullopt;
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_object() && value.contains("kerasrt_input"))
    throw Error(what + " is computed from tensors, which kerasrt does not support");
  throw Error(what + " must be an integer or None, got " + value.dump());
}

SliceEntry parse_entry(const Json& item) {
  const std::string what =
      "TensorFlow function '__operators__.getitem': slice_spec entry " + item.dump();
  SliceEntry e;
  if (item.is_null()) {
    e.kind = SliceEntry::Kind::kNewAxis;
  } else if (item.is_number_integer()) {
    e.kind = SliceEntry::Kind::kIndex;
    e.index = item.get<int64_t>();
  } else if (item.is_object() && item.value("class_name", "") == "__ellipsis__") {
    e.kind = SliceEntry::Kind::kEllipsis;
  } else if (item.is_object() && item.contains("start") && item.contains("stop") &&
             item.contains("step") && item.size() == 3) {
    e.kind = SliceEntry::Kind::kSlice;
    e.start = bound(item["start"], what + ": start");
    e.stop = bound(item["stop"], what + ": stop");
    const auto step = bound(item["step"], what + ": step");
    e.step = step.value_or(1);
    if (e.step == 0) throw Error(what + ": step must not be 0");
    if (e.step == std::numeric_limits<int64_t>::min()) throw Error(what + ": step is too large");
  } else if (item.is_object() && item.contains("kerasrt_input")) {
    throw Error(what + " indexes with a tensor, which kerasrt does not support");
  } else {
    throw Error(what + " is not supported (ints, slices, Ellipsis and None are)");
  }
  return e;
}

}  // namespace

std::unique_ptr<Layer> make_tf_op_getitem(const TfOpArgs& args, std::span<const Dims> inputs) {
  const std::string what = "TensorFlow function '__operators__.getitem': ";
  const TfOpArg tensor = args["tensor"];
  if (!tensor.is_tensor()) throw Error(what + "the sliced value must be a tensor");
  if (args["var"].given()) throw Error(what + "argument 'var' is not supported");
  const TfOpArg spec = args["slice_spec"];
  if (!spec.json) throw Error(what + "argument 'slice_spec' is missing");
  std::vector<SliceEntry> entries;
  if (spec.json->is_array())
    for (const Json& item : *spec.json) entries.push_back(parse_entry(item));
  else
    entries.push_back(parse_entry(*spec.json));

  const size_t rank = inputs[static_cast<size_t>(tensor.input)].size();
  size_t consuming = 0, ellipses = 0;
  for (const SliceEntry& e : entries) {
    consuming += e.kind == SliceEntry::Kind::kIndex || e.kind == SliceEntry::Kind::kSlice;
    ellipses += e.kind == SliceEntry::Kind::kEllipsis;
  }
  if (ellipses > 1) throw Error(what + "more than one Ellipsis");
  if (consuming > rank)
    throw Error(what + "slice_spec " + spec.json->dump() + " indexes " + std::to_string(consuming) +
                " axes of a tensor of rank " + std::to_string(rank));
  if (!ellipses) {
    SliceEntry rest;
    rest.kind = SliceEntry::Kind::kEllipsis;
    entries.push_back(rest);
  }

  std::vector<AxisOp> axes;
  std::vector<bool> layout;  // output positions: true = new axis
  for (const SliceEntry& e : entries) {
    switch (e.kind) {
      case SliceEntry::Kind::kNewAxis:
        if (axes.empty())
          throw Error(what + "slice_spec " + spec.json->dump() +
                      " adds an axis before the batch axis, which kerasrt does not support");
        layout.push_back(true);
        break;
      case SliceEntry::Kind::kIndex:
        axes.push_back(AxisOp{true, e.index, {}, {}, 1});
        break;
      case SliceEntry::Kind::kSlice:
        axes.push_back(AxisOp{false, 0, e.start, e.stop, e.step});
        layout.push_back(false);
        break;
      case SliceEntry::Kind::kEllipsis:
        for (size_t i = 0; i < rank - consuming; ++i) {
          axes.push_back(AxisOp{});
          layout.push_back(false);
        }
        break;
    }
  }
  const AxisOp& batch = axes[0];
  if (batch.index || batch.step != 1 || (batch.start && *batch.start != 0) || batch.stop)
    throw Error(what + "slice_spec " + spec.json->dump() +
                " does not take the batch axis whole, which kerasrt does not support");
  return std::make_unique<GetItem>(std::move(axes), std::move(layout));
}

}  // namespace kerasrt
