"""Keras 1.2.2 files (TensorFlow and Theano backends) and Keras 2.1.3 Theano files.

Keras 1 wrote the model in its own vocabulary: other class names
(`Convolution2D`, `AtrousConvolution1D`, `Merge(mode=...)`), other option
names (`output_dim`, `nb_filter`, `border_mode`, `dim_ordering`, ...) and
other weight layouts (Theano-ordered kernels for `dim_ordering='th'`,
`(length, 1, in, filters)` Conv1D kernels, one weight per gate for LSTM/GRU).
Keras 2 reads such files through `keras/legacy/interfaces.py` (argument
renames) and `keras/engine/saving.py` `preprocess_weights_for_loading`
(weight layouts, Theano kernel flips); this module writes them the other way
round, from the oracle's model tree (keras_config.py), following the Keras
1.2.2 layer sources for what each `get_config()` and `build()` produced:

- `keras/engine/topology.py`: `Layer.get_config` = name, trainable (+
  batch_input_shape, input_dtype where the layer was given an input shape);
  `InputLayer` = batch_input_shape, input_dtype, sparse, name; `Merge` has
  no `trainable`; `Container.get_config` node entries are
  `[layer, node, tensor]` (no kwargs); `Container.trainable_weights +
  non_trainable_weights` is the weight order of a nested model;
  `save_weights_to_hdf5_group` writes `layer_names` and per-layer
  `weight_names` only (no `backend`, no `keras_version` in the group).
- `keras/models.py`: `save_model` writes `keras_version`, `model_config`,
  `training_config` at the root and no `backend`; `Sequential.get_config`
  is a bare list of `{"class_name", "config"}`.
- `keras/layers/convolutional.py`: Convolution1D kernel
  `(filter_length, 1, input_dim, nb_filter)`, Convolution2D kernel
  `(nb_filter, stack, rows, cols)` for 'th' and `(rows, cols, stack,
  nb_filter)` for 'tf', weights `<name>_W`, `<name>_b`;
  SeparableConvolution2D (TensorFlow only) `<name>_depthwise_kernel`,
  `<name>_pointwise_kernel`, `<name>_b`; ZeroPadding2D, UpSampling2D and
  Cropping2D do not save `dim_ordering` (keras-team/keras#5341), so their
  'th' forms have no faithful Keras 1 file.
- `keras/layers/recurrent.py` (default `consume_less='cpu'`): SimpleRNN
  `W, U, b`; GRU `W_z, U_z, b_z, W_r, U_r, b_r, W_h, U_h, b_h` (reset gate
  applied before the recurrent matmul: Keras 2 `reset_after=False`); LSTM
  `W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o` (gate order
  i, c, f, o; Keras 2 concatenates i, f, c, o); always with bias; no
  `return_state`.
- `keras/layers/normalization.py`: BatchNormalization `gamma, beta,
  running_mean, running_std`, where `running_std` holds the moving
  *variance* (it is updated with the variance `normalize_batch_in_training`
  returns and passed as `var` to `K.batch_normalization`); no center/scale.
- `keras/layers/wrappers.py`: Bidirectional weights are the forward layer's
  (`forward_<name>_...`) then the backward layer's.

Theano computes true convolutions, TensorFlow cross-correlations: a kernel
trained on Theano is the TensorFlow kernel flipped along every spatial axis
(`keras/utils/conv_utils.py` `convert_kernel`, applied by
`preprocess_weights_for_loading` to Conv1D/Conv2D/Conv3D/Conv2DTranspose/
ConvLSTM2D when `_need_convert_kernel(original_backend)`). The Theano files
hold flipped kernels, so the expected outputs stay those of the TensorFlow
model; Theano variables have no `:0` suffix.
"""

import json
import os

import h5py
import numpy as np

from h5_writers import create_dataset, create_group, save_attributes
from keras_config import k2_layer_config, k2_model_config

