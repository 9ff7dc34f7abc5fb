"""Model description shared by the writers, and its Keras 2 (tf.keras) form.

`parse_dump` turns an oracle.js dump (tfjs `model.toJSON()` config plus
per-layer weights) into a small tree of `Model` / `Layer` objects with
canonical Keras-2 layer configs. `k2_model_config` renders that tree as
tf.keras 2.x writes `model_config` / `model.to_json()` for a given
tf.keras version. The Keras 3 form is produced by keras3_config.py.
"""

import base64
import copy
import re

import numpy as np

MODEL_CLASSES = ("Sequential", "Functional", "Model")


class Layer:
    def __init__(self, class_name, name, config, trainable=True):
        self.class_name = class_name
        self.name = name
        self.config = config  # class-specific keys only (no name/trainable/dtype)
        self.trainable = trainable
        self.batch_input_shape = None  # for the first layer of a Sequential
        self.inbound = []  # functional: list of nodes, node = list of [layer, node, tensor]
        self.weights = []  # [(var_name, float32 array)] in Keras order
        self.model = None  # Model, when this layer is a nested model
        self.policy = None  # dtype policy name ("float16", "mixed_float16", ...); None: float32

    @property
    def is_model(self):
        return self.model is not None


class Model:
    def __init__(self, kind, name, trainable=True):
        self.kind = kind  # "Sequential" | "Functional"
        self.name = name
        self.trainable = trainable
        self.layers = []  # Functional: includes InputLayers; Sequential: not
        self.input_layers = []  # functional: [[name, node, tensor]]
        self.output_layers = []
        # Sequential only: the input the model was built with
        self.seq_input_name = None
        self.seq_batch_input_shape = None
        self.policy = None  # the global dtype policy the model was built under; None: float32

    def find(self, name):
        for layer in self.layers:
            if layer.name == name:
                return layer
        return None

    def walk(self):
        """All layers, depth first (nested model layers after their model)."""
        for layer in self.layers:
            yield layer
            if layer.is_model:
                yield from layer.model.walk()


# ----------------------------------------------------------------- parsing

_FLOAT_KEYS = {"rate", "dropout", "recurrent_dropout", "epsilon", "momentum", "alpha", "theta", "max_value",
               "negative_slope", "threshold", "stddev", "l1", "l2", "gain", "scale", "minval", "maxval",
               "mean", "mask_value"}


def _floats(d):
    """tfjs writes 0.5-type floats as JS numbers (0, 1); Keras writes 0.0."""
    if isinstance(d, dict):
        return {k: (float(v) if k in _FLOAT_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool)
                    else _floats(v)) for k, v in d.items()}
    if isinstance(d, list):
        return [_floats(v) for v in d]
    return d


def _decode(w):
    data = np.frombuffer(base64.b64decode(w["data"]), dtype="<f4")
    return data.reshape(w["shape"]).astype(np.float32)


def _var_name(full):
    return re.sub(r"_\d+$", "", full.split("/")[-1])


def parse_dump(dump):
    """Build the Model tree from an oracle.js dump (patches applied)."""
    cfg = copy.deepcopy(dump["model_config"])
    model = _parse_model(cfg["class_name"], cfg["config"])
    _attach_weights(model, dump["layers"])
    _apply_patch(model, dump.get("patch") or {})
    _propagate_frozen(model, True)
    _apply_policy(model, dump.get("policy"), dump.get("policy_overrides") or {})
    return model


def _apply_policy(model, policy, overrides):
    """The case's dtype policy on every layer but the inputs (Keras gives an Input the float32
    of floatx whatever the global policy), with per-layer overrides."""
    if not policy:
        return
    model.policy = policy
    for layer in model.walk():
        if layer.class_name != "InputLayer":
            layer.policy = overrides.get(layer.name, policy)
        for key in ("layer", "backward_layer"):  # a wrapper's inner layers were built under it too
            inner = layer.config.get(key)
            if isinstance(inner, Layer):
                inner.policy = overrides.get(inner.name, policy)


def _parse_model(class_name, cfg):
    if class_name == "Sequential":
        m = Model("Sequential", cfg["name"])
        for i, entry in enumerate(cfg["layers"]):
            layer = _parse_layer(entry)
            if i == 0:
                if layer.is_model:
                    m.seq_batch_input_shape = _nested_input_shape(layer.model)
                else:
                    m.seq_batch_input_shape = layer.batch_input_shape
                m.seq_input_name = layer.name + "_input"
            m.layers.append(layer)
        return m
    m = Model("Functional", cfg["name"])
    for entry in cfg["layers"]:
        layer = _parse_layer(entry)
        layer.inbound = [[[r[0], r[1], r[2]] for r in node] for node in entry.get("inbound_nodes", [])]
        m.layers.append(layer)
    m.input_layers = [list(x) for x in cfg["input_layers"]]
    m.output_layers = [list(x) for x in cfg["output_layers"]]
    return m


def _nested_input_shape(model):
    if model.kind == "Sequential":
        return model.seq_batch_input_shape
    first = model.find(model.input_layers[0][0])
    return first.batch_input_shape


