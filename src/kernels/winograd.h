// 3x3 convolutions with stride 1 (2-D, channels_last, one group) by Winograd's minimal filtering
// F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015): each
// 2x2 block of outputs comes from a 4x4 block of inputs with 16 multiplications per input channel
// and filter instead of 36. The multiplications are 16 independent matrix products, (tiles x
// in_channels) by (in_channels x filters), on the packed GEMM of kernels/gemm.h, between an input
// transform and an output transform that adds the bias and applies the post-ops.
//
// Why our own: oneDNN 2.6 offers Winograd only on Intel AVX-512 cores with its own checks, and
// refuses it here (an AMD AVX-512 CPU); its direct convolution already runs at ~96% of the FMA
// peak, so only fewer multiplications make the classic MNIST CNN's second convolution faster.
// The transforms add and subtract (the filter's also halve), so results stay within a few
// float32 roundings of the direct sum: the oracle fixtures hold them to the 1e-5 tolerance.
#pragma once

#include <memory>
#include <vector>

#include "kernels/conv_geometry.h"
#include "kernels/gemm.h"
#include "kernels/onednn.h"

namespace kerasrt {

class WinogradKernel {
 public:
  // Whether a convolution is one this kernel computes (3x3, stride 1, no dilation, 2-D
  // channels_last, one group) and is faster on than on oneDNN's direct convolution for windows
  // like `typical`: enough channels and filters for the products, and an output large enough
  // that the 2x2 tiles waste little past its edges.
  static bool suits(const ConvKernel::Config& config, const Window& typical);

  // From a kernel in Keras's layout (not packed), with its folded scale, bias and post-ops; the
  // transformed filters in `arena`.
  WinogradKernel(const ConvKernel& conv, WeightArena& arena);

  const ConvKernel::Config& config() const { return config_; }
  const PostOps& post() const { return post_; }

  std::shared_ptr<const Prepared> prepare(const Window& window) const;
  // out = post(conv(in) + bias). With post().sum, out must hold the addend on entry. Uses the
  // calling thread's OpenMP thread count; the result does not depend on it.
  void run(const Prepared& prepared, const Window& window, const float* in, float* out,
           float* scratch) const;

 private:
  ConvKernel::Config config_;
  // The filter transform G g G^T of every (in_channel, filter) pair: for each of the 16
  // positions of a 4x4 tile, an in_channels x filters matrix, packed.
  std::vector<PackedMatrix> transformed_;
  std::vector<float> bias_;  // filters values (zeros without a bias)
  PostOps post_;
};

}  // namespace kerasrt
