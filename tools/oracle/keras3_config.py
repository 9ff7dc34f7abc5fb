"""Keras 3 form of a model (converted from the Keras 2 / tfjs description).

Follows keras/src/saving/serialization_lib.py (`serialize_keras_object`:
{"module", "class_name", "config", "registered_name", "build_config"}),
keras/src/models/functional.py (`get_config`, `serialize_node`: inbound
nodes as {"args": [...], "kwargs": {...}} with `__keras_tensor__` entries),
keras/src/models/sequential.py and keras/src/legacy/saving (legacy-h5
form: {"class_name", "config"} entries whose inner values keep the Keras 3
forms), and keras/src/saving/saving_lib.py for the weights layout
(`layers/<snake_case(class)>[_n]/vars/<i>`).

Two Keras 3 flavours are modelled, by version:
- old (< 3.4, e.g. "3.3.3"): dtype as a plain string, single input/output
  references nested (`[["in", 0, 0]]`), no `name` attribute on vars groups.
- new (>= 3.6, e.g. "3.12.0"): DTypePolicy dicts, single references flat
  (`["in", 0, 0]`), `name` attribute on every vars group.
"""

import copy
import re

from keras_config import Layer, kver, stored, variable_dtype

_OLD = (3, 4, 0)


def is_new(version):
    return kver(version) >= _OLD


def to_snake_case(name):
    """keras.src.utils.naming.to_snake_case"""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def dtype_policy(version, shared_id=None, name=None):
    """A layer's `dtype` in its config: the policy name before 3.4, a DTypePolicy dict after."""
    name = name or "float32"
    if not is_new(version):
        return name
    d = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}
    if shared_id is not None:
        d["shared_object_id"] = shared_id
    return d


def _init(d):
    if d is None:
        return None
    cn, c = d["class_name"], dict(d.get("config", {}))
    if cn == "VarianceScaling" and c.get("mode") == "fan_avg":
        cn, c = "GlorotUniform", {"seed": None}
    elif cn == "Orthogonal":
        cn, c = "OrthogonalInitializer", {"gain": float(c.get("gain", 1.0)), "seed": None}
    elif cn == "RandomUniform":
        c = {"minval": float(c.get("minval", -0.05)), "maxval": float(c.get("maxval", 0.05)), "seed": None}
    elif cn in ("GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform"):
        c = {"seed": None}
    return {"module": "keras.initializers", "class_name": cn, "config": c, "registered_name": None}


_Z = {"class_name": "Zeros", "config": {}}
_O = {"class_name": "Ones", "config": {}}
_G = {"class_name": "GlorotUniform", "config": {"seed": None}}
_ORTH = {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}}

_CONV_TAIL = [("activation", "linear"), ("use_bias", True), ("kernel_initializer", _G), ("bias_initializer", _Z),
              ("kernel_regularizer", None), ("bias_regularizer", None), ("activity_regularizer", None),
              ("kernel_constraint", None), ("bias_constraint", None)]
_RNN_HEAD = [("return_sequences", False), ("return_state", False), ("go_backwards", False), ("stateful", False),
             ("unroll", False), ("zero_output_for_mask", False)]
_RNN_REG = [("kernel_regularizer", None), ("recurrent_regularizer", None), ("bias_regularizer", None),
            ("activity_regularizer", None), ("kernel_constraint", None), ("recurrent_constraint", None),
            ("bias_constraint", None), ("dropout", 0.0), ("recurrent_dropout", 0.0), ("seed", None)]

