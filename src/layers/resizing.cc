// Resizing, CenterCrop and RandomCrop (at inference): images resized to (height, width) as
// TensorFlow's tf.image.resize does without antialiasing, which is what Keras 3 (TensorFlow
// backend) and tf.keras call. Keras computes crop and pad boxes in float32 and truncates them;
// so does this file.
//   Resizing: the whole image; with crop_to_aspect_ratio the largest centred box of the target
//     aspect ratio; with pad_to_aspect_ratio (Keras 3) the image centred on fill_value padding.
//   CenterCrop: a centred crop when the image is at least (height, width), else the
//     aspect-ratio crop resized bilinearly (Keras's smart_resize).
//   RandomCrop: at inference tf.keras 2 and Keras 3 before 3.8 return the aspect-ratio crop
//     resized bilinearly. (Keras 3.8+ returns the input unchanged, contradicting the output
//     shape it declares; such a model's later layers cannot have been built for that.)
#include <algorithm>

#include "kernels/resize.h"
#include "layers/conv_common.h"
#include "layers/image_resize.h"

namespace kerasrt {
namespace {

// kScale: height and width are factors of the input's size (UpSampling2D), not the output size.
enum class Fit { kStretch, kCropToAspect, kPadToAspect, kCenterCrop, kScale };

// What one concrete input size resizes from.
struct ResizePlan final : Prepared {
  int64_t padded_h = 0, padded_w = 0;  // pad_to_aspect_ratio: the padded image, else 0
  int64_t pad_top = 0, pad_left = 0;
  ResizeTaps rows, cols;
};

// int(float32(a) / float32(b)), as Keras computes its crop and pad boxes.
int64_t float_ratio(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<float>(a) / static_cast<float>(b));
}

class ImageResize final : public Layer {
 public:
  ImageResize(bool channels_first, int64_t height, int64_t width, ResizeMethod method, Fit fit,
              float fill_value)
      : layout_(2, channels_first),
        height_(height),
        width_(width),
        method_(method),
        fit_(fit),
        fill_value_(fill_value) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    layout_.check(inputs[0]);
    // Refused at load when the model fixes an empty image size; prepare refuses it otherwise.
    const Spatial in = layout_.spatial(inputs[0]);
    const auto [height, width] = target(in);
    if ((in[1] == 0 || in[2] == 0) && fit_ != Fit::kScale)
      throw Error("cannot resize an image with an empty height or width to " +
                  std::to_string(height) + "x" + std::to_string(width));
    return {layout_.with_spatial(inputs[0], Spatial{1, height, width})};
  }

  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    const Spatial in = layout_.spatial(inputs[0]);
    const int64_t h = in[1], w = in[2];
    const auto [height, width] = target(in);
    auto plan = std::make_shared<ResizePlan>();
    ResizeMethod method = method_;
    int64_t top = 0, left = 0, box_h = h, box_w = w;
    if (fit_ == Fit::kCenterCrop && h >= height && w >= width) {
      top = (h - height) / 2;
      left = (w - width) / 2;
      box_h = height;
      box_w = width;
      method = ResizeMethod::kNearest;  // same size: an exact copy
    } else if (fit_ == Fit::kCenterCrop || fit_ == Fit::kCropToAspect) {
      box_h = std::max<int64_t>(std::min(h, float_ratio(w * height, width)), 1);
      box_w = std::max<int64_t>(std::min(w, float_ratio(h * width, height)), 1);
      top = static_cast<int64_t>(static_cast<float>(h - box_h) / 2);
      left = static_cast<int64_t>(static_cast<float>(w - box_w) / 2);
    } else if (fit_ == Fit::kPadToAspect) {
      // Keras pads the computed margin on both sides (so an odd difference grows the image by
      // one more row or column than the aspect ratio asks), rows first.
      plan->pad_top = static_cast<int64_t>(
          static_cast<float>(std::max(h, float_ratio(w * height, width)) - h) / 2);
      plan->pad_left = static_cast<int64_t>(
          static_cast<float>(std::max(w, float_ratio(h * width, height)) - w) / 2);
      plan->padded_h = box_h = h + 2 * plan->pad_top;
      plan->padded_w = box_w = w + 2 * plan->pad_left;
    }
    plan->rows = resize_taps(method, box_h, height, top);
    plan->cols = resize_taps(method, box_w, width, left);
    const int64_t channels = layout_.channels_first() ? 1 : inputs[0][3];
    const int64_t row_floats = (plan->padded_w ? plan->padded_w : w) * channels;
    plan->scratch_floats = static_cast<size_t>(row_floats);
    if (plan->padded_h)
      plan->scratch_floats +=
          static_cast<size_t>(images_of(inputs[0]) * plan->padded_h * row_floats);
    return plan;
  }

  void run(const RunContext& ctx) const override {
    with_prepared(*this, ctx, [&](const Prepared& prepared, float* scratch) {
      const auto& plan = static_cast<const ResizePlan&>(prepared);
      const ConstTensor& in = ctx.inputs[0];
      const Spatial size = layout_.spatial(in.shape);
      const int64_t images = images_of(in.shape);
      const int64_t channels = layout_.channels_first() ? 1 : in.shape[3];
      const float* source = in.data;
      int64_t source_h = size[1], row = size[2] * channels;
      if (plan.padded_h) {
        float* padded = scratch;
        scratch += images * plan.padded_h * plan.padded_w * channels;
        pad_images(in.data, images, size[1], size[2] * channels, plan, channels, padded);
        source = padded;
        source_h = plan.padded_h;
        row = plan.padded_w * channels;
      }
      resample_image(plan.rows, plan.cols, images, channels, row, source_h * row, source,
                     ctx.outputs[0].data, scratch);
    });
  }

 private:
  std::pair<int64_t, int64_t> target(const Spatial& in) const {
    if (fit_ == Fit::kScale) return {mul_dim(in[1], height_), mul_dim(in[2], width_)};
    return {height_, width_};
  }

  // Images resampled one by one: channels_first data is batch * channels one-channel images.
  int64_t images_of(std::span<const int64_t> shape) const {
    return layout_.channels_first() ? mul_dim(shape[0], shape[1]) : shape[0];
  }

  void pad_images(const float* in, int64_t images, int64_t h, int64_t row, const ResizePlan& plan,
                  int64_t channels, float* out) const {
    const int64_t out_row = plan.padded_w * channels;
    std::fill(out, out + images * plan.padded_h * out_row, fill_value_);
    for (int64_t n = 0; n < images; ++n)
      for (int64_t y = 0; y < h; ++y)
        std::copy_n(
            in + (n * h + y) * row, row,
            out + (n * plan.padded_h + plan.pad_top + y) * out_row + plan.pad_left * channels);
  }

  SpatialLayout layout_;
  int64_t height_, width_;
  ResizeMethod method_;
  Fit fit_;
  float fill_value_;
};