def _parse_layer(entry):
    cn = entry["class_name"]
    c = _floats(dict(entry["config"]))
    if cn in ("Sequential", "Model", "Functional"):
        layer = Layer("Sequential" if cn == "Sequential" else "Functional", c["name"], {}, c.get("trainable", True))
        layer.model = _parse_model(cn, entry["config"])
        return layer
    name = c.pop("name")
    trainable = c.pop("trainable", True)
    c.pop("dtype", None)
    bis = c.pop("batch_input_shape", None)
    if cn == "InputLayer":
        c.pop("sparse", None)
        c.pop("ragged", None)
    for k in ("layer",):
        if k in c:  # wrappers: parse the inner layer config too
            inner = _parse_layer({"class_name": c[k]["class_name"], "config": c[k]["config"]})
            c[k] = inner
    if cn == "RNN":  # tfjs also writes the cells beside the cell: keep the cell only
        c.pop("cells", None)
    if "cell" in c:
        c["cell"] = _parse_layer(c["cell"])
    if cn == "StackedRNNCells":
        c["cells"] = [_parse_layer(cell) for cell in c["cells"]]
    if cn == "Reshape":  # tfjs writes the unknown dimension as null, Keras keeps -1
        c["target_shape"] = [-1 if d is None else d for d in c["target_shape"]]
    layer = Layer(cn, name, c, trainable)
    layer.batch_input_shape = bis
    return layer


def _attach_weights(model, dumped_layers):
    by_name = {d["name"]: d for d in dumped_layers}
    for layer in model.layers:
        d = by_name.get(layer.name)
        if d is None:
            continue
        if layer.is_model:
            _attach_weights(layer.model, d["layers"])
            layer.trainable = d.get("trainable", True)
            layer.model.trainable = layer.trainable
        else:
            layer.weights = [(_var_name(w["name"]), _decode(w)) for w in d["weights"]]


def _find_layer(model, name):
    for layer in model.walk():
        if layer.name == name:
            return layer
    raise KeyError(f"patch: no layer {name}")


def _apply_patch(model, patch):
    """Turn a tfjs stand-in layer into the layer tfjs cannot build."""
    for lname, new_class in (patch.get("@class") or {}).items():
        _find_layer(model, lname).class_name = new_class
    for lname, wrap in (patch.get("@wrap") or {}).items():
        # the stand-in becomes the wrapped layer, renamed, inside a wrapper with the stand-in's name
        layer = _find_layer(model, lname)
        inner = Layer(layer.class_name, wrap["inner"], layer.config, layer.trainable)
        layer.class_name = wrap["class_name"]
        layer.config = dict(wrap.get("config", {}), layer=inner)
    for lname, call in (patch.get("@call") or {}).items():
        _find_layer(model, lname).call = call  # {"inputs": [argument names], "kwargs": {...}}
    for lname, changes in patch.items():
        if lname in ("@class", "@call", "@wrap"):
            continue
        layer = _find_layer(model, lname)
        for key, value in changes.items():
            if key == "@drop":
                for k in value:
                    layer.config.pop(k, None)
            elif key.startswith("layer.config."):
                layer.config["layer"].config[key[len("layer.config."):]] = value
            else:
                layer.config[key] = value


def _propagate_frozen(model, trainable):
    """Setting trainable=False on a model freezes all its layers (Keras)."""
    model.trainable = model.trainable and trainable
    for layer in model.layers:
        if not model.trainable:
            layer.trainable = False
        if layer.class_name == "InputLayer":
            layer.trainable = True if model.trainable else False
        if layer.is_model:
            layer.model.trainable = layer.trainable
            _propagate_frozen(layer.model, layer.trainable)


# ----------------------------------------------------------------- weights

# tf.keras 2 `_param_dtype`: BatchNormalization and LayerNormalization keep float32 parameters
# under a float16/bfloat16 policy; Keras 3 creates them in the policy's variable dtype.
_FLOAT32_PARAMS_K2 = {"BatchNormalization", "LayerNormalization"}


def variable_dtype(layer, keras3):
    """The dtype `layer`'s variables have (and are saved in): the policy's variable dtype, which
    is float32 for the mixed policies."""
    if layer.policy in ("float16", "bfloat16"):
        if not keras3 and layer.class_name in _FLOAT32_PARAMS_K2:
            return "float32"
        return layer.policy
    return "float32"


def bfloat16_bits(arr):
    """float32 -> bfloat16 bit patterns, round to nearest even (written independently of the
    oracle's JS rounding, which it checks)."""
    u = np.ascontiguousarray(arr, dtype="<f4").view("<u4").astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")


def stored(arr, dtype):
    """A weight as a variable of `dtype` holds it, in the NumPy form h5py writes as Keras does:
    float16 as IEEE half, bfloat16 (ml_dtypes, NumPy kind 'V') as a 2-byte opaque type. The
    oracle rounded 16-bit cases' weights already, so this must be exact."""
    arr = np.asarray(arr, dtype=np.float32)
    if dtype == "float32":
        return arr
    if dtype == "float16":
        out = arr.astype(np.float16)
        back = out.astype(np.float32)
    elif dtype == "bfloat16":
        bits = bfloat16_bits(arr)
        out = bits.view("V2")
        back = (bits.astype("<u4") << 16).view("<f4")
    else:
        raise ValueError(f"no storage for dtype {dtype}")
    if not np.array_equal(back, arr):
        raise ValueError(f"weights are not {dtype} values (the oracle's rounding disagrees with NumPy's)")
    return out


def layer_weight_order(layer, legacy=False):
    """Weights of a layer in Keras order. For a nested model with legacy=True
    this is the legacy-h5 order: trainable_weights + non_trainable_weights
    (a frozen model has no trainable weights, so it is layer order)."""
    if not layer.is_model:
        return [(layer, v, a) for v, a in layer.weights]
    subs = []
    for sub in layer.model.layers:
        subs.extend(layer_weight_order(sub, legacy=False))
    if not legacy:
        return subs
    trainable = [x for x in subs if _is_trainable_var(x)]
    non_trainable = [x for x in subs if not _is_trainable_var(x)]
    return trainable + non_trainable


