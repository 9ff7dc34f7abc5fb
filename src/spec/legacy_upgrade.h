// Old files, brought to the one form the rest of kerasrt reads: Keras 1 configs (old class and
// option names) and weight layouts (per-gate RNN weights, Theano-ordered convolution kernels),
// and convolution kernels trained with the Theano backend (true convolution: flipped kernels).
// Follows what Keras 2 itself does when it loads such files (`preprocess_weights_for_loading`
// in keras/engine/saving.py).
#pragma once

#include "spec/model_spec.h"

namespace kerasrt {

// Upgrades `spec` in place when it comes from Keras 1 or from the Theano backend; otherwise
// leaves it untouched.
void upgrade_legacy(LoadedSpec& spec);

// True if a config uses Keras 1 option names (for files that do not say their version).
bool looks_like_keras1(const Json& model_config);

}  // namespace kerasrt