# Keras 3 get_config keys per class (after name/trainable/dtype).
K3_KEYS = {
    "Dense": [("units", None), ("activation", "linear"), ("use_bias", True), ("kernel_initializer", _G),
              ("bias_initializer", _Z), ("kernel_regularizer", None), ("bias_regularizer", None),
              ("kernel_constraint", None), ("bias_constraint", None)],
    "Activation": [("activation", "linear")],
    "ReLU": [("max_value", None), ("negative_slope", 0.0), ("threshold", 0.0)],
    "LeakyReLU": [("negative_slope", 0.3)],
    "PReLU": [("alpha_initializer", _Z), ("alpha_regularizer", None), ("alpha_constraint", None),
              ("shared_axes", None)],
    "ELU": [("alpha", 1.0)],
    "Softmax": [("axis", -1)],
    "Conv1D": [("filters", None), ("kernel_size", None), ("strides", [1]), ("padding", "valid"),
               ("data_format", "channels_last"), ("dilation_rate", [1]), ("groups", 1)] + _CONV_TAIL,
    "Conv2D": [("filters", None), ("kernel_size", None), ("strides", [1, 1]), ("padding", "valid"),
               ("data_format", "channels_last"), ("dilation_rate", [1, 1]), ("groups", 1)] + _CONV_TAIL,
    "DepthwiseConv2D": [("depth_multiplier", 1), ("kernel_size", None), ("strides", [1, 1]), ("padding", "valid"),
                        ("data_format", "channels_last"), ("dilation_rate", [1, 1]), ("activation", "linear"),
                        ("use_bias", True), ("depthwise_initializer", _G), ("bias_initializer", _Z),
                        ("depthwise_regularizer", None), ("bias_regularizer", None), ("activity_regularizer", None),
                        ("depthwise_constraint", None), ("bias_constraint", None)],
    "SeparableConv2D": [("depth_multiplier", 1), ("filters", None), ("kernel_size", None), ("strides", [1, 1]),
                        ("padding", "valid"), ("data_format", "channels_last"), ("dilation_rate", [1, 1]),
                        ("activation", "linear"), ("use_bias", True), ("depthwise_initializer", _G),
                        ("pointwise_initializer", _G), ("bias_initializer", _Z), ("depthwise_regularizer", None),
                        ("pointwise_regularizer", None), ("bias_regularizer", None), ("activity_regularizer", None),
                        ("depthwise_constraint", None), ("pointwise_constraint", None), ("bias_constraint", None)],
    "MaxPooling1D": [("pool_size", None), ("padding", "valid"), ("strides", None), ("data_format", "channels_last")],
    "AveragePooling1D": [("pool_size", None), ("padding", "valid"), ("strides", None),
                         ("data_format", "channels_last")],
    "MaxPooling2D": [("pool_size", None), ("padding", "valid"), ("strides", None), ("data_format", "channels_last")],
    "AveragePooling2D": [("pool_size", None), ("padding", "valid"), ("strides", None),
                         ("data_format", "channels_last")],
    "GlobalAveragePooling1D": [("data_format", "channels_last"), ("keepdims", False)],
    "GlobalMaxPooling1D": [("data_format", "channels_last"), ("keepdims", False)],
    "GlobalAveragePooling2D": [("data_format", "channels_last"), ("keepdims", False)],
    "GlobalMaxPooling2D": [("data_format", "channels_last"), ("keepdims", False)],
    "BatchNormalization": [("axis", -1), ("momentum", 0.99), ("epsilon", 0.001), ("center", True), ("scale", True),
                           ("beta_initializer", _Z), ("gamma_initializer", _O), ("moving_mean_initializer", _Z),
                           ("moving_variance_initializer", _O), ("beta_regularizer", None),
                           ("gamma_regularizer", None), ("beta_constraint", None), ("gamma_constraint", None),
                           ("synchronized", False)],
    "LayerNormalization": [("axis", -1), ("epsilon", 0.001), ("center", True), ("scale", True),
                           ("rms_scaling", False), ("beta_initializer", _Z), ("gamma_initializer", _O),
                           ("beta_regularizer", None), ("gamma_regularizer", None), ("beta_constraint", None),
                           ("gamma_constraint", None)],
    "Flatten": [("data_format", "channels_last")],
    "Reshape": [("target_shape", None)],
    "Permute": [("dims", None)],
    "RepeatVector": [("n", None)],
    "ZeroPadding2D": [("data_format", "channels_last"), ("padding", None)],
    "UpSampling2D": [("data_format", "channels_last"), ("size", None), ("interpolation", "nearest")],
    "Cropping2D": [("cropping", None), ("data_format", "channels_last")],
    "Dropout": [("rate", None), ("seed", None), ("noise_shape", None)],
    "SpatialDropout1D": [("rate", None), ("seed", None)],
    "SpatialDropout2D": [("rate", None), ("seed", None), ("data_format", "channels_last")],
    "GaussianNoise": [("stddev", None), ("seed", None)],
    "GaussianDropout": [("rate", None), ("seed", None)],
    "AlphaDropout": [("rate", None), ("seed", None), ("noise_shape", None)],
    "ActivityRegularization": [("l1", 0.0), ("l2", 0.0)],
    "Add": [], "Subtract": [], "Multiply": [], "Average": [], "Maximum": [], "Minimum": [],
    "Concatenate": [("axis", -1)],
    "Dot": [("axes", None), ("normalize", False)],
    "Masking": [("mask_value", 0.0)],
    "Embedding": [("input_dim", None), ("output_dim", None),
                  ("embeddings_initializer", {"class_name": "RandomUniform",
                                              "config": {"minval": -0.05, "maxval": 0.05, "seed": None}}),
                  ("embeddings_regularizer", None), ("activity_regularizer", None), ("embeddings_constraint", None),
                  ("mask_zero", False)],
    "SimpleRNN": _RNN_HEAD + [("units", None), ("activation", "tanh"), ("use_bias", True),
                              ("kernel_initializer", _G), ("recurrent_initializer", _ORTH),
                              ("bias_initializer", _Z)] + _RNN_REG,
    "LSTM": _RNN_HEAD + [("units", None), ("activation", "tanh"), ("recurrent_activation", "sigmoid"),
                         ("use_bias", True), ("kernel_initializer", _G), ("recurrent_initializer", _ORTH),
                         ("bias_initializer", _Z), ("unit_forget_bias", True)] + _RNN_REG,
    "GRU": _RNN_HEAD + [("units", None), ("activation", "tanh"), ("recurrent_activation", "sigmoid"),
                        ("use_bias", True), ("kernel_initializer", _G), ("recurrent_initializer", _ORTH),
                        ("bias_initializer", _Z)] + _RNN_REG + [("reset_after", True)],
}