_NON_TRAINABLE_VARS = {"moving_mean", "moving_variance"}


def _is_trainable_var(entry):
    owner, var, _ = entry
    return owner.trainable and var not in _NON_TRAINABLE_VARS


def legacy_layer_weights(layer):
    """`_legacy_weights(layer)`: trainable_weights + non_trainable_weights of
    one top-level layer, as (owner, var, array). For plain layers this is the
    layer's own order (BatchNormalization: gamma, beta, mean, variance; a
    frozen layer lists all its weights as non-trainable, same order)."""
    if layer.is_model:
        return layer_weight_order(layer, legacy=True)
    weights = [(layer, v, a) for v, a in layer.weights]
    if layer.class_name == "SpectralNormalization" and not layer.trainable and len(weights) > 2:
        # Frozen, it lists `layer.weights`: the wrapper's own variables first (the wrapped
        # kernel, tracked as an attribute, then vector_u), then the wrapped layer's others.
        weights = [weights[0], weights[-1]] + weights[1:-1]
    return weights


def weights_by_path(model, path=()):
    """{layer path tuple: [(var, array)]} for numpy_ref."""
    out = {}
    for layer in model.layers:
        p = path + (layer.name,)
        if layer.is_model:
            out.update(weights_by_path(layer.model, p))
        elif layer.weights:
            out[p] = list(layer.weights)
    return out


# ----------------------------------------------------------------- shapes

def io_names(model):
    """(input names, output names) as Keras reports them."""
    if model.kind == "Sequential":
        return [model.seq_input_name], [model.layers[-1].name]
    inputs = [x[0] for x in model.input_layers]
    outputs = unique_output_names([x[0] for x in model.output_layers])
    return inputs, outputs


def unique_output_names(names):
    """tf-keras Functional._set_output_names: repeated layer names become
    name, name_1, name_2, ..."""
    seen = set()
    counts = {}
    out = []
    for name in names:
        proposal = name
        while proposal in seen:
            k = counts.get(name, 1)
            proposal = f"{name}_{k}"
            counts[name] = k + 1
        seen.add(proposal)
        out.append(proposal)
    return out


# ----------------------------------------------------------------- Keras 2 form

def kver(v):
    """'2.2.4-tf' -> (2, 2, 4)."""
    nums = re.findall(r"\d+", v)
    return tuple(int(n) for n in nums[:3])


def _initializer_k2(d):
    if d is None:
        return None
    cn, c = d["class_name"], dict(d.get("config", {}))
    if cn == "VarianceScaling" and c.get("mode") == "fan_avg" and float(c.get("scale", 1)) == 1.0:
        # tfjs serializes glorot initializers as VarianceScaling; Keras names them
        return {"class_name": "GlorotUniform", "config": {"seed": None}}
    if cn == "Orthogonal":
        return {"class_name": "Orthogonal", "config": {"gain": float(c.get("gain", 1.0)), "seed": None}}
    if cn == "RandomUniform":
        return {"class_name": "RandomUniform", "config": {"minval": float(c.get("minval", -0.05)),
                                                           "maxval": float(c.get("maxval", 0.05)), "seed": None}}
    if cn == "Constant":
        return {"class_name": "Constant", "config": {"value": c.get("value", 0)}}
    return {"class_name": cn, "config": c}


# tf.keras 2.x get_config keys per class (after name/trainable/dtype), with
# defaults used when tfjs does not write the key.
_RNN_COMMON_HEAD = [("return_sequences", False), ("return_state", False), ("go_backwards", False),
                    ("stateful", False), ("unroll", False), ("time_major", False)]
_RNN_REG = [("kernel_regularizer", None), ("recurrent_regularizer", None), ("bias_regularizer", None),
            ("activity_regularizer", None), ("kernel_constraint", None), ("recurrent_constraint", None),
            ("bias_constraint", None), ("dropout", 0.0), ("recurrent_dropout", 0.0)]