K1_VERSION = "1.2.2"
K2_THEANO_VERSION = "2.1.3"

# Keras 1.2.2 keras/activations.py (softmax only for 2D and 3D tensors)
_K1_ACTIVATIONS = {"linear", "relu", "sigmoid", "tanh", "softmax", "softplus", "softsign", "elu", "hard_sigmoid"}

_MERGE_MODES = {"Add": "sum", "Multiply": "mul", "Average": "ave", "Maximum": "max", "Concatenate": "concat",
                "Dot": "dot"}
_CONV = ("Conv1D", "Conv2D")  # the classes whose kernels are flipped for Theano (of those Keras 1 has)


class NoKeras1(Exception):
    """The model has no faithful Keras 1 form; the message says why."""


def _need(cond, reason):
    if not cond:
        raise NoKeras1(reason)


def _ordering(data_format):
    return "th" if data_format == "channels_first" else "tf"


def _activation(name, rank=None, where=""):
    _need(name in _K1_ACTIVATIONS, f"activation '{name}'{where} does not exist in Keras 1")
    if name == "softmax" and rank is not None:
        _need(rank in (2, 3), f"Keras 1 softmax works on 2D and 3D tensors only{where}")
    return name


def _single(values, what):
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    _need(len(set(values)) == 1, f"{what} {values} differ per axis")
    return values[0]


# ----------------------------------------------------------------- configs

