#include "layers/conv_common.h"

#include <string>

namespace kerasrt {
namespace {

int64_t non_negative(const Json& value, const char* key) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0)
    throw Error(std::string("config '") + key + "' must hold non-negative integers, got " +
                value.dump());
  return value.get<int64_t>();
}

std::pair<int64_t, int64_t> pair_of(const Json& value, const char* key) {
  if (value.is_array() && value.size() == 2)
    return {non_negative(value[0], key), non_negative(value[1], key)};
  const int64_t both = non_negative(value, key);
  return {both, both};
}

}  // namespace

SpatialLayout SpatialLayout::from_config(const LayerConfig& config, int rank) {
  return SpatialLayout(rank, config.channels_first());
}

void SpatialLayout::check(std::span<const int64_t> shape) const {
  if (shape.size() != static_cast<size_t>(rank_) + 2) {
    const std::string layout = rank_ == 1   ? "steps"
                               : rank_ == 2 ? "rows, cols"
                                            : "dim1, dim2, dim3";
    throw Error(
        "expects an input of rank " + std::to_string(rank_ + 2) + " (" +
        (channels_first_ ? "batch, channels, " + layout : "batch, " + layout + ", channels") +
        "), got " + to_string(shape));
  }
}

Spatial SpatialLayout::spatial(std::span<const int64_t> shape) const {
  check(shape);
  Spatial size{1, 1, 1};
  for (int i = 0; i < rank_; ++i) size[spatial_slot(rank_, i)] = shape[spatial_axis(i)];
  return size;
}

Dims SpatialLayout::with_spatial(const Dims& shape, const Spatial& size, int64_t channels) const {
  check(shape);
  Dims out = shape;
  for (int i = 0; i < rank_; ++i) out[spatial_axis(i)] = size[spatial_slot(rank_, i)];
  if (channels >= 0) out[channel_axis()] = channels;
  return out;
}

Volume SpatialLayout::volume(std::span<const int64_t> shape) const {
  Volume v;
  v.size = spatial(shape);
  v.batch = shape[0];
  v.channels = shape[channel_axis()];
  return v;
}

Volume SpatialLayout::per_channel_volume(std::span<const int64_t> shape) const {
  Volume v = volume(shape);
  if (channels_first_) {
    v.batch *= v.channels;
    v.channels = 1;
  }
  return v;
}

Spatial WindowSpec::output_size(const Spatial& in) const {
  Spatial out;
  for (int a = 0; a < kMaxSpatialRank; ++a)
    out[a] = window_output_length(in[a], kernel[a], stride[a], dilation[a], padding);
  return out;
}

WindowSpec conv_window_config(const LayerConfig& config, int rank, bool allow_causal) {
  WindowSpec spec{SpatialLayout::from_config(config, rank)};
  spec.kernel = spatial_config(config, "kernel_size", rank, std::nullopt);
  spec.stride = spatial_config(config, "strides", rank, 1);
  spec.dilation = spatial_config(config, "dilation_rate", rank, 1);
  spec.padding = padding_config(config, allow_causal);
  return spec;
}

int64_t known_channels(const SpatialLayout& layout, const Dims& shape) {
  layout.check(shape);
  const int64_t channels = shape[layout.channel_axis()];
  if (channels == kAnyDim)
    throw Error("needs a known number of channels (axis " + std::to_string(layout.channel_axis()) +
                "), got " + to_string(shape));
  return channels;
}

void check_channels(const SpatialLayout& layout, const Dims& shape, int64_t channels) {
  layout.check(shape);
  const int64_t got = shape[layout.channel_axis()];
  if (got != kAnyDim && got != channels)
    throw Error("expects " + std::to_string(channels) + " channels on axis " +
                std::to_string(layout.channel_axis()) + ", got " + to_string(shape));
}

Dims WindowSpec::kernel_dims() const {
  Dims dims;
  for (int i = 0; i < layout.rank(); ++i) dims.push_back(kernel[spatial_slot(layout.rank(), i)]);
  return dims;
}

Spatial spatial_config(const LayerConfig& config, const char* key, int rank,
                       std::optional<int64_t> fallback, int64_t fill) {
  const std::vector<int64_t> values = config.get_ints(key, static_cast<size_t>(rank), fallback);
  Spatial out{fill, fill, fill};
  for (int i = 0; i < rank; ++i) {
    if (values[static_cast<size_t>(i)] <= 0)
      throw Error(std::string("config '") + key + "' must be positive, got " +
                  config.json()[key].dump());
    out[spatial_slot(rank, i)] = values[static_cast<size_t>(i)];
  }
  return out;
}

Padding padding_config(const LayerConfig& config, bool allow_causal) {
  const std::string padding =
      allow_causal ? config.get_choice("padding", {"valid", "same", "causal"}, "valid")
                   : config.get_choice("padding", {"valid", "same"}, "valid");
  return padding == "same"     ? Padding::kSame
         : padding == "causal" ? Padding::kCausal
                               : Padding::kValid;
}

std::pair<Spatial, Spatial> before_after_config(const LayerConfig& config, const char* key,
                                                int rank) {
  if (!config.has(key)) throw Error(std::string("config has no '") + key + "'");
  const Json& value = config.json()[key];
  std::vector<std::pair<int64_t, int64_t>> axes;
  if (value.is_array() && rank == 1) {
    if (value.size() != 2)
      throw Error(std::string("config '") + key + "' must be an int or a pair, got " +
                  value.dump());
    axes.push_back(pair_of(value, key));
  } else if (value.is_array()) {
    if (value.size() != static_cast<size_t>(rank))
      throw Error(std::string("config '") + key + "' must have " + std::to_string(rank) +
                  " entries, got " + value.dump());
    for (const Json& axis : value) {
      if (axis.is_array() && axis.size() != 2)
        throw Error(std::string("config '") + key + "' must hold ints or pairs, got " +
                    value.dump());
      axes.push_back(pair_of(axis, key));
    }
  } else {
    axes.assign(static_cast<size_t>(rank), pair_of(value, key));
  }
  std::pair<Spatial, Spatial> out{{0, 0, 0}, {0, 0, 0}};
  for (int i = 0; i < rank; ++i) {
    out.first[spatial_slot(rank, i)] = axes[static_cast<size_t>(i)].first;
    out.second[spatial_slot(rank, i)] = axes[static_cast<size_t>(i)].second;
  }
  return out;
}

void refuse_keras1_config(const LayerConfig& config) {
  for (const char* key :
       {"border_mode", "dim_ordering", "subsample", "subsample_length", "nb_filter", "nb_row",
        "nb_col", "filter_length", "atrous_rate", "pool_length", "stride", "length"}) {
    if (config.has(key))
      throw Error(std::string("Keras 1 config ('") + key +
                  "') is not supported for this layer yet");
  }
}

size_t channels_last_scratch_floats(const SpatialLayout& layout, const Volume& in,
                                    const Volume& out) {
  return layout.channels_first() ? static_cast<size_t>(in.elements() + out.elements()) : 0;
}

}  // namespace kerasrt