for _nd in (1, 2, 3):  # keras/src/layers/rnn/conv_lstm.py ConvLSTM.get_config (after RNN's)
    K3_KEYS[f"ConvLSTM{_nd}D"] = _RNN_HEAD + [
        ("filters", None), ("kernel_size", None), ("strides", [1] * _nd), ("padding", "valid"),
        ("data_format", "channels_last"), ("dilation_rate", [1] * _nd), ("activation", "tanh"),
        ("recurrent_activation", "sigmoid"), ("use_bias", True), ("kernel_initializer", _G),
        ("recurrent_initializer", _ORTH), ("bias_initializer", _Z), ("unit_forget_bias", True),
        ("kernel_regularizer", None), ("recurrent_regularizer", None), ("bias_regularizer", None),
        ("activity_regularizer", None), ("kernel_constraint", None), ("recurrent_constraint", None),
        ("bias_constraint", None), ("dropout", 0.0), ("recurrent_dropout", 0.0), ("seed", None)]

_NORM_INIT = [("beta_initializer", _Z), ("gamma_initializer", _O), ("beta_regularizer", None),
              ("gamma_regularizer", None), ("beta_constraint", None), ("gamma_constraint", None)]
_AUGMENT = [("fill_mode", "reflect"), ("fill_value", 0.0), ("interpolation", "bilinear"), ("seed", None),
            ("data_format", "channels_last")]
K3_KEYS.update({  # Keras 3 get_config of the normalization and preprocessing layers
    "GroupNormalization": [("groups", 32), ("axis", -1), ("epsilon", 0.001), ("center", True),
                           ("scale", True)] + _NORM_INIT,
    "UnitNormalization": [("axis", -1)],
    "Normalization": [("axis", [-1]), ("invert", False), ("mean", None), ("variance", None)],
    "Rescaling": [("scale", None), ("offset", 0.0)],
    "Resizing": [("height", None), ("width", None), ("interpolation", "bilinear"), ("data_format", "channels_last"),
                 ("crop_to_aspect_ratio", False), ("pad_to_aspect_ratio", False), ("fill_mode", "constant"),
                 ("fill_value", 0.0), ("antialias", False)],
    "CenterCrop": [("height", None), ("width", None), ("data_format", "channels_last")],
    "RandomCrop": [("height", None), ("width", None), ("seed", None), ("data_format", "channels_last")],
    "Discretization": [("bin_boundaries", None), ("num_bins", None), ("epsilon", 0.01), ("output_mode", "int"),
                       ("sparse", False)],
    "CategoryEncoding": [("num_tokens", None), ("output_mode", "multi_hot"), ("sparse", False)],
    "RandomFlip": [("mode", "horizontal_and_vertical"), ("seed", None), ("data_format", "channels_last")],
    "RandomRotation": [("factor", None)] + _AUGMENT,
    "RandomZoom": [("height_factor", None), ("width_factor", None)] + _AUGMENT,
    "RandomTranslation": [("height_factor", None), ("width_factor", None)] + _AUGMENT,
    "RandomContrast": [("factor", None), ("value_range", [0, 255]), ("seed", None)],
    "RandomBrightness": [("factor", None), ("value_range", [0, 255]), ("seed", None)],
})

_K3_DENSE_TAIL = [("kernel_initializer", _G), ("bias_initializer", _Z), ("kernel_regularizer", None),
                  ("bias_regularizer", None), ("activity_regularizer", None), ("kernel_constraint", None),
                  ("bias_constraint", None)]
