"""Fixtures for Keras 3 operation nodes: backend operations applied to symbolic tensors in a
functional model (`x + 3.0`, `ops.mean(x, axis=1)`, `x[:, 0]`), which Keras 3 records among
the layers as operation entries. tfjs has no such entries, so these cases are written here
directly, like tfop_cases.py: each case builds the Keras 3 config the way Keras 3.12 serializes
it and, alongside, the expected values with plain NumPy (float64) expressions written from the
Keras ops documentation - never by interpreting the written config.

Config form (keras/src/models/functional.py get_config / serialize_node, keras/src/saving/
serialization_lib.py serialize_keras_object, keras/src/ops/operation.py get_config):
- operation entry {"module": "keras.src.ops.<numpy|nn|core|math>", "class_name": <Operation
  class>, "config": the constructor arguments (auto-config, with "name" when the constructor
  takes it), "registered_name": <class>, "name", "inbound_nodes": [{"args": [...], "kwargs":
  {...}}]}; no build_config (operations are not layers);
- args are the call's positional arguments: tensors as "__keras_tensor__" objects, Python
  numbers as themselves, slices as "__slice__" objects, Ellipsis as "__ellipsis__", tuples as
  lists;
- KerasTensor operators call the operation classes: `x + y` Add(x, y), `3.0 + x` Add(3.0, x),
  `1.0 - x` Subtract(1.0, x), `x / y` TrueDivide, `x // y` FloorDivide, `x % y` Mod, `x ** y`
  Power, `-x` Negative, `x @ y` Matmul, `x[key]` GetItem(x, key);
- operations are not in `model.layers`, so the weights file has no group for them.
Layers are written by keras3_config.K3Writer, the writer of every other Keras 3 fixture.
"""

import json
import os
import zlib

import numpy as np

from h5_writers import write_k3_weights, write_keras_archive
from keras3_config import K3Writer, to_snake_case
from keras_config import Layer, Model
from tfop_cases import ELLIPSIS, erf, sigmoid, write_case

REFERENCE = "numpy tools/oracle/keras_ops_cases.py"
VERSION = "3.12.0"

_MODULES = {"numpy": "keras.src.ops.numpy", "nn": "keras.src.ops.nn", "core": "keras.src.ops.core",
            "math": "keras.src.ops.math"}


class T:
    """A symbolic tensor: the layer or operation that made it, its value and shape."""

    def __init__(self, layer, value):
        self.layer = layer
        self.value = np.asarray(value, dtype=np.float64)

    def serialized(self):
        return {"class_name": "__keras_tensor__", "config": {
            "shape": [None] + list(self.value.shape[1:]), "dtype": "float32",
            "keras_history": [self.layer, 0, 0]}}


def S(start=None, stop=None, step=None):
    return {"class_name": "__slice__", "config": {"start": start, "stop": stop, "step": step}}


K3_ELLIPSIS = {"class_name": "__ellipsis__", "config": {}}
assert ELLIPSIS["class_name"] == K3_ELLIPSIS["class_name"]


def _arg(a):
    if isinstance(a, T):
        return a.serialized()
    if isinstance(a, (list, tuple)):
        return [_arg(x) for x in a]
    return a