class _K1Config:
    """Keras 1.2.2 `get_config()` of each layer, from the canonical (tf.keras
    2) config of the oracle's model tree."""

    def __init__(self, shapes):
        self.shapes = shapes

    def in_shape(self, path):
        if self.shapes is None:
            return None
        s = self.shapes.get((path, 0))
        return s[0] if s else None

    def model(self, model, path=()):
        if model.kind == "Sequential":
            entries = []
            for i, layer in enumerate(model.layers):
                cn, cfg = self.entry(layer, path + (layer.name,), first=(i == 0))
                entries.append({"class_name": cn, "config": cfg})
            return {"class_name": "Sequential", "config": entries}
        layers = []
        for layer in model.layers:
            cn, cfg = self.entry(layer, path + (layer.name,), first=False)
            nodes = [[[r[0], r[1], r[2]] for r in node] for node in layer.inbound]
            layers.append({"name": layer.name, "class_name": cn, "config": cfg, "inbound_nodes": nodes})
        return {"class_name": "Model", "config": {
            "name": model.name, "layers": layers,
            "input_layers": [list(x) for x in model.input_layers],
            "output_layers": [list(x) for x in model.output_layers]}}

    def entry(self, layer, path, first):
        if layer.is_model:
            sub = self.model(layer.model, path)
            return sub["class_name"], sub["config"]
        in_shape = self.in_shape(path)
        k2 = k2_layer_config(layer, "2.15.0", None, first)  # None: keep axis values as given
        cn, cfg = self.layer(layer.class_name, k2, in_shape, layer.name)
        if cn == "Merge":
            return cn, cfg
        base = {"name": layer.name, "trainable": True}
        if layer.class_name == "InputLayer":
            return cn, cfg
        if first:
            base["batch_input_shape"] = list(layer.batch_input_shape)
            base["input_dtype"] = "float32"
        if cn == "Embedding":  # Embedding.__init__ always sets input_shape and input_dtype='int32'
            base["batch_input_shape"] = [None, cfg["input_length"]]
            base["input_dtype"] = "int32"
        base.update(cfg)
        return cn, base

    def layer(self, cn, c, in_shape, name):
        """(Keras 1 class name, Keras 1 config without the base keys)."""
        rank = len(in_shape) if in_shape is not None else None
        where = f" (layer {name})"
        if cn == "InputLayer":
            return cn, {"batch_input_shape": c["batch_input_shape"], "input_dtype": "float32", "sparse": False,
                        "name": name}
        if cn == "Dense":
            return cn, {"output_dim": c["units"], "init": "glorot_uniform",
                        "activation": _activation(c["activation"], rank, where),
                        "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None,
                        "W_constraint": None, "b_constraint": None, "bias": c["use_bias"],
                        "input_dim": in_shape[-1] if in_shape else None}
        if cn == "Activation":
            return cn, {"activation": _activation(c["activation"], rank, where)}
        if cn in ("Conv1D", "Conv2D"):
            return self.conv(cn, c, rank, where)
        if cn == "SeparableConv2D":
            _need(max(c["dilation_rate"]) == 1, "SeparableConvolution2D has no dilation in Keras 1")
            _need(c["depth_multiplier"] >= 1 and c.get("groups", 1) == 1, "grouped separable convolution")
            return "SeparableConvolution2D", {
                "nb_filter": c["filters"], "nb_row": c["kernel_size"][0], "nb_col": c["kernel_size"][1],
                "init": "glorot_uniform", "activation": _activation(c["activation"], rank, where),
                "border_mode": self.border(c["padding"]), "subsample": list(c["strides"]),
                "depth_multiplier": c["depth_multiplier"], "dim_ordering": _ordering(c["data_format"]),
                "depthwise_regularizer": None, "pointwise_regularizer": None, "b_regularizer": None,
                "activity_regularizer": None, "depthwise_constraint": None, "pointwise_constraint": None,
                "b_constraint": None, "bias": c["use_bias"]}
        if cn in ("MaxPooling1D", "AveragePooling1D"):
            _need(c.get("data_format", "channels_last") == "channels_last", "1-D pooling on channels_first input")
            return cn, {"stride": _single(c["strides"], "strides"), "pool_length": _single(c["pool_size"], "pool"),
                        "border_mode": self.border(c["padding"])}
        if cn in ("MaxPooling2D", "AveragePooling2D"):
            return cn, {"pool_size": list(c["pool_size"]), "border_mode": self.border(c["padding"]),
                        "strides": list(c["strides"]), "dim_ordering": _ordering(c["data_format"])}
        if cn in ("GlobalAveragePooling1D", "GlobalMaxPooling1D"):
            _need(not c.get("keepdims"), "global pooling keepdims")
            _need(c.get("data_format", "channels_last") == "channels_last",
                  "Keras 1 GlobalPooling1D has no dim_ordering")
            return cn, {}
        if cn in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
            _need(not c.get("keepdims"), "global pooling keepdims")
            return cn, {"dim_ordering": _ordering(c["data_format"])}
        if cn == "BatchNormalization":
            _need(c["center"] and c["scale"], "BatchNormalization center/scale=False (Keras 1 always has both)")
            axis = c["axis"]
            if isinstance(axis, list):
                _need(len(axis) == 1, "BatchNormalization over several axes")
                axis = axis[0]
            return cn, {"epsilon": c["epsilon"], "mode": 0, "axis": axis, "gamma_regularizer": None,
                        "beta_regularizer": None, "momentum": c["momentum"]}
        if cn == "Flatten":
            _need(c.get("data_format", "channels_last") == "channels_last" or (rank or 0) <= 2,
                  "Flatten(data_format='channels_first') (Keras 1 Flatten never transposes)")
            return cn, {}
        if cn == "Reshape":
            return cn, {"target_shape": list(c["target_shape"])}
        if cn == "Permute":
            return cn, {"dims": list(c["dims"])}
        if cn == "RepeatVector":
            return cn, {"n": c["n"]}
        if cn in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianDropout"):
            return cn, {"p": c["rate"]}  # Dropout.get_config: {'p'}; the spatial ones inherit it
        if cn == "GaussianNoise":
            return cn, {"sigma": c["stddev"]}
        if cn == "ActivityRegularization":
            return cn, {"l1": c["l1"], "l2": c["l2"]}
        if cn == "LeakyReLU":
            return cn, {"alpha": c["alpha"]}
        if cn == "ELU":
            return cn, {"alpha": c["alpha"]}
        if cn == "ThresholdedReLU":
            return cn, {"theta": c["theta"]}
        if cn == "PReLU":
            # shared_axes is not confirmed for Keras 1.2.2's PReLU: only its plain form is written
            _need(not c.get("shared_axes"), "PReLU shared_axes (not confirmed in Keras 1.2.2)")
            return cn, {"init": "zero"}
        if cn == "ZeroPadding2D":
            _need(c["data_format"] == "channels_last", "ZeroPadding2D 'th' (Keras 1.2.2 does not save dim_ordering)")
            (t, b), (lf, r) = c["padding"]
            return cn, {"padding": [t, lf] if (t == b and lf == r) else [t, b, lf, r]}
        if cn == "UpSampling2D":
            _need(c["data_format"] == "channels_last", "UpSampling2D 'th' (Keras 1.2.2 does not save dim_ordering)")
            _need(c.get("interpolation", "nearest") == "nearest", "UpSampling2D bilinear")
            return cn, {"size": list(c["size"])}
        if cn == "Cropping2D":
            _need(c["data_format"] == "channels_last", "Cropping2D 'th' (Keras 1.2.2 does not save dim_ordering)")
            return cn, {"cropping": [list(x) for x in c["cropping"]]}
        if cn in _MERGE_MODES:
            return "Merge", self.merge(cn, c, name)
        if cn == "Embedding":
            _need(not c.get("mask_zero"), "Embedding mask_zero (masking is not written in Keras 1 form)")
            length = c.get("input_length")
            if length is None and in_shape is not None:
                length = in_shape[1]
            return cn, {"input_dim": c["input_dim"], "output_dim": c["output_dim"], "init": "uniform",
                        "input_length": length, "mask_zero": False, "W_regularizer": None,
                        "activity_regularizer": None, "W_constraint": None, "dropout": 0.0}
        if cn in ("SimpleRNN", "GRU", "LSTM"):
            return cn, self.recurrent(cn, c, in_shape, where)
        if cn == "Masking":
            raise NoKeras1("Masking (masking is not written in Keras 1 form)")
        if cn == "Bidirectional":
            inner = c["layer"]
            _need(inner["class_name"] in ("SimpleRNN", "GRU", "LSTM"), "Bidirectional of a non-recurrent layer")
            # Bidirectional builds shallow copies (forward_/backward_): the wrapped layer itself is never
            # built, so its config keeps input_dim=None
            icn, icfg = self.layer(inner["class_name"], inner["config"], None, inner["config"]["name"])
            inner_cfg = {"name": inner["config"]["name"], "trainable": True}
            inner_cfg.update(icfg)
            return cn, {"layer": {"class_name": icn, "config": inner_cfg}, "merge_mode": c["merge_mode"]}
        if cn == "TimeDistributed":
            inner = c["layer"]
            sub_shape = (in_shape[0],) + tuple(in_shape[2:]) if in_shape is not None else None
            icn, icfg = self.layer(inner["class_name"], inner["config"], sub_shape, inner["config"]["name"])
            _need(icn != "Merge", "TimeDistributed merge layer")
            inner_cfg = {"name": inner["config"]["name"], "trainable": True}
            inner_cfg.update(icfg)
            return cn, {"layer": {"class_name": icn, "config": inner_cfg}}
        raise NoKeras1(f"{cn} does not exist in Keras 1")

    @staticmethod
    def border(padding):
        _need(padding in ("valid", "same"), f"padding '{padding}' has no Keras 1 border_mode")
        return padding

    def conv(self, cn, c, rank, where):
        _need(c.get("groups", 1) == 1, "grouped convolution (groups > 1)")
        dilation = list(c["dilation_rate"])
        strides = list(c["strides"])
        atrous = max(dilation) > 1
        if atrous:
            # Keras 1.2.2 on TensorFlow: tf.nn.atrous_conv2d, equal rates and unit strides only
            _need(len(set(dilation)) == 1 and max(strides) == 1, "dilated convolution with strides or unequal rates")
        common = {"init": "glorot_uniform", "activation": _activation(c["activation"], rank, where),
                  "border_mode": self.border(c["padding"])}
        regs = {"W_regularizer": None, "b_regularizer": None, "activity_regularizer": None, "W_constraint": None,
                "b_constraint": None, "bias": c["use_bias"]}
        if cn == "Conv1D":
            _need(c.get("data_format", "channels_last") == "channels_last",
                  "Conv1D channels_first (Keras 1 Convolution1D has no dim_ordering)")
            cfg = {"nb_filter": c["filters"], "filter_length": c["kernel_size"][0]}
            cfg.update(common)
            cfg["subsample_length"] = strides[0]
            cfg.update(regs)
            cfg.update({"input_dim": None, "input_length": None})
            if atrous:
                cfg["atrous_rate"] = dilation[0]
                return "AtrousConvolution1D", cfg
            return "Convolution1D", cfg
        cfg = {"nb_filter": c["filters"], "nb_row": c["kernel_size"][0], "nb_col": c["kernel_size"][1]}
        cfg.update(common)
        cfg["subsample"] = strides
        cfg["dim_ordering"] = _ordering(c["data_format"])
        cfg.update(regs)
        if atrous:
            cfg["atrous_rate"] = dilation
            return "AtrousConvolution2D", cfg
        return "Convolution2D", cfg

    @staticmethod
    def merge(cn, c, name):
        mode = _MERGE_MODES[cn]
        cfg = {"name": name, "mode": mode, "mode_type": "raw", "concat_axis": -1, "dot_axes": -1,
               "output_shape": None, "output_shape_type": "raw", "output_mask": None, "output_mask_type": "raw",
               "arguments": {}}
        if cn == "Concatenate":
            cfg["concat_axis"] = c["axis"]
        if cn == "Dot":
            _need(not c.get("normalize"), "Dot(normalize=True) (Keras 1 'cos' mode is another operation)")
            axes = c["axes"]
            _need(not isinstance(axes, int) or axes >= 0, "Dot with negative axes")
            # Merge._arguments_validation stores an int as [axes, axes]
            cfg["dot_axes"] = [axes, axes] if isinstance(axes, int) else list(axes)
        return cfg

    def recurrent(self, cn, c, in_shape, where):
        _need(c["use_bias"], f"{cn} use_bias=False (Keras 1 recurrent layers always have a bias)")
        _need(not c.get("return_state"), f"{cn} return_state (not in Keras 1)")
        _need(not c.get("stateful"), f"stateful {cn}")
        _need(not c.get("reset_after"), "GRU reset_after=True (Keras 1 GRU applies the reset gate first)")
        cfg = {"output_dim": c["units"], "init": "glorot_uniform", "inner_init": "orthogonal"}
        if cn == "LSTM":
            cfg["forget_bias_init"] = "one"
        cfg["activation"] = _activation(c["activation"], None, where)
        if cn != "SimpleRNN":
            cfg["inner_activation"] = _activation(c["recurrent_activation"], None, where)
        cfg.update({"W_regularizer": None, "U_regularizer": None, "b_regularizer": None,
                    "dropout_W": c.get("dropout", 0.0), "dropout_U": c.get("recurrent_dropout", 0.0),
                    "return_sequences": c["return_sequences"], "go_backwards": c["go_backwards"],
                    "stateful": False, "unroll": c["unroll"], "consume_less": "cpu",
                    "input_dim": in_shape[-1] if in_shape else None, "input_length": None})
        return cfg


