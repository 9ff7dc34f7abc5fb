// MultiHeadAttention (keras/src/layers/attention/multi_head_attention.py; tf.keras 2 the same
// math): query, key and value go through EinsumDense projections to (batch, <positions>,
// heads, depth); scores = query . key / sqrt(key_dim) per head over the attention axes, a
// masked softmax, the weighted sum of values, and an EinsumDense back to output_shape.
// Dropout is identity at inference.
//
// Inputs, as spec/attention_calls.h orders them: query, value, [key], [attention_mask], then
// (when any has a Keras mask) their masks. The mask is the AND of attention_mask (expanded and
// broadcast as Keras does), the query's and value's (and an explicit key's) Keras masks and
// the causal mask. Output 0 keeps the query's mask; output 1 (return_attention_scores) is the
// weights, (batch, <non-attention axes>, heads, <query attention axes>, <key attention axes>).
//
// A query row with every key masked: tf.keras 2 and Keras 3's fused path (rank-3 inputs
// without return_attention_scores) give it uniform weights; Keras 3's explicit path (otherwise)
// gives zeros since Keras 3.10 (uniform before; not told apart here).
#include <algorithm>
#include <cmath>

#include "kernels/attention.h"
#include "kernels/transpose.h"
#include "layers/attention_common.h"
#include "layers/einsum_projection.h"

namespace kerasrt {
namespace {

std::string letters(size_t from, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += static_cast<char>('a' + from + i);
  return out;
}

// Keras's _build_proj_equation: `free` axes kept, `bound` contracted, `output` new ones.
struct ProjEquation {
  std::string equation, bias_axes;
};
ProjEquation proj_equation(size_t free, size_t bound, size_t output) {
  const std::string f = letters(0, free), b = letters(free, bound),
                    o = letters(free + bound, output);
  return {f + b + "," + b + o + "->" + f + o, o};
}

// Keras's _get_output_shape: unknown dims first, then the known ones.
Dims proj_output_shape(size_t rank, const Dims& known) {
  Dims out(rank - known.size(), kAnyDim);
  out.insert(out.end(), known.begin(), known.end());
  return out;
}

// What one set of input shapes makes of the tensors a call works on, worked out once per shape
// (prepare), so that a call does no shape arithmetic.
struct Geometry {
  Dims q_proj, k_proj, v_proj, context_shape;
  Dims grouped_context;  // context_shape in the grouped order (when the heads are moved)
  Dims mask_to;          // the scores' slice the attention_mask is broadcast onto
  std::vector<int64_t> mask_strides;  // the attention_mask's stride along each axis of mask_to
  // Moves of the projections into the grouped order and of the context back (when the attention
  // axes are not the last ones).
  Transposition q_to_groups, k_to_groups, v_to_groups, context_from_groups;
  AttentionDims dims;
  int64_t q_size = 0, k_size = 0, v_size = 0, c_size = 0, scores_size = 0, mask_size = 0;
  bool masked = false;
  int64_t mask_heads = 1;
};

// The projections' and the attention's primitives for one set of input shapes, with their
// geometry. They run one after the other, so they share one scratch.
struct AttentionPrimitives final : Prepared {
  std::shared_ptr<const Prepared> query, key, value, output;
  std::shared_ptr<const AttentionProducts> attention;
  Geometry geometry;
  size_t own_scratch_floats = 0;  // the layer's scratch_floats() for these shapes
};

class MultiHeadAttention final : public Layer {
 public:
  struct Setup {
    size_t rank = 3;                     // of query, key and value
    std::vector<size_t> attention_axes;  // sorted, in 1..rank-2
    int64_t heads = 1, key_dim = 1, value_dim = 1;
    AttentionCall call;
    bool zero_masked_rows = false;
  };

