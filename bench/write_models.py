#!/usr/bin/python3
"""Write the benchmark models as tf.keras 2.15 `model.save("m.h5")` files, with the oracle's
writers (tools/oracle/keras_config.py, h5_writers.py), plus a seeded input file per model.

usage: /usr/bin/python3 bench/write_models.py DUMP_DIR OUT_DIR [name ...]

DUMP_DIR holds bench/models.js dumps (tfjs-built models with their random weights). The
Transformer encoder is built here instead, directly in the oracle's model description:
tfjs-layers has no MultiHeadAttention. Its expected output comes from a NumPy forward pass
(`transformer_numpy`), which checks the ONNX twin since kerasrt does not run it yet.

Writes OUT_DIR/<name>.h5, <name>_input.npy (batch 4) and, for the Transformer,
<name>_expected.npy; and OUT_DIR/models.json describing them.
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools", "oracle"))

import keras_config  # noqa: E402
from h5_writers import LegacyFlavour, write_legacy_h5  # noqa: E402
from keras_config import Layer, Model, k2_model_config, parse_dump  # noqa: E402

KERAS_VERSION = "2.15.0"
CHECK_BATCH = 4

# tf.keras 2.15 MultiHeadAttention.get_config keys (keras/layers/attention/multi_head_attention.py),
# which the oracle's Keras 2 writer does not know (tfjs has no such layer).
keras_config.K2_KEYS.setdefault("MultiHeadAttention", [
    ("num_heads", None), ("key_dim", None), ("value_dim", None), ("dropout", 0.0), ("use_bias", True),
    ("output_shape", None), ("attention_axes", None),
    ("kernel_initializer", {"class_name": "GlorotUniform", "config": {"seed": None}}),
    ("bias_initializer", {"class_name": "Zeros", "config": {}}),
    ("kernel_regularizer", None), ("bias_regularizer", None), ("activity_regularizer", None),
    ("kernel_constraint", None), ("bias_constraint", None),
    ("query_shape", None), ("key_shape", None), ("value_shape", None)])


def seeded_input(name, shape, spec):
    rng = np.random.default_rng(_seed(name))
    if "int" in spec:
        return rng.integers(0, spec["int"], size=shape).astype(np.float32)
    return rng.uniform(spec.get("lo", -1), spec.get("hi", 1), size=shape).astype(np.float32)


def _seed(name):
    h = 0x811C9DC5
    for ch in name.encode():
        h = ((h ^ ch) * 0x01000193) & 0xFFFFFFFF
    return h


# ------------------------------------------------------------------ tfjs-built models

def from_dump(dump, out_dir):
    name = dump["case"]
    model = parse_dump(dump)
    shapes = {((layer,), 0): [tuple(s) for s in shape_list] for layer, shape_list in dump["input_shapes"].items()}
    config = k2_model_config(model, KERAS_VERSION, shapes)
    write_legacy_h5(os.path.join(out_dir, name + ".h5"), model, config, LegacyFlavour(KERAS_VERSION))
    if model.kind == "Sequential":
        in_shape = model.seq_batch_input_shape
    else:
        in_shape = model.find(model.input_layers[0][0]).batch_input_shape
    x = seeded_input(name, [CHECK_BATCH] + list(in_shape[1:]), dump["input_spec"])
    np.save(os.path.join(out_dir, name + "_input.npy"), x)
    return {"name": name, "file": name + ".h5", "input": name + "_input.npy", "params": dump["params"],
            "input_shape": list(in_shape), "built_by": f"tfjs-layers {dump['tfjs_version']} (bench/models.js)"}


# ------------------------------------------------------------------ Transformer encoder

SEQ, D_MODEL, HEADS, FF, VOCAB, BLOCKS, CLASSES = 128, 256, 4, 1024, 20000, 2, 2
KEY_DIM = D_MODEL // HEADS


def _suffix(base, counts):
    n = counts.get(base, 0)
    counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def transformer_model(rng):
    """Functional Keras model: token ids -> Embedding -> 2 x [MultiHeadAttention, Dropout, Add,
    LayerNormalization, Dense(ff, relu), Dense(d_model), Dropout, Add, LayerNormalization] ->
    GlobalAveragePooling1D -> Dropout -> Dense(2, softmax). (No positional embedding: Keras
    needs a custom layer or a second input for it.) Layer names as Keras gives them."""
    m = Model("Functional", "transformer_encoder")
    counts = {}

    def uni(shape, a):
        return rng.uniform(-a, a, size=shape).astype(np.float32)

    def add(cls, base, config, inbound, weights=()):
        layer = Layer(cls, _suffix(base, counts), config)
        layer.inbound = [inbound] if inbound else []
        layer.weights = list(weights)
        m.layers.append(layer)
        return layer.name

    inp = Layer("InputLayer", "input_1", {})
    inp.batch_input_shape = [None, SEQ]
    m.layers.append(inp)
    counts["input"] = 1
    x = add("Embedding", "embedding", {"input_dim": VOCAB, "output_dim": D_MODEL, "input_length": SEQ},
            [["input_1", 0, 0]], [("embeddings", uni((VOCAB, D_MODEL), 0.5))])
    for _ in range(BLOCKS):
        a = np.sqrt(3.0 / D_MODEL)
        mha_w = [("query/kernel", uni((D_MODEL, HEADS, KEY_DIM), a)), ("query/bias", uni((HEADS, KEY_DIM), 0.1)),
                 ("key/kernel", uni((D_MODEL, HEADS, KEY_DIM), a)), ("key/bias", uni((HEADS, KEY_DIM), 0.1)),
                 ("value/kernel", uni((D_MODEL, HEADS, KEY_DIM), a)), ("value/bias", uni((HEADS, KEY_DIM), 0.1)),
                 ("attention_output/kernel", uni((HEADS, KEY_DIM, D_MODEL), np.sqrt(3.0 / D_MODEL))),
                 ("attention_output/bias", uni((D_MODEL,), 0.1))]
        shape = [None, SEQ, D_MODEL]
        attn = add("MultiHeadAttention", "multi_head_attention",
                   {"num_heads": HEADS, "key_dim": KEY_DIM, "value_dim": KEY_DIM, "query_shape": shape,
                    "key_shape": shape, "value_shape": shape}, [[x, 0, 0]], mha_w)
        attn = add("Dropout", "dropout", {"rate": 0.1}, [[attn, 0, 0]])
        y = add("Add", "add", {}, [[x, 0, 0], [attn, 0, 0]])
        ln = [("gamma", rng.uniform(0.8, 1.2, D_MODEL).astype(np.float32)), ("beta", uni((D_MODEL,), 0.1))]
        y = add("LayerNormalization", "layer_normalization", {"axis": -1, "epsilon": 1e-6}, [[y, 0, 0]], ln)
        f = add("Dense", "dense", {"units": FF, "activation": "relu"}, [[y, 0, 0]],
                [("kernel", uni((D_MODEL, FF), np.sqrt(6.0 / D_MODEL))), ("bias", uni((FF,), 0.1))])
        f = add("Dense", "dense", {"units": D_MODEL}, [[f, 0, 0]],
                [("kernel", uni((FF, D_MODEL), np.sqrt(3.0 / FF))), ("bias", uni((D_MODEL,), 0.1))])
        f = add("Dropout", "dropout", {"rate": 0.1}, [[f, 0, 0]])
        y = add("Add", "add", {}, [[y, 0, 0], [f, 0, 0]])
        ln = [("gamma", rng.uniform(0.8, 1.2, D_MODEL).astype(np.float32)), ("beta", uni((D_MODEL,), 0.1))]
        x = add("LayerNormalization", "layer_normalization", {"axis": -1, "epsilon": 1e-6}, [[y, 0, 0]], ln)
    x = add("GlobalAveragePooling1D", "global_average_pooling1d", {}, [[x, 0, 0]])
    x = add("Dropout", "dropout", {"rate": 0.1}, [[x, 0, 0]])
    x = add("Dense", "dense", {"units": CLASSES, "activation": "softmax"}, [[x, 0, 0]],
            [("kernel", uni((D_MODEL, CLASSES), 0.5 * np.sqrt(3.0 / D_MODEL))), ("bias", uni((CLASSES,), 0.1))])
    m.input_layers = [["input_1", 0, 0]]
    m.output_layers = [[x, 0, 0]]
    return m


def transformer_config(model):
    ranks = {"Dense": 3, "LayerNormalization": 3}
    shapes = {((layer.name,), 0): [(None,) + (SEQ, D_MODEL)[:ranks.get(layer.class_name, 3) - 1]]
              for layer in model.layers}
    config = k2_model_config(model, KERAS_VERSION, shapes)
    # tf.keras serialises MultiHeadAttention(x, x) as the query tensor with `value` as a kwarg.
    for entry in config["config"]["layers"]:
        if entry["class_name"] == "MultiHeadAttention":
            q = entry["inbound_nodes"][0][0]
            entry["inbound_nodes"] = [[[q[0], q[1], q[2], {"value": [q[0], q[1], q[2]]}]]]
    return config


def transformer_numpy(model, ids):
    """The model's forward pass in float64 NumPy (Keras semantics)."""
    w = {layer.name: dict(layer.weights) for layer in model.layers}
    values = {"input_1": ids.astype(np.int64)}
    for layer in model.layers[1:]:
        ins = [values[r[0]] for r in layer.inbound[0]]
        x = ins[0]
        p = w[layer.name]
        c = layer.class_name
        if c == "Embedding":
            y = p["embeddings"].astype(np.float64)[x]
        elif c == "MultiHeadAttention":
            def proj(t, k):
                return np.einsum("bsd,dhk->bshk", t, p[k + "/kernel"]) + p[k + "/bias"]
            q, k, v = proj(x, "query") / np.sqrt(KEY_DIM), proj(x, "key"), proj(x, "value")
            s = np.einsum("bqhk,bshk->bhqs", q, k)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            o = np.einsum("bhqs,bshk->bqhk", s, v)
            y = np.einsum("bqhk,hkd->bqd", o, p["attention_output/kernel"]) + p["attention_output/bias"]
        elif c == "Dropout":
            y = x
        elif c == "Add":
            y = ins[0] + ins[1]
        elif c == "LayerNormalization":
            mu = x.mean(-1, keepdims=True)
            var = ((x - mu) ** 2).mean(-1, keepdims=True)
            y = (x - mu) / np.sqrt(var + layer.config["epsilon"]) * p["gamma"] + p["beta"]
        elif c == "Dense":
            y = x @ p["kernel"] + p["bias"]
            if layer.config.get("activation") == "relu":
                y = np.maximum(y, 0)
            elif layer.config.get("activation") == "softmax":
                y = np.exp(y - y.max(-1, keepdims=True))
                y /= y.sum(-1, keepdims=True)
        elif c == "GlobalAveragePooling1D":
            y = x.mean(1)
        else:
            raise ValueError(c)
        values[layer.name] = y
    return values[model.output_layers[0][0]]