def keras1_model_config(model, shapes):
    """{"class_name", "config"} as Keras 1.2.2 `model.get_config()` wrote it;
    raises NoKeras1."""
    return _K1Config(shapes).model(model)


# ----------------------------------------------------------------- weights

def _flip(kernel):
    """conv_utils.convert_kernel: reverse every axis but the last two."""
    index = tuple([slice(None, None, -1)] * (kernel.ndim - 2) + [slice(None), slice(None)])
    return np.ascontiguousarray(kernel[index])


def _gates(arr, n):
    return np.split(arr, n, axis=-1)


def _k1_weights(cn, cfg, weights, theano):
    """Keras 1 (suffix, array) list of one layer from its Keras 2 weights
    [(var, array)]; cfg is the layer's Keras 2 config."""
    w = {}
    order = []
    for var, arr in weights:
        w[var] = arr
        order.append(var)
    if cn in _CONV and theano:
        w["kernel"] = _flip(w["kernel"])
    if cn == "Dense":
        return [("W", w["kernel"])] + ([("b", w["bias"])] if "bias" in w else [])
    if cn == "Conv1D":
        k = w["kernel"]
        return [("W", k[:, None, :, :])] + ([("b", w["bias"])] if "bias" in w else [])
    if cn == "Conv2D":
        k = w["kernel"]
        if cfg["data_format"] == "channels_first":
            k = np.transpose(k, (3, 2, 0, 1))
        return [("W", k)] + ([("b", w["bias"])] if "bias" in w else [])
    if cn == "SeparableConv2D":
        d, p = w["depthwise_kernel"], w["pointwise_kernel"]
        if cfg["data_format"] == "channels_first":
            d, p = np.transpose(d, (3, 2, 0, 1)), np.transpose(p, (3, 2, 0, 1))
        out = [("depthwise_kernel", d), ("pointwise_kernel", p)]
        return out + ([("b", w["bias"])] if "bias" in w else [])
    if cn == "BatchNormalization":
        return [("gamma", w["gamma"]), ("beta", w["beta"]), ("running_mean", w["moving_mean"]),
                ("running_std", w["moving_variance"])]
    if cn == "Embedding":
        return [("W", w["embeddings"])]
    if cn == "PReLU":
        return [("alphas", w["alpha"])]
    if cn == "SimpleRNN":
        return [("W", w["kernel"]), ("U", w["recurrent_kernel"]), ("b", w["bias"])]
    if cn == "GRU":
        ks, rs, bs = _gates(w["kernel"], 3), _gates(w["recurrent_kernel"], 3), _gates(w["bias"], 3)
        out = []
        for g, gate in enumerate("zrh"):  # Keras 2 kernel columns: z | r | h, as Keras 1
            out += [(f"W_{gate}", ks[g]), (f"U_{gate}", rs[g]), (f"b_{gate}", bs[g])]
        return out
    if cn == "LSTM":
        ks, rs, bs = _gates(w["kernel"], 4), _gates(w["recurrent_kernel"], 4), _gates(w["bias"], 4)
        out = []
        for gate, g in (("i", 0), ("c", 2), ("f", 1), ("o", 3)):  # Keras 2 columns i | f | c | o
            out += [(f"W_{gate}", ks[g]), (f"U_{gate}", rs[g]), (f"b_{gate}", bs[g])]
        return out
    if order:
        raise NoKeras1(f"no Keras 1 weight layout for {cn}")
    return []


