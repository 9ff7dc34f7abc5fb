#include "kernels/onednn.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>
#include <string>

#include "core/large_buffer.h"
#include "core/openmp_threads.h"
#include "core/shape.h"
#include "core/thread_sanitizer.h"
#include "kernels/gemm.h"
#include "kernels/vecmath.h"

namespace kerasrt {
namespace {

using dnnl::memory;
using Dims = memory::dims;

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// oneDNN shares primitive descriptors and primitives between threads through its process-wide
// primitive cache, synchronised inside libdnnl where ThreadSanitizer cannot see it (the library
// is not instrumented), so TSan reported one thread reading a descriptor another had just made.
// In a TSan build they are made under one lock of ours, which orders that visibly. Elsewhere the
// lock does nothing: oneDNN makes them safely on several threads at once, and a load packs
// several layers at once (graph/optimize.cc), which the lock made take turns (MobileNetV2's
// packing, median of 30 fresh loads: 6.6 -> 4.9 ms without it).
#ifdef KERASRT_THREAD_SANITIZER
using CreationMutex = std::mutex;
#else
struct CreationMutex {
  void lock() {}
  void unlock() {}
};
#endif

CreationMutex& primitive_creation_mutex() {
  static CreationMutex mutex;
  return mutex;
}

Error onednn_error(const char* what, const dnnl::error& e) {
  return Error(std::string("oneDNN could not ") + what + ": " + e.what());
}

}  // namespace

// The memory objects and stream one execution of a primitive runs with. Made at a primitive's
// first call and kept for later ones, which only point the source, destination and scratchpad
// at their own buffers: making them per call was 80% of a MobileNetV2 predict's heap
// allocations, and that churn left each of glibc's per-thread arenas ~130 KB resident. The
// weights and bias, the same for every call, are the state's (read-only arguments, which
// concurrent executions may share).
struct Execution {
  dnnl::stream stream;
  memory src, weights, dst, scratchpad;  // weights: only when they come with each call
  dnnl_exec_arg_t args[5] = {};
  int count = 0;
};

// The executions of one primitive not in use: as many as calls have run it at the same time.
class ExecutionPool {
 public:
  std::unique_ptr<Execution> take() {
    const std::lock_guard lock(mutex_);
    if (free_.empty()) return nullptr;
    std::unique_ptr<Execution> execution = std::move(free_.back());
    free_.pop_back();
    return execution;
  }
  void give(std::unique_ptr<Execution> execution) {
    const std::lock_guard lock(mutex_);
    free_.push_back(std::move(execution));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Execution>> free_;
};

// A primitive (a convolution or a matrix product) with the buffers it runs on, for one concrete
// shape.
struct PrimitiveState final : Prepared {
  dnnl::primitive primitive;
  memory::desc src, weights, bias, dst, scratchpad;
  int64_t dst_elements = 0;
  SharedFloats own_weights;  // when the primitive wants the weights in another layout
  bool empty = false;        // nothing to compute (a zero-sized output)
  // The constant arguments (bias_memory empty without a bias; weights_memory empty when the
  // weights come with each call).
  memory weights_memory, bias_memory;
  mutable ExecutionPool executions;
  // Set when our packed GEMM runs this matrix product instead of a primitive (see
  // MatmulKernel::make_state): the weights in its panel layout; null data otherwise.
  PackedPanels panels;
};

namespace {

dnnl::primitive_attr make_attr(const PostOps& post) {
  dnnl::post_ops ops;
  if (post.sum) ops.append_sum(1.0f);
  const Activation& act = post.activation;
  if (post.fuses_activation() && act.kind == ActKind::kRelu) {
    if (std::isinf(act.max_value))
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, act.alpha, 0.0f);
    else
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, 0.0f, act.max_value);
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// Weights held as a row-major (rows x columns) matrix, with their per-unit scale on the columns,
// going into a panel layout (kernels/gemm.h).
struct PanelPacking {
  int64_t rows = 0, columns = 0;
  PanelLayout layout;
};

// oneDNN's BA16a64b, which a matrix product's weights take, is our packed GEMM's panel layout
// with the rows padded to 16.
std::optional<PanelPacking> matmul_panels(const memory::desc& held, const memory::desc& wanted,
                                          bool scaled, int scale_mask) {
  const memory::dims dims = held.dims();
  if (dims.size() != 2 || (scaled && scale_mask != 0b10) ||
      held != memory::desc(dims, memory::data_type::f32, memory::format_tag::ab) ||
      wanted != memory::desc(dims, memory::data_type::f32, memory::format_tag::BA16a64b))
    return std::nullopt;
  const int64_t panel = PackedMatrix::kPanel;
  return PanelPacking{dims[0], dims[1], {panel, panel, wanted.data.padded_dims[0] * panel}};
}

// Keras keeps a convolution kernel as a row-major (taps x inputs) x filters matrix (filters on
// oneDNN's axis 0, keras_conv_layout). The blocked layouts oneDNN picks for it with one block of
// filters innermost (Acdb16a to Acdb64a; a depthwise kernel's debcA16a) keep the rows in the same
// order: each other axis steps the rows by its stride held / filters, and the block by that
// times a row's floats. A layout of any other form is left to oneDNN's reorder.
std::optional<PanelPacking> conv_panels(const memory::desc& held, const memory::desc& wanted,
                                        bool scaled, int scale_mask) {
  const dnnl_memory_desc_t& h = held.data;
  const dnnl_memory_desc_t& w = wanted.data;
  const dnnl_blocking_desc_t& from = h.format_desc.blocking;
  const dnnl_blocking_desc_t& to = w.format_desc.blocking;
  if (h.format_kind != dnnl_blocked || w.format_kind != dnnl_blocked || h.ndims != w.ndims ||
      h.ndims < 3 || from.inner_nblks != 0 || from.strides[0] != 1 || h.offset0 != 0 ||
      to.inner_nblks != 1 || to.inner_idxs[0] != 0 || w.offset0 != 0 || w.extra.flags != 0)
    return std::nullopt;
  // A folded scale is per filter: axis 0 (and a grouped kernel's axis 1, of one filter here).
  if (scaled && scale_mask != 0b1 && !(scale_mask == 0b11 && h.dims[1] == 1)) return std::nullopt;
  const int64_t filters = h.dims[0];
  int64_t rows = 1, row_floats = 0;
  for (int d = 1; d < h.ndims; ++d) {
    if (h.dims[d] == 1) continue;
    if (w.padded_dims[d] != h.dims[d] || from.strides[d] % filters != 0) return std::nullopt;
    const int64_t step = from.strides[d] / filters;  // rows per index of this axis
    if (to.strides[d] % step != 0) return std::nullopt;
    if (row_floats == 0) row_floats = to.strides[d] / step;
    if (to.strides[d] != step * row_floats) return std::nullopt;
    rows *= h.dims[d];
  }
  const int64_t block = to.inner_blks[0];
  if (row_floats == 0) row_floats = block;  // a single row
  return PanelPacking{rows, filters, {block, row_floats, to.strides[0]}};
}

// `held` reordered into `wanted`, each filter's weights multiplied by its `scale` on the way when
// there is one (a folded BatchNormalization: one pass over the weights instead of a scaled copy
// and then a reorder; the product is the same float either way, rounded once), into `arena` when
// there is one. Nothing when the weights already are in that layout, unscaled.
SharedFloats reorder_weights(std::span<const float> held, const memory::desc& held_desc,
                             const memory::desc& wanted, const std::vector<float>* scale,
                             int scale_mask, WeightArena* arena) {
  if (held_desc == wanted && !scale) return {};
  // Zeros first: blocked layouts pad, and the reorder writes only the real values.
  const size_t count = (wanted.get_size() + sizeof(float) - 1) / sizeof(float);
  const std::shared_ptr<float> values = zero_floats(count, arena);
  SharedFloats out{values, count, false};
  // The layouts oneDNN picks for dense and convolution weights are panel layouts of Keras's
  // matrices: packing them ourselves skips making a reorder primitive per shape, JIT-compiled
  // code (first load: MLP 2.8-3.0 -> 2.4-2.8 ms; MobileNetV2's 53 reorders took 1.6 ms).
  std::optional<PanelPacking> panels = matmul_panels(held_desc, wanted, scale, scale_mask);
  if (!panels) panels = conv_panels(held_desc, wanted, scale, scale_mask);
  if (panels) {
    pack_panels(held.data(), panels->columns, panels->rows, panels->columns,
                scale ? scale->data() : nullptr, values.get(), panels->layout);
    return out;
  }
  memory from(held_desc, cpu_engine(), const_cast<float*>(held.data()));
  memory to(wanted, cpu_engine(), values.get());
  dnnl::primitive_attr attr;
  if (scale) attr.set_output_scales(scale_mask, *scale);
  dnnl::reorder reorder;
  {
    const std::lock_guard lock(primitive_creation_mutex());
    reorder = dnnl::reorder(from, to, attr);
  }
  dnnl::stream stream(cpu_engine());
  reorder.execute(stream, from, to);
  stream.wait();
  return out;
}

std::unique_ptr<Execution> make_execution(const PrimitiveState& state) {
  const dnnl::engine& engine = cpu_engine();
  auto e = std::make_unique<Execution>();
  e->stream = dnnl::stream(engine);
  const auto add = [&](int role, const memory& m) { e->args[e->count++] = {role, m.get()}; };
  e->src = memory(state.src, engine, nullptr);
  e->dst = memory(state.dst, engine, nullptr);
  add(DNNL_ARG_SRC, e->src);
  if (!state.weights_memory) e->weights = memory(state.weights, engine, nullptr);
  add(DNNL_ARG_WEIGHTS, state.weights_memory ? state.weights_memory : e->weights);
  if (state.bias_memory) add(DNNL_ARG_BIAS, state.bias_memory);
  add(DNNL_ARG_DST, e->dst);
  if (state.scratchpad.get_size() > 0) {
    e->scratchpad = memory(state.scratchpad, engine, nullptr);
    add(DNNL_ARG_SCRATCHPAD, e->scratchpad);
  }
  return e;
}

// `weights` only for a state without constant weights.
void execute(const PrimitiveState& state, const float* in, float* out, float* scratch,
             const char* what, const float* weights = nullptr) {
  std::unique_ptr<Execution> e = state.executions.take();
  if (!e) e = make_execution(state);
  e->src.set_data_handle(const_cast<float*>(in));
  if (e->weights) e->weights.set_data_handle(const_cast<float*>(weights));
  e->dst.set_data_handle(out);
  if (e->scratchpad) e->scratchpad.set_data_handle(scratch);
  // The C API takes the arguments as the array the execution keeps; the C++ one would build an
  // unordered_map per call.
  dnnl::error::wrap_c_api(
      dnnl_primitive_execute(state.primitive.get(), e->stream.get(), e->count, e->args), what);
  e->stream.wait();
  state.executions.give(std::move(e));
}

void set_scratchpad(PrimitiveState& state, const dnnl::primitive_desc_base& pd) {
  state.scratchpad = pd.scratchpad_desc();
  state.scratch_floats = (state.scratchpad.get_size() + sizeof(float) - 1) / sizeof(float);
}

}  // namespace

std::shared_ptr<const std::vector<float>> folded_bias(const std::vector<float>* bias, int64_t units,
                                                      std::span<const float> scale,
                                                      std::span<const float> shift) {
  std::vector<float> out = bias ? *bias : std::vector<float>(static_cast<size_t>(units), 0.0f);
  for (size_t u = 0; u < out.size(); ++u)
    out[u] = static_cast<float>(static_cast<double>(out[u]) * scale[u] + shift[u]);
  return std::make_shared<const std::vector<float>>(std::move(out));
}

bool PostOps::fuses_activation() const {
  if (activation.kind == ActKind::kLinear) return true;
  if (activation.kind != ActKind::kRelu || activation.threshold != 0.0f) return false;
  // relu, leaky relu (slope), relu clipped at max_value; not both a slope and a clip.
  return activation.alpha == 0.0f || std::isinf(activation.max_value);
}

// ---------------------------------------------------------------------------------------------
// What both kernels share

template <class Kernel>
PrimitiveKernel<Kernel>::PrimitiveKernel(SharedFloats weights, memory::desc layout,
                                         std::vector<float> bias, int64_t units, int unit_axes)
    : weights_(std::move(weights)),
      weights_desc_(std::move(layout)),
      bias_(bias.empty() ? nullptr : std::make_shared<const std::vector<float>>(std::move(bias))),
      units_(units),
      unit_axes_(unit_axes) {}

template <class Kernel>
Kernel PrimitiveKernel<Kernel>::with_scale_shift(std::span<const float> scale,
                                                 std::span<const float> shift) const {
  Kernel out = with_unit_scale(scale);
  out.bias_ = folded_bias(bias_.get(), units_, scale, shift);
  return out;
}

template <class Kernel>
Kernel PrimitiveKernel<Kernel>::with_unit_scale(std::span<const float> scale) const {
  if (packed_) throw Error("internal: a packed kernel cannot fold a scale");
  Kernel out = static_cast<const Kernel&>(*this);
  if (weight_scale_)
    // A second folded scale: the first is applied now (in the layout held, whichever axis the
    // units are on), so each product is rounded as before.
    out.weights_ = reorder_weights(weights_.span(), weights_desc_, weights_desc_,
                                   weight_scale_.get(), unit_axes_, /*arena=*/nullptr);
  // The weights' scale is applied when they are packed (reorder_weights), in the same pass.
  out.weight_scale_ = std::make_shared<const std::vector<float>>(scale.begin(), scale.end());
  return out;
}

template <class Kernel>
std::span<const float> PrimitiveKernel<Kernel>::keras_weights() const {
  if (packed_) throw Error("internal: a packed kernel's weights are not in Keras's layout");
  return weights_.span();
}

template <class Kernel>
Kernel PrimitiveKernel<Kernel>::with_post(const PostOps& post) const {
  Kernel out = static_cast<const Kernel&>(*this);
  out.post_ = post;
  return out;
}

template <class Kernel>
Kernel PrimitiveKernel<Kernel>::detached(WeightArena* arena) const {
  Kernel out = static_cast<const Kernel&>(*this);
  if (weights_.in_file) out.weights_ = owned_copy(weights_.span(), arena);
  return out;
}

template <class Kernel>
Kernel PrimitiveKernel<Kernel>::packed_as(PrimitiveState& state, WeightArena* arena) const {
  if (state.empty) return detached(arena);  // no primitive to pick a layout
  if (!state.own_weights.data) {            // the primitive takes Keras's layout as it is
    Kernel out = detached(arena);
    out.packed_ = true;
    return out;
  }
  Kernel out = static_cast<const Kernel&>(*this);
  out.weights_ = std::move(state.own_weights);
  out.weights_desc_ = state.weights;
  out.weight_scale_ = nullptr;
  out.packed_ = true;
  return out;
}

template <class Kernel>
template <class Primitive>
void PrimitiveKernel<Kernel>::complete(PrimitiveState& state,
                                       const typename Primitive::primitive_desc& pd, bool primitive,
                                       WeightArena* arena) const {
  state.weights = pd.weights_desc();
  state.own_weights = reorder_weights(weights_.span(), weights_desc_, state.weights,
                                      weight_scale_.get(), unit_axes_, arena);
  set_scratchpad(state, pd);
  if (!primitive) return;
  {
    const std::lock_guard lock(primitive_creation_mutex());
    state.primitive = Primitive(pd);
  }
  // Read-only arguments, the same for every call: concurrent executions share them.
  const float* weights =
      state.own_weights.data ? state.own_weights.data.get() : weights_.data.get();
  state.weights_memory = memory(state.weights, cpu_engine(), const_cast<float*>(weights));
  if (bias_)
    state.bias_memory = memory(state.bias, cpu_engine(), const_cast<float*>(bias_->data()));
}

template class PrimitiveKernel<ConvKernel>;
template class PrimitiveKernel<MatmulKernel>;

// ---------------------------------------------------------------------------------------------
// Convolution

namespace {

// Keras's layout of a convolution kernel, (taps..., in_channels / groups, filters) row-major with
// filter g * per_group + o, as oneDNN's (groups, filters, inputs, taps...) dimensions.
memory::desc keras_conv_layout(const ConvKernel::Config& config, const Dims& taps) {
  const int64_t groups = config.groups, filters = config.filters;
  const int64_t group_inputs = config.in_channels / groups, group_filters = filters / groups;
  Dims dims, strides;
  if (groups > 1) {
    dims = {groups, group_filters, group_inputs};
    strides = {group_filters, 1, filters};
  } else {
    dims = {filters, group_inputs};
    strides = {1, filters};
  }
  int64_t stride = group_inputs * filters;
  Dims tap_strides(taps.size());
  for (size_t i = taps.size(); i-- > 0;) {
    tap_strides[i] = stride;
    stride *= taps[i];
  }
  dims.insert(dims.end(), taps.begin(), taps.end());
  strides.insert(strides.end(), tap_strides.begin(), tap_strides.end());
  return memory::desc(dims, memory::data_type::f32, strides);
}

}  // namespace

ConvKernel::ConvKernel(const Config& config, SharedFloats weights, std::vector<float> bias)
    // A folded scale is per filter: axis 0, or axes 0 and 1 (group, filter in group) when grouped.
    : PrimitiveKernel(std::move(weights), memory::desc(), std::move(bias), config.filters,
                      config.groups > 1 ? 0b11 : 0b1),
      config_(config) {
  weights_desc_ = keras_conv_layout(config, spatial(config.kernel));
}

Dims ConvKernel::spatial(const Spatial& s) const {
  Dims out;
  for (int i = kMaxSpatialRank - config_.rank; i < kMaxSpatialRank; ++i)
    out.push_back(s[static_cast<size_t>(i)]);
  return out;
}

memory::desc ConvKernel::data_desc(int64_t batch, int64_t channels, const Spatial& size) const {
  Dims dims{batch, channels};
  const Dims sizes = spatial(size);
  dims.insert(dims.end(), sizes.begin(), sizes.end());
  using Tag = memory::format_tag;
  static constexpr Tag kLast[] = {Tag::nwc, Tag::nhwc, Tag::ndhwc},
                       kFirst[] = {Tag::ncw, Tag::nchw, Tag::ncdhw};
  const size_t r = static_cast<size_t>(config_.rank - 1);
  return memory::desc(dims, memory::data_type::f32, config_.channels_first ? kFirst[r] : kLast[r]);
}

ConvKernel ConvKernel::packed_for(const Window& typical, WeightArena* arena) const {
  // Only the primitive descriptor is needed here (the layout it wants): the primitive itself,
  // with its JIT-compiled code, is made per shape by prepare() at the first call.
  return packed_as(*make_state(typical, /*primitive=*/false, arena), arena);
}

std::shared_ptr<const Prepared> ConvKernel::prepare(const Window& w) const {
  return make_state(w, /*primitive=*/true, /*arena=*/nullptr);
}

std::shared_ptr<PrimitiveState> ConvKernel::make_state(const Window& w, bool primitive,
                                                       WeightArena* arena) const {
  auto state = std::make_shared<PrimitiveState>();
  state->dst_elements = w.in.batch * w.out_positions() * config_.filters;
  if (state->dst_elements == 0 || w.in.elements() == 0) {
    state->empty = true;
    return state;
  }
  Dims strides, dilates, pad_before, pad_after;
  for (int i = kMaxSpatialRank - config_.rank; i < kMaxSpatialRank; ++i) {
    const size_t a = static_cast<size_t>(i);
    strides.push_back(w.stride[a]);
    dilates.push_back(w.dilation[a] - 1);
    pad_before.push_back(w.pad_before[a]);
    // May be negative: input rows past the last window are never read ("valid" padding).
    pad_after.push_back((w.out[a] - 1) * w.stride[a] + (w.kernel[a] - 1) * w.dilation[a] + 1 -
                        w.in.size[a] - w.pad_before[a]);
  }
  state->src = data_desc(w.in.batch, config_.in_channels, w.in.size);
  state->dst = data_desc(w.in.batch, config_.filters, w.out);
  const memory::desc any_weights(weights_desc_.dims(), memory::data_type::f32,
                                 memory::format_tag::any);
  try {
    std::unique_lock lock(primitive_creation_mutex());
    const auto kind = dnnl::prop_kind::forward_inference;
    const auto algorithm = dnnl::algorithm::convolution_direct;
    std::unique_ptr<dnnl::convolution_forward::desc> desc;
    if (bias_) {
      state->bias = memory::desc({config_.filters}, memory::data_type::f32, memory::format_tag::a);
      desc = std::make_unique<dnnl::convolution_forward::desc>(
          kind, algorithm, state->src, any_weights, state->bias, state->dst, strides, dilates,
          pad_before, pad_after);
    } else {
      desc = std::make_unique<dnnl::convolution_forward::desc>(kind, algorithm, state->src,
                                                               any_weights, state->dst, strides,
                                                               dilates, pad_before, pad_after);
    }
    const dnnl::convolution_forward::primitive_desc pd(*desc, make_attr(post_), cpu_engine());
    lock.unlock();
    complete<dnnl::convolution_forward>(*state, pd, primitive, arena);
  } catch (const dnnl::error& e) {
    throw onednn_error("set up this convolution", e);
  }
  return state;
}

void ConvKernel::run(const Prepared& prepared, const Window&, const float* in, float* out,
                     float* scratch) const {
  const auto& state = static_cast<const PrimitiveState&>(prepared);
  if (state.empty) return;
  execute(state, in, out, scratch, "could not execute a convolution");
  if (!post_.fuses_activation()) apply_pointwise(post_.activation, out, state.dst_elements);
}

// ---------------------------------------------------------------------------------------------
// Matrix product

namespace {

// The weights of a matrix product as Keras stores them: row-major (k x n), or (n x k) read
// transposed.
memory::desc keras_matmul_layout(int64_t k, int64_t n, bool transposed) {
  return memory::desc({k, n}, memory::data_type::f32,
                      transposed ? memory::format_tag::ba : memory::format_tag::ab);
}

}  // namespace

MatmulKernel::MatmulKernel(int64_t k, int64_t n, SharedFloats weights, std::vector<float> bias,
                           bool transposed)
    // A folded scale is per column: axis 1.
    : PrimitiveKernel(std::move(weights), keras_matmul_layout(k, n, transposed), std::move(bias), n,
                      0b10),
      k_(k),
      n_(n),
      transposed_(transposed) {}

MatmulKernel MatmulKernel::packed_for(int64_t typical_rows, WeightArena* arena) const {
  const std::shared_ptr<PrimitiveState> state =
      make_state(std::max<int64_t>(typical_rows, 1), /*primitive=*/false, arena);
  MatmulKernel out = packed_as(*state, arena);
  out.on_panels_ = state->panels.data != nullptr;
  return out;
}

std::shared_ptr<const Prepared> MatmulKernel::prepare(int64_t rows) const {
  return make_state(rows, /*primitive=*/true, /*arena=*/nullptr);
}

std::shared_ptr<PrimitiveState> MatmulKernel::make_state(int64_t rows, bool primitive,
                                                         WeightArena* arena) const {
  auto state = std::make_shared<PrimitiveState>();
  state->dst_elements = rows * n_;
  // oneDNN takes no empty product; with k = 0, run() writes post(bias) itself.
  if (rows == 0 || n_ == 0 || k_ == 0) {
    state->empty = true;
    return state;
  }
  // oneDNN's BA16a64b, the layout its AVX-512 matrix product takes, is our packed GEMM's.
  const memory::desc panels({k_, n_}, memory::data_type::f32, memory::format_tag::BA16a64b);
  const auto run_on_panels = [&](const float* weights) {
    state->weights = panels;
    state->panels = {weights, k_, n_, panels.data.padded_dims[0] * PackedMatrix::kPanel};
    return state;
  };
  if (on_panels_) return run_on_panels(weights_.data.get());
  state->src = memory::desc({rows, k_}, memory::data_type::f32, memory::format_tag::ab);
  state->dst = memory::desc({rows, n_}, memory::data_type::f32, memory::format_tag::ab);
  const memory::desc any_weights({k_, n_}, memory::data_type::f32, memory::format_tag::any);
  try {
    std::unique_lock lock(primitive_creation_mutex());
    if (bias_) state->bias = memory::desc({1, n_}, memory::data_type::f32, memory::format_tag::ab);
    const dnnl::primitive_attr attr = make_attr(post_);
    dnnl::matmul::primitive_desc pd(
        dnnl::matmul::desc(state->src, any_weights, state->bias, state->dst), attr, cpu_engine());
    // The packed layout pads the columns to the kernel's block: a narrow product (a Dense(1) over
    // 4,096 inputs) would hold 1 MB instead of 16 KB. Such products run as fast on the layout
    // held, so it is kept when packing would more than double the weights.
    const memory::desc plain = keras_matmul_layout(k_, n_, transposed_);
    // Without AVX-512, oneDNN's matrix product is its sgemm: weights taken row-major and packed
    // again on every call, and a row's bits depending on how many rows the call has (AVX2: on
    // rows % 6), which would keep the server from merging requests (server/batcher.h). Our
    // packed GEMM gives a row the same bits in any batch, from weights packed once, so it runs
    // these products. A narrow one (a classifier's 10 units) pads to a panel of 64 columns,
    // which is kept when it stays small (a Dense(1) over 1 M inputs would take 256 MB).
    const memory::desc row_major = keras_matmul_layout(k_, n_, /*transposed=*/false);
    const size_t panel_bytes = panels.get_size();
    if (pd.weights_desc() == row_major &&
        (panel_bytes <= 2 * plain.get_size() || panel_bytes <= (size_t{1} << 20))) {
      lock.unlock();
      state->own_weights = reorder_weights(weights_.span(), weights_desc_, panels,
                                           weight_scale_.get(), unit_axes_, arena);
      return run_on_panels(state->own_weights.data.get());
    }
    if (pd.weights_desc().get_size() > 2 * plain.get_size())
      pd = dnnl::matmul::primitive_desc(
          dnnl::matmul::desc(state->src, plain, state->bias, state->dst), attr, cpu_engine());
    lock.unlock();
    complete<dnnl::matmul>(*state, pd, primitive, arena);
  } catch (const dnnl::error& e) {
    throw onednn_error("set up this matrix product", e);
  }
  // One row is a matrix-vector product that streams the weights from the last-level cache, which
  // the packed GEMM, prefetching ahead, does faster than the primitive (MLP 784-512-512-10 at
  // batch 1: 28.1 -> 22.3 us; 9216 x 128: 46 -> 37 us). The primitive's weights are in the
  // GEMM's layout, so they are read where they are. A fused Add keeps the primitive, and so does
  // a product given several threads, which the primitive shares out between them.
  if (primitive && rows == 1 && !post_.sum && omp_get_max_threads() == 1 &&
      state->weights == panels)
    return run_on_panels(static_cast<const float*>(state->weights_memory.get_data_handle()));
  return state;
}

namespace {

// out[rows x n] = in . weights (+ out, with `accumulate`) on our packed GEMM, shared among the
// OpenMP threads the call may use: by blocks of rows, or by column panels when the rows are few.
// A row's sums are the same whichever way it is split. `finish(first, count)` completes rows
// first..first + count of out (bias, activation) once their products are done.
template <class Finish>
void panel_product(const PackedPanels& weights, const float* in, int64_t rows, float* out,
                   bool accumulate, const Finish& finish) {
  const int64_t k = weights.k, n = weights.n, kPanel = PackedMatrix::kPanel;
  const auto product = [&](int64_t row, int64_t row_count, int64_t panel, int64_t panel_count) {
    const PackedPanels part{weights.data + panel * weights.panel_floats, k,
                            std::min(n - panel * kPanel, panel_count * kPanel),
                            weights.panel_floats};
    const float* a = in + row * k;
    float* c = out + row * n + panel * kPanel;
    if (accumulate)
      packed_matmul_accumulate(a, row_count, k, part, c, n);
    else
      packed_matmul(a, row_count, k, part, c, n, /*streamed=*/row_count <= 2);
  };
  const int64_t panel_total = ceil_div(n, kPanel);
  // Below ~64 K multiply-adds, waking a second thread costs more than it saves.
  const int threads = rows * k * n < (int64_t{1} << 16) ? 1 : openmp_threads();
  // Rows go in blocks of 12, a multiple of every kernel's row block, so that no thread's share
  // ends in a ragged one.
  const int64_t row_blocks = (rows + 11) / 12;
  const bool by_rows = threads > 1 && row_blocks >= threads;
  const int parts = by_rows ? threads : static_cast<int>(std::min<int64_t>(threads, panel_total));
  parallel_for(parts, parts, [&](int64_t t) {
    if (by_rows) {
      const int64_t first = row_blocks * t / parts * 12;
      const int64_t last = std::min(rows, row_blocks * (t + 1) / parts * 12);
      product(first, last - first, 0, panel_total);
      finish(first, last - first);
    } else {
      const int64_t first = panel_total * t / parts, last = panel_total * (t + 1) / parts;
      product(0, rows, first, last - first);
    }
  });
  if (!by_rows) finish(0, rows);
}

}  // namespace

void MatmulKernel::run(const Prepared& prepared, const float* in, float* out,
                       float* scratch) const {
  const auto& state = static_cast<const PrimitiveState&>(prepared);
  bool activated = post_.fuses_activation();  // by the primitive
  if (state.panels.data) {
    panel_product(state.panels, in, state.dst_elements / n_, out, post_.sum,
                  [&](int64_t first, int64_t count) {
                    float* rows = out + first * n_;
                    if (bias_) vec::add_bias_rows(rows, count, n_, bias_->data());
                    apply_pointwise(post_.activation, rows, count * n_);
                  });
    return;
  }
  if (!state.empty) {
    execute(state, in, out, scratch, "could not execute a matrix product");
  } else if (state.dst_elements > 0) {  // k = 0: the product is zero
    const int64_t rows = state.dst_elements / n_;
    if (!post_.sum) std::fill_n(out, state.dst_elements, 0.0f);
    if (bias_) vec::add_bias_rows(out, rows, n_, bias_->data());
    activated = false;
  }
  if (!activated) apply_pointwise(post_.activation, out, state.dst_elements);
}

// ---------------------------------------------------------------------------------------------
// Batched matrix products of two operands given per call

StridedMatrices StridedMatrices::row_major(std::span<const int64_t> stored, bool transposed,
                                           size_t rank) {
  StridedMatrices m{Dims(rank, 1), Dims(rank, 0)};
  const size_t lead = rank - stored.size();
  int64_t stride = 1;
  for (size_t i = stored.size(); i-- > 0;) {
    m.dims[lead + i] = stored[i];
    m.strides[lead + i] = stride;
    stride *= stored[i];
  }
  for (size_t i = 0; i < lead; ++i) m.strides[i] = stride;
  if (transposed) {
    std::swap(m.dims[rank - 1], m.dims[rank - 2]);
    std::swap(m.strides[rank - 1], m.strides[rank - 2]);
  }
  return m;
}

std::shared_ptr<const Prepared> prepare_batched_matmul(const StridedMatrices& a,
                                                       const StridedMatrices& b,
                                                       const StridedMatrices& out, float scale) {
  auto state = std::make_shared<PrimitiveState>();
  state->dst_elements = 1;
  for (const int64_t d : out.dims) state->dst_elements *= d;
  const int64_t inner = a.dims.back();
  // oneDNN takes no empty product; with nothing to sum over, run() writes the zeros itself.
  if (state->dst_elements == 0 || inner == 0) {
    state->empty = true;
    return state;
  }
  const auto desc = [](const StridedMatrices& m) {
    return memory::desc(m.dims, memory::data_type::f32, m.strides);
  };
  state->src = desc(a);
  state->weights = desc(b);
  state->dst = desc(out);
  try {
    const std::lock_guard lock(primitive_creation_mutex());
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (scale != 1.0f) attr.set_output_scales(0, {scale});
    const dnnl::matmul::primitive_desc pd(
        dnnl::matmul::desc(state->src, state->weights, state->dst), attr, cpu_engine());
    set_scratchpad(*state, pd);
    state->primitive = dnnl::matmul(pd);
  } catch (const dnnl::error& e) {
    throw onednn_error("set up this batched matrix product", e);
  }
  return state;
}

void run_batched_matmul(const Prepared& prepared, const float* a, const float* b, float* out,
                        float* scratch) {
  const auto& state = static_cast<const PrimitiveState&>(prepared);
  if (state.empty)
    std::fill_n(out, state.dst_elements, 0.0f);
  else
    execute(state, a, out, scratch, "could not execute a batched matrix product", b);
}

}  // namespace kerasrt
