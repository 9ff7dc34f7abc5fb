#!/usr/bin/python3
"""Turn oracle.js dumps into kerasrt test fixtures.

usage: /usr/bin/python3 write_fixtures.py DUMP_DIR FIXTURES_DIR EXAMPLES_DIR

For every dump: rebuild the model description (keras_config.py), run the
NumPy reference (numpy_ref.py) and cross-check it against the tfjs outputs
(or use it as the reference where tfjs cannot compute the case), then write
the model in every Keras layout that applies plus inputs, outputs and
manifest.json.
"""

import base64
import json
import math
import os
import sys

import numpy as np

import numpy_ref
import keras_ops_cases
import lookup_cases
import numpy_ref_16bit
import text_vectorization_cases
import tfop_cases
from h5_writers import (LegacyFlavour, k2_optimizer_state, write_keras_archive, write_k3_weights,
                        write_legacy_h5, write_legacy_weights)
from keras1_config import write_keras1_flavours
from keras3_config import K3Writer, is_new
from keras_config import io_names, k2_model_config, parse_dump, weights_by_path
from savedmodel_writer import write_savedmodel

# tfjs (float32) and numpy_ref (float64) must agree this closely, or the
# generation fails: it protects both the tfjs fixtures and numpy_ref.
CROSSCHECK_RTOL = 1e-4
CROSSCHECK_ATOL = 2e-5


def decode(entry):
    data = np.frombuffer(base64.b64decode(entry["data"]), dtype="<f4")
    return data.reshape(entry["shape"]).astype(np.float32)


def save_npy(path, arr):
    np.save(path, np.ascontiguousarray(arr, dtype="<f4"), allow_pickle=False)


def symbolic_shapes(model, ref_cfg, weights, inputs, keras_major):
    """Input shapes of every layer call, batch (and any dimension declared
    None, found by running a second, longer input) as None."""
    _, rec = numpy_ref.predict(ref_cfg, weights, inputs, keras_major, record=True)
    declared = _declared_input_shapes(model)
    if not any(None in s[1:] for s in declared):
        return {k: [(None,) + tuple(s[1:]) for s in v] for k, v in rec.calls.items()}
    longer = []
    for x, decl in zip(inputs, declared):
        shape = [d + 1 if (i > 0 and decl[i] is None) else d for i, d in enumerate(x.shape)]
        longer.append(np.zeros(shape, dtype=np.float32))
    _, rec2 = numpy_ref.predict(ref_cfg, weights, longer, keras_major, record=True)
    out = {}
    for k, v in rec.calls.items():
        v2 = rec2.calls[k]
        out[k] = [tuple([None] + [a if a == b else None for a, b in zip(s[1:], s2[1:])]) for s, s2 in zip(v, v2)]
    return out


def _declared_input_shapes(model):
    if model.kind == "Sequential":
        return [model.seq_batch_input_shape]
    return [model.find(r[0]).batch_input_shape for r in model.input_layers]


def tolerance(reference_is_tfjs, maxdiff, deep):
    """float32 tolerance: rtol 1e-5 everywhere; atol 1e-6, or the tfjs/NumPy disagreement
    (x10, rounded up to a power of ten) when that is larger, for values near zero."""
    del deep  # kerasrt matches every case, deep ones included, to rtol 1e-5
    if reference_is_tfjs and maxdiff is not None:
        atol = 10 ** math.ceil(math.log10(max(maxdiff * 10, 1e-6)))
    else:
        atol = 1e-6
    return 1e-5, atol


DEEP_CLASSES = {"LSTM", "GRU", "SimpleRNN", "Bidirectional", "Conv2D", "SeparableConv2D", "DepthwiseConv2D",
                "TimeDistributed", "Sequential", "Functional"}


# Cases also written as a tf.keras SavedModel directory (savedmodel_writer.py).
SAVEDMODEL_CASES = {"dense_relu", "graph_mlp", "batch_normalization", "graph_small_cnn", "graph_residual_cnn",
                    "lstm", "lstm_sequences", "gru", "gru_reset_after", "bidirectional_lstm_concat",
                    "bidirectional_gru_reset_after", "mask_embedding_lstm", "mask_text_classifier_bidirectional",
                    "graph_multi_io", "graph_shared_layer", "graph_nested_functional_in_sequential",
                    "graph_nested_sequential_in_functional", "mha_self_attention", "mha_cross_attention_key",
                    "embedding", "conv2d", "layer_normalization", "dtype_float16_cnn", "dtype_float16_lstm",
                    "dtype_mixed_float16"}
# ... and saved with save_traces=False (no `variables` lists in the object graph).
# ... and with the SavedModel children before the layers' own (keys "variables/N/...").
SAVEDMODEL_EXTRAS_FIRST_CASES = {"dense_relu", "batch_normalization", "bidirectional_lstm_concat",
                                 "graph_nested_functional_in_sequential", "graph_shared_layer", "mha_self_attention"}