  MultiHeadAttention(Setup setup, EinsumProjection query, EinsumProjection key,
                     EinsumProjection value, EinsumProjection output)
      : s_(std::move(setup)),
        query_(std::move(query)),
        key_(std::move(key)),
        value_(std::move(value)),
        output_(std::move(output)) {
    // Projected tensors (batch, <positions>, heads, depth) are moved to (batch, <other
    // positions>, <attention positions>, heads, depth) when the attention axes are not last.
    std::vector<int> other;
    for (size_t a = 1; a + 1 < s_.rank; ++a)
      if (!is_attention_axis(a)) other.push_back(static_cast<int>(a));
    to_groups_.push_back(0);
    to_groups_.insert(to_groups_.end(), other.begin(), other.end());
    for (size_t a : s_.attention_axes) to_groups_.push_back(static_cast<int>(a));
    to_groups_.push_back(static_cast<int>(s_.rank - 1));
    to_groups_.push_back(static_cast<int>(s_.rank));
    from_groups_.resize(to_groups_.size());
    for (size_t i = 0; i < to_groups_.size(); ++i)
      from_groups_[static_cast<size_t>(to_groups_[i])] = static_cast<int>(i);
    moved_ = false;
    for (size_t i = 0; i < to_groups_.size(); ++i) moved_ |= to_groups_[i] != static_cast<int>(i);
  }

  size_t regular_inputs() const {
    return 2 + (s_.call.has_key ? 1 : 0) + (s_.call.has_attention_mask ? 1 : 0);
  }

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const size_t n = regular_inputs();
    if (inputs.size() != n && inputs.size() != 2 * n)
      throw Error("expects " + std::to_string(n) + " inputs, got " + std::to_string(inputs.size()));
    const Dims &q = inputs[0], &v = inputs[1], &k = s_.call.has_key ? inputs[2] : inputs[1];
    for (const Dims* x : {&q, &v, &k})
      if (x->size() != s_.rank)
        throw Error("query, value and key must all have rank " + std::to_string(s_.rank) +
                    ", got " + to_string(q) + ", " + to_string(v) + ", " + to_string(k));
    const auto same = [](int64_t a, int64_t b) { return a == kAnyDim || b == kAnyDim || a == b; };
    for (size_t a = 0; a + 1 < s_.rank; ++a) {
      if (!same(v[a], k[a]))
        throw Error("value " + to_string(v) + " and key " + to_string(k) +
                    " differ on an axis other than the last");
      if ((a == 0 || !is_attention_axis(a)) && !same(q[a], v[a]))
        throw Error("query " + to_string(q) + " and value " + to_string(v) + " differ on axis " +
                    std::to_string(a) + ", which attention does not cover");
    }
    const Dims qp = query_.output_shape(q);
    key_.output_shape(k);
    const Dims vp = value_.output_shape(v);
    Dims context = qp;
    context.back() = s_.value_dim;
    std::vector<Dims> out{output_.output_shape(context)};
    if (s_.call.has_attention_mask) {
      const Dims expanded = expanded_mask_shape(inputs[n - 1]);
      const Dims scores = scores_shape(q, k);
      bool ok = expanded.size() <= scores.size();
      for (size_t i = 1; ok && i <= expanded.size(); ++i)
        ok = expanded[expanded.size() - i] == 1 ||
             same(expanded[expanded.size() - i], scores[scores.size() - i]);
      if (!ok)
        throw Error("attention_mask " + to_string(inputs[n - 1]) +
                    " does not broadcast to the attention scores " + to_string(scores));
    }
    if (inputs.size() == 2 * n && s_.rank != 3)
      throw Error("Keras masks on inputs of rank " + std::to_string(s_.rank) +
                  " are not supported (only on (batch, time, features) sequences)");
    if (s_.call.use_causal_mask && s_.rank != 3)
      throw Error("use_causal_mask on inputs of rank " + std::to_string(s_.rank) +
                  " is not supported");
    if (s_.call.return_scores) out.push_back(scores_shape(q, k));
    return out;
  }

  bool consumes_masks() const override { return true; }
  MaskRule output_mask(size_t output) const override {
    return output == 0 ? MaskRule::kKeep : MaskRule::kNone;
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    return own_scratch_floats(geometry(inputs), inputs);
  }

