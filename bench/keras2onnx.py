#!/usr/bin/python3
"""A small Keras -> ONNX exporter for the benchmark models: reads the same legacy-HDF5 `.h5` file
kerasrt loads (Keras 2 `model_config` and `model_weights`, with h5py) and writes the ONNX twin
with the same weights (Debian's python3-onnx, opset 17).

usage: /usr/bin/python3 bench/keras2onnx.py MODEL.h5 OUT.onnx
       /usr/bin/python3 bench/keras2onnx.py --identity SHAPE OUT.onnx   (y = x for x of shape
                         (N, *SHAPE), e.g. 224x224x3: ONNX Runtime's per-call overhead)

It covers exactly the layers of the benchmark models and refuses anything else by name:
InputLayer, Dense (rank 2 and 3), Activation / ReLU (max_value), Conv2D, DepthwiseConv2D,
BatchNormalization, ZeroPadding2D, MaxPooling2D, GlobalAveragePooling1D/2D, Flatten, Dropout,
Add, Embedding, LSTM, LayerNormalization, MultiHeadAttention (self- or cross-attention over
the sequence axis).

What a converter has to get right, done here as tf2onnx does it:
- Keras images are NHWC, ONNX Conv/Pool/BatchNormalization are NCHW: the input is transposed
  once and 4-D tensors stay NCHW; Flatten transposes back first (Keras flattens in HWC order).
  Each value carries its layout, and a Transpose is inserted only where a consumer needs the
  other one.
- TensorFlow "same" padding puts the odd pixel at the end: explicit pads, computed from the
  (static) spatial sizes.
- Conv kernels (kh, kw, in, out) -> (out, in, kh, kw); depthwise (kh, kw, in, mult) ->
  (in*mult, 1, kh, kw) with group = in.
- BatchNormalization stays a BatchNormalization node (ONNX Runtime folds it into the
  preceding Conv at session creation, as kerasrt is to do at load).
- LSTM: Keras packs the gates i, f, c, o along the kernel's last axis; ONNX wants i, o, f, c in
  W[4H, in], R[4H, H], and the bias in Wb (Rb zero). Sequences are time-major for the ONNX op:
  consecutive LSTMs pass the time-major sequence on without transposing back.
- Embedding: the model input stays float32 (as for kerasrt) and is cast to int64 for Gather.
"""

import json
import sys

import h5py
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    if isinstance(value, np.ndarray) and value.size == 1:
        return _text(value.reshape(-1)[0])
    return str(value)


def _names(attrs, key):
    if key in attrs:
        return [_text(n) for n in np.asarray(attrs[key]).reshape(-1)]
    out, i = [], 0
    while f"{key}{i}" in attrs:  # attributes over 64 KB are split by Keras
        out += [_text(n) for n in np.asarray(attrs[f"{key}{i}"]).reshape(-1)]
        i += 1
    return out


def read_keras_h5(path):
    """(model_config dict, {layer name: [weights in the layer's order]})."""
    with h5py.File(path, "r") as f:
        config = json.loads(_text(f.attrs["model_config"]))
        group = f["model_weights"] if "model_weights" in f else f
        weights = {}
        for layer in _names(group.attrs, "layer_names"):
            g = group[layer]
            weights[layer] = [np.asarray(g[n], dtype=np.float32) for n in _names(g.attrs, "weight_names")]
    return config, weights


def as_functional(config):
    """Sequential configs as a list of functional layer entries."""
    if config["class_name"] != "Sequential":
        return config["config"]
    layers = config["config"]["layers"] if isinstance(config["config"], dict) else config["config"]
    out, prev = [], None
    for i, entry in enumerate(layers):
        entry = dict(entry)
        cfg = entry["config"]
        if i == 0 and entry["class_name"] != "InputLayer":
            name = cfg["name"] + "_input"
            out.append({"class_name": "InputLayer", "name": name,
                        "config": {"name": name, "batch_input_shape": cfg["batch_input_shape"]}, "inbound_nodes": []})
            prev = name
        entry["name"] = cfg["name"]
        entry["inbound_nodes"] = [[[prev, 0, 0, {}]]] if prev else []
        out.append(entry)
        prev = cfg["name"]
    return {"name": config["config"].get("name", "sequential"), "layers": out,
            "input_layers": [[out[0]["name"], 0, 0]], "output_layers": [[prev, 0, 0]]}