class Case:
    def __init__(self, name, description):
        self.name = name
        self.description = description
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.model = Model("Functional", "functional")
        self.writer = K3Writer(VERSION, None)
        self.writer.root = self.model
        self.entries = []
        self.inputs = []
        self.outputs = []
        self.counts = {}

    def unique(self, base):
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def input(self, shape, lo=-2.0, hi=2.0, batch=3):
        name = self.unique("input_layer")
        x = self.rng.uniform(lo, hi, size=(batch,) + tuple(shape)).astype(np.float32)
        layer = Layer("InputLayer", name, {})
        layer.batch_input_shape = [None] + list(shape)
        self.model.layers.append(layer)
        self.entries.append(self.writer.entry(layer, (), functional=True))
        self.model.input_layers.append([name, 0, 0])
        self.inputs.append((name, x))
        return T(name, x)

    def layer(self, class_name, config, x, value, weights=()):
        name = self.unique(class_name.lower() if class_name != "ReLU" else "re_lu")
        layer = Layer(class_name, name, config)
        layer.weights = list(weights)
        layer.inbound = [[[t.layer, 0, 0] for t in (x if isinstance(x, list) else [x])]]
        self.model.layers.append(layer)
        entry = self.writer.entry(layer, (), functional=True)
        shapes = [[None] + list(t.value.shape[1:]) for t in (x if isinstance(x, list) else [x])]
        entry["build_config"] = {"input_shape": shapes[0] if len(shapes) == 1 else shapes}
        tensors = [t.serialized() for t in (x if isinstance(x, list) else [x])]
        entry["inbound_nodes"] = [{"args": [tensors] if isinstance(x, list) else tensors, "kwargs": {}}]
        self.entries.append(entry)
        return T(name, value)

    def dense(self, x, units, activation="linear"):
        fan_in = x.value.shape[-1]
        kernel = self.rng.uniform(-0.6, 0.6, size=(fan_in, units)).astype(np.float32)
        bias = self.rng.uniform(-0.3, 0.3, size=(units,)).astype(np.float32)
        y = x.value @ kernel.astype(np.float64) + bias
        if activation == "relu":
            y = np.maximum(y, 0)
        return self.layer("Dense", {"units": units, "activation": activation, "use_bias": True}, x, y,
                          [("kernel", kernel), ("bias", bias)])

    def op(self, family, cls, args, value, config=None, kwargs=None):
        """An operation call: `args` the positional arguments (T for tensors), `config` the
        constructor arguments beyond the name."""
        name = self.unique(to_snake_case(cls))
        cfg = {"name": name}
        cfg.update(config or {})
        self.entries.append({"module": _MODULES[family], "class_name": cls, "config": cfg,
                             "registered_name": cls, "name": name,
                             "inbound_nodes": [{"args": _arg(list(args)), "kwargs": _arg(kwargs or {})}]})
        return T(name, value)

    def output(self, *tensors):
        for t in tensors:
            self.model.output_layers.append([t.layer, 0, 0])
            self.outputs.append(t.value)

    def config(self):
        refs = [list(r) for r in self.model.output_layers]
        ins = [list(r) for r in self.model.input_layers]
        return {"module": "keras.src.models.functional", "class_name": "Functional", "config": {
            "name": self.model.name, "trainable": True, "layers": self.entries,
            "input_layers": ins[0] if len(ins) == 1 else ins,
            "output_layers": refs[0] if len(refs) == 1 else refs},
            "registered_name": "Functional", "build_config": {"input_shape": None}}


# ----------------------------------------------------------------- cases

def case_operators():
    c = Case("kops_operators", "Dense layers mixed with Python operators on Keras 3 tensors: x + y, "
             "x * 0.5, x - y, x / 2, -x, x ** 2, x // 0.75, x % y, and constants first (1.0 - x, "
             "2.0 / x, 3.0 + x).")
    x = c.input([5])
    h = c.dense(x, 5, "relu")
    a = c.op("numpy", "Add", [h, x], h.value + x.value)
    b = c.op("numpy", "Multiply", [a, 0.5], a.value * 0.5)
    d = c.op("numpy", "Subtract", [b, h], b.value - h.value)
    e = c.op("numpy", "TrueDivide", [d, 2.0], d.value / 2.0)
    f = c.op("numpy", "Negative", [e], -e.value)
    g = c.op("numpy", "Power", [f, 2], f.value ** 2)
    h2 = c.dense(g, 4)
    y = c.dense(x, 4)
    q = c.op("numpy", "FloorDivide", [h2, 0.75], np.floor(h2.value / 0.75))
    r = c.op("numpy", "Mod", [h2, y], np.mod(h2.value, y.value))
    s = c.op("numpy", "Subtract", [1.0, y], 1.0 - y.value)
    p = c.op("numpy", "Add", [3.0, s], 3.0 + s.value)
    pos = c.op("numpy", "Absolute", [p], np.abs(p.value))
    t = c.op("numpy", "TrueDivide", [2.0, c.op("numpy", "Add", [pos, 0.5], pos.value + 0.5)],
             2.0 / (pos.value + 0.5))
    c.output(h2, q, r, t)
    return c