int64_t positive_int(const LayerConfig& config, const char* key) {
  const int64_t value = config.get_int(key);
  if (value <= 0 || value > kMaxTensorElements)
    throw Error(std::string("config '") + key + "' must be a positive size, got " +
                std::to_string(value));
  return value;
}

std::unique_ptr<Layer> make_image_resize(const BuildContext& ctx, ResizeMethod method, Fit fit,
                                         float fill_value = 0.0f) {
  expect_inputs(ctx, 1);
  const bool channels_first = ctx.config.channels_first();
  auto layer =
      std::make_unique<ImageResize>(channels_first, positive_int(ctx.config, "height"),
                                    positive_int(ctx.config, "width"), method, fit, fill_value);
  layer->output_shapes(ctx.input_shapes);  // rank check at load
  return layer;
}

}  // namespace

std::unique_ptr<Layer> make_resizing(const BuildContext& ctx) {
  const LayerConfig& config = ctx.config;
  const std::string name = config.get_string("interpolation", "bilinear");
  const std::optional<ResizeMethod> method = resize_method(name);
  if (!method)
    throw Error("config 'interpolation' is '" + name +
                "'; supported: nearest, bilinear, bicubic, area, lanczos3, lanczos5, gaussian, "
                "mitchellcubic");
  if (config.get_bool("antialias", false))
    throw Error("config 'antialias' is true, which is not supported");
  const bool crop = config.get_bool("crop_to_aspect_ratio", false);
  const bool pad = config.get_bool("pad_to_aspect_ratio", false);
  if (crop && pad)
    throw Error("config 'crop_to_aspect_ratio' and 'pad_to_aspect_ratio' are both true");
  if (pad && config.get_string("fill_mode", "constant") != "constant")
    throw Error("config 'fill_mode' must be 'constant'");
  const Fit fit = crop ? Fit::kCropToAspect : pad ? Fit::kPadToAspect : Fit::kStretch;
  return make_image_resize(ctx, *method, fit,
                           static_cast<float>(config.get_float("fill_value", 0.0)));
}

std::unique_ptr<Layer> make_center_crop(const BuildContext& ctx) {
  return make_image_resize(ctx, ResizeMethod::kBilinear, Fit::kCenterCrop);
}

std::unique_ptr<Layer> make_scaled_image_resize(bool channels_first, int64_t height_factor,
                                                int64_t width_factor, ResizeMethod method) {
  return std::make_unique<ImageResize>(channels_first, height_factor, width_factor, method,
                                       Fit::kScale, 0.0f);
}

// At inference the crop box is the aspect-ratio crop, resized when its size differs.
std::unique_ptr<Layer> make_random_crop(const BuildContext& ctx) {
  return make_image_resize(ctx, ResizeMethod::kBilinear, Fit::kCropToAspect);
}

}  // namespace kerasrt