K3_KEYS.update({  # keras/src/layers/attention and core/einsum_dense.py get_config
    "EinsumDense": [("output_shape", None), ("equation", None), ("activation", "linear"), ("bias_axes", None)]
    + _K3_DENSE_TAIL,
    "MultiHeadAttention": [("num_heads", None), ("key_dim", None), ("value_dim", None), ("dropout", 0.0),
                           ("use_bias", True), ("output_shape", None), ("attention_axes", None)]
    + _K3_DENSE_TAIL + [("seed", None)],
    "Attention": [("use_scale", False), ("score_mode", "dot"), ("dropout", 0.0)],
    "AdditiveAttention": [("use_scale", True), ("dropout", 0.0)],
})

# MultiHeadAttention's projections: weight prefix -> (saving_lib attribute, sublayer name).
_MHA_SUBLAYERS = {"query": ("query_dense", "query"), "key": ("key_dense", "key"),
                  "value": ("value_dense", "value"), "attention_output": ("output_dense", "attention_output")}

_CELL_REG = [("kernel_regularizer", None), ("recurrent_regularizer", None), ("bias_regularizer", None),
             ("kernel_constraint", None), ("recurrent_constraint", None), ("bias_constraint", None),
             ("dropout", 0.0), ("recurrent_dropout", 0.0), ("seed", None)]
# keras/src/layers/rnn/*.py get_config of RNN (cell last), StackedRNNCells and the cells
# Conv3D, the transposed convolutions (Keras 3 BaseConvTranspose.get_config: no groups, and no
# output_padding before keras-team/keras#23014), 1D depthwise/separable convolutions, 3D pooling,
# 1D/3D padding, cropping and upsampling.
K3_KEYS["Conv3D"] = [(k, [d[0]] * 3 if isinstance(d, list) else d) for k, d in K3_KEYS["Conv2D"]]
for _nd in (1, 2, 3):
    K3_KEYS[f"Conv{_nd}DTranspose"] = [(k, [d[0]] * _nd if isinstance(d, list) else d)
                                       for k, d in K3_KEYS["Conv2D"] if k != "groups"]
for _kind in ("Depthwise", "Separable"):
    K3_KEYS[f"{_kind}Conv1D"] = [(k, [d[0]] if isinstance(d, list) else d) for k, d in K3_KEYS[f"{_kind}Conv2D"]]
for _kind in ("MaxPooling3D", "AveragePooling3D"):
    K3_KEYS[_kind] = [("pool_size", None), ("padding", "valid"), ("strides", None), ("data_format", "channels_last")]
for _kind in ("GlobalAveragePooling3D", "GlobalMaxPooling3D"):
    K3_KEYS[_kind] = [("data_format", "channels_last"), ("keepdims", False)]
# TextVectorization.get_config (keras/src/layers/preprocessing/text_vectorization.py; tf-keras's
# has the same keys in the same order)
K3_KEYS["TextVectorization"] = [("max_tokens", None), ("standardize", "lower_and_strip_punctuation"),
                               ("split", "whitespace"), ("ngrams", None), ("output_mode", "int"),
                               ("output_sequence_length", None), ("pad_to_max_tokens", False),
                               ("sparse", False), ("ragged", False), ("vocabulary", None),
                               ("idf_weights", None), ("encoding", "utf-8"), ("vocabulary_size", None)]
K3_KEYS["ZeroPadding1D"] = [("padding", None)]
K3_KEYS["ZeroPadding3D"] = [("data_format", "channels_last"), ("padding", None)]
K3_KEYS["UpSampling1D"] = [("size", None)]
K3_KEYS["UpSampling3D"] = [("data_format", "channels_last"), ("size", None)]
K3_KEYS["Cropping1D"] = [("cropping", None)]
K3_KEYS["Cropping3D"] = [("cropping", None), ("data_format", "channels_last")]
# keras/src/applications/convnext.py LayerScale.get_config; the class lives in that module, not
# keras.layers (MODULES), and is saved under its plain class name.
K3_KEYS["LayerScale"] = [("init_values", None), ("projection_dim", None)]
MODULES = {"LayerScale": "keras.src.applications.convnext"}
K3_KEYS["RNN"] = _RNN_HEAD + [("cell", None)]
K3_KEYS["StackedRNNCells"] = [("cells", None)]
K3_KEYS["SimpleRNNCell"] = [("units", None), ("activation", "tanh"), ("use_bias", True), ("kernel_initializer", _G),
                            ("recurrent_initializer", _ORTH), ("bias_initializer", _Z)] + _CELL_REG
K3_KEYS["LSTMCell"] = [("units", None), ("activation", "tanh"), ("recurrent_activation", "sigmoid"), ("use_bias", True),
                       ("unit_forget_bias", True), ("kernel_initializer", _G), ("recurrent_initializer", _ORTH),
                       ("bias_initializer", _Z)] + _CELL_REG