def case_unary():
    c = Case("kops_unary", "keras.ops elementwise functions on a model input: exp, log, sqrt, rsqrt, "
             "square, absolute, tanh, sin, cos, erf, reciprocal, sign, floor, ceil, round, log1p, expm1, "
             "sigmoid, relu, relu6, elu, selu, silu, hard_sigmoid, hard_silu, gelu (approximate and exact), "
             "leaky_relu, "
             "softplus, softsign, maximum/minimum with a constant, clip.")
    x = c.input([6], lo=-3.0, hi=3.0)
    p = c.input([6], lo=0.2, hi=3.0)
    xv, pv = x.value, p.value
    outs = [
        c.op("numpy", "Exp", [x], np.exp(xv)),
        c.op("numpy", "Log", [p], np.log(pv)),
        c.op("numpy", "Sqrt", [p], np.sqrt(pv)),
        c.op("math", "Rsqrt", [p], 1 / np.sqrt(pv)),
        c.op("numpy", "Square", [x], xv ** 2),
        c.op("numpy", "Tanh", [x], np.tanh(xv)),
        c.op("numpy", "Sin", [x], np.sin(xv)),
        c.op("numpy", "Cos", [x], np.cos(xv)),
        c.op("math", "Erf", [x], erf(xv)),
        c.op("numpy", "Reciprocal", [p], 1 / pv),
        c.op("numpy", "Sign", [x], np.sign(xv)),
        c.op("numpy", "Floor", [x], np.floor(xv)),
        c.op("numpy", "Ceil", [x], np.ceil(xv)),
        c.op("numpy", "Round", [x], np.round(xv), {"decimals": 0}),
        c.op("numpy", "Log1p", [p], np.log1p(pv)),
        c.op("numpy", "Expm1", [x], np.expm1(xv)),
        c.op("nn", "Sigmoid", [x], sigmoid(xv)),
        c.op("nn", "Relu", [x], np.maximum(xv, 0)),
        c.op("nn", "Relu6", [x], np.minimum(np.maximum(xv, 0), 6)),
        c.op("nn", "Elu", [x], np.where(xv > 0, xv, np.expm1(xv)), {"alpha": 1.0}),
        c.op("nn", "Selu", [x], 1.0507009873554805 * np.where(xv > 0, xv, 1.6732632423543772 * np.expm1(xv))),
        c.op("nn", "Silu", [x], xv * sigmoid(xv)),
        c.op("nn", "HardSigmoid", [x], np.minimum(np.maximum(xv + 3, 0), 6) / 6),
        c.op("nn", "HardSilu", [x], xv * np.minimum(np.maximum(xv + 3, 0), 6) / 6),
        c.op("nn", "Gelu", [x], 0.5 * xv * (1 + np.tanh(np.sqrt(2 / np.pi) * (xv + 0.044715 * xv ** 3))),
             {"approximate": True}),
        c.op("nn", "Gelu", [x], 0.5 * xv * (1 + erf(xv / np.sqrt(2))), {"approximate": False}),
        c.op("nn", "LeakyRelu", [x], np.where(xv > 0, xv, 0.1 * xv), {"negative_slope": 0.1}),
        c.op("nn", "Softplus", [x], np.log1p(np.exp(xv))),
        c.op("nn", "Softsign", [x], xv / (1 + np.abs(xv))),
        c.op("numpy", "Maximum", [x, 0.5], np.maximum(xv, 0.5)),
        c.op("numpy", "Minimum", [x, p], np.minimum(xv, pv)),
        c.op("numpy", "Clip", [x], np.clip(xv, -1.0, 1.5), {"x_min": -1.0, "x_max": 1.5}),
    ]
    c.output(*outs)
    return c


