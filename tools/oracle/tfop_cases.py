"""Fixtures for TFOpLambda / SlicingOpLambda (TensorFlow functions applied to symbolic tensors in
a tf.keras 2 functional model). tfjs has no such layers, so these cases are written here
directly: each case builds the tf.keras 2 config the way tf.keras 2.x serializes it and, step
by step alongside, the expected values with plain NumPy (float64) expressions written from the
TensorFlow documentation of each function - never by interpreting the written config.

Config form (tf_keras/layers/core/tf_op_layer.py, engine/node.py Node.serialize, engine/
functional.py get_network_config; checked against real to_json() output):
- layer entry {"class_name": "TFOpLambda" | "SlicingOpLambda", "config": {"name", "trainable",
  "dtype", "function"}, "name", "inbound_nodes"}; layer name "tf." + function (+ "_N");
- a node is the structure of the function's first argument (`_preserve_input_structure_in_config`,
  so a single tensor is one bare [layer, node, tensor, kwargs] list, a list of tensors a list of
  them); every leaf carries the same kwargs: the other positional arguments under their
  parameter names plus the keyword arguments; tensors in kwargs as [layer, node, tensor];
  a constant first argument as ["_CONSTANT_VALUE", -1, value, kwargs];
- Python operators go through TensorFlow's operator overloads, which pass `name=None`
  explicitly (`x * 0.5` -> math.multiply with {"y": 0.5, "name": null}); `x + y` is
  "__operators__.add"; `1.0 - x` calls subtract(1.0, x): a constant first argument;
- x[...] is SlicingOpLambda "__operators__.getitem" with {"slice_spec": ...}: a slice as
  {"start", "stop", "step"}, Ellipsis as {"class_name": "__ellipsis__"} (json_utils), newaxis
  as null, a tuple as a list.
"""

import json
import math
import os
import zlib

import numpy as np

from h5_writers import LegacyFlavour, write_legacy_h5, write_legacy_weights
from keras_config import Layer, Model, unique_output_names

REFERENCE = "numpy tools/oracle/tfop_cases.py"


class T:
    """A symbolic tensor: the layer that made it and its expected value."""

    def __init__(self, layer, value):
        self.layer = layer
        self.value = np.asarray(value, dtype=np.float64)


def ref(t):
    return [t.layer, 0, 0]


def leaf(t, kwargs):
    return [t.layer, 0, 0, kwargs]


def const(value, kwargs):
    return ["_CONSTANT_VALUE", -1, value, kwargs]


class Case:
    def __init__(self, name, description, version="2.15.0"):
        self.name = name
        self.description = description
        self.version = version
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.model = Model("Functional", "model")
        self.entries = []
        self.inputs = []  # (name, float32 array)
        self.outputs = []
        self.counts = {}

    def unique(self, base):
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def input(self, shape, lo=-2.0, hi=2.0, batch=3):
        name = f"input_{len(self.inputs) + 1}"
        x = self.rng.uniform(lo, hi, size=(batch,) + tuple(shape)).astype(np.float32)
        layer = Layer("InputLayer", name, {})
        self.model.layers.append(layer)
        self.entries.append({"class_name": "InputLayer", "config": {
            "batch_input_shape": [None] + list(shape), "dtype": "float32", "sparse": False,
            "ragged": False, "name": name}, "name": name, "inbound_nodes": []})
        self.model.input_layers.append([name, 0, 0])
        self.inputs.append((name, x))
        return T(name, x)

    def dense(self, x, units, activation="linear"):
        name = self.unique("dense")
        fan_in = x.value.shape[-1]
        kernel = self.rng.uniform(-0.6, 0.6, size=(fan_in, units)).astype(np.float32)
        bias = self.rng.uniform(-0.3, 0.3, size=(units,)).astype(np.float32)
        layer = Layer("Dense", name, {})
        layer.weights = [("kernel", kernel), ("bias", bias)]
        self.model.layers.append(layer)
        self.entries.append({"class_name": "Dense", "config": {
            "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
            "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
            "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
            "bias_constraint": None}, "name": name, "inbound_nodes": [[leaf(x, {})]]})
        y = x.value @ kernel.astype(np.float64) + bias
        if activation == "relu":
            y = np.maximum(y, 0)
        return T(name, y)

    def tf(self, function, node, value, cls="TFOpLambda"):
        """A TFOpLambda call: `node` is the serialized first argument, `value` what it computes."""
        name = self.unique("tf." + function)
        self.model.layers.append(Layer(cls, name, {}))
        self.entries.append({"class_name": cls, "config": {
            "name": name, "trainable": True, "dtype": "float32", "function": function},
            "name": name, "inbound_nodes": [node]})
        return T(name, value)

    def getitem(self, x, spec, value):
        return self.tf("__operators__.getitem", leaf(x, {"slice_spec": spec}), value, cls="SlicingOpLambda")

    def output(self, *tensors):
        for t in tensors:
            self.model.output_layers.append(ref(t))
            self.outputs.append(t.value)

    def config(self):
        return {"class_name": "Functional", "config": {
            "name": self.model.name, "layers": self.entries,
            "input_layers": self.model.input_layers, "output_layers": self.model.output_layers}}