K3_KEYS["GRUCell"] = [("units", None), ("activation", "tanh"), ("recurrent_activation", "sigmoid"), ("use_bias", True),
                      ("kernel_initializer", _G), ("recurrent_initializer", _ORTH), ("bias_initializer", _Z)] \
    + _CELL_REG + [("reset_after", True)]

_K3_ONLY_NEW = {"rms_scaling"}  # keys that appeared after 3.3


class K3Writer:
    """Renders the Model tree in Keras 3 form.

    legacy=False: `.keras` / `model.to_json()` form.
    legacy=True: `model_config` of a legacy `.h5` written by Keras 3."""

    def __init__(self, version, shapes, legacy=False):
        self.version = version
        self.new = is_new(version)
        self.shapes = shapes  # {(path, node): [shape tuples]}
        self.legacy = legacy
        self.shared_policy = 140213370000000 if self.new else None

    # ------------------------------------------------------------ layers
    def layer_config(self, layer, input_shape=None):
        cn = layer.class_name
        c = layer.config
        if cn == "InputLayer":
            out = {"batch_shape": list(layer.batch_input_shape), "dtype": "float32", "sparse": False}
            if self.new:
                out["ragged"] = False
            out["name"] = layer.name
            return out
        # Layers that take the global policy share its object (shared_object_id); one given its
        # own dtype has a policy object of its own.
        shared = self.shared_policy if not layer.weights and layer.policy == self.root.policy else None
        out = {"name": layer.name, "trainable": layer.trainable,
               "dtype": dtype_policy(self.version, shared, layer.policy)}
        if cn in ("Bidirectional", "TimeDistributed"):
            return self._wrapper_config(layer, out, input_shape)
        if cn == "SpectralNormalization":
            out["layer"] = self.serialize_inner(layer.config["layer"], input_shape)
            out["power_iterations"] = layer.config.get("power_iterations", 1)
            return out
        for key, default in K3_KEYS[cn]:
            if key in _K3_ONLY_NEW and not self.new:
                continue
            src = key
            if cn == "LeakyReLU" and key == "negative_slope":
                src = "alpha"
            if cn in _CELL and key == "zero_output_for_mask":
                # Bidirectional forces it to return_sequences on the layers it serializes
                value = (c.get("return_sequences", False) if getattr(layer, "_in_bidirectional", False)
                         else c.get("zero_output_for_mask", False))
            else:
                value = c.get(src, default)
            if value is None and key in ("unit_forget_bias", "mask_zero"):
                value = default
            if cn in ("GRU", "GRUCell") and key == "reset_after":
                value = c.get("reset_after", False)
            if key.endswith("_initializer"):
                value = _init(value)
            if isinstance(value, Layer):
                value = self.serialize_inner(value, None)
            elif isinstance(value, list) and value and isinstance(value[0], Layer):
                value = [self.serialize_inner(v, None) for v in value]
            out[key] = copy.deepcopy(value)
        if cn.endswith(("Pooling1D", "Pooling2D", "Pooling3D")):
            if "strides" in out and out["strides"] is None:
                out["strides"] = out["pool_size"]
        if cn == "BatchNormalization":
            ax = out["axis"]
            out["axis"] = ax[0] if isinstance(ax, list) and len(ax) == 1 else ax
        if cn == "LayerNormalization":
            ax = out["axis"]
            if isinstance(ax, list) and len(ax) == 1:
                ax = ax[0]
            if isinstance(ax, int) and input_shape is not None and ax == len(input_shape) - 1:
                ax = -1
            out["axis"] = ax
        if cn == "Softmax" and isinstance(out["axis"], list) and len(out["axis"]) == 1:
            out["axis"] = out["axis"][0]
        return out

    def _wrapper_config(self, layer, out, input_shape):
        inner = layer.config["layer"]
        if layer.class_name == "TimeDistributed":
            inner_shape = None if input_shape is None else (input_shape[0],) + tuple(input_shape[2:])
            out["layer"] = self.serialize_inner(inner, inner_shape)
            return out
        out["merge_mode"] = layer.config.get("merge_mode", "concat")
        fwd = _renamed(inner, "forward_" + inner.name)
        bwd = _renamed(inner, "backward_" + inner.name)
        bwd.config["go_backwards"] = not inner.config.get("go_backwards", False)
        fwd._in_bidirectional = bwd._in_bidirectional = True
        out["layer"] = self.serialize_inner(fwd, input_shape)
        out["backward_layer"] = self.serialize_inner(bwd, input_shape)
        return out

    def serialize_inner(self, layer, input_shape):
        """Inner layers of wrappers are always in the new serialized form."""
        d = {"module": "keras.layers", "class_name": layer.class_name,
             "config": self.layer_config(layer, input_shape), "registered_name": None}
        if input_shape is not None:
            d["build_config"] = {"input_shape": _shape_list(input_shape)}
        return d

    def entry(self, layer, path, functional):
        """One entry of a model's `layers` list."""
        p = path + (layer.name,)
        shapes = self.shapes.get((p, 0)) if self.shapes else None
        in_shape = shapes[0] if shapes else None
        if layer.class_name == "TFOpLambda" and functional and not self.legacy:
            return self._operation_entry(layer, path, shapes)
        if layer.is_model:
            d = self.model(layer.model, p, nested=True)
        elif self.legacy:
            d = {"class_name": layer.class_name, "config": self.layer_config(layer, in_shape)}
        else:
            module = MODULES.get(layer.class_name)
            d = {"module": module or "keras.layers", "class_name": layer.class_name,
                 "config": self.layer_config(layer, in_shape), "registered_name": layer.class_name if module else None}
            if layer.class_name != "InputLayer" and (layer.weights or layer.class_name in _ALWAYS_BUILD) \
                    and in_shape is not None:
                d["build_config"] = {"input_shape": _shape_list(in_shape) if len(shapes) == 1
                                     else [_shape_list(s) for s in shapes]}
        if functional:
            d["name"] = layer.name
            d["inbound_nodes"] = [self.node(layer, k, node, path) for k, node in enumerate(layer.inbound)]
        return d

    def node(self, layer, k, node, path):
        tensors = self._tensors(layer, k, node, path)
        call = getattr(layer, "call", None)
        if call:
            return _k3_attention_node(layer, call, tensors)
        if layer.class_name in _INITIAL_STATE_TAKERS and len(tensors) > 1:
            # RNN(x, initial_state=[...]): Keras 3 keeps the states as a keyword argument
            return {"args": tensors[:1], "kwargs": {"initial_state": tensors[1:]}}
        args = [tensors] if len(tensors) > 1 else tensors
        return {"args": args, "kwargs": {}}

    def _tensors(self, layer, k, node, path):
        """The serialized tensors of call `k` of `layer`."""
        shapes = self.shapes.get((path + (layer.name,), k)) if self.shapes else None
        tensors = []
        for i, (lname, nidx, tidx) in enumerate(node):
            shape = shapes[i] if shapes else None
            tensors.append({"class_name": "__keras_tensor__", "config": {
                "shape": _shape_list(shape) if shape is not None else None, "dtype": "float32",
                "keras_history": [self._name(lname), self._call_index(path, lname, nidx), tidx]}})
        return tensors

    def _operation_entry(self, layer, path, shapes):
        """What Keras 3 writes for the TensorFlow function a tf.keras 2 TFOpLambda recorded: the
        keras.ops Operation with the same math, called with the tensor and the `y` argument
        (a tensor or a constant; see keras_ops_cases.py for the form)."""
        function = layer.config["function"]
        if function not in _TF_TO_OPERATION:
            raise ValueError(f"no Keras 3 operation for TensorFlow function {function}")
        family, cls = _TF_TO_OPERATION[function]
        call = layer.call
        name = self._name(layer.name)
        entry = {"module": "keras.src.ops." + family, "class_name": cls, "config": {"name": name},
                 "registered_name": cls, "name": name, "inbound_nodes": []}
        for k, node in enumerate(layer.inbound):
            tensors = self._tensors(layer, k, node, path)
            args = [tensors[0]]
            if "y" in call["inputs"]:
                args.append(tensors[call["inputs"].index("y")])
            else:
                args.append(call["kwargs"]["y"])
            entry["inbound_nodes"].append({"args": args, "kwargs": {}})
        return entry

    def _call_index(self, path, lname, nidx):
        # configs reference a nested model's calls from 1 (see functional.py);
        # serialize_node drops the internal node from the tensor history.
        owner = self._owner_model(path)
        target = owner.find(lname) if owner else None
        if target is not None and target.is_model:
            return nidx - 1
        return nidx

    def _owner_model(self, path):
        m = self.root
        for name in path:
            m = m.find(name).model
        return m

    # ------------------------------------------------------------ models
    def model(self, model, path=(), nested=False):
        if not nested:
            self.root = model
            self.op_names = _operation_names(model)
        if model.kind == "Sequential":
            layers = [self._seq_input(model)]
            layers += [self.entry(layer, path, functional=False) for layer in model.layers]
            cfg = {"name": model.name, "trainable": model.trainable,
                   "dtype": dtype_policy(self.version, self.shared_policy, self.root.policy),
                   "layers": layers, "build_input_shape": list(model.seq_batch_input_shape)}
            if self.legacy:
                d = {"class_name": "Sequential", "config": cfg}
            else:
                d = {"module": "keras", "class_name": "Sequential", "config": cfg, "registered_name": None,
                     "build_config": {"input_shape": list(model.seq_batch_input_shape)}}
        else:
            layers = [self.entry(layer, path, functional=True) for layer in model.layers]
            cfg = {"name": model.name, "trainable": model.trainable, "layers": layers,
                   "input_layers": self._refs(model.input_layers),
                   "output_layers": self._refs(model.output_layers)}
            if self.legacy:
                d = {"class_name": "Functional", "config": cfg}
            else:
                d = {"module": "keras.src.models.functional", "class_name": "Functional", "config": cfg,
                     "registered_name": "Functional", "build_config": {"input_shape": None}}
        return d

    def _seq_input(self, model):
        cfg = {"batch_shape": list(model.seq_batch_input_shape), "dtype": "float32", "sparse": False}
        if self.new:
            cfg["ragged"] = False
        cfg["name"] = model.seq_input_name
        if self.legacy:
            return {"class_name": "InputLayer", "config": cfg}
        return {"module": "keras.layers", "class_name": "InputLayer", "config": cfg, "registered_name": None}

    def _name(self, name):
        return getattr(self, "op_names", {}).get(name, name)

    def _refs(self, refs):
        refs = [[self._name(r[0])] + list(r[1:]) for r in refs]
        if len(refs) == 1 and self.new:
            return refs[0]
        return refs