def case_reductions_shapes():
    c = Case("kops_reduce_reshape", "keras.ops reductions (mean, sum, max, min, prod over non-batch "
             "axes, keepdims), reshape with -1, transpose, expand_dims, squeeze, concatenate, stack, "
             "matmul (also against a constant), softmax, log_softmax and cast, between Dense layers.")
    x = c.input([3, 4], lo=0.5, hi=1.5)
    v = x.value
    h = c.dense(x, 4)
    hv = h.value

    def softmax(a, axis):
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    w = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [1.0, 0.0]]
    r = c.op("numpy", "Reshape", [h], hv.reshape(-1, 2, 6), {"newshape": [-1, 2, 6]})
    t = c.op("numpy", "Transpose", [r], np.transpose(r.value, (0, 2, 1)), {"axes": [0, 2, 1]})
    e = c.op("numpy", "ExpandDims", [t], t.value[..., None], {"axis": -1})
    s = c.op("numpy", "Squeeze", [e], e.value[..., 0], {"axis": -1})
    outs = [
        c.op("numpy", "Mean", [x], v.mean(axis=1), {"axis": 1, "keepdims": False}),
        c.op("numpy", "Sum", [x], v.sum(axis=(1, 2), keepdims=True), {"axis": [1, 2], "keepdims": True}),
        c.op("numpy", "Max", [x], v.max(axis=-1), {"axis": -1, "keepdims": False, "initial": None}),
        c.op("numpy", "Min", [x], v.min(axis=2, keepdims=True), {"axis": 2, "keepdims": True, "initial": None}),
        c.op("numpy", "Prod", [x], v.prod(axis=-2), {"axis": -2, "keepdims": False, "dtype": None}),
        c.dense(s, 2),
        c.op("numpy", "Concatenate", [[x, h]], np.concatenate([v, hv], axis=-1), {"axis": -1}),
        c.op("numpy", "Stack", [[x, h]], np.stack([v, hv], axis=1), {"axis": 1}),
        c.op("numpy", "Matmul", [x, w], v @ np.array(w)),
        c.op("numpy", "Matmul", [h, c.op("numpy", "Transpose", [x], np.transpose(v, (0, 2, 1)), {"axes": [0, 2, 1]})],
             hv @ np.transpose(v, (0, 2, 1))),
        c.op("nn", "Softmax", [h], softmax(hv, -1), {"axis": -1}),
        c.op("nn", "LogSoftmax", [h], np.log(softmax(hv, 1)), {"axis": 1}),
        c.op("core", "Cast", [x], v, {"dtype": "float32"}),
    ]
    c.output(*outs)
    return c


def case_getitem():
    c = Case("kops_getitem", "x[...] on Keras 3 tensors (GetItem): ints (negative too), slices with "
             "missing and negative bounds, steps of both signs, Ellipsis and None, a single slice "
             "and tuples.")
    x = c.input([5, 6])
    h = c.dense(x, 4)
    v = x.value
    outs = [
        c.op("numpy", "GetItem", [x, [S(), 1]], v[:, 1]),
        c.op("numpy", "GetItem", [x, [S(), S(None, None, 2)]], v[:, ::2]),
        c.op("numpy", "GetItem", [x, [K3_ELLIPSIS, -1]], v[..., -1]),
        c.op("numpy", "GetItem", [x, [S(), S(1, -1), None, S(None, None, -2)]], v[:, 1:-1, None, ::-2]),
        c.op("numpy", "GetItem", [x, [K3_ELLIPSIS, S(1, 4, 2)]], v[..., 1:4:2]),
        c.op("numpy", "GetItem", [h, S(None, None, None)], h.value[:]),
        c.op("numpy", "GetItem", [h, [S(0, None), S(-3, None)]], h.value[0:, -3:]),
    ]
    c.output(*outs)
    return c