def S(start=None, stop=None, step=None):
    return {"start": start, "stop": stop, "step": step}


ELLIPSIS = {"class_name": "__ellipsis__"}


def erf(a):
    return np.vectorize(math.erf)(a)


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# ----------------------------------------------------------------- cases

def case_operators():
    c = Case("tfop_dense_operators", "Dense layers mixed with Python operators on tensors (x + y, "
             "x * 0.5, x - y, x / 2, -x, x ** 2, x // y, x % y), tensors of the other operand "
             "passed in kwargs.")
    x = c.input([5])
    h = c.dense(x, 5, "relu")
    a = c.tf("__operators__.add", leaf(h, {"y": ref(x), "name": None}), h.value + x.value)
    b = c.tf("math.multiply", leaf(a, {"y": 0.5, "name": None}), a.value * 0.5)
    d = c.tf("math.subtract", leaf(b, {"y": ref(h), "name": None}), b.value - h.value)
    e = c.tf("math.truediv", leaf(d, {"y": 2.0, "name": None}), d.value / 2.0)
    f = c.tf("math.negative", leaf(e, {}), -e.value)
    g = c.tf("math.pow", leaf(f, {"y": 2.0, "name": None}), f.value ** 2)
    h2 = c.dense(g, 4)
    y = c.dense(x, 4)
    q = c.tf("math.floordiv", leaf(h2, {"y": 0.75, "name": None}), np.floor(h2.value / 0.75))
    r = c.tf("math.floormod", leaf(h2, {"y": ref(y), "name": None}), np.mod(h2.value, y.value))
    c.output(h2, q, r)
    return c


def case_constant_first():
    c = Case("tfop_constant_first", "A constant as first argument (1.0 - x, 2.0 / x, 2.0 ** x, "
             "written as [\"_CONSTANT_VALUE\", -1, value, kwargs]) and constant arrays broadcast "
             "against tensors.")
    x = c.input([4], lo=0.5, hi=2.0)
    a = c.tf("math.subtract", const(1.0, {"y": ref(x), "name": None}), 1.0 - x.value)
    b = c.tf("math.truediv", const(2.0, {"y": ref(x), "name": None}), 2.0 / x.value)
    p = c.tf("math.pow", const(2.0, {"y": ref(x), "name": None}), 2.0 ** x.value)
    w = [1.0, -2.0, 0.5, 3.0]
    m = c.tf("math.multiply", leaf(a, {"y": w, "name": None}), a.value * np.array(w))
    k = [[1.0, 2.0, 3.0, 4.0]]  # (1, 4): broadcasts over the batch
    s = c.tf("math.add", leaf(b, {"y": k}), b.value + np.array(k))
    c.output(m, s, p)
    return c


