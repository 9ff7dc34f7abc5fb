#!/usr/bin/python3
"""Write the keras.applications test models dumped by applications.js as Keras files.

usage: /usr/bin/python3 applications.py DUMP_DIR OUT_DIR

For every DUMP_DIR/<arch>.json (+ .bin): OUT_DIR/<arch>/ with model.h5 (tf.keras 2.15 legacy
HDF5) and model.keras (Keras 3.12 archive), written by the fixture writers (write_fixtures.py,
keras_config.py, keras3_config.py, h5_writers.py), input_0.npy (batch 4), output_0.npy (the
tfjs predictions) and manifest.json in the fixture contract of tools/oracle/README.md, plus
`input_size`, `classes`, `params` and `batch_sizes` ([1, 4]: the test also runs every row of the
batch alone). There is no NumPy cross-check here: a float64 forward pass of these networks
would take minutes; the layers themselves are cross-checked by the committed fixtures.
"""

import base64
import json
import os
import sys

import numpy as np

from keras_config import io_names, parse_dump
from write_fixtures import decode, save_npy, write_models


def load_dump(dump_dir, arch):
    with open(os.path.join(dump_dir, arch + ".json")) as f:
        dump = json.load(f)
    blob = np.fromfile(os.path.join(dump_dir, arch + ".bin"), dtype="<f4")

    def inline(layers):  # nested models hold their layers' weights
        for layer in layers:
            inline(layer.get("layers", []))
            for w in layer.get("weights", []):
                start = w.pop("offset") // 4
                n = int(np.prod(w["shape"])) if w["shape"] else 1
                w["data"] = base64.b64encode(blob[start:start + n].tobytes()).decode()

    inline(dump["layers"])
    return dump


def layer_paths(model, prefix=()):
    """The path (model names..., layer name) of every layer, nested models' layers included: the
    writers key input shapes by path; the dump has them by layer name."""
    for layer in model.layers:
        yield prefix + (layer.name,)
        if layer.is_model:
            yield from layer_paths(layer.model, prefix + (layer.name,))


def process(dump, out_root):
    arch = dump["case"]
    model = parse_dump(dump)
    shapes = {(path, 0): [tuple(s) for s in dump["input_shapes"][path[-1]]]
              for path in layer_paths(model) if path[-1] in dump["input_shapes"]}
    out_dir = os.path.join(out_root, arch)
    os.makedirs(out_dir, exist_ok=True)
    entries = []
    for only, file in (("h5", "model.h5"), ("keras", "model.keras")):
        d = dict(dump)
        if only == "h5" and not d["k2"] or only == "keras" and not d["k3"]:
            continue
        d["example"] = {"file": file}
        entries += write_models(out_dir, model, d, shapes, False, only=only)
    for e in entries:
        if e["format"] == "h5":
            e["flavor"] = "tf.keras-2"
    x = decode(dump["inputs"][0])
    y = decode(dump["outputs"][0])
    if not np.all(np.isfinite(y)):
        raise SystemExit(f"{arch}: non-finite expected output")
    save_npy(os.path.join(out_dir, "input_0.npy"), x)
    save_npy(os.path.join(out_dir, "output_0.npy"), y)
    in_names, out_names = io_names(model)
    description = (f"keras.applications.{dump['keras_function']}(weights=None, input_shape=({dump['input_size']}, "
                   f"{dump['input_size']}, 3), classes={dump['classes']}) rebuilt layer by layer in "
                   "tools/oracle/applications_models.js, seeded random weights and BatchNormalization statistics.")
    if dump.get("description"):
        description += " " + dump["description"]
    if not dump["k2"]:
        description += f" No Keras-2 file: {dump['skip_k2']}."
    if not dump["k3"]:
        description += f" No Keras-3 file: {dump['skip_k3']}."
    reference = f"tfjs-layers {dump['tfjs_version']} (cpu)"
    if dump.get("custom_layers"):
        reference += "; " + dump["custom_layers"]
    manifest = {
        "case": arch,
        "description": description,
        "reference": reference,
        "keras_function": dump["keras_function"],
        "input_size": dump["input_size"],
        "classes": dump["classes"],
        "params": dump["params"],
        "batch_sizes": [1, int(x.shape[0])],
        "inputs": [{"name": n, "file": f"input_{i}.npy"} for i, n in enumerate(in_names)],
        "outputs": [{"name": n, "file": f"output_{i}.npy"} for i, n in enumerate(out_names)],
        "models": entries,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return manifest


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    dump_dir, out_root = sys.argv[1:]
    os.makedirs(out_root, exist_ok=True)
    for fn in sorted(os.listdir(dump_dir)):
        if not fn.endswith(".json"):
            continue
        arch = fn[:-len(".json")]
        try:
            m = process(load_dump(dump_dir, arch), out_root)
        except SystemExit:
            raise
        except Exception as e:  # name the architecture
            raise SystemExit(f"{arch}: {type(e).__name__}: {e}") from e
        print(f"applications.py: {arch}: {', '.join(e['file'] for e in m['models'])}", file=sys.stderr)


if __name__ == "__main__":
    main()