def _named(prefix, items, suffix):
    return [(f"{prefix}_{s}{suffix}", np.asarray(a, dtype=np.float32)) for s, a in items]


def keras1_layer_weights(layer, theano):
    """[(weight name, array)] of one top-level layer in Keras 1 `layer.weights` order."""
    suffix = "" if theano else ":0"
    cn = layer.class_name
    if layer.is_model:
        trainable, non_trainable = [], []
        for sub in layer.model.layers:
            named = keras1_layer_weights(sub, theano)
            for name, arr in named:
                # BatchNormalization's running statistics are Keras 1's only non-trainable weights here
                (non_trainable if "_running_" in name else trainable).append((name, arr))
        return trainable + non_trainable
    cfg = k2_layer_config(layer, "2.15.0", None)
    if cn == "Bidirectional":
        inner = cfg["layer"]
        half = len(layer.weights) // 2
        fwd = _k1_weights(inner["class_name"], inner["config"], layer.weights[:half], theano)
        bwd = _k1_weights(inner["class_name"], inner["config"], layer.weights[half:], theano)
        name = inner["config"]["name"]
        return _named("forward_" + name, fwd, suffix) + _named("backward_" + name, bwd, suffix)
    if cn == "TimeDistributed":
        inner = cfg["layer"]
        items = _k1_weights(inner["class_name"], inner["config"], layer.weights, theano)
        return _named(inner["config"]["name"], items, suffix)
    return _named(layer.name, _k1_weights(cn, cfg, layer.weights, theano), suffix)