def case_binary_math():
    c = Case("tfop_binary_math", "tf.math binary functions of two model inputs (the second "
             "tensor in kwargs): maximum, minimum, squared_difference, divide, add, subtract, "
             "multiply, and broadcasting of (batch, 3, 4) against (batch, 1, 4).")
    x = c.input([3, 4])
    y = c.input([3, 4])
    z = c.input([1, 4])
    outs = [
        c.tf("math.maximum", leaf(x, {"y": ref(y)}), np.maximum(x.value, y.value)),
        c.tf("math.minimum", leaf(x, {"y": ref(y)}), np.minimum(x.value, y.value)),
        c.tf("math.squared_difference", leaf(x, {"y": ref(y)}), (x.value - y.value) ** 2),
        c.tf("math.divide", leaf(x, {"y": ref(z)}), x.value / z.value),
        c.tf("math.add", leaf(z, {"y": ref(y)}), z.value + y.value),
        c.tf("math.subtract", leaf(x, {"y": ref(z), "name": "sub"}), x.value - z.value),
        c.tf("math.multiply", leaf(y, {"y": ref(z)}), y.value * z.value),
    ]
    c.output(*outs)
    return c


def case_unary():
    c = Case("tfop_unary", "Unary tf.math / tf.nn functions: exp, log, sqrt, rsqrt, square, abs, "
             "tanh, sigmoid, sin, cos, erf, reciprocal, sign, floor, ceil, log1p, nn.relu, "
             "nn.relu6, nn.elu, nn.selu, nn.silu, nn.gelu (exact and approximate), "
             "nn.leaky_relu, math.softplus.")
    x = c.input([6], lo=-3.0, hi=3.0)
    p = c.input([6], lo=0.2, hi=3.0)
    xv, pv = x.value, p.value
    outs = [
        c.tf("math.exp", leaf(x, {}), np.exp(xv)),
        c.tf("math.log", leaf(p, {}), np.log(pv)),
        c.tf("math.sqrt", leaf(p, {}), np.sqrt(pv)),
        c.tf("math.rsqrt", leaf(p, {}), 1 / np.sqrt(pv)),
        c.tf("math.square", leaf(x, {}), xv ** 2),
        c.tf("math.abs", leaf(x, {}), np.abs(xv)),
        c.tf("math.tanh", leaf(x, {}), np.tanh(xv)),
        c.tf("math.sigmoid", leaf(x, {}), sigmoid(xv)),
        c.tf("math.sin", leaf(x, {}), np.sin(xv)),
        c.tf("math.cos", leaf(x, {}), np.cos(xv)),
        c.tf("math.erf", leaf(x, {}), erf(xv)),
        c.tf("math.reciprocal", leaf(p, {}), 1 / pv),
        c.tf("math.sign", leaf(x, {}), np.sign(xv)),
        c.tf("math.floor", leaf(x, {}), np.floor(xv)),
        c.tf("math.ceil", leaf(x, {}), np.ceil(xv)),
        c.tf("math.log1p", leaf(p, {}), np.log1p(pv)),
        c.tf("nn.relu", leaf(x, {}), np.maximum(xv, 0)),
        c.tf("nn.relu6", leaf(x, {}), np.minimum(np.maximum(xv, 0), 6)),
        c.tf("nn.elu", leaf(x, {}), np.where(xv > 0, xv, np.expm1(xv))),
        c.tf("nn.selu", leaf(x, {}), 1.0507009873554805 * np.where(xv > 0, xv, 1.6732632423543772 * np.expm1(xv))),
        c.tf("nn.silu", leaf(x, {}), xv * sigmoid(xv)),
        c.tf("nn.gelu", leaf(x, {}), 0.5 * xv * (1 + erf(xv / np.sqrt(2)))),
        c.tf("nn.gelu", leaf(x, {"approximate": True}),
             0.5 * xv * (1 + np.tanh(np.sqrt(2 / np.pi) * (xv + 0.044715 * xv ** 3)))),
        c.tf("nn.leaky_relu", leaf(x, {"alpha": 0.1}), np.where(xv > 0, xv, 0.1 * xv)),
        c.tf("math.softplus", leaf(x, {}), np.log1p(np.exp(xv))),
    ]
    c.output(*outs)
    return c