def case_hard_swish():
    c = Case("kops_hard_swish", "MobileNetV3's hard_swish as Keras 3 writes it: "
             "Multiply()([x, ReLU(6.0)(x + 3.0) * (1.0 / 6.0)]) after a Dense layer - the Add and "
             "Multiply operations next to the ReLU and Multiply layers of the same names.")
    x = c.input([6])
    h = c.dense(x, 5)
    a = c.op("numpy", "Add", [h, 3.0], h.value + 3.0)
    r = c.layer("ReLU", {"max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0}, a,
                np.minimum(np.maximum(a.value, 0), 6))
    m = c.op("numpy", "Multiply", [r, 1.0 / 6.0], r.value * (1.0 / 6.0))
    y = c.layer("Multiply", {}, [h, m], h.value * m.value)
    c.output(c.dense(y, 3))
    return c


def case_compare_where():
    c = Case("kops_compare_where", "Comparison operators on Keras 3 tensors (x > y, x <= 0.0, "
             "x == 1.0 after round, x != y: booleans as 0/1), logical_and/or/not, ops.where with a "
             "tensor and a constant branch, and ops.cast to bool and int32 (toward zero).")
    x = c.input([5])
    y = c.input([5])
    v, w = x.value, y.value
    r = c.op("numpy", "Round", [x], np.round(v))
    gt = c.op("numpy", "Greater", [x, y], (v > w) * 1.0)
    le0 = c.op("numpy", "LessEqual", [x, 0.0], (v <= 0) * 1.0)
    eq = c.op("numpy", "Equal", [r, 1.0], (np.round(v) == 1) * 1.0)
    both = c.op("numpy", "LogicalAnd", [gt, le0], ((v > w) & (v <= 0)) * 1.0)
    either = c.op("numpy", "LogicalOr", [gt, eq], ((v > w) | (np.round(v) == 1)) * 1.0)
    outs = [
        c.op("numpy", "GreaterEqual", [y, x], (w >= v) * 1.0),
        c.op("numpy", "Less", [x, y], (v < w) * 1.0),
        c.op("numpy", "NotEqual", [x, y], (v != w) * 1.0),
        c.op("numpy", "LogicalNot", [either], 1.0 - either.value),
        both,
        c.op("numpy", "Where", [gt, x, -1e9], np.where(v > w, v, -1e9)),
        c.op("core", "Cast", [x], (v != 0) * 1.0, config={"dtype": "bool"}),
        c.op("core", "Cast", [c.op("numpy", "Multiply", [x, 3.0], v * 3)], np.trunc(v * 3),
             config={"dtype": "int32"}),
    ]
    c.output(*outs)
    return c


CASES = [case_operators, case_unary, case_reductions_shapes, case_getitem, case_hard_swish,
         case_compare_where]


def _write_models(c, out_dir):
    cfg = c.config()
    write_keras_archive(os.path.join(out_dir, "model.keras"), cfg, VERSION, c.model, True, False)
    with open(os.path.join(out_dir, "model_k3.json"), "w") as f:
        f.write(json.dumps(cfg))
    write_k3_weights(os.path.join(out_dir, "model.weights.h5"), c.model, True)
    return [{"format": "keras", "file": "model.keras", "keras_version": VERSION},
            {"format": "json+weights.h5", "file": "model_k3.json", "weights": "model.weights.h5",
             "keras_version": VERSION}]


def write_all(fixtures_dir, index):
    """Write every case into fixtures_dir/<case>/ and append index entries."""
    for make in CASES:
        c = make()
        write_case(fixtures_dir, index, c, REFERENCE, lambda out_dir: _write_models(c, out_dir),
                   c.description + f" Keras 3 files as Keras {VERSION}. No Keras-2 formats "
                   "(tf.keras 2 writes these as TFOpLambda layers: see the tfop_* cases) and no Keras 3 "
                   "legacy .h5 (its legacy config drops the module that tells an operation from the layer "
                   "of the same name). Reference is NumPy expressions in tools/oracle/keras_ops_cases.py "
                   "because tfjs has no operation nodes.")