  // scratch_floats() with these inputs' geometry.
  size_t own_scratch_floats(const Geometry& g, std::span<const Dims> inputs) const {
    size_t floats = static_cast<size_t>(g.q_size + g.k_size + g.v_size + g.c_size);
    if (!s_.call.return_scores) floats += static_cast<size_t>(g.scores_size);
    if (g.masked) floats += static_cast<size_t>(g.mask_size);
    if (moved_) floats += static_cast<size_t>(std::max({g.q_size, g.k_size, g.v_size, g.c_size}));
    size_t projection = query_.scratch_floats(inputs[0]);
    projection = std::max(projection, key_.scratch_floats(key_input(inputs)));
    projection = std::max(projection, value_.scratch_floats(inputs[1]));
    projection = std::max(projection, output_.scratch_floats(g.context_shape));
    return floats + projection;
  }

  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    auto all = std::make_shared<AttentionPrimitives>();
    all->geometry = geometry(inputs);
    const Geometry& g = all->geometry;
    all->own_scratch_floats = own_scratch_floats(g, inputs);
    all->query = query_.prepare(inputs[0]);
    all->key = key_.prepare(key_input(inputs));
    all->value = value_.prepare(inputs[1]);
    all->output = output_.prepare(g.context_shape);
    all->attention = prepare_attention(g.dims, /*dot_product_scores=*/true, score_scale());
    for (const Prepared* p : {all->query.get(), all->key.get(), all->value.get(), all->output.get(),
                              static_cast<const Prepared*>(all->attention.get())})
      all->scratch_floats = std::max(all->scratch_floats, p->scratch_floats);
    return all;
  }

  void run(const RunContext& ctx) const override {
    const auto* planned = static_cast<const AttentionPrimitives*>(ctx.prepared);
    const size_t own = planned ? planned->own_scratch_floats : scratch_floats(input_shapes(ctx));
    with_prepared(*this, ctx, own, [&](const Prepared& p, float* shared) {
      attend(ctx, static_cast<const AttentionPrimitives&>(p), shared);
    });
  }

 private:
  float score_scale() const { return 1.0f / std::sqrt(static_cast<float>(s_.key_dim)); }

  // run() with the primitives for these shapes, and their scratch.
  void attend(const RunContext& ctx, const AttentionPrimitives& primitives, float* shared) const {
    const Geometry& g = primitives.geometry;
    const size_t n = regular_inputs();
    const ConstTensor &q = ctx.inputs[0], &v = ctx.inputs[1],
                      &k = s_.call.has_key ? ctx.inputs[2] : ctx.inputs[1];

    float* scratch = ctx.scratch;
    const auto take = [&](int64_t count) {
      float* p = scratch;
      scratch += count;
      return p;
    };
    float* qp = take(g.q_size);
    float* kp = take(g.k_size);
    float* vp = take(g.v_size);
    float* cp = take(g.c_size);
    float* probs = s_.call.return_scores ? ctx.outputs[1].data : take(g.scores_size);
    float* mask = g.masked ? take(g.mask_size) : nullptr;
    float* moved = moved_ ? take(std::max({g.q_size, g.k_size, g.v_size, g.c_size})) : nullptr;
    float* work = scratch;  // projections' own scratch

    query_.run(*primitives.query, q.data, q.shape, qp, work, shared);
    key_.run(*primitives.key, k.data, k.shape, kp, work, shared);
    value_.run(*primitives.value, v.data, v.shape, vp, work, shared);
    if (moved_) {
      move_in_place(g.q_to_groups, qp, g.q_size, moved);
      move_in_place(g.k_to_groups, kp, g.k_size, moved);
      move_in_place(g.v_to_groups, vp, g.v_size, moved);
    }
    if (mask) build_mask(ctx, g, n, mask);

    dot_scores(*primitives.attention, qp, kp, probs, shared);
    if (g.mask_heads == g.dims.heads || !mask) {
      masked_softmax_rows(probs, g.dims.outer * g.dims.heads * g.dims.tq, g.dims.sk, mask,
                          s_.zero_masked_rows);
    } else {  // one mask for every head
      const int64_t block = g.dims.tq * g.dims.sk;
      for (int64_t o = 0; o < g.dims.outer; ++o)
        for (int64_t h = 0; h < g.dims.heads; ++h)
          masked_softmax_rows(probs + (o * g.dims.heads + h) * block, g.dims.tq, g.dims.sk,
                              mask + o * block, s_.zero_masked_rows);
    }
    weighted_values(*primitives.attention, probs, vp, cp, shared);
    if (moved_) {
      move_in_place(g.context_from_groups, cp, g.c_size, moved);
    }
    output_.run(*primitives.output, cp, g.context_shape, ctx.outputs[0].data, work, shared);
  }