def has_theano_kernel(model):
    """A convolution whose kernel Theano flips (directly or in TimeDistributed)."""
    for layer in model.walk():
        if layer.class_name in _CONV:
            return True
        inner = layer.config.get("layer")
        if inner is not None and getattr(inner, "class_name", None) in _CONV:
            return True
    return False


def theano_reason(model):
    """Why a convolution model gets no Theano files, or None."""
    for layer in model.walk():
        inner = layer.config.get("layer")
        classes = {layer.class_name, getattr(inner, "class_name", None)}
        if classes & {"SeparableConv2D", "DepthwiseConv2D"}:
            return ("SeparableConvolution2D is TensorFlow-only in Keras 1.2.2 and Keras 2's converter does "
                    "not flip separable/depthwise kernels")
    return None


# ----------------------------------------------------------------- Keras 2.1.3 (Theano) config

def _k213(value):
    """tf.keras-2.x config -> Keras 2.1.3 spelling (initializers as VarianceScaling)."""
    if isinstance(value, dict):
        if value.get("class_name") == "GlorotUniform":
            return {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg",
                                                                "distribution": "uniform", "seed": None}}
        return {k: _k213(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_k213(v) for v in value]
    return value


def keras213_model_config(model, shapes):
    cfg = _k213(k2_model_config(model, K2_THEANO_VERSION, shapes))

    def bare(c):  # Keras 2.1.3 Sequential.get_config is a bare list of layers
        if c["class_name"] == "Sequential":
            c["config"] = [bare(e) for e in c["config"]["layers"]]
        elif c["class_name"] == "Model":
            for e in c["config"]["layers"]:
                bare(e)
        return c
    return bare(cfg)


def keras213_layer_weights(layer):
    """Keras 2.1.3 on Theano: `<scope>/<var>` names without ':0', flipped conv kernels."""
    out = []
    cn = layer.class_name
    inner = layer.config.get("layer")
    flip = cn in _CONV or (cn == "TimeDistributed" and inner is not None and inner.class_name in _CONV)
    _need(not layer.is_model, "nested models in the Keras 2.1.3 Theano writer")
    _need(cn != "Bidirectional", "Bidirectional in the Keras 2.1.3 Theano writer")
    for var, arr in layer.weights:
        if flip and var == "kernel":
            arr = _flip(arr)
        out.append((f"{layer.name}/{var}", np.asarray(arr, dtype=np.float32)))
    return out


# ----------------------------------------------------------------- files

def k1_training_config():
    """Keras 1.2.2 `training_config` (as in the real Keras 1.2.2 files)."""
    return {"optimizer_config": {"class_name": "Adam", "config": {
        "lr": 0.0010000000474974513, "beta_1": 0.8999999761581421, "beta_2": 0.9990000128746033, "decay": 0.0,
        "epsilon": 1e-08}}, "loss": "categorical_crossentropy", "metrics": ["accuracy"],
        "sample_weight_mode": None, "loss_weights": None}


def k213_training_config():
    return {"optimizer_config": {"class_name": "Adam", "config": {
        "lr": 0.0010000000474974513, "beta_1": 0.8999999761581421, "beta_2": 0.9990000128746033, "decay": 0.0,
        "epsilon": 1e-07, "amsgrad": False}}, "loss": "categorical_crossentropy", "metrics": ["accuracy"],
        "sample_weight_mode": None, "loss_weights": None}


def _write(path, version, backend, model_config, layers, training_config, group_version):
    """Legacy HDF5 of the h5py 2 era: root strings variable-length ASCII,
    name lists fixed-length, empty weight_names a float64 array.
    layers: [(layer name, [(weight name, array)])] in model.layers order."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = version.encode("utf8")
        if backend is not None:
            f.attrs["backend"] = backend.encode("utf8")
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode("utf8")
        g = create_group(f, "model_weights")
        save_attributes(g, "layer_names", [name.encode("utf8") for name, _ in layers], True)
        if backend is not None:
            g.attrs["backend"] = backend.encode("utf8")
        if group_version:
            g.attrs["keras_version"] = version.encode("utf8")
        for name, weights in layers:
            lg = create_group(g, name)
            save_attributes(lg, "weight_names", [n.encode("utf8") for n, _ in weights], True)
            for n, arr in weights:
                create_dataset(lg, n, arr)


def keras1_reason(model, dump, shapes):
    """Why the case gets no Keras 1 file (None when it does)."""
    if not dump["k2"]:
        return "the case has no Keras-2 files either"
    if model.policy:
        return "Keras 1.2.2 had no dtype policies"
    try:
        keras1_model_config(model, shapes)
        for layer in model.layers:
            keras1_layer_weights(layer, False)
    except NoKeras1 as e:
        return str(e)
    return None


def write_keras1_flavours(out_dir, model, dump, shapes, compiled):
    """Writes model_k1.h5 [+ model_k1_theano.h5, model_k2_theano.h5] when the
    model has a Keras 1 form; returns (manifest entries, description note)."""
    reason = keras1_reason(model, dump, shapes)
    if reason is not None:
        return [], f" No Keras-1 files: {reason}."
    cfg = keras1_model_config(model, shapes)
    layers = model.layers
    entries = []
    training = k1_training_config() if compiled else None
    _write(os.path.join(out_dir, "model_k1.h5"), K1_VERSION, None, cfg,
           [(layer.name, keras1_layer_weights(layer, False)) for layer in layers], training, False)
    entries.append({"format": "h5", "flavor": "keras-1", "file": "model_k1.h5", "keras_version": K1_VERSION})
    note = f" Keras-1 file as Keras {K1_VERSION} (TensorFlow backend)"
    if has_theano_kernel(model):
        why_not = theano_reason(model)
        if why_not is None:
            # Keras 1.2.2 wrote no backend attribute: the one here (root and model_weights, where Keras 2's
            # loader looks) marks the kernels as Theano-trained
            _write(os.path.join(out_dir, "model_k1_theano.h5"), K1_VERSION, "theano", cfg,
                   [(layer.name, keras1_layer_weights(layer, True)) for layer in layers], training, False)
            entries.append({"format": "h5", "flavor": "keras-1-theano", "file": "model_k1_theano.h5",
                            "keras_version": K1_VERSION})
            k2cfg = keras213_model_config(model, shapes)
            _write(os.path.join(out_dir, "model_k2_theano.h5"), K2_THEANO_VERSION, "theano", k2cfg,
                   [(layer.name, keras213_layer_weights(layer)) for layer in layers],
                   k213_training_config() if compiled else None, True)
            entries.append({"format": "h5", "flavor": "keras-2-theano", "file": "model_k2_theano.h5",
                            "keras_version": K2_THEANO_VERSION})
            note += (f", and Theano files as Keras {K1_VERSION} and {K2_THEANO_VERSION} (backend 'theano', "
                     "kernels flipped)")
        else:
            note += f"; no Theano files: {why_not}"
    return entries, note + "."