def case_reductions():
    c = Case("tfop_reductions", "tf.math.reduce_sum/mean/max/min/prod over one or several "
             "non-batch axes, negative axes, keepdims.")
    x = c.input([3, 4], lo=0.5, hi=1.5)
    v = x.value
    outs = [
        c.tf("math.reduce_sum", leaf(x, {"axis": -1}), v.sum(axis=-1)),
        c.tf("math.reduce_mean", leaf(x, {"axis": [1, 2], "keepdims": True}), v.mean(axis=(1, 2), keepdims=True)),
        c.tf("math.reduce_max", leaf(x, {"axis": 1}), v.max(axis=1)),
        c.tf("math.reduce_min", leaf(x, {"axis": 2, "keepdims": True}), v.min(axis=2, keepdims=True)),
        c.tf("math.reduce_prod", leaf(x, {"axis": -2}), v.prod(axis=-2)),
        c.tf("math.reduce_sum", leaf(x, {"axis": [-1, 1]}), v.sum(axis=(1, 2))),
    ]
    c.output(*outs)
    return c


def case_shapes():
    c = Case("tfop_reshape_transpose", "Dense, then tf.reshape(x, (-1, 4, 3)), tf.transpose "
             "(perm [0, 2, 1]), tf.expand_dims (axis -1 and 1), tf.squeeze (axis), and a Dense "
             "on the result.")
    x = c.input([6])
    h = c.dense(x, 12)
    r = c.tf("reshape", leaf(h, {"shape": [-1, 4, 3]}), h.value.reshape(-1, 4, 3))
    t = c.tf("transpose", leaf(r, {"perm": [0, 2, 1]}), np.transpose(r.value, (0, 2, 1)))
    e = c.tf("expand_dims", leaf(t, {"axis": -1}), t.value[..., None])
    e1 = c.tf("expand_dims", leaf(t, {"axis": 1}), t.value[:, None])
    s = c.tf("squeeze", leaf(e, {"axis": -1}), e.value[..., 0])
    s1 = c.tf("squeeze", leaf(e1, {"axis": [1]}), e1.value[:, 0])
    d = c.dense(s, 2)
    t3 = c.tf("transpose", leaf(e, {"perm": [0, 3, 1, 2]}), np.transpose(e.value, (0, 3, 1, 2)))
    c.output(d, s1, t3)
    return c


def case_concat_stack():
    c = Case("tfop_concat_stack", "tf.concat and tf.stack of lists of tensors (each list entry "
             "a node leaf carrying the kwargs): concat along axes 1 and -1, stack along axes 1 "
             "and -1.")
    a = c.input([2, 3])
    b = c.input([2, 3])
    h = c.dense(a, 3)
    av, bv, hv = a.value, b.value, h.value
    outs = [
        c.tf("concat", [leaf(a, {"axis": 1}), leaf(b, {"axis": 1})], np.concatenate([av, bv], axis=1)),
        c.tf("concat", [leaf(a, {"axis": -1}), leaf(h, {"axis": -1}), leaf(b, {"axis": -1})],
             np.concatenate([av, hv, bv], axis=-1)),
        c.tf("stack", [leaf(a, {"axis": 1}), leaf(b, {"axis": 1})], np.stack([av, bv], axis=1)),
        c.tf("stack", [leaf(h, {"axis": -1}), leaf(a, {"axis": -1}), leaf(b, {"axis": -1})],
             np.stack([hv, av, bv], axis=-1)),
    ]
    c.output(*outs)
    return c


def case_matmul():
    c = Case("tfop_matmul", "tf.matmul (linalg.matmul) of two tensors with batch axes, with "
             "transpose_a / transpose_b, `x @ y` (operator form), and of a tensor and a constant "
             "matrix.")
    a = c.input([3, 4])
    b = c.input([4, 5])
    bt = c.input([5, 4])
    x = c.input([4])
    av, bv, btv = a.value, b.value, bt.value
    w = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [1.0, 0.0]]
    outs = [
        c.tf("linalg.matmul", leaf(a, {"b": ref(b)}), av @ bv),
        c.tf("linalg.matmul", leaf(a, {"b": ref(bt), "transpose_b": True}), av @ np.swapaxes(btv, 1, 2)),
        c.tf("linalg.matmul", leaf(b, {"b": ref(a), "transpose_a": True, "transpose_b": True}),
             np.swapaxes(bv, 1, 2) @ np.swapaxes(av, 1, 2)),
        c.tf("linalg.matmul", leaf(a, {"b": ref(b), "name": None}), av @ bv),
        c.tf("linalg.matmul", leaf(x, {"b": w}), x.value @ np.array(w)),
        c.tf("linalg.matmul", leaf(a, {"b": w}), av @ np.array(w)),
    ]
    c.output(*outs)
    return c