  bool is_attention_axis(size_t a) const {
    return std::find(s_.attention_axes.begin(), s_.attention_axes.end(), a) !=
           s_.attention_axes.end();
  }

  const Dims& key_input(std::span<const Dims> inputs) const {
    return s_.call.has_key ? inputs[2] : inputs[1];
  }

  // Keras's scores: (batch, <other positions>, heads, <query attention>, <key attention>).
  Dims scores_shape(const Dims& q, const Dims& k) const {
    Dims out{q[0]};
    for (size_t a = 1; a + 1 < s_.rank; ++a)
      if (!is_attention_axis(a)) out.push_back(q[a]);
    out.push_back(s_.heads);
    for (size_t a : s_.attention_axes) out.push_back(q[a]);
    for (size_t a : s_.attention_axes) out.push_back(k[a]);
    return out;
  }

  // Keras's _masked_softmax inserts axes before the last 2 * len(attention_axes) of a mask of
  // lower rank than the scores.
  Dims expanded_mask_shape(const Dims& mask) const {
    const size_t scores_rank = s_.rank + s_.attention_axes.size();
    const size_t tail = 2 * s_.attention_axes.size();
    if (mask.size() >= scores_rank || mask.size() < tail) return mask;
    Dims out(mask.begin(), mask.end() - static_cast<std::ptrdiff_t>(tail));
    out.insert(out.end(), scores_rank - mask.size(), 1);
    out.insert(out.end(), mask.end() - static_cast<std::ptrdiff_t>(tail), mask.end());
    return out;
  }

  Geometry geometry(std::span<const Dims> inputs) const {
    Geometry g;
    const Dims &q = inputs[0], &v = inputs[1], &k = key_input(inputs);
    g.q_proj = query_.output_shape(q);
    g.k_proj = key_.output_shape(k);
    g.v_proj = value_.output_shape(v);
    g.context_shape = g.q_proj;
    g.context_shape.back() = s_.value_dim;
    if (moved_) {
      g.grouped_context = permuted_shape(g.context_shape, to_groups_);
      g.q_to_groups = Transposition(g.q_proj, to_groups_);
      g.k_to_groups = Transposition(g.k_proj, to_groups_);
      g.v_to_groups = Transposition(g.v_proj, to_groups_);
      g.context_from_groups = Transposition(g.grouped_context, from_groups_);
    }
    g.q_size = num_elements(g.q_proj);
    g.k_size = num_elements(g.k_proj);
    g.v_size = num_elements(g.v_proj);
    g.c_size = num_elements(g.context_shape);
    g.dims.outer = q[0];
    g.dims.tq = 1;
    g.dims.sk = 1;
    for (size_t a = 1; a + 1 < s_.rank; ++a) {
      if (is_attention_axis(a)) {
        g.dims.tq *= q[a];
        g.dims.sk *= k[a];
      } else {
        g.dims.outer *= q[a];
      }
    }
    g.dims.heads = s_.heads;
    g.dims.dk = s_.key_dim;
    g.dims.dv = s_.value_dim;
    g.scores_size = g.dims.outer * g.dims.heads * g.dims.tq * g.dims.sk;
    const size_t n = regular_inputs();
    g.masked = s_.call.has_attention_mask || s_.call.use_causal_mask || inputs.size() == 2 * n;
    if (s_.call.has_attention_mask) {
      const Dims mask_from = expanded_mask_shape(inputs[n - 1]);
      const size_t heads_at = mask_from.size() - 2 * s_.attention_axes.size() - 1;
      if (mask_from.size() > 2 * s_.attention_axes.size() && mask_from[heads_at] != 1)
        g.mask_heads = s_.heads;
      g.mask_to = scores_shape(q, k);
      if (g.mask_heads == 1) g.mask_to[g.mask_to.size() - 2 * s_.attention_axes.size() - 1] = 1;
      g.mask_strides = broadcast_strides(mask_from, g.mask_to);
    }
    g.mask_size = g.dims.outer * g.mask_heads * g.dims.tq * g.dims.sk;
    return g;
  }