_ALWAYS_BUILD = {"Dropout", "Flatten"}


def _operation_names(model):
    """Keras 3 names an operation after its class (auto_name: "add", "add_1", ...), not
    "tf.__operators__.add": the names the TFOpLambda layers of `model` get in Keras 3 form."""
    taken = {layer.name for layer in model.walk()}
    counts = {}
    names = {}
    for layer in model.walk():
        if layer.class_name != "TFOpLambda" or layer.config.get("function") not in _TF_TO_OPERATION:
            continue
        base = to_snake_case(_TF_TO_OPERATION[layer.config["function"]][1])
        while True:
            n = counts.get(base, 0)
            counts[base] = n + 1
            candidate = base if n == 0 else f"{base}_{n}"
            if candidate not in taken:
                break
        taken.add(candidate)
        names[layer.name] = candidate
    return names
# tf.keras 2 TFOpLambda function -> the keras.src.ops class Keras 3 records for the same Python
# expression (keras/src/backend/common/keras_tensor.py operators).
_TF_TO_OPERATION = {"__operators__.add": ("numpy", "Add"), "math.add": ("numpy", "Add"),
                    "math.subtract": ("numpy", "Subtract"), "math.multiply": ("numpy", "Multiply"),
                    "math.truediv": ("numpy", "TrueDivide")}