def case_getitem():
    c = Case("tfop_getitem", "x[...] (SlicingOpLambda __operators__.getitem): ints (negative "
             "too), slices with missing and negative bounds, steps of both signs, Ellipsis and "
             "tf.newaxis, a single slice and tuples.")
    x = c.input([5, 6])
    h = c.dense(x, 4)
    v = x.value
    outs = [
        c.getitem(x, [S(), 1], v[:, 1]),
        c.getitem(x, [S(), S(None, None, 2)], v[:, ::2]),
        c.getitem(x, [ELLIPSIS, -1], v[..., -1]),
        c.getitem(x, [S(), S(1, -1), None, S(None, None, -2)], v[:, 1:-1, None, ::-2]),
        c.getitem(x, [S(), None, S(2, None), -3], v[:, None, 2:, -3]),
        c.getitem(x, [ELLIPSIS, S(1, 4, 2)], v[..., 1:4:2]),
        c.getitem(x, [S(), S(-2, None, -1), S(4, 0, -3)], v[:, -2::-1, 4:0:-3]),
        c.getitem(x, [S(), S(10, -10, -1)], v[:, 10:-10:-1]),
        c.getitem(x, [ELLIPSIS, None], v[..., None]),
        c.getitem(h, S(None, None, None), h.value[:]),
        c.getitem(h, [S(0, None), S(-3, None)], h.value[0:, -3:]),
        c.getitem(x, [S(), 2, S(1, 3)], v[:, 2, 1:3]),
    ]
    c.output(*outs)
    return c


def case_misc():
    c = Case("tfop_cast_clip_softmax", "tf.cast to float32, tf.identity, clip_by_value with "
             "constant and tensor bounds, nn.softmax (default and axis 1), nn.log_softmax, "
             "math.l2_normalize over one and two axes, math.round.", version="2.4.0")
    x = c.input([3, 4])
    lo = c.input([3, 4], lo=-1.0, hi=0.0)
    v = x.value

    def softmax(a, axis):
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    cast = c.tf("cast", leaf(x, {"dtype": "float32"}), v)
    outs = [
        c.tf("identity", leaf(cast, {}), v),
        c.tf("clip_by_value", leaf(x, {"clip_value_min": -0.5, "clip_value_max": 0.5}), np.clip(v, -0.5, 0.5)),
        c.tf("clip_by_value", leaf(x, {"clip_value_min": ref(lo), "clip_value_max": 1.0}),
             np.maximum(np.minimum(v, 1.0), lo.value)),
        c.tf("nn.softmax", leaf(x, {}), softmax(v, -1)),
        c.tf("nn.softmax", leaf(x, {"axis": 1}), softmax(v, 1)),
        c.tf("nn.log_softmax", leaf(x, {"axis": -1}), np.log(softmax(v, -1))),
        c.tf("math.l2_normalize", leaf(x, {"axis": -1}),
             v / np.sqrt(np.maximum((v ** 2).sum(axis=-1, keepdims=True), 1e-12))),
        c.tf("math.l2_normalize", leaf(x, {"axis": [1, 2], "epsilon": 1e-3}),
             v / np.sqrt(np.maximum((v ** 2).sum(axis=(1, 2), keepdims=True), 1e-3))),
        c.tf("math.round", leaf(cast, {}), np.round(v * 1.0)),
    ]
    c.output(*outs)
    return c