  // `data` (`size` floats) moved, through `tmp`.
  static void move_in_place(const Transposition& move, float* data, int64_t size, float* tmp) {
    move.run(data, tmp);
    std::copy(tmp, tmp + size, data);
  }

  // The [outer, mask_heads, tq, sk] mask: 1 where attention may look.
  void build_mask(const RunContext& ctx, const Geometry& g, size_t n, float* mask) const {
    if (s_.call.has_attention_mask) {
      gather_broadcast(ctx.inputs[n - 1].data, g.mask_strides, g.mask_to, mask);
    } else {
      std::fill(mask, mask + g.mask_size, 1.0f);
    }
    const bool with_masks = ctx.inputs.size() == 2 * n;
    if (!with_masks && !s_.call.use_causal_mask) return;
    // Sequences only (checked in output_shapes): outer = batch, tq = T, sk = S.
    const float* query_mask = with_masks ? ctx.inputs[n].data : nullptr;
    const float* value_mask = with_masks ? ctx.inputs[n + 1].data : nullptr;
    const float* key_mask = with_masks && s_.call.has_key ? ctx.inputs[n + 2].data : nullptr;
    for (int64_t h = 0; h < g.mask_heads; ++h) {
      // and_sequence_masks works on [batch, tq, sk]; with a mask per head, do each head's
      // slice batch by batch.
      for (int64_t b = 0; b < g.dims.outer; ++b)
        and_sequence_masks(query_mask ? query_mask + b * g.dims.tq : nullptr,
                           value_mask ? value_mask + b * g.dims.sk : nullptr,
                           key_mask ? key_mask + b * g.dims.sk : nullptr, s_.call.use_causal_mask,
                           1, g.dims.tq, g.dims.sk,
                           mask + ((b * g.mask_heads) + h) * g.dims.tq * g.dims.sk);
    }
  }

  // The strides of a tensor of shape `from` broadcast onto `target` (aligned at the last axes):
  // 0 along the axes it is broadcast on.
  static std::vector<int64_t> broadcast_strides(const Dims& from, const Dims& target) {
    const size_t rank = target.size(), offset = rank - from.size();
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1;
    for (size_t d = rank; d-- > offset;) {
      if (from[d - offset] != 1) strides[d] = stride;
      stride *= from[d - offset];
    }
    return strides;
  }

  // out (shape `target`) = nonzero(in read with `strides` per axis of `target`).
  static void gather_broadcast(const float* in, std::span<const int64_t> strides,
                               const Dims& target, float* out) {
    const size_t rank = target.size();
    const int64_t count = num_elements(target);
    for (int64_t i = 0; i < count; ++i) {
      int64_t rest = i, at = 0;
      for (size_t d = rank; d-- > 0;) {
        at += rest % target[d] * strides[d];
        rest /= target[d];
      }
      out[i] = in[at] != 0.0f ? 1.0f : 0.0f;
    }
  }

  Setup s_;
  EinsumProjection query_, key_, value_, output_;
  std::vector<int> to_groups_, from_groups_;
  bool moved_ = false;
};

std::vector<int64_t> int_or_list(const LayerConfig& config, const char* key) {
  const Json& value = config.json().value(key, Json());
  if (value.is_null()) return {};
  if (value.is_number_integer()) return {value.get<int64_t>()};
  if (value.is_array()) return config.get_int_list(key);
  throw Error(std::string("config '") + key + "' must be an int or a list, got " + value.dump());
}

}  // namespace