_INITIAL_STATE_TAKERS = {"SimpleRNN", "LSTM", "GRU", "RNN", "Bidirectional"}


def _k3_attention_node(layer, call, tensors):
    """Keras 3 serialize_node of an attention layer call: query, value (and key) positional
    (Attention: one list), attention_mask and options as kwargs, then the mask arguments
    Layer.__call__ fills in (None here: the oracle does not model symbolic masks)."""
    names = call["inputs"]
    kwargs = {}
    if layer.class_name == "MultiHeadAttention":
        args = [t for n, t in zip(names, tensors) if n != "attention_mask"]
        kwargs.update({n: t for n, t in zip(names, tensors) if n == "attention_mask"})
        kwargs.update(call.get("kwargs", {}))
        kwargs.update({f"{n}_mask": None for n in names if n != "attention_mask"})
    else:
        args = [tensors]
        kwargs.update(call.get("kwargs", {}))
        kwargs["mask"] = [None] * len(tensors)
    return {"args": args, "kwargs": kwargs}


def _renamed(layer, name):
    new = Layer(layer.class_name, name, copy.deepcopy(layer.config), layer.trainable)
    new.policy = layer.policy  # Bidirectional rebuilds its layers from the config, policy included
    return new


def _shape_list(shape):
    return [None] + [None if d is None else int(d) for d in list(shape)[1:]]


# ----------------------------------------------------------------- weights

_CELL = {"LSTM": "lstm_cell", "GRU": "gru_cell", "SimpleRNN": "simple_rnn_cell",
         "ConvLSTM1D": "conv_lstm_cell", "ConvLSTM2D": "conv_lstm_cell", "ConvLSTM3D": "conv_lstm_cell"}


def k3_weight_tree(model):
    """saving_lib layout: list of (h5 group path, name attr, [arrays]).
    Group paths are relative to the weights-file root."""
    out = [("vars", model.name, [])]
    _container(model, "layers", out)
    return out