def case_attention_block():
    c = Case("tfop_attention_block", "A hand-built attention block as people write it with tf "
             "ops between Dense layers: q @ k^T / sqrt(d) (matmul transpose_b, operator "
             "truediv), nn.softmax, matmul with v, a residual add and reduce_mean pooling.")
    x = c.input([4, 6])
    q = c.dense(x, 3)
    k = c.dense(x, 3)
    v = c.dense(x, 3)
    s = c.tf("linalg.matmul", leaf(q, {"b": ref(k), "transpose_b": True}), q.value @ np.swapaxes(k.value, 1, 2))
    s2 = c.tf("math.truediv", leaf(s, {"y": math.sqrt(3.0), "name": None}), s.value / math.sqrt(3.0))
    e = np.exp(s2.value - s2.value.max(axis=-1, keepdims=True))
    p = c.tf("nn.softmax", leaf(s2, {"axis": -1}), e / e.sum(axis=-1, keepdims=True))
    o = c.tf("linalg.matmul", leaf(p, {"b": ref(v)}), p.value @ v.value)
    r = c.tf("__operators__.add", leaf(o, {"y": ref(q), "name": None}), o.value + q.value)
    m = c.tf("math.reduce_mean", leaf(r, {"axis": 1}), r.value.mean(axis=1))
    y = c.dense(m, 2)
    first = c.getitem(r, [S(), 0], r.value[:, 0])
    c.output(y, first)
    return c


CASES = [case_operators, case_constant_first, case_binary_math, case_unary, case_reductions, case_shapes,
         case_concat_stack, case_matmul, case_getitem, case_misc, case_attention_block]


def _save_npy(path, arr):
    """float32, or numpy text (`<U`) for string inputs and outputs."""
    if np.asarray(arr).dtype.kind == "U":
        np.save(path, np.ascontiguousarray(arr), allow_pickle=False)
        return
    np.save(path, np.ascontiguousarray(arr, dtype="<f4"), allow_pickle=False)


def write_case(fixtures_dir, index, c, reference, write_models, description):
    """Writes one NumPy-reference case into fixtures_dir/<case>/: its inputs and expected outputs,
    the model files (`write_models(out_dir)` returns their manifest entries) and the manifest
    (rtol 1e-5, atol 1e-6); appends its index entry."""
    out_dir = os.path.join(fixtures_dir, c.name)
    os.makedirs(out_dir, exist_ok=True)
    for i, (_, x) in enumerate(c.inputs):
        _save_npy(os.path.join(out_dir, f"input_{i}.npy"), x)
    for i, y in enumerate(c.outputs):
        if np.asarray(y).dtype.kind != "U" and not np.all(np.isfinite(y)):
            raise SystemExit(f"{c.name}: non-finite expected output {i}")
        _save_npy(os.path.join(out_dir, f"output_{i}.npy"), y)
    entries = write_models(out_dir)
    out_names = unique_output_names([r[0] for r in c.model.output_layers])
    manifest = {
        "case": c.name,
        "description": description,
        "reference": reference,
        "rtol": 1e-5,
        "atol": 1e-6,
        "inputs": [{"name": n, "file": f"input_{i}.npy"} for i, (n, _) in enumerate(c.inputs)],
        "outputs": [{"name": n, "file": f"output_{i}.npy"} for i, n in enumerate(out_names)],
        "models": entries,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    index.append({"case": c.name, "reference": reference, "crosscheck_max_abs_diff": None,
                  "formats": [e["file"] for e in entries]})


def _write_models(c, out_dir):
    cfg = c.config()
    flavour = LegacyFlavour(c.version)
    write_legacy_h5(os.path.join(out_dir, "model.h5"), c.model, cfg, flavour)
    to_json = dict(cfg)
    to_json["keras_version"] = c.version
    to_json["backend"] = "tensorflow"
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        f.write(json.dumps(to_json))
    write_legacy_weights(os.path.join(out_dir, "weights.h5"), c.model, flavour)
    return [{"format": "h5", "flavor": "tf.keras-2", "file": "model.h5", "keras_version": c.version},
            {"format": "json+h5weights", "file": "model.json", "weights": "weights.h5", "keras_version": c.version}]


def write_all(fixtures_dir, index):
    """Write every case into fixtures_dir/<case>/ and append index entries."""
    for make in CASES:
        c = make()
        write_case(fixtures_dir, index, c, REFERENCE, lambda out_dir: _write_models(c, out_dir),
                   c.description + f" Keras-2 files as tf.keras {c.version}. No Keras-3 "
                   "formats: TFOpLambda exists only in tf.keras 2. Reference is NumPy expressions in "
                   "tools/oracle/tfop_cases.py because tfjs has no TensorFlow-op layers.")