std::unique_ptr<Layer> make_multi_head_attention(const BuildContext& ctx) {
  const LayerConfig& config = ctx.config;
  MultiHeadAttention::Setup s;
  s.call = attention_call(config);
  const size_t n = 2 + (s.call.has_key ? 1 : 0) + (s.call.has_attention_mask ? 1 : 0);
  expect_inputs(ctx, n);
  const Dims& q = ctx.input_shapes[0];
  const Dims& v = ctx.input_shapes[1];
  const Dims& k = s.call.has_key ? ctx.input_shapes[2] : v;
  s.rank = q.size();
  if (s.rank < 3 || v.size() != s.rank || k.size() != s.rank)
    throw Error("query, value and key must have the same rank >= 3, got " + to_string(q) + ", " +
                to_string(v) + ", " + to_string(k));
  for (const Dims* x : {&q, &v, &k})
    if (x->back() == kAnyDim)
      throw Error("needs inputs with a known last dimension, got " + to_string(*x));
  s.heads = config.get_int("num_heads");
  s.key_dim = config.get_int("key_dim");
  s.value_dim = config.has("value_dim") ? config.get_int("value_dim") : 0;
  if (s.value_dim == 0) s.value_dim = s.key_dim;  // Keras: value_dim or key_dim
  if (s.heads <= 0 || s.key_dim <= 0 || s.value_dim <= 0)
    throw Error("num_heads, key_dim and value_dim must be positive");
  const bool use_bias = config.get_bool("use_bias", true);

  std::vector<int64_t> axes = int_or_list(config, "attention_axes");
  if (axes.empty()) {
    for (size_t a = 1; a + 1 < s.rank; ++a) s.attention_axes.push_back(a);
  } else {
    for (int64_t a : axes) {
      if (a < 0 && ctx.keras_major < 3)
        throw Error("negative attention_axes are not supported in Keras 2 files");
      // Keras 3 counts a negative axis from the end of the input's axes.
      const int64_t resolved = a < 0 ? static_cast<int64_t>(s.rank) + a : a;
      if (resolved < 1 || resolved + 1 >= static_cast<int64_t>(s.rank))
        throw Error("attention axis " + std::to_string(a) + " is not a position axis of the " +
                    "query " + to_string(q));
      s.attention_axes.push_back(static_cast<size_t>(resolved));
    }
    if (!std::is_sorted(s.attention_axes.begin(), s.attention_axes.end()) ||
        std::adjacent_find(s.attention_axes.begin(), s.attention_axes.end()) !=
            s.attention_axes.end())
      throw Error("attention_axes must be increasing, got " +
                  config.json().value("attention_axes", Json()).dump());
  }
  Dims out_shape;
  for (int64_t d : int_or_list(config, "output_shape")) {
    if (d <= 0) throw Error("config 'output_shape' must hold positive ints");
    out_shape.push_back(d);
  }
  if (out_shape.empty()) out_shape = {q.back()};
  s.zero_masked_rows = ctx.keras_major >= 3 && (s.call.return_scores || s.rank != 3);

  const Activation linear;
  const size_t free = s.rank - 1;
  const auto projection = [&](const Dims& input, int64_t depth, const char* name) {
    const ProjEquation eq = proj_equation(free, 1, 2);
    return EinsumProjection(eq.equation, proj_output_shape(s.rank, {s.heads, depth}),
                            use_bias ? eq.bias_axes : "", linear, input, ctx.weights,
                            std::string(name) + "/");
  };
  EinsumProjection query = projection(q, s.key_dim, "query");
  EinsumProjection key = projection(k, s.key_dim, "key");
  EinsumProjection value = projection(v, s.value_dim, "value");
  Dims context = q;
  context.back() = s.heads;
  context.push_back(s.value_dim);
  const ProjEquation eq = proj_equation(free, 2, out_shape.size());
  EinsumProjection output(eq.equation, proj_output_shape(free - 1 + out_shape.size(), out_shape),
                          use_bias ? eq.bias_axes : "", linear, context, ctx.weights,
                          "attention_output/");
  return std::make_unique<MultiHeadAttention>(std::move(s), std::move(query), std::move(key),
                                              std::move(value), std::move(output));
}

}  // namespace kerasrt