def _container(model, prefix, out):
    used = {}
    layers = model.layers if model.kind == "Functional" else list(model.layers)
    for layer in layers:
        cls = layer.class_name
        if cls == "TFOpLambda":
            continue  # a Keras 3 operation: not a layer, no weights entry
        if layer.is_model:
            cls = "Functional" if layer.model.kind == "Functional" else "Sequential"
        key = to_snake_case(cls)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        _object(layer, f"{prefix}/{key}", out)


def _object(layer, path, out):
    dtype = variable_dtype(layer, keras3=True)
    arrays = [stored(a, dtype) for _, a in layer.weights]
    cn = layer.class_name
    if layer.is_model:
        out.append((f"{path}/vars", layer.name, []))
        _container(layer.model, f"{path}/layers", out)
    elif cn in _CELL:
        out.append((f"{path}/vars", layer.name, []))
        out.append((f"{path}/cell/vars", _CELL[cn], arrays))
    elif cn == "RNN":
        from keras_config import rnn_cells
        cells, stacked = rnn_cells(layer)
        out.append((f"{path}/vars", layer.name, []))
        if not stacked:
            out.append((f"{path}/cell/vars", cells[0][0].name, arrays))
            return
        out.append((f"{path}/cell/vars", layer.config["cell"].name, []))
        used = {}
        for cell, n in cells:
            key = to_snake_case(cell.class_name)
            used[key] = used.get(key, -1) + 1
            key = key if used[key] == 0 else f"{key}_{used[key]}"
            out.append((f"{path}/cell/cells/{key}/vars", cell.name, arrays[:n]))
            arrays = arrays[n:]
    elif cn == "Bidirectional":
        inner = layer.config["layer"]
        n = len(arrays) // 2
        out.append((f"{path}/vars", layer.name, []))
        for d, part in (("forward", arrays[:n]), ("backward", arrays[n:])):
            out.append((f"{path}/{d}_layer/vars", f"{d}_{inner.name}", []))
            out.append((f"{path}/{d}_layer/cell/vars", _CELL[inner.class_name], part))
    elif cn == "TimeDistributed":
        inner = layer.config["layer"]
        out.append((f"{path}/vars", layer.name, []))
        out.append((f"{path}/layer/vars", inner.name, arrays))
    elif cn == "SpectralNormalization":
        # build() assigns the wrapped layer's kernel to an attribute, which Keras tracks as one of
        # the wrapper's own variables, ahead of vector_u (the last weight)
        inner = layer.config["layer"]
        out.append((f"{path}/vars", layer.name, [arrays[0], arrays[-1]]))
        out.append((f"{path}/layer/vars", inner.name, arrays[:-1]))
    elif cn == "MultiHeadAttention":
        out.append((f"{path}/vars", layer.name, []))
        for prefix, (attr, sub_name) in _MHA_SUBLAYERS.items():
            part = [stored(a, dtype) for v, a in layer.weights if v.split(".")[0] == prefix]
            if part:
                out.append((f"{path}/{attr}/vars", sub_name, part))
    else:
        out.append((f"{path}/vars", layer.name, arrays))


def k3_legacy_weight_names(layer):
    """Keras 3 `w.path` of each weight of a top-level layer, in
    `_legacy_weights` order (as legacy_h5_format writes them)."""
    from keras_config import legacy_layer_weights
    names = []
    seen = {}
    for owner, var, _ in legacy_layer_weights(layer):
        cn = owner.class_name
        if cn == "RNN":
            from keras_config import _rnn_cell_of
            cell, stacked = _rnn_cell_of(owner, seen)
            names.append(f"{owner.name}/{'stacked_rnn_cells/' if stacked else ''}{cell.name}/{var}")
        elif cn in _CELL:
            names.append(f"{owner.name}/{_CELL[cn]}/{var}")
        elif cn == "Bidirectional":
            inner = owner.config["layer"]
            k = seen.get((owner.name, var), 0)
            seen[(owner.name, var)] = k + 1
            d = "forward" if k == 0 else "backward"
            names.append(f"{owner.name}/{d}_{inner.name}/{_CELL[inner.class_name]}/{var}")
        elif cn == "TimeDistributed":
            names.append(f"{owner.name}/{owner.config['layer'].name}/{var}")
        elif cn == "SpectralNormalization":
            inner = owner.config["layer"].name
            names.append(f"{owner.name}/{var}" if var == "vector_u" else f"{owner.name}/{inner}/{var}")
        else:
            names.append(f"{owner.name}/{var.replace('.', '/')}")
    return names

K3_KEYS["Hashing"] = [("num_bins", None), ("salt", None), ("mask_value", None), ("output_mode", "int"),
                   ("sparse", False)]
