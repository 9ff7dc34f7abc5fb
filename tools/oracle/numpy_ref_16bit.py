"""Keras's 16-bit arithmetic, emulated on top of numpy_ref (a measurement, not a reference).

Under a float16/bfloat16 compute dtype Keras casts each layer's inputs (and, through
AutoCastVariable / autocast, its float32 variables) to 16 bits and returns 16-bit outputs. This
runs numpy_ref with every such layer's inputs, weights and outputs rounded to the compute dtype
(round to nearest even) and computes in float64 in between, so it models the rounding between
layers, not the 16-bit accumulation inside one. BatchNormalization and LayerNormalization compute
in float32 from their float32 (or exactly widened) parameters in both Keras versions, so their
parameters are not rounded.

kerasrt computes in float32 from the stored weights; write_fixtures.py records how far this
emulation is from that, to show the size of the difference Keras users will see.
"""

import numpy as np

import numpy_ref

_FLOAT32_PARAMS = {"BatchNormalization", "LayerNormalization"}


def _round_float16(x):
    return np.asarray(x, dtype=np.float64).astype(np.float16).astype(np.float64)


def _round_bfloat16(x):
    # 8 significant bits; np.rint rounds halves to even. Normal range only (what the cases hold).
    m, e = np.frexp(np.asarray(x, dtype=np.float64))
    return np.ldexp(np.rint(np.ldexp(m, 8)), e - 8)


def compute_rounder(dtype):
    """The rounding of a layer's compute dtype (config `dtype`: a name or a policy dict)."""
    name = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
    if name in ("float16", "mixed_float16"):
        return _round_float16
    if name in ("bfloat16", "mixed_bfloat16"):
        return _round_bfloat16
    return None


def predict(model, weights, inputs, keras_major):
    """numpy_ref.predict with 16-bit rounding around every layer whose policy computes in 16 bits."""
    plain = numpy_ref.call_layer

    def call_layer(class_name, cfg, layer_weights, xs, keras_major, masks=None):
        r = compute_rounder(cfg.get("dtype"))
        if r is None:
            return plain(class_name, cfg, layer_weights, xs, keras_major, masks)
        if class_name not in _FLOAT32_PARAMS:
            layer_weights = [(n, r(a)) for n, a in layer_weights]
        outs = plain(class_name, cfg, layer_weights, [r(x) for x in xs], keras_major, masks)
        return [r(o) for o in outs]

    numpy_ref.call_layer = call_layer
    try:
        outs, _ = numpy_ref.predict(model, weights, inputs, keras_major)
    finally:
        numpy_ref.call_layer = plain
    return outs