def transformer(out_dir):
    name = "transformer"
    rng = np.random.default_rng(_seed("bench:" + name))
    model = transformer_model(rng)
    write_legacy_h5(os.path.join(out_dir, name + ".h5"), model, transformer_config(model), LegacyFlavour(KERAS_VERSION))
    x = seeded_input(name, [CHECK_BATCH, SEQ], {"int": VOCAB})
    np.save(os.path.join(out_dir, name + "_input.npy"), x)
    np.save(os.path.join(out_dir, name + "_expected.npy"), transformer_numpy(model, x).astype(np.float32))
    params = sum(int(a.size) for layer in model.layers for _, a in layer.weights)
    return {"name": name, "file": name + ".h5", "input": name + "_input.npy", "expected": name + "_expected.npy",
            "params": params, "input_shape": [None, SEQ],
            "built_by": "bench/write_models.py (tfjs has no MultiHeadAttention); expected output by NumPy"}


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    dump_dir, out_dir = sys.argv[1], sys.argv[2]
    names = sys.argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    index_path = os.path.join(out_dir, "models.json")
    index = {}
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = {m["name"]: m for m in json.load(f)["models"]}
    for fn in sorted(os.listdir(dump_dir)):
        name = fn[:-len(".json")]
        if not fn.endswith(".json") or (names and name not in names):
            continue
        with open(os.path.join(dump_dir, fn)) as f:
            index[name] = from_dump(json.load(f), out_dir)
        print(f"write_models.py: {name}.h5", file=sys.stderr)
    if not names or "transformer" in names:
        index["transformer"] = transformer(out_dir)
        print("write_models.py: transformer.h5", file=sys.stderr)
    order = ["mlp", "mnist_cnn", "mobilenet_v2", "resnet50", "lstm_text", "transformer"]
    models = sorted(index.values(), key=lambda m: order.index(m["name"]) if m["name"] in order else len(order))
    with open(index_path, "w") as f:
        json.dump({"keras_version": KERAS_VERSION, "models": models}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