_INIT = {"kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
         "bias_initializer": {"class_name": "Zeros", "config": {}},
         "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}}}
_CONV_TAIL = [("activation", "linear"), ("use_bias", True), ("kernel_initializer", _INIT["kernel_initializer"]),
              ("bias_initializer", _INIT["bias_initializer"]), ("kernel_regularizer", None),
              ("bias_regularizer", None), ("activity_regularizer", None), ("kernel_constraint", None),
              ("bias_constraint", None)]

K2_KEYS = {
    "InputLayer": [],
    "Dense": [("units", None), ("activation", "linear"), ("use_bias", True),
              ("kernel_initializer", _INIT["kernel_initializer"]), ("bias_initializer", _INIT["bias_initializer"]),
              ("kernel_regularizer", None), ("bias_regularizer", None), ("activity_regularizer", None),
              ("kernel_constraint", None), ("bias_constraint", None)],
    "Activation": [("activation", "linear")],
    "ReLU": [("max_value", None), ("negative_slope", 0.0), ("threshold", 0.0)],
    "LeakyReLU": [("alpha", 0.3)],
    "PReLU": [("alpha_initializer", {"class_name": "Zeros", "config": {}}), ("alpha_regularizer", None),
              ("alpha_constraint", None), ("shared_axes", None)],
    "ELU": [("alpha", 1.0)],
    "Softmax": [("axis", -1)],
    "ThresholdedReLU": [("theta", 1.0)],
    "Conv1D": [("filters", None), ("kernel_size", None), ("strides", [1]), ("padding", "valid"),
               ("data_format", "channels_last"), ("dilation_rate", [1]), ("groups", 1)] + _CONV_TAIL,
    "Conv2D": [("filters", None), ("kernel_size", None), ("strides", [1, 1]), ("padding", "valid"),
               ("data_format", "channels_last"), ("dilation_rate", [1, 1]), ("groups", 1)] + _CONV_TAIL,
    "DepthwiseConv2D": [("kernel_size", None), ("strides", [1, 1]), ("padding", "valid"),
                        ("data_format", "channels_last"), ("dilation_rate", [1, 1]), ("groups", 1),
                        ("activation", "linear"), ("use_bias", True),
                        ("bias_initializer", _INIT["bias_initializer"]), ("bias_regularizer", None),
                        ("activity_regularizer", None), ("bias_constraint", None), ("depth_multiplier", 1),
                        ("depthwise_initializer", _INIT["kernel_initializer"]), ("depthwise_regularizer", None),
                        ("depthwise_constraint", None)],
    "SeparableConv2D": [("filters", None), ("kernel_size", None), ("strides", [1, 1]), ("padding", "valid"),
                        ("data_format", "channels_last"), ("dilation_rate", [1, 1]), ("groups", 1),
                        ("activation", "linear"), ("use_bias", True),
                        ("bias_initializer", _INIT["bias_initializer"]), ("bias_regularizer", None),
                        ("activity_regularizer", None), ("bias_constraint", None), ("depth_multiplier", 1),
                        ("depthwise_initializer", _INIT["kernel_initializer"]),
                        ("pointwise_initializer", _INIT["kernel_initializer"]), ("depthwise_regularizer", None),
                        ("pointwise_regularizer", None), ("depthwise_constraint", None),
                        ("pointwise_constraint", None)],
    "MaxPooling1D": [("strides", None), ("pool_size", None), ("padding", "valid"), ("data_format", "channels_last")],
    "AveragePooling1D": [("strides", None), ("pool_size", None), ("padding", "valid"),
                         ("data_format", "channels_last")],
    "MaxPooling2D": [("pool_size", None), ("padding", "valid"), ("strides", None), ("data_format", "channels_last")],
    "AveragePooling2D": [("pool_size", None), ("padding", "valid"), ("strides", None),
                         ("data_format", "channels_last")],
    "GlobalAveragePooling1D": [("data_format", "channels_last"), ("keepdims", False)],
    "GlobalMaxPooling1D": [("data_format", "channels_last"), ("keepdims", False)],
    "GlobalAveragePooling2D": [("data_format", "channels_last"), ("keepdims", False)],
    "GlobalMaxPooling2D": [("data_format", "channels_last"), ("keepdims", False)],
    "BatchNormalization": [("axis", -1), ("momentum", 0.99), ("epsilon", 0.001), ("center", True), ("scale", True),
                           ("beta_initializer", {"class_name": "Zeros", "config": {}}),
                           ("gamma_initializer", {"class_name": "Ones", "config": {}}),
                           ("moving_mean_initializer", {"class_name": "Zeros", "config": {}}),
                           ("moving_variance_initializer", {"class_name": "Ones", "config": {}}),
                           ("beta_regularizer", None), ("gamma_regularizer", None), ("beta_constraint", None),
                           ("gamma_constraint", None)],
    "LayerNormalization": [("axis", -1), ("epsilon", 0.001), ("center", True), ("scale", True),
                           ("beta_initializer", {"class_name": "Zeros", "config": {}}),
                           ("gamma_initializer", {"class_name": "Ones", "config": {}}),
                           ("beta_regularizer", None), ("gamma_regularizer", None), ("beta_constraint", None),
                           ("gamma_constraint", None)],
    "Flatten": [("data_format", "channels_last")],
    "Reshape": [("target_shape", None)],
    "Permute": [("dims", None)],
    "RepeatVector": [("n", None)],
    "ZeroPadding2D": [("padding", None), ("data_format", "channels_last")],
    "UpSampling2D": [("size", None), ("data_format", "channels_last"), ("interpolation", "nearest")],
    "Cropping2D": [("cropping", None), ("data_format", "channels_last")],
    "Dropout": [("rate", None), ("noise_shape", None), ("seed", None)],
    "SpatialDropout1D": [("rate", None), ("noise_shape", None), ("seed", None)],
    "SpatialDropout2D": [("rate", None), ("noise_shape", None), ("seed", None)],
    "GaussianNoise": [("stddev", None), ("seed", None)],
    "GaussianDropout": [("rate", None), ("seed", None)],
    "AlphaDropout": [("rate", None), ("noise_shape", None), ("seed", None)],
    "ActivityRegularization": [("l1", 0.0), ("l2", 0.0)],
    "Add": [], "Subtract": [], "Multiply": [], "Average": [], "Maximum": [], "Minimum": [],
    "Concatenate": [("axis", -1)],
    "Dot": [("axes", None), ("normalize", False)],
    "Masking": [("mask_value", 0.0)],
    "Embedding": [("input_dim", None), ("output_dim", None),
                  ("embeddings_initializer", {"class_name": "RandomUniform",
                                              "config": {"minval": -0.05, "maxval": 0.05, "seed": None}}),
                  ("embeddings_regularizer", None), ("activity_regularizer", None), ("embeddings_constraint", None),
                  ("mask_zero", False), ("input_length", None)],
    "SimpleRNN": _RNN_COMMON_HEAD + [("units", None), ("activation", "tanh"), ("use_bias", True),
                                     ("kernel_initializer", _INIT["kernel_initializer"]),
                                     ("recurrent_initializer", _INIT["recurrent_initializer"]),
                                     ("bias_initializer", _INIT["bias_initializer"])] + _RNN_REG,
    "LSTM": _RNN_COMMON_HEAD + [("units", None), ("activation", "tanh"), ("recurrent_activation", "sigmoid"),
                                ("use_bias", True), ("kernel_initializer", _INIT["kernel_initializer"]),
                                ("recurrent_initializer", _INIT["recurrent_initializer"]),
                                ("bias_initializer", _INIT["bias_initializer"]), ("unit_forget_bias", True)]
    + _RNN_REG + [("implementation", 2)],
    "GRU": _RNN_COMMON_HEAD + [("units", None), ("activation", "tanh"), ("recurrent_activation", "sigmoid"),
                               ("use_bias", True), ("kernel_initializer", _INIT["kernel_initializer"]),
                               ("recurrent_initializer", _INIT["recurrent_initializer"]),
                               ("bias_initializer", _INIT["bias_initializer"])]
    + _RNN_REG + [("implementation", 2), ("reset_after", False)],
    "Bidirectional": [("layer", None), ("merge_mode", "concat")],
    "TimeDistributed": [("layer", None)],
    # keras/layers/rnn/base_rnn.py RNN.get_config (the cell serialized last) and the cells'
    "RNN": _RNN_COMMON_HEAD + [("cell", None)],
    "StackedRNNCells": [("cells", None)],
    # keras/layers/cudnn_recurrent.py (Keras 2.x, tf.compat.v1.keras): _CuDNNRNN.get_config, then the
    # layer's
    "CuDNNLSTM": [("return_sequences", False), ("return_state", False), ("go_backwards", False),
                  ("stateful", False), ("units", None), ("kernel_initializer", _INIT["kernel_initializer"]),
                  ("recurrent_initializer", _INIT["recurrent_initializer"]),
                  ("bias_initializer", _INIT["bias_initializer"]), ("unit_forget_bias", True),
                  ("kernel_regularizer", None), ("recurrent_regularizer", None), ("bias_regularizer", None),
                  ("activity_regularizer", None), ("kernel_constraint", None), ("recurrent_constraint", None),
                  ("bias_constraint", None)],
    "CuDNNGRU": [("return_sequences", False), ("return_state", False), ("go_backwards", False),
                 ("stateful", False), ("units", None), ("kernel_initializer", _INIT["kernel_initializer"]),
                 ("recurrent_initializer", _INIT["recurrent_initializer"]),
                 ("bias_initializer", _INIT["bias_initializer"]), ("kernel_regularizer", None),
                 ("recurrent_regularizer", None), ("bias_regularizer", None), ("activity_regularizer", None),
                 ("kernel_constraint", None), ("recurrent_constraint", None), ("bias_constraint", None)],
    "SimpleRNNCell": [("units", None), ("activation", "tanh"), ("use_bias", True),
                      ("kernel_initializer", _INIT["kernel_initializer"]),
                      ("recurrent_initializer", _INIT["recurrent_initializer"]),
                      ("bias_initializer", _INIT["bias_initializer"]), ("kernel_regularizer", None),
                      ("recurrent_regularizer", None), ("bias_regularizer", None), ("kernel_constraint", None),
                      ("recurrent_constraint", None), ("bias_constraint", None), ("dropout", 0.0),
                      ("recurrent_dropout", 0.0)],
    "LSTMCell": [("units", None), ("activation", "tanh"), ("recurrent_activation", "sigmoid"), ("use_bias", True),
                 ("kernel_initializer", _INIT["kernel_initializer"]),
                 ("recurrent_initializer", _INIT["recurrent_initializer"]),
                 ("bias_initializer", _INIT["bias_initializer"]), ("unit_forget_bias", True),
                 ("kernel_regularizer", None), ("recurrent_regularizer", None), ("bias_regularizer", None),
                 ("kernel_constraint", None), ("recurrent_constraint", None), ("bias_constraint", None),
                 ("dropout", 0.0), ("recurrent_dropout", 0.0), ("implementation", 2)],
    "GRUCell": [("units", None), ("activation", "tanh"), ("recurrent_activation", "sigmoid"), ("use_bias", True),
                ("kernel_initializer", _INIT["kernel_initializer"]),
                ("recurrent_initializer", _INIT["recurrent_initializer"]),
                ("bias_initializer", _INIT["bias_initializer"]), ("kernel_regularizer", None),
                ("recurrent_regularizer", None), ("bias_regularizer", None), ("kernel_constraint", None),
                ("recurrent_constraint", None), ("bias_constraint", None), ("dropout", 0.0),
                ("recurrent_dropout", 0.0), ("implementation", 2), ("reset_after", False)],
}
for _nd in (1, 2, 3):  # keras/layers/rnn/base_conv_lstm.py ConvLSTM.get_config (after ConvRNN's)
    K2_KEYS[f"ConvLSTM{_nd}D"] = _RNN_COMMON_HEAD + [
        ("filters", None), ("kernel_size", None), ("strides", [1] * _nd), ("padding", "valid"),
        ("data_format", "channels_last"), ("dilation_rate", [1] * _nd), ("activation", "tanh"),
        ("recurrent_activation", "hard_sigmoid"), ("use_bias", True),
        ("kernel_initializer", _INIT["kernel_initializer"]),
        ("recurrent_initializer", _INIT["recurrent_initializer"]),
        ("bias_initializer", _INIT["bias_initializer"]), ("unit_forget_bias", True),
        ("kernel_regularizer", None), ("recurrent_regularizer", None), ("bias_regularizer", None),
        ("activity_regularizer", None), ("kernel_constraint", None), ("recurrent_constraint", None),
        ("bias_constraint", None), ("dropout", 0.0), ("recurrent_dropout", 0.0)]

for _nd in (1, 2):  # tf-keras 2.15 keras/layers/locally_connected/locally_connected{1,2}d.py get_config
    K2_KEYS[f"LocallyConnected{_nd}D"] = [
        ("filters", None), ("kernel_size", None), ("strides", [1] * _nd), ("padding", "valid"),
        ("data_format", "channels_last")] + _CONV_TAIL + [("implementation", 1)]
# Keras 3 only (keras/src/layers/normalization/spectral_normalization.py); the numpy reference
# reads its config in this form
# Conv3D, the transposed convolutions (tf.keras Conv*Transpose.get_config adds output_padding to the
# Conv keys), the 1D depthwise/separable convolutions, 3D pooling and the 1D/3D padding, cropping
# and upsampling layers.
K2_KEYS["Conv3D"] = [(k, [d[0]] * 3 if isinstance(d, list) else d) for k, d in K2_KEYS["Conv2D"]]
for _nd in (1, 2, 3):
    K2_KEYS[f"Conv{_nd}DTranspose"] = ([(k, [d[0]] * _nd if isinstance(d, list) else d) for k, d in K2_KEYS["Conv2D"]]
                                       + [("output_padding", None)])
for _kind in ("Depthwise", "Separable"):
    K2_KEYS[f"{_kind}Conv1D"] = [(k, [d[0]] if isinstance(d, list) else d) for k, d in K2_KEYS[f"{_kind}Conv2D"]]
for _kind in ("MaxPooling3D", "AveragePooling3D"):
    K2_KEYS[_kind] = [("pool_size", None), ("padding", "valid"), ("strides", None), ("data_format", "channels_last")]
for _kind in ("GlobalAveragePooling3D", "GlobalMaxPooling3D"):
    K2_KEYS[_kind] = [("data_format", "channels_last"), ("keepdims", False)]
# TextVectorization.get_config (keras/src/layers/preprocessing/text_vectorization.py; tf-keras's
# has the same keys in the same order)
K2_KEYS["TextVectorization"] = [("max_tokens", None), ("standardize", "lower_and_strip_punctuation"),
                               ("split", "whitespace"), ("ngrams", None), ("output_mode", "int"),
                               ("output_sequence_length", None), ("pad_to_max_tokens", False),
                               ("sparse", False), ("ragged", False), ("vocabulary", None),
                               ("idf_weights", None), ("encoding", "utf-8"), ("vocabulary_size", None)]
K2_KEYS["ZeroPadding1D"] = [("padding", None)]
K2_KEYS["ZeroPadding3D"] = [("padding", None), ("data_format", "channels_last")]
K2_KEYS["UpSampling1D"] = [("size", None)]
K2_KEYS["UpSampling3D"] = [("size", None), ("data_format", "channels_last")]
K2_KEYS["Cropping1D"] = [("cropping", None)]
K2_KEYS["Cropping3D"] = [("cropping", None), ("data_format", "channels_last")]
K2_KEYS["SpectralNormalization"] = [("layer", None), ("power_iterations", 1)]

_NORM_INIT = [("beta_initializer", {"class_name": "Zeros", "config": {}}),
              ("gamma_initializer", {"class_name": "Ones", "config": {}}), ("beta_regularizer", None),
              ("gamma_regularizer", None), ("beta_constraint", None), ("gamma_constraint", None)]
_AUGMENT = [("fill_mode", "reflect"), ("fill_value", 0.0), ("interpolation", "bilinear"), ("seed", None)]
K2_KEYS.update({  # tf-keras 2.15 get_config of the normalization and preprocessing layers
    "GroupNormalization": [("groups", 32), ("axis", -1), ("epsilon", 0.001), ("center", True),
                           ("scale", True)] + _NORM_INIT,
    "UnitNormalization": [("axis", -1)],
    "Normalization": [("axis", [-1]), ("invert", False), ("mean", None), ("variance", None)],
    "Rescaling": [("scale", None), ("offset", 0.0)],
    "Resizing": [("height", None), ("width", None), ("interpolation", "bilinear"), ("crop_to_aspect_ratio", False)],
    "CenterCrop": [("height", None), ("width", None)],
    "RandomCrop": [("height", None), ("width", None), ("seed", None)],
    "Discretization": [("bin_boundaries", None), ("num_bins", None), ("epsilon", 0.01), ("output_mode", "int"),
                       ("sparse", False)],
    "CategoryEncoding": [("num_tokens", None), ("output_mode", "multi_hot"), ("sparse", False)],
    "RandomFlip": [("mode", "horizontal_and_vertical"), ("seed", None)],
    "RandomRotation": [("factor", None)] + _AUGMENT,
    "RandomZoom": [("height_factor", None), ("width_factor", None)] + _AUGMENT,
    "RandomTranslation": [("height_factor", None), ("width_factor", None)] + _AUGMENT,
    "RandomContrast": [("factor", None), ("seed", None)],
    "RandomBrightness": [("factor", None), ("value_range", [0, 255]), ("seed", None)],
    "RandomHeight": [("factor", None), ("interpolation", "bilinear"), ("seed", None)],
    "RandomWidth": [("factor", None), ("interpolation", "bilinear"), ("seed", None)],
})

# Keras-3-only options, written into a Keras 2 config only when set: numpy_ref reads that config,
# and the cases setting them skip the Keras-2 formats.
_K3_ONLY_SET = {"Resizing": [("data_format", "channels_last"), ("pad_to_aspect_ratio", False),
                             ("fill_value", 0.0)]}

_DENSE_TAIL = [("kernel_initializer", _INIT["kernel_initializer"]), ("bias_initializer", _INIT["bias_initializer"]),
               ("kernel_regularizer", None), ("bias_regularizer", None), ("activity_regularizer", None),
               ("kernel_constraint", None), ("bias_constraint", None)]
K2_KEYS.update({  # tf.keras 2.15 get_config of the attention layers (keras/layers/attention, core/einsum_dense.py)
    "EinsumDense": [("output_shape", None), ("equation", None), ("activation", "linear"), ("bias_axes", None)]
    + _DENSE_TAIL,
    "MultiHeadAttention": [("num_heads", None), ("key_dim", None), ("value_dim", None), ("dropout", 0.0),
                           ("use_bias", True), ("output_shape", None), ("attention_axes", None)] + _DENSE_TAIL
    + [("query_shape", None), ("key_shape", None), ("value_shape", None)],
    "Attention": [("use_scale", False), ("score_mode", "dot"), ("dropout", 0.0)],
    "AdditiveAttention": [("use_scale", True), ("dropout", 0.0)],
})

# Attention layers whose call takes one list [query, value(, key)] (MultiHeadAttention takes
# named arguments). A layer's call spec (patch "@call") names its inputs and options.
LIST_CALLS = {"Attention", "AdditiveAttention"}


def k2_node(layer, node):
    """tf.keras 2 Node.serialize: the first call argument's tensors, each carrying the other
    arguments (tensors as [layer, node, tensor]) and options as kwargs."""
    call = getattr(layer, "call", None)
    if not call:
        return [[r[0], r[1], r[2], {}] for r in node]
    options = dict(call.get("kwargs", {}))
    if layer.class_name in LIST_CALLS:  # Attention([query, value, key], **options)
        return [[r[0], r[1], r[2], dict(options)] for r in node]
    names = call["inputs"]
    kwargs = {n: [r[0], r[1], r[2]] for n, r in zip(names[1:], node[1:])}
    kwargs.update(options)
    data = [node[0][0], node[0][1], node[0][2], kwargs]
    # TFOpLambda keeps its first argument's structure (_preserve_input_structure_in_config): a
    # lone tensor is written bare, not wrapped in a list as for other layers.
    return data if layer.class_name == "TFOpLambda" else [data]


# tf.keras 2.15 TFOpLambda.get_config (keras/layers/core/tf_op_layer.py): the TensorFlow
# function's name; the other arguments travel in the inbound node (patch "@call").
K2_KEYS["TFOpLambda"] = [("function", None)]


# tf-keras 2.15 tf_keras/applications/convnext.py LayerScale.get_config (not a keras.layers
# class, but part of Keras, saved under its plain class name).
K2_KEYS["LayerScale"] = [("init_values", None), ("projection_dim", None)]


# Keys tf.keras 2.2.4-tf did not write yet.
_K2_OLD_MISSING = {"groups", "keepdims", "time_major", "ragged"}


def _k2_value(key, value, version):
    if key.endswith("_initializer"):
        return _initializer_k2(value)
    if isinstance(value, Layer):
        return {"class_name": value.class_name, "config": k2_layer_config(value, version, None)}
    if isinstance(value, list) and value and isinstance(value[0], Layer):
        return [_k2_value(key, v, version) for v in value]
    return copy.deepcopy(value)


def k2_dtype(policy):
    """tf.keras 2.15 `policy.serialize`: a policy that is just a dtype as its name, the mixed
    ones through serialization_lib (module "keras.mixed_precision" in TF 2)."""
    if policy is None or not policy.startswith("mixed_"):
        return policy or "float32"
    return {"module": "keras.mixed_precision", "class_name": "Policy", "config": {"name": policy},
            "registered_name": None}


def k2_layer_config(layer, version, input_shape, first_in_sequential=False):
    """tf.keras 2.x `layer.get_config()` for a plain layer."""
    old = kver(version) < (2, 3, 0)
    c = layer.config
    out = {"name": layer.name, "trainable": layer.trainable}
    if not old:
        out["dtype"] = k2_dtype(layer.policy)  # tf.keras >= 2.3 writes dtype before batch_input_shape
    if layer.batch_input_shape is not None and (first_in_sequential or layer.class_name == "InputLayer"):
        out["batch_input_shape"] = list(layer.batch_input_shape)
    if layer.class_name == "InputLayer":
        cfg = {"batch_input_shape": list(layer.batch_input_shape), "dtype": "float32", "sparse": False}
        if not old:
            cfg["ragged"] = False
        cfg["name"] = layer.name
        return cfg
    out["dtype"] = k2_dtype(layer.policy)
    keys = K2_KEYS[layer.class_name]
    for key, default in keys:
        if old and key in _K2_OLD_MISSING:
            continue
        value = c.get(key, default)
        if value is None and default is not None and key in ("unit_forget_bias", "implementation", "mask_zero"):
            value = default
        out[key] = _k2_value(key, value, version)
        if key == "time_major" and c.get("zero_output_for_mask", False):
            out["zero_output_for_mask"] = True  # tf-keras RNN.get_config writes it only when set
    for key, default in _K3_ONLY_SET.get(layer.class_name, []):
        if c.get(key, default) != default:
            out[key] = copy.deepcopy(c[key])
    cn = layer.class_name
    if cn.startswith(("MaxPooling", "AveragePooling")) and out.get("strides") is None:
        out["strides"] = out["pool_size"]
    if cn in ("BatchNormalization", "LayerNormalization") and not old and input_shape is not None:
        # tf.keras stores the normalized axis list after build
        ax = out["axis"]
        axes = ax if isinstance(ax, list) else [ax]
        out["axis"] = [a % len(input_shape) for a in axes]
    if cn == "LayerNormalization" and isinstance(out["axis"], list) and len(out["axis"]) == 1 and old:
        out["axis"] = out["axis"][0]
    if cn == "Bidirectional":
        out = {"name": layer.name, "trainable": layer.trainable, "dtype": k2_dtype(layer.policy),
               "layer": out["layer"], "merge_mode": out["merge_mode"]}
    return out


def k2_model_config(model, version, shapes, path=()):
    """{"class_name", "config"} of a model as tf.keras `version` writes it."""
    old = kver(version) < (2, 3, 0)
    if model.kind == "Sequential":
        layers = []
        if not old:
            layers.append({"class_name": "InputLayer", "config": {
                "batch_input_shape": list(model.seq_batch_input_shape), "dtype": "float32", "sparse": False,
                "ragged": False, "name": model.seq_input_name}})
        for i, layer in enumerate(model.layers):
            layers.append(_k2_entry(layer, version, shapes, path, first=(i == 0)))
        return {"class_name": "Sequential", "config": {"name": model.name, "layers": layers}}
    layers = []
    for layer in model.layers:
        entry = _k2_entry(layer, version, shapes, path, first=False)
        nodes = [k2_node(layer, node) for node in layer.inbound]
        if old:
            layers.append({"name": layer.name, "class_name": entry["class_name"], "config": entry["config"],
                           "inbound_nodes": nodes})
        else:
            layers.append({"class_name": entry["class_name"], "config": entry["config"], "name": layer.name,
                           "inbound_nodes": nodes})
    return {"class_name": "Model" if old else "Functional",
            "config": {"name": model.name, "layers": layers,
                       "input_layers": [list(x) for x in model.input_layers],
                       "output_layers": [list(x) for x in model.output_layers]}}


def _k2_entry(layer, version, shapes, path, first):
    if layer.is_model:
        return k2_model_config(layer.model, version, shapes, path + (layer.name,))
    in_shape = None
    if shapes is not None:
        s = shapes.get((path + (layer.name,), 0))
        in_shape = s[0] if s else None
    return {"class_name": layer.class_name, "config": k2_layer_config(layer, version, in_shape, first)}


# ----------------------------------------------------------------- weight names

_CELL = {"LSTM": "lstm_cell", "GRU": "gru_cell", "SimpleRNN": "simple_rnn_cell",
         "ConvLSTM1D": "conv_lstm_cell", "ConvLSTM2D": "conv_lstm_cell", "ConvLSTM3D": "conv_lstm_cell"}


class CellNamer:
    """tf.keras 2.3+ names RNN cells uniquely per session: lstm_cell,
    lstm_cell_1, ... (in build order)."""

    def __init__(self):
        self.counts = {}

    def __call__(self, base):
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"


def k2_weight_names(layer, version, cells):
    """tf.keras variable names (`dense/kernel:0`) of one top-level layer, in
    `_legacy_weights` order."""
    old = kver(version) < (2, 3, 0)
    names = []
    cell_of = {}
    for owner, var, _ in legacy_layer_weights(layer):
        names.append(_k2_var_name(owner, var, old, cells, cell_of))
    return names


def rnn_cells(layer):
    """The cells of an RNN layer, with the number of weights each holds."""
    cell = layer.config["cell"]
    cells = cell.config["cells"] if cell.class_name == "StackedRNNCells" else [cell]
    return [(c, 3 if c.config.get("use_bias", True) else 2) for c in cells], cell.class_name == "StackedRNNCells"


def _rnn_cell_of(owner, cell_of):
    """The cell the next weight of RNN `owner` belongs to (weights come cell by cell)."""
    k = cell_of.get(("rnn", owner.name), 0)
    cell_of[("rnn", owner.name)] = k + 1
    cells, stacked = rnn_cells(owner)
    for c, n in cells:
        if k < n:
            return c, stacked
        k -= n
    raise ValueError("RNN: more weights than cells hold")


def _k2_var_name(owner, var, old, cells, cell_of):
    cn = owner.class_name
    if cn == "RNN":
        cell, stacked = _rnn_cell_of(owner, cell_of)
        return f"{owner.name}/{'stacked_rnn_cells/' if stacked else ''}{cell.name}/{var}:0"
    if cn in _CELL:
        if old:
            return f"{owner.name}/{var}:0"
        if owner.name not in cell_of:
            cell_of[owner.name] = cells(_CELL[cn])
        return f"{owner.name}/{cell_of[owner.name]}/{var}:0"
    if cn == "Bidirectional":
        inner = owner.config["layer"]
        # forward weights come first: the second occurrence of a name is backward
        key = (owner.name, var)
        seen = cell_of.setdefault(("bidi", key), 0)
        cell_of[("bidi", key)] = seen + 1
        direction = "forward" if seen == 0 else "backward"
        sub = f"{direction}_{inner.name}"
        if old:
            return f"{owner.name}/{sub}/{var}:0"
        ck = ("cell", owner.name, direction)
        if ck not in cell_of:
            cell_of[ck] = cells(_CELL[inner.class_name])
        return f"{owner.name}/{sub}/{cell_of[ck]}/{var}:0"
    return f"{owner.name}/{var.replace('.', '/')}:0"  # "query.kernel": a sublayer's weight

K2_KEYS["Hashing"] = [("num_bins", None), ("salt", None), ("mask_value", None), ("output_mode", "int"),
                   ("sparse", False)]