class Value:
    """A tensor of the graph: its ONNX name, its Keras shape (batch None) and the physical layout:
    'keras' (as Keras has it), 'nchw' (a Keras NHWC tensor stored NCHW) or 'tnc' (a Keras
    (batch, time, features) tensor stored time-major)."""

    def __init__(self, name, shape, layout="keras"):
        self.name, self.shape, self.layout = name, list(shape), layout


class Exporter:
    def __init__(self, weights):
        self.weights = weights
        self.nodes, self.initializers, self.used = [], [], set()

    def fresh(self, base):
        name, i = base, 0
        while name in self.used:
            i += 1
            name = f"{base}_{i}"
        self.used.add(name)
        return name

    def const(self, base, array, dtype=np.float32):
        name = self.fresh(base)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(np.asarray(array, dtype=dtype)), name))
        return name

    def ints(self, base, values):
        return self.const(base, np.asarray(values, dtype=np.int64), np.int64)

    def op(self, op_type, inputs, base, **attrs):
        out = self.fresh(base)
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=out, **attrs))
        return out

    # layouts
    def to_keras(self, v):
        if v.layout == "keras":
            return v
        perm = [0, 2, 3, 1] if v.layout == "nchw" else [1, 0, 2]
        return Value(self.op("Transpose", [v.name], v.name + "_keras", perm=perm), v.shape, "keras")

    def to_nchw(self, v):
        if v.layout == "nchw":
            return v
        v = self.to_keras(v)
        if len(v.shape) != 4:
            raise ValueError(f"expected a 4-D image tensor, got shape {v.shape}")
        return Value(self.op("Transpose", [v.name], v.name + "_nchw", perm=[0, 3, 1, 2]), v.shape, "nchw")

    def to_tnc(self, v):
        if v.layout == "tnc":
            return v
        v = self.to_keras(v)
        return Value(self.op("Transpose", [v.name], v.name + "_tnc", perm=[1, 0, 2]), v.shape, "tnc")

    def activation(self, v, act, name):
        if act in (None, "linear"):
            return v
        simple = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}
        if act in simple:
            return Value(self.op(simple[act], [v.name], name + "_" + act), v.shape, v.layout)
        if act == "softmax":
            v = self.to_keras(v)
            return Value(self.op("Softmax", [v.name], name + "_softmax", axis=-1), v.shape, "keras")
        raise ValueError(f"activation '{act}' is not supported by this exporter")