SAVEDMODEL_NO_TRACES_CASES = {"batch_normalization", "lstm", "bidirectional_lstm_concat", "mha_self_attention",
                              "graph_nested_sequential_in_functional", "graph_shared_layer"}


def k2_training_config():
    return {"loss": "categorical_crossentropy", "metrics": ["accuracy"], "weighted_metrics": None,
            "loss_weights": None,
            "optimizer_config": {"class_name": "Adam", "config": {
                "name": "Adam", "learning_rate": 0.0010000000474974513, "decay": 0.0, "beta_1": 0.8999999761581421,
                "beta_2": 0.9990000128746033, "epsilon": 1e-07, "amsgrad": False}}}


def k3_compile_config():
    return {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {
        "name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None, "clipnorm": None,
        "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "loss_scale_factor": None, "gradient_accumulation_steps": None,
        "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}, "registered_name": None},
        "loss": "categorical_crossentropy", "loss_weights": None, "metrics": ["accuracy"],
        "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def k3_training_config():
    cfg = k3_compile_config()
    opt = cfg.pop("optimizer")
    cfg["optimizer_config"] = {"class_name": "Adam", "config": opt["config"]}
    return cfg


def write_models(out_dir, model, dump, shapes, compiled, only=None):
    """Write every applicable format; returns manifest `models` entries."""
    entries = []
    k2v, k3v = dump["k2"], dump["k3"]
    want = (lambda fmt: only is None or only == fmt)
    if k2v:
        flavour = LegacyFlavour(k2v)
        k2cfg = k2_model_config(model, k2v, shapes)
        k2_formats = dump.get("k2_formats") or ("h5", "json", "savedmodel")
        if want("h5") and "h5" in k2_formats:
            write_legacy_h5(os.path.join(out_dir, only_name(only, "model.h5", dump)), model, k2cfg, flavour,
                            k2_training_config() if compiled else None,
                            k2_optimizer_state(model) if compiled else None)
            entries.append({"format": "h5", "flavor": "tf.keras-2", "file": only_name(only, "model.h5", dump),
                            "keras_version": k2v})
        if only is None and "json" in k2_formats:
            to_json = dict(k2cfg)
            to_json["keras_version"] = k2v
            to_json["backend"] = "tensorflow"
            with open(os.path.join(out_dir, "model.json"), "w") as f:
                f.write(json.dumps(to_json))
            write_legacy_weights(os.path.join(out_dir, "weights.h5"), model, flavour)
            entries.append({"format": "json+h5weights", "file": "model.json", "weights": "weights.h5",
                            "keras_version": k2v})
        if only is None and (dump["case"] in SAVEDMODEL_CASES or dump.get("k2_formats")) and "savedmodel" in k2_formats:
            write_savedmodel(os.path.join(out_dir, "model_savedmodel"), model, k2cfg, k2v)
            entries.append({"format": "savedmodel", "flavor": "tf.keras-2", "file": "model_savedmodel",
                            "keras_version": k2v})
        if only is None and dump["case"] in SAVEDMODEL_EXTRAS_FIRST_CASES:
            write_savedmodel(os.path.join(out_dir, "model_savedmodel_extras_first"), model, k2cfg, k2v,
                             extras_first=True)
            entries.append({"format": "savedmodel", "flavor": "tf.keras-2-extras-first",
                            "file": "model_savedmodel_extras_first", "keras_version": k2v})
        if only is None and dump["case"] in SAVEDMODEL_NO_TRACES_CASES:
            write_savedmodel(os.path.join(out_dir, "model_savedmodel_no_traces"), model, k2cfg, k2v,
                             save_traces=False)
            entries.append({"format": "savedmodel", "flavor": "tf.keras-2-save_traces=False",
                            "file": "model_savedmodel_no_traces", "keras_version": k2v})
    if k3v:
        new = is_new(k3v)
        if only is None:
            legacy_cfg = K3Writer(k3v, shapes, legacy=True).model(model)
            write_legacy_h5(os.path.join(out_dir, "model_k3.h5"), model, legacy_cfg, LegacyFlavour(k3v),
                            k3_training_config() if compiled else None, None)
            entries.append({"format": "h5", "flavor": "keras-3", "file": "model_k3.h5", "keras_version": k3v})
        cfg = K3Writer(k3v, shapes).model(model)
        if want("keras"):
            archive_cfg = dict(cfg)
            if compiled:
                archive_cfg["compile_config"] = k3_compile_config()
            name = only_name(only, "model.keras", dump)
            write_keras_archive(os.path.join(out_dir, name), archive_cfg, k3v, model, new, compiled)
            entries.append({"format": "keras", "file": name, "keras_version": k3v})
        if only is None:
            with open(os.path.join(out_dir, "model_k3.json"), "w") as f:
                f.write(json.dumps(cfg))
            write_k3_weights(os.path.join(out_dir, "model.weights.h5"), model, new, compiled)
            entries.append({"format": "json+weights.h5", "file": "model_k3.json", "weights": "model.weights.h5",
                            "keras_version": k3v})
    return entries


def keras_16bit_distance(dump, ref_cfg, weights, inputs, keras_major, expected):
    """For a case with a 16-bit dtype policy: how far Keras's own 16-bit arithmetic (emulated,
    numpy_ref_16bit.py) is from the float32 reference kerasrt is held to, {"max_abs_diff",
    "max_rel_diff"} over all outputs (relative to max(|reference|, 1e-3)); None otherwise."""
    if not dump.get("policy"):
        return None
    if not any(numpy_ref_16bit.compute_rounder(p) for p in
               [dump["policy"]] + list((dump.get("policy_overrides") or {}).values())):
        return None
    emulated = numpy_ref_16bit.predict(ref_cfg, weights, inputs, keras_major)
    abs_diff = rel_diff = 0.0
    for want, got in zip(expected, emulated):
        d = np.abs(got.astype(np.float64) - want)
        abs_diff = max(abs_diff, float(d.max()))
        rel_diff = max(rel_diff, float((d / np.maximum(np.abs(want), 1e-3)).max()))
    if not 0.0 < abs_diff < 0.5:
        raise SystemExit(f"{dump['case']}: 16-bit emulation differs by {abs_diff} from the float32 reference")
    return {"max_abs_diff": float(f"{abs_diff:.3g}"), "max_rel_diff": float(f"{rel_diff:.3g}")}


def policy_note(dump, emulation):
    """Description of a dtype-policy case: what is stored and which result is expected."""
    weight_dtype = dump.get("weight_dtype")
    note = (f" Weights are {weight_dtype} values (seeded float32 rounded to nearest even, stored as {weight_dtype} "
            f"where the policy's variables are {weight_dtype})." if weight_dtype else
            " Weights are float32 variables, as the mixed policies keep them.")
    note += (" Expected outputs are the float32 computation from the stored weights (kerasrt widens 16-bit "
             "weights exactly and computes in float32).")
    if emulation is not None:
        note += (" Keras itself rounds each layer's inputs, weights and outputs to its 16-bit compute dtype: "
                 "that arithmetic, emulated with NumPy (tools/oracle/numpy_ref_16bit.py), differs from the "
                 f"expected outputs by up to {emulation['max_abs_diff']:g} absolute "
                 f"({emulation['max_rel_diff']:g} relative).")
    return note


def only_name(only, default, dump):
    if only is None:
        return default
    return dump["example"]["file"]


def process(dump, fixtures_dir, examples_dir, index):
    name = dump["case"]
    model = parse_dump(dump)
    inputs = [decode(x) for x in dump["inputs"]]
    keras_major = 3 if dump["k2"] is None else 2
    ref_cfg = k2_model_config(model, "2.15.0", None)
    weights = weights_by_path(model)
    ref_out, _ = numpy_ref.predict(ref_cfg, weights, inputs, keras_major)
    shapes = symbolic_shapes(model, ref_cfg, weights, inputs, keras_major)

    if not dump["numpy_reference"] and dump["k3"] and "hard_sigmoid" in json.dumps(ref_cfg):
        raise SystemExit(f"{name}: tfjs hard_sigmoid is the Keras 2 one; cannot write Keras 3 formats")

    maxdiff = None
    if dump["numpy_reference"]:
        expected = ref_out
        reference = "numpy tools/oracle/numpy_ref.py"
    else:
        expected = [decode(y) for y in dump["outputs"]]
        reference = f"tfjs-layers {dump['tfjs_version']} (cpu)"
        maxdiff = 0.0
        for i, (a, b) in enumerate(zip(expected, ref_out)):
            if a.shape != b.shape:
                raise SystemExit(f"{name}: output {i} shape tfjs {a.shape} numpy_ref {b.shape}")
            maxdiff = max(maxdiff, float(np.max(np.abs(a.astype(np.float64) - b))) if a.size else 0.0)
            if not np.allclose(b, a, rtol=CROSSCHECK_RTOL, atol=CROSSCHECK_ATOL):
                raise SystemExit(f"{name}: numpy_ref disagrees with tfjs on output {i}: max abs diff "
                                 f"{np.max(np.abs(a - b))}")
    for o in expected:
        if not np.all(np.isfinite(o)):
            raise SystemExit(f"{name}: non-finite expected output")
    emulation = keras_16bit_distance(dump, ref_cfg, weights, inputs, keras_major, expected)

    in_names, out_names = io_names(model)
    classes = {layer.class_name for layer in model.walk()}
    deep = bool(classes & DEEP_CLASSES) or len(model.layers) > 3
    rtol, atol = tolerance(not dump["numpy_reference"], maxdiff, deep)
    if dump.get("policy"):
        # dtype-policy cases hold kerasrt to the float32 result tightly, so that the 16-bit
        # distance recorded beside it (1e-4..1e-2) cannot hide in the tolerance
        rtol, atol = 1e-5, 1e-6
    compiled = dump["compiled"]

    if dump.get("example"):
        os.makedirs(examples_dir, exist_ok=True)
        ex = dump["example"]
        entries = write_models(examples_dir, model, dump, shapes, compiled, only=ex["format"])
        stem = os.path.splitext(ex["file"])[0]
        save_npy(os.path.join(examples_dir, f"{stem}_input.npy"), inputs[0])
        save_npy(os.path.join(examples_dir, f"{stem}_expected_output.npy"), expected[0])
        index.append({"case": name, "example": ex["file"], "reference": reference, "crosscheck_max_abs_diff": maxdiff})
        return

    out_dir = os.path.join(fixtures_dir, name)
    os.makedirs(out_dir, exist_ok=True)
    for i, x in enumerate(inputs):
        save_npy(os.path.join(out_dir, f"input_{i}.npy"), x)
    for i, y in enumerate(expected):
        save_npy(os.path.join(out_dir, f"output_{i}.npy"), y)
    entries = write_models(out_dir, model, dump, shapes, compiled)
    k1_entries, k1_note = write_keras1_flavours(out_dir, model, dump, shapes, compiled)
    entries += k1_entries

    description = dump["description"]
    if dump["k2"] and dump.get("k2_formats"):
        description += (f" Keras-2 files as tf.keras {dump['k2']}: {', '.join(dump['k2_formats'])} only, because "
                        f"{dump['k2_formats_reason']}.")
    elif dump["k2"]:
        description += f" Keras-2 files as tf.keras {dump['k2']}."
    if dump["k3"]:
        description += f" Keras-3 files as Keras {dump['k3']}."
    if not dump["k2"]:
        description += f" No Keras-2 formats: {dump['skip_k2']}."
    if not dump["k3"]:
        description += f" No Keras-3 formats: {dump['skip_k3']}."
    description += k1_note
    if dump["numpy_reference"]:
        description += f" Reference is numpy_ref because {dump['numpy_reason']}."
    if dump.get("policy"):
        description += policy_note(dump, emulation)
    manifest = {
        "case": name,
        "description": description,
        "reference": reference,
        "rtol": rtol,
        "atol": atol,
        "inputs": [{"name": n, "file": f"input_{i}.npy"} for i, n in enumerate(in_names)],
        "outputs": [{"name": n, "file": f"output_{i}.npy"} for i, n in enumerate(out_names)],
        "models": entries,
    }
    if emulation is not None:
        manifest["keras_16bit_emulation"] = emulation
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    index.append({"case": name, "reference": reference, "crosscheck_max_abs_diff": maxdiff,
                  "formats": [e["file"] for e in entries]})
    if emulation is not None:
        index[-1]["keras_16bit_emulation"] = emulation


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    dump_dir, fixtures_dir, examples_dir = sys.argv[1:]
    os.makedirs(fixtures_dir, exist_ok=True)
    index = []
    for fn in sorted(os.listdir(dump_dir)):
        if not fn.endswith(".json"):
            continue
        with open(os.path.join(dump_dir, fn)) as f:
            dump = json.load(f)
        try:
            process(dump, fixtures_dir, examples_dir, index)
        except SystemExit:
            raise
        except Exception as e:  # name the case
            raise SystemExit(f"case {dump['case']}: {type(e).__name__}: {e}") from e
    tfop_cases.write_all(fixtures_dir, index)  # TFOpLambda: no tfjs model, NumPy reference
    keras_ops_cases.write_all(fixtures_dir, index)  # Keras 3 operations: likewise
    lookup_cases.write_all(fixtures_dir, index)  # StringLookup/IntegerLookup: plain-Python reference
    text_vectorization_cases.write_all(fixtures_dir, index)  # string inputs: Python reference
    with open(os.path.join(fixtures_dir, "index.json"), "w") as f:
        json.dump({"generator": "tools/oracle/generate.sh", "cases": [x for x in index if "example" not in x],
                   "examples": [x for x in index if "example" in x]}, f, indent=1)
        f.write("\n")
    worst = max((x["crosscheck_max_abs_diff"] or 0.0) for x in index)
    n_tfjs = sum(1 for x in index if x["reference"].startswith("tfjs"))
    print(f"write_fixtures.py: {len(index)} cases ({n_tfjs} tfjs, {len(index) - n_tfjs} numpy); "
          f"tfjs vs numpy_ref max abs diff {worst:.3g}", file=sys.stderr)


if __name__ == "__main__":
    main()
