#include "kernels/conv_transpose.h"

#include <algorithm>

namespace kerasrt {
namespace {

// The contributions of one chunk stay under 4 MB whatever the batch and image size.
constexpr int64_t kChunkFloats = int64_t{1} << 20;

// The products of a whole chunk and of the last, shorter one (null when there is none).
struct ConvTransposeState final : Prepared {
  int64_t chunk = 0;
  std::shared_ptr<const Prepared> whole, last;
};

// Input positions (batch included) of the transposed convolution: the forward window's outputs.
int64_t input_rows(const Window& w) { return w.in.batch * w.out_positions(); }

}  // namespace

ConvTransposeKernel::ConvTransposeKernel(int64_t in_channels, int64_t filters, int64_t taps,
                                         SharedFloats weights, std::vector<float> bias)
    // Keras's (taps..., filters, in_channels) is the (taps * filters) x in_channels transpose of
    // the product's matrix: packing reads it in place.
    : product_(in_channels, taps * filters, std::move(weights), {}, /*transposed=*/true),
      bias_(bias.empty() ? nullptr : std::make_shared<const std::vector<float>>(std::move(bias))),
      filters_(filters),
      taps_(taps) {}

ConvTransposeKernel ConvTransposeKernel::with_scale_shift(std::span<const float> scale,
                                                          std::span<const float> shift) const {
  // Each of the product's columns (tap, filter) is scaled by its filter's scale; the bias,
  // added after the scatter, takes the shift.
  std::vector<float> column_scale;
  column_scale.reserve(static_cast<size_t>(columns()));
  for (int64_t tap = 0; tap < taps_; ++tap)
    column_scale.insert(column_scale.end(), scale.begin(), scale.end());
  ConvTransposeKernel out = *this;
  out.product_ = product_.with_unit_scale(column_scale);
  out.bias_ = folded_bias(bias_.get(), filters_, scale, shift);
  return out;
}

ConvTransposeKernel ConvTransposeKernel::with_post(const PostOps& post) const {
  ConvTransposeKernel out = *this;
  out.post_ = post;
  return out;
}

ConvTransposeKernel ConvTransposeKernel::detached(WeightArena* arena) const {
  ConvTransposeKernel out = *this;
  out.product_ = product_.detached(arena);
  return out;
}

int64_t ConvTransposeKernel::chunk_rows(const Window& window) const {
  return std::min(input_rows(window), std::max<int64_t>(kChunkFloats / columns(), 1));
}

ConvTransposeKernel ConvTransposeKernel::packed_for(const Window& typical,
                                                    WeightArena* arena) const {
  ConvTransposeKernel out = *this;
  out.product_ = product_.packed_for(chunk_rows(typical), arena);
  return out;
}

std::shared_ptr<const Prepared> ConvTransposeKernel::prepare(const Window& window) const {
  auto state = std::make_shared<ConvTransposeState>();
  const int64_t rows = input_rows(window);
  if (rows == 0) return state;
  state->chunk = chunk_rows(window);
  state->whole = product_.prepare(state->chunk);
  if (rows % state->chunk != 0) state->last = product_.prepare(rows % state->chunk);
  state->scratch_floats =
      static_cast<size_t>(aligned_floats(state->chunk * columns())) +
      std::max(state->whole->scratch_floats, state->last ? state->last->scratch_floats : size_t{0});
  return state;
}

void ConvTransposeKernel::run(const Prepared& prepared, const Window& w, const float* in,
                              float* out, float* scratch) const {
  const auto& state = static_cast<const ConvTransposeState&>(prepared);
  const int64_t rows = input_rows(w), columns = this->columns(), in_channels = this->in_channels();
  const int64_t out_elements = w.in.elements();
  float* contributions = scratch;
  float* product_scratch = scratch + aligned_floats(state.chunk * columns);
  if (!post_.sum) std::fill_n(out, out_elements, 0.0f);
  for (int64_t begin = 0; begin < rows; begin += state.chunk) {
    const int64_t end = std::min(rows, begin + state.chunk);
    product_.run(end - begin == state.chunk ? *state.whole : *state.last, in + begin * in_channels,
                 contributions, product_scratch);
    // col2im: the input position under the window's output cursor adds its contribution of
    // each tap at that tap's output position.
    OutputCursor at(w, begin);
    for (int64_t row = begin; row < end; ++row, at.next(w)) {
      const float* row_contributions = contributions + (row - begin) * columns;
      for_each_tap(w, at, [&](int64_t tap, int64_t offset) {
        const float* c = row_contributions + tap * filters_;
        float* o = out + offset;
        for (int64_t f = 0; f < filters_; ++f) o[f] += c[f];
      });
    }
  }
  if (bias_)
    for (int64_t at = 0; at < out_elements; at += filters_)
      for (int64_t f = 0; f < filters_; ++f) out[at + f] += (*bias_)[static_cast<size_t>(f)];
  apply_pointwise(post_.activation, out, out_elements);
}

}  // namespace kerasrt