def same_pads(size, k, s, d=1):
    """TensorFlow 'same': total padding, the odd one at the end."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2, out


def spatial(cfg, shape, kernel, strides, dilation=(1, 1)):
    """pads [top, left, bottom, right] and the output (H, W) of a 2-D window layer."""
    h, w = shape[1], shape[2]
    if cfg.get("padding", "valid") == "same":
        t, b, oh = same_pads(h, kernel[0], strides[0], dilation[0])
        l, r, ow = same_pads(w, kernel[1], strides[1], dilation[1])
        return [t, l, b, r], (oh, ow)
    oh = (h - (kernel[0] - 1) * dilation[0] - 1) // strides[0] + 1
    ow = (w - (kernel[1] - 1) * dilation[1] - 1) // strides[1] + 1
    return [0, 0, 0, 0], (oh, ow)


def export_layer(ex, cls, cfg, name, ins, kwargs):
    w = ex.weights.get(name, [])
    x = ins[0]
    if cls in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout"):
        return x
    if cls == "Activation":
        return ex.activation(x, cfg["activation"], name)
    if cls == "ReLU":
        if cfg.get("negative_slope", 0) or cfg.get("threshold", 0):
            raise ValueError("ReLU with negative_slope/threshold")
        if cfg.get("max_value") is None:
            return Value(ex.op("Relu", [x.name], name), x.shape, x.layout)
        lo, hi = ex.const(name + "_min", np.float32(0)), ex.const(name + "_max", np.float32(cfg["max_value"]))
        return Value(ex.op("Clip", [x.name, lo, hi], name), x.shape, x.layout)
    if cls == "Dense":
        if x.layout != "keras":
            x = ex.to_keras(x)
        kernel = ex.const(name + "_kernel", w[0])
        shape = x.shape[:-1] + [cfg["units"]]
        if len(x.shape) == 2:
            inputs = [x.name, kernel] + ([ex.const(name + "_bias", w[1])] if cfg.get("use_bias", True) else [])
            y = Value(ex.op("Gemm", inputs, name), shape)
        else:
            y = Value(ex.op("MatMul", [x.name, kernel], name + "_matmul"), shape)
            if cfg.get("use_bias", True):
                y = Value(ex.op("Add", [y.name, ex.const(name + "_bias", w[1])], name), shape)
        return ex.activation(y, cfg.get("activation"), name)
    if cls in ("Conv2D", "DepthwiseConv2D"):
        if cfg.get("data_format", "channels_last") != "channels_last" or cfg.get("groups", 1) != 1:
            raise ValueError("only channels_last, groups=1 convolutions")
        x = ex.to_nchw(x)
        k = w[0]
        kh, kw = k.shape[0], k.shape[1]
        strides, dilation = cfg.get("strides", [1, 1]), cfg.get("dilation_rate", [1, 1])
        pads, (oh, ow) = spatial(cfg, x.shape, (kh, kw), strides, dilation)
        if cls == "Conv2D":
            weight, group, out_c = k.transpose(3, 2, 0, 1), 1, k.shape[3]
        else:
            cin, mult = k.shape[2], k.shape[3]
            weight, group, out_c = k.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw), cin, cin * mult
        inputs = [x.name, ex.const(name + "_kernel", weight)]
        if cfg.get("use_bias", True):
            inputs.append(ex.const(name + "_bias", w[1]))
        y = Value(ex.op("Conv", inputs, name, kernel_shape=[kh, kw], strides=list(strides), dilations=list(dilation),
                        pads=pads, group=group), [None, oh, ow, out_c], "nchw")
        return ex.activation(y, cfg.get("activation"), name)
    if cls == "BatchNormalization":
        axis = cfg.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) else axis
        if axis % len(x.shape) != len(x.shape) - 1:
            raise ValueError("BatchNormalization on a non-channel axis")
        c = x.shape[-1]
        it = iter(w)
        gamma = next(it) if cfg.get("scale", True) else np.ones(c, np.float32)
        beta = next(it) if cfg.get("center", True) else np.zeros(c, np.float32)
        mean, var = next(it), next(it)
        if len(x.shape) == 4:
            x = ex.to_nchw(x)
        elif len(x.shape) != 2:
            raise ValueError("BatchNormalization on rank 3")
        inputs = [x.name] + [ex.const(f"{name}_{k}", a) for k, a in
                             (("gamma", gamma), ("beta", beta), ("mean", mean), ("var", var))]
        return Value(ex.op("BatchNormalization", inputs, name, epsilon=float(cfg.get("epsilon", 1e-3))), x.shape,
                     x.layout)
    if cls == "ZeroPadding2D":
        (t, b), (l, r) = cfg["padding"]
        x = ex.to_nchw(x)
        pads = ex.ints(name + "_pads", [0, 0, t, l, 0, 0, b, r])
        return Value(ex.op("Pad", [x.name, pads], name, mode="constant"),
                     [None, x.shape[1] + t + b, x.shape[2] + l + r, x.shape[3]], "nchw")
    if cls in ("MaxPooling2D", "AveragePooling2D"):
        pool = cfg["pool_size"]
        strides = cfg.get("strides") or pool
        x = ex.to_nchw(x)
        pads, (oh, ow) = spatial(cfg, x.shape, pool, strides)
        if cls == "AveragePooling2D" and any(pads):
            raise ValueError("AveragePooling2D with same padding")
        op = "MaxPool" if cls == "MaxPooling2D" else "AveragePool"
        return Value(ex.op(op, [x.name], name, kernel_shape=list(pool), strides=list(strides), pads=pads),
                     [None, oh, ow, x.shape[3]], "nchw")
    if cls == "GlobalAveragePooling2D":
        if cfg.get("keepdims", False):
            raise ValueError("keepdims")
        x = ex.to_nchw(x)
        g = ex.op("GlobalAveragePool", [x.name], name + "_pool")
        return Value(ex.op("Flatten", [g], name, axis=1), [None, x.shape[3]])
    if cls == "GlobalAveragePooling1D":
        if cfg.get("keepdims", False):
            raise ValueError("keepdims")
        if x.layout == "tnc":
            return Value(ex.op("ReduceMean", [x.name], name, axes=[0], keepdims=0), [None, x.shape[2]])
        return Value(ex.op("ReduceMean", [x.name], name, axes=[1], keepdims=0), [None, x.shape[2]])
    if cls == "Flatten":
        x = ex.to_keras(x)
        size = int(np.prod(x.shape[1:]))
        return Value(ex.op("Flatten", [x.name], name, axis=1), [None, size])
    if cls == "Add":
        layout = "nchw" if len(x.shape) == 4 else "keras"
        vals = [ex.to_nchw(v) if layout == "nchw" else ex.to_keras(v) for v in ins]
        out = vals[0].name
        for i, v in enumerate(vals[1:]):
            out = ex.op("Add", [out, v.name], name if i == len(vals) - 2 else name + "_partial")
        return Value(out, x.shape, layout)
    if cls == "Embedding":
        if cfg.get("mask_zero"):
            raise ValueError("mask_zero")
        x = ex.to_keras(x)
        ids = ex.op("Cast", [x.name], name + "_ids", to=TensorProto.INT64)
        return Value(ex.op("Gather", [ex.const(name + "_embeddings", w[0]), ids], name, axis=0),
                     x.shape + [cfg["output_dim"]])
    if cls == "LSTM":
        return export_lstm(ex, cfg, name, x, w)
    if cls == "LayerNormalization":
        axis = cfg.get("axis", -1)
        axes = axis if isinstance(axis, list) else [axis]
        if [a % len(x.shape) for a in axes] != [len(x.shape) - 1]:
            raise ValueError("LayerNormalization over other than the last axis")
        c = x.shape[-1]
        it = iter(w)
        gamma = next(it) if cfg.get("scale", True) else np.ones(c, np.float32)
        beta = next(it) if cfg.get("center", True) else np.zeros(c, np.float32)
        x = ex.to_keras(x)
        return Value(ex.op("LayerNormalization", [x.name, ex.const(name + "_gamma", gamma), ex.const(name + "_beta", beta)],
                           name, axis=-1, epsilon=float(cfg.get("epsilon", 1e-3))), x.shape)
    if cls == "MultiHeadAttention":
        return export_mha(ex, cfg, name, ins, kwargs, w)
    raise ValueError(f"layer type '{cls}' is not supported by this exporter")


def export_lstm(ex, cfg, name, x, w):
    for key, want in (("activation", "tanh"), ("recurrent_activation", "sigmoid")):
        if cfg.get(key, want) != want:
            raise ValueError(f"LSTM {key} '{cfg.get(key)}'")
    for key in ("go_backwards", "stateful", "return_state", "time_major"):
        if cfg.get(key):
            raise ValueError(f"LSTM {key}")
    units = cfg["units"]
    kernel, recurrent = w[0], w[1]
    bias = w[2] if cfg.get("use_bias", True) else np.zeros(4 * units, np.float32)

    def iofc(m):  # Keras gate blocks i, f, c, o along the last axis -> ONNX i, o, f, c
        i, f, c, o = np.split(m, 4, axis=-1)
        return np.concatenate([i, o, f, c], axis=-1)

    W = iofc(kernel).T[None]          # [1, 4H, in]
    R = iofc(recurrent).T[None]       # [1, 4H, H]
    B = np.concatenate([iofc(bias), np.zeros(4 * units, np.float32)])[None]  # [1, 8H]
    x = ex.to_tnc(x)
    out_y, out_h = ex.fresh(name + "_Y"), ex.fresh(name + "_Y_h")
    ex.nodes.append(helper.make_node(
        "LSTM", [x.name, ex.const(name + "_W", W), ex.const(name + "_R", R), ex.const(name + "_B", B)],
        [out_y, out_h], name=name, hidden_size=units, direction="forward",
        activations=["Sigmoid", "Tanh", "Tanh"]))
    if cfg.get("return_sequences"):
        seq = ex.op("Squeeze", [out_y, ex.ints(name + "_axis", [1])], name + "_seq")  # [T, N, H]
        return Value(seq, [None, x.shape[1], units], "tnc")
    last = ex.op("Squeeze", [out_h, ex.ints(name + "_axis", [0])], name + "_last")  # [N, H]
    return Value(last, [None, units])


def export_mha(ex, cfg, name, ins, kwargs, w):
    """softmax(Q K^T / sqrt(key_dim)) V per head, then the output projection, as Keras's
    MultiHeadAttention computes it (no mask, attention over axis 1)."""
    if cfg.get("attention_axes") not in (None, [1]) or cfg.get("output_shape") is not None:
        raise ValueError("MultiHeadAttention attention_axes/output_shape")
    if not cfg.get("use_bias", True):
        raise ValueError("MultiHeadAttention without bias")
    query = ex.to_keras(ins[0])
    value = ex.to_keras(kwargs["value"]) if "value" in kwargs else ex.to_keras(ins[1])
    key = ex.to_keras(kwargs["key"]) if "key" in kwargs else value
    heads, key_dim = cfg["num_heads"], cfg["key_dim"]
    value_dim = cfg.get("value_dim") or key_dim
    qk, qb, kk, kb, vk, vb, ok, ob = w
    d = query.shape[-1]

    def project(v, kernel, bias, dim, part, perm):
        m = ex.op("MatMul", [v.name, ex.const(f"{name}_{part}_kernel", kernel.reshape(kernel.shape[0], heads * dim))],
                  f"{name}_{part}_matmul")
        a = ex.op("Add", [m, ex.const(f"{name}_{part}_bias", bias.reshape(-1))], f"{name}_{part}")
        r = ex.op("Reshape", [a, ex.ints(f"{name}_{part}_shape", [0, 0, heads, dim])], f"{name}_{part}_heads")
        return ex.op("Transpose", [r], f"{name}_{part}_t", perm=perm)

    q = project(query, qk, qb, key_dim, "query", [0, 2, 1, 3])    # [N, h, Tq, k]
    q = ex.op("Mul", [q, ex.const(name + "_scale", np.float32(1.0 / np.sqrt(key_dim)))], name + "_query_scaled")
    k = project(key, kk, kb, key_dim, "key", [0, 2, 3, 1])        # [N, h, k, Tk]
    v = project(value, vk, vb, value_dim, "value", [0, 2, 1, 3])  # [N, h, Tk, v]
    scores = ex.op("MatMul", [q, k], name + "_scores")
    probs = ex.op("Softmax", [scores], name + "_probs", axis=-1)
    ctx = ex.op("MatMul", [probs, v], name + "_context")          # [N, h, Tq, v]
    ctx = ex.op("Transpose", [ctx], name + "_context_t", perm=[0, 2, 1, 3])
    ctx = ex.op("Reshape", [ctx, ex.ints(name + "_merge_shape", [0, 0, heads * value_dim])], name + "_merged")
    out = ex.op("MatMul", [ctx, ex.const(name + "_output_kernel", ok.reshape(heads * value_dim, d))],
                name + "_output_matmul")
    return Value(ex.op("Add", [out, ex.const(name + "_output_bias", ob)], name), query.shape)


def _ref(values, r):
    return values[(r[0], r[1], r[2])]


def export(h5_path, onnx_path):
    config, weights = read_keras_h5(h5_path)
    fn = as_functional(config)
    ex = Exporter(weights)
    values, graph_inputs = {}, []
    node_count = {}
    for entry in fn["layers"]:
        cls, cfg = entry["class_name"], entry["config"]
        name = entry.get("name", cfg["name"])
        if cls == "InputLayer":
            shape = cfg["batch_input_shape"]
            ex.used.add(name)
            graph_inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N"] + list(shape[1:])))
            values[(name, 0, 0)] = Value(name, shape)
            continue
        if cls in ("Functional", "Sequential", "Model"):
            raise ValueError(f"nested model '{name}' is not supported by this exporter")
        for node in entry["inbound_nodes"]:
            ins = [_ref(values, r) for r in node]
            kwargs = {}
            for r in node:
                for k, v in (r[3] if len(r) > 3 else {}).items():
                    kwargs[k] = _ref(values, v) if isinstance(v, list) else v
            index = node_count.get(name, 0)
            node_count[name] = index + 1
            try:
                out = export_layer(ex, cls, cfg, name, ins, kwargs)
            except (ValueError, KeyError, IndexError) as e:
                raise SystemExit(f"keras2onnx: {h5_path}: layer '{name}' ({cls}): {e}") from e
            values[(name, index, 0)] = out
    outputs = []
    for r in fn["output_layers"]:
        v = ex.to_keras(_ref(values, r))
        out_name = ex.fresh(r[0] + "_output")
        ex.nodes.append(helper.make_node("Identity", [v.name], [out_name], name=out_name))
        outputs.append(helper.make_tensor_value_info(out_name, TensorProto.FLOAT, ["N"] + list(v.shape[1:])))
    graph = helper.make_graph(ex.nodes, fn.get("name", "model"), graph_inputs, outputs, ex.initializers)
    save(graph, onnx_path)


def identity(shape_text, onnx_path):
    """y = x for x of shape (N, *SHAPE), N open: the cheapest graph ORT can run."""
    shape = ["N"] + [int(d) for d in shape_text.split("x")]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)
    save(helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity", [x], [y]), onnx_path)


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="kerasrt bench/keras2onnx.py")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--identity":
        identity(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3:
        export(sys.argv[1], sys.argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
