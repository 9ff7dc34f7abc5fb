#!/usr/bin/python3
"""Writes the bad-input corpus (tests/bad/*) and its manifest (tests/bad/manifest.json).

Every file is small, made deterministically (no timestamps, fixed zip dates, fixed values),
and listed in the manifest with what kerasrt must do with it: refuse it with an error whose
text contains every string in "error", or load it ("ok"). tests/bad_corpus_test.cc checks each
entry; fuzz/run.sh uses the files as seeds.

Run with Debian's Python (h5py, numpy):  /usr/bin/python3 tests/bad/generate.py [--check]
--check regenerates into a temporary directory and fails if anything differs from what is
committed.

Manifest entry fields:
  file        the model file (loaded with Model::load), or the architecture JSON with "weights"
  weights     weights file for Model::load_json
  npy         a .npy file for parse_npy instead of a model
  options     LoadOptions for this entry: any Limits field by name, reject_non_finite_weights
  predict     {"input": "<file.npy>"} or {"shape": [...], "fill": <number or "nan"/"inf">}:
              predict once the model loaded; the error (if any) is the predict error
  error       strings the error message must contain (the entry must fail)
  ok          true: must load (and predict, if asked) without error
  outputs     "nan" / "finite": what every predicted output value must be
  validate    run only through `kerasrt validate --json` (a child process): the report's status
              must be one of these ("crashed", "invalid"), never "valid"
  why         what the entry covers
"""

import copy
import io
import json
import os
import shutil
import struct
import sys
import tempfile
import zipfile
import zlib

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
ENTRIES = []


# ----------------------------------------------------------------------------- writers

def gcpl():
    plist = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    plist.set_obj_track_times(False)
    return plist


def group(parent, name):
    if name in parent:
        return parent[name]
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl()))


def dataset(parent, name, value, **kwargs):
    value = np.asarray(value)
    ds = parent.create_dataset(name, value.shape, dtype=value.dtype, track_times=False, **kwargs)
    if value.size:
        ds[()] = value
    return ds


def values(shape, scale=0.01):
    n = int(np.prod(shape)) if shape else 1
    return (np.arange(n, dtype=np.float32) * scale - 0.05).reshape(shape)


def h5_bytes(write):
    """An HDF5 file written by write(f), as bytes (files are written to disk by h5py, then read)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "f.h5")
        with h5py.File(path, "w", libver="earliest", track_order=False) as f:
            write(f)
        with open(path, "rb") as f:
            return f.read()


def legacy_h5(config, layer_weights, keras_version="2.15.0", extra=None):
    """model.save("m.h5") layout: model_config, model_weights/layer_names, weight_names."""
    def write(f):
        f.attrs["model_config"] = json.dumps(config).encode()
        f.attrs["keras_version"] = keras_version.encode()
        f.attrs["backend"] = b"tensorflow"
        mw = group(f, "model_weights")
        mw.attrs["layer_names"] = np.array([n.encode() for n, _ in layer_weights], dtype="S")
        for name, weights in layer_weights:
            g = group(mw, name)
            names = [w[0] for w in weights]
            g.attrs["weight_names"] = np.array([n.encode() for n in names], dtype="S") if names else np.zeros(0)
            for wname, value in weights:
                head, _, leaf = wname.rpartition("/")
                target = g
                for part in head.split("/") if head else []:
                    target = group(target, part)
                dataset(target, leaf, value)
        if extra:
            extra(f)
    return h5_bytes(write)


def zip_bytes(entries, compress=zipfile.ZIP_STORED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = compress
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return out.getvalue()


def npy_bytes(array):
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def add(name, data, **entry):
    ENTRIES.append(dict(file=name, **entry))
    ENTRIES[-1]["_data"] = {name: data}


def add_files(files, **entry):
    ENTRIES.append(dict(entry))
    ENTRIES[-1]["_data"] = files


# ----------------------------------------------------------------------------- models

def seq_dense(units=3, width=4, extra_layers=(), name="dense"):
    layers = [{"class_name": "InputLayer", "config": {"name": "input_1", "batch_input_shape": [None, width], "dtype": "float32"}},
              {"class_name": "Dense", "config": {"name": name, "units": units, "activation": "linear", "use_bias": True}}]
    layers += list(extra_layers)
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}


def dense_weights(width=4, units=3, name="dense"):
    return [(f"{name}/kernel:0", values([width, units])), (f"{name}/bias:0", values([units]))]


def ok_dense(**kw):
    return legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights())], **kw)


def functional(layers, inputs, outputs, name="model"):
    return {"class_name": "Functional",
            "config": {"name": name, "layers": layers, "input_layers": inputs, "output_layers": outputs}}


def flayer(cls, name, inbound, **config):
    config["name"] = name
    return {"class_name": cls, "name": name, "config": config, "inbound_nodes": inbound}


def f_input(name="in", shape=(None, 4), dtype="float32"):
    return flayer("InputLayer", name, [], batch_input_shape=list(shape), dtype=dtype)


def relu(name, source, node=0, tensor=0):
    return flayer("Activation", name, [[[source, node, tensor, {}]]], activation="relu")


def no_weights_h5(config, keras_version="2.15.0"):
    return legacy_h5(config, [], keras_version=keras_version)


def k3_entry(cls, name, config, inbound=None, module="keras.layers"):
    config = dict(config, name=name)
    entry = {"module": module, "class_name": cls, "config": config, "name": name}
    if inbound is not None:
        entry["inbound_nodes"] = inbound
    return entry


def k3_sequential(layers, name="sequential"):
    return {"module": "keras", "class_name": "Sequential", "config": {"name": name, "layers": layers}}


def k3_weights(layers):
    """Keras 3 model.weights.h5: layers/<key>/vars/<i>."""
    def write(f):
        root = group(f, "layers")
        for key, arrays in layers:
            v = group(group(root, key), "vars")
            for i, a in enumerate(arrays):
                dataset(v, str(i), a)
    return h5_bytes(write)


def keras_archive(config, weights, extra_entries=(), metadata=None):
    meta = json.dumps(metadata or {"keras_version": "3.3.3", "date_saved": "2024-01-01@00:00:00"})
    return zip_bytes([("metadata.json", meta), ("config.json", json.dumps(config)), ("model.weights.h5", weights)]
                     + list(extra_entries))


K3_DENSE = k3_sequential([k3_entry("InputLayer", "input_layer", {"batch_shape": [None, 4], "dtype": "float32"}),
                          k3_entry("Dense", "dense", {"units": 3, "activation": "linear", "use_bias": True})])
K3_DENSE_WEIGHTS = k3_weights([("dense", [values([4, 3]), values([3])])])


def patch_zip_sizes(data, entry_name, size):
    """Sets the uncompressed size of `entry_name` in its local header and central directory."""
    data = bytearray(data)
    name = entry_name.encode()
    # local file header: signature, ..., uncompressed size at offset 22, name at 30
    at = 0
    while True:
        at = data.find(b"PK\x03\x04", at)
        if at < 0:
            break
        name_len = struct.unpack_from("<H", data, at + 26)[0]
        if data[at + 30:at + 30 + name_len] == name:
            struct.pack_into("<I", data, at + 22, size)
        at += 4
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            break
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + name_len] == name:
            struct.pack_into("<I", data, at + 24, size)
        at += 4
    return bytes(data)


# ----------------------------------------------------------------------------- corpus

def build():
    ok = ok_dense()

    # --- controls: the corpus's base files load
    add("ok_dense.h5", ok, ok=True, predict={"shape": [2, 4], "fill": 0.5}, outputs="finite",
        why="control: the valid model most entries below are broken from")
    add("ok_dense.keras", keras_archive(K3_DENSE, K3_DENSE_WEIGHTS), ok=True, predict={"shape": [2, 4], "fill": 0.5},
        outputs="finite", why="control: the same model as a Keras 3 archive")

    # --- not a model / wrong magic / truncated
    add("empty.h5", b"", error=["the file is empty"], why="zero bytes")
    add("wrong_magic.h5", b"GIF89a" + bytes(range(256)) * 4, error=["neither HDF5", "nor a zip archive"],
        why="not HDF5, not zip")
    add("json_instead.keras", json.dumps(K3_DENSE).encode(), error=["this is a JSON file", "load_json"],
        why="an architecture JSON given as the model")
    add("hdf5_signature_only.h5", ok[:8], error=["cannot open as HDF5"], why="HDF5 signature, nothing after it")
    add("truncated_quarter.h5", ok[:len(ok) // 4], error=["HDF5 global heap at byte", "past the end of the file"],
        why="first quarter of a valid .h5 (cut inside the global heap that holds model_config)")
    add("truncated_tail.h5", ok[:len(ok) - 200], error=["cannot open as HDF5"], why="a valid .h5 missing its last 200 bytes")
    keras_ok = keras_archive(K3_DENSE, K3_DENSE_WEIGHTS)
    add("truncated_half.keras", keras_ok[:len(keras_ok) // 2], error=["not a valid zip archive"],
        why="first half of a valid .keras")
    add("zip_signature_only.keras", b"PK\x03\x04" + bytes(60), error=["not a valid zip archive"],
        why="zip magic followed by zeros")
    add("hdf5_not_keras.h5", h5_bytes(lambda f: dataset(f, "data", values([3]))),
        error=["without a 'model_config' attribute is not a Keras model"], why="a valid HDF5 file that is not a model")
    add("weights_only.h5", h5_bytes(lambda f: f.attrs.__setitem__("layer_names", np.array([b"dense"]))),
        error=["holds weights only"], why="a save_weights file given as a model")
    add("archive_without_config.keras", zip_bytes([("hello.txt", "hi")]), error=["has no config.json"],
        why="a zip that is not a .keras archive")
    add("archive_without_weights.keras", zip_bytes([("config.json", json.dumps(K3_DENSE))]),
        error=["has no model.weights.h5"], why=".keras archive missing its weights")
    add("config_not_json.keras", zip_bytes([("config.json", "{not json"), ("model.weights.h5", K3_DENSE_WEIGHTS)]),
        error=["config.json is not valid JSON"], why="config.json is not JSON")

    # --- graph structure
    inp = f_input()
    add("cyclic_graph.h5", no_weights_h5(functional([inp, relu("a", "b"), relu("b", "a")], [["in", 0, 0]], [["b", 0, 0]])),
        error=["layer a", "'b'", "cycle"], why="a -> b -> a")
    add("self_loop.h5", no_weights_h5(functional([inp, relu("a", "a")], [["in", 0, 0]], [["a", 0, 0]])),
        error=["layer a", "'a'", "cycle"], why="a layer fed by its own output")
    add("dangling_inbound.h5", no_weights_h5(functional([inp, relu("a", "ghost")], [["in", 0, 0]], [["a", 0, 0]])),
        error=["layer a", "'ghost'", "nothing produces"], why="an inbound node naming a layer that does not exist")
    add("bad_node_index.h5", no_weights_h5(functional([inp, relu("a", "in", node=5)], [["in", 0, 0]], [["a", 0, 0]])),
        error=["layer a", "call 5 of layer 'in'"], why="an inbound node index past the producer's calls")
    add("bad_tensor_index.h5", no_weights_h5(functional([inp, relu("a", "in", tensor=3)], [["in", 0, 0]], [["a", 0, 0]])),
        error=["layer a", "output 3 of 'in'"], why="an inbound tensor index past the producer's outputs")
    add("negative_node_index.h5", no_weights_h5(functional([inp, relu("a", "in", node=-1)], [["in", 0, 0]], [["a", 0, 0]])),
        error=["negative index"], why="a negative node index")
    add("disconnected_input.h5",
        no_weights_h5(functional([inp, f_input("other"), relu("a", "other")], [["in", 0, 0]], [["a", 0, 0]])),
        error=["layer a", "'other'", "nothing produces"], why="graph disconnected: a layer fed by an InputLayer that is not a model input")
    add("output_never_computed.h5", no_weights_h5(functional([inp, relu("a", "in")], [["in", 0, 0]], [["ghost", 0, 0]])),
        error=["model output 'ghost'", "never computed"], why="an output naming a layer that does not exist")
    add("input_not_input_layer.h5", no_weights_h5(functional([inp, relu("a", "in")], [["a", 0, 0]], [["a", 0, 0]])),
        error=["model input 'a' is not an InputLayer"], why="input_layers naming an ordinary layer")
    add("no_inputs_outputs.h5", no_weights_h5(functional([inp, relu("a", "in")], [], [])),
        error=["lists no inputs or outputs"], why="a functional model without inputs and outputs")
    add("malformed_inbound_nodes.h5",
        no_weights_h5(functional([inp, flayer("Activation", "a", "oops", activation="relu")], [["in", 0, 0]], [["a", 0, 0]])),
        error=["'inbound_nodes' must be a list"], why="inbound_nodes is a string")
    add("malformed_tensor_ref.h5",
        no_weights_h5(functional([inp, flayer("Activation", "a", [[["in", "zero", 0, {}]]], activation="relu")],
                                 [["in", 0, 0]], [["a", 0, 0]])),
        error=["malformed tensor reference"], why="a node index that is a string")
    dup = seq_dense(extra_layers=[{"class_name": "Dense", "config": {"name": "dense", "units": 3}}])
    add("duplicate_names.h5", legacy_h5(dup, [("input_1", []), ("dense", dense_weights())]),
        error=["two layers are named 'dense'"], why="two layers with one name")
    add("no_class_name.h5", no_weights_h5(functional([inp, {"name": "a", "config": {"name": "a"}, "inbound_nodes": []}],
                                                     [["in", 0, 0]], [["a", 0, 0]])),
        error=["a layer entry has no class_name"], why="a layer entry without class_name")
    subclassed = seq_dense()
    subclassed["class_name"] = "MyModel"
    add("subclassed_model.h5", legacy_h5(subclassed, [("dense", dense_weights())]),
        error=["subclassed models keep their architecture in Python code"], why="a subclassed model's config")
    unbuilt = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "dense", "units": 3}}]}}
    add("sequential_never_built.h5", legacy_h5(unbuilt, [("dense", dense_weights())]),
        error=["no input shape"], why="a Sequential model saved before it was built")

    # --- dimensions
    neg = seq_dense()
    neg["config"]["layers"][0]["config"]["batch_input_shape"] = [None, -5]
    add("negative_dimension.h5", legacy_h5(neg, [("input_1", []), ("dense", dense_weights())]),
        error=["layer input_1", "negative dimension"], why="an input dimension of -5")
    add("huge_input_dimension.h5",
        no_weights_h5(functional([f_input(shape=(None, 10**12)), relu("a", "in")], [["in", 0, 0]], [["a", 0, 0]])),
        error=["input 'in'", "over the limit Limits::max_tensor_elements"], why="an input of 10^12 values per sample")
    add("dimension_overflow.h5",
        no_weights_h5(functional([f_input(shape=(None, 2**40, 2**40)), relu("a", "in")], [["in", 0, 0]], [["a", 0, 0]])),
        error=["over the limit Limits::max_tensor_elements"], why="dimensions whose product overflows 64 bits")
    huge_units = seq_dense(units=4 * 10**12)
    add("huge_units.h5", legacy_h5(huge_units, [("input_1", []), ("dense", dense_weights())]),
        error=["layer dense (Dense)", "exceeds the limit"], why="Dense with 4*10^12 units (kernel shape overflows the element limit)")
    repeat = functional([f_input(shape=(None, 64)), flayer("RepeatVector", "r", [[["in", 0, 0, {}]]], n=10**9)],
                        [["in", 0, 0]], [["r", 0, 0]])
    add("huge_repeat.h5", no_weights_h5(repeat),
        error=["the output of layer 'r'", "over the limit Limits::max_tensor_elements"],
        why="RepeatVector making a 6.4*10^10-value output from a small input")
    zero = seq_dense()
    zero["config"]["layers"][0]["config"]["batch_input_shape"] = [None, 0]
    add("zero_width_input.h5", legacy_h5(zero, [("input_1", []), ("dense", [("dense/kernel:0", np.zeros((0, 3), np.float32)),
                                                                             ("dense/bias:0", values([3]))])]),
        ok=True, predict={"shape": [2, 0], "fill": 0}, outputs="finite",
        why="an input with a zero dimension: empty sums, outputs are the bias")
    empty_image = functional([f_input(shape=(None, 0, 5, 3)),
                              flayer("Resizing", "resize", [[["in", 0, 0, {}]]], height=4, width=4,
                                     interpolation="bilinear", crop_to_aspect_ratio=False)],
                             [["in", 0, 0]], [["resize", 0, 0]])
    add("resize_empty_image.h5", no_weights_h5(empty_image),
        error=["layer resize (Resizing)", "empty height or width"],
        why="Resizing an image of height 0 (fuzz_detect found it reading past its input)")

    # --- weights
    add("missing_weight.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights()[:1])]),
        error=["layer dense (Dense)", "'bias'", "only 1 weight"], why="Dense without its bias")
    add("missing_weight_group.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights())],
                                             extra=lambda f: f["model_weights"].__delitem__("dense")),
        error=["weights of layer 'dense' are missing"], why="layer_names lists a layer without a group")
    add("missing_dataset.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights())],
                                        extra=lambda f: f["model_weights/dense/dense"].__delitem__("bias:0")),
        error=["HDF5 dataset", "bias:0", "is missing"], why="weight_names lists a dataset that is not there")
    add("weights_for_unknown_layer.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights()),
                                                                ("ghost", dense_weights(name="ghost"))]),
        error=["weights for layer 'ghost', which the model does not have"], why="weights of a layer the config lacks")
    add("wrong_weight_shape.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", [("dense/kernel:0", values([5, 3])),
                                                                                     ("dense/bias:0", values([3]))])]),
        error=["layer dense (Dense)", "'kernel' must have shape (4, 3)", "(5, 3)"], why="kernel of the wrong shape")
    add("extra_weight.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights() + [("dense/extra:0", values([3]))])]),
        error=["layer dense (Dense)", "3 weight(s)", "uses 2"], why="a weight the layer does not use")
    add("weight_dtype_string.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", [("dense/kernel:0", np.array([[b"ab"] * 3] * 4)),
                                                                                      ("dense/bias:0", values([3]))])]),
        error=["kernel:0", "does not hold numbers"], why="a kernel of strings")
    add("weight_dtype_complex.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", [("dense/kernel:0", np.ones((4, 3), np.complex64)),
                                                                                       ("dense/bias:0", values([3]))])]),
        error=["kernel:0", "does not hold numbers"], why="a complex kernel (an HDF5 compound type)")
    add("weight_dtype_float64.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", [("dense/kernel:0", values([4, 3]).astype(np.float64)),
                                                                                       ("dense/bias:0", values([3]).astype(np.float16))])]),
        ok=True, predict={"shape": [1, 4], "fill": 1}, outputs="finite",
        why="float64 and float16 weights are read as float32 (as Keras casts them)")

    def bfloat16(a):  # float32 -> the bytes of an ml_dtypes bfloat16 array (h5py: 2-byte opaque)
        return (np.asarray(a, "<f4").view("<u4") >> 16).astype("<u2").view("V2")
    add("weight_bfloat16.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", [("dense/kernel:0", bfloat16(values([4, 3]))),
                                                                                  ("dense/bias:0", bfloat16(values([3])))])]),
        ok=True, predict={"shape": [1, 4], "fill": 1}, outputs="finite",
        why="bfloat16 weights as Keras 3's legacy .h5 writer leaves them: 2-byte opaque values without a marker")
    add("weight_opaque_4byte.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", [("dense/kernel:0", np.zeros((4, 3), "V4")),
                                                                                      ("dense/bias:0", values([3]))])]),
        error=["kernel:0", "4-byte opaque values"], why="opaque data that cannot be bfloat16")

    def marked_weights(marker):
        def write(f):
            v = group(group(group(f, "layers"), "dense"), "vars")
            dataset(v, "0", bfloat16(values([4, 3]))).attrs["dtype"] = marker
            dataset(v, "1", values([3]))
        return h5_bytes(write)
    add("weight_opaque_marked_float8.keras", keras_archive(K3_DENSE, marked_weights("float8_e4m3fn")),
        error=["layers/dense/vars/0", "marked dtype 'float8_e4m3fn'"],
        why="2-byte opaque data marked with a dtype other than bfloat16")
    add("weight_opaque_marked_bfloat16.keras", keras_archive(K3_DENSE, marked_weights("bfloat16")), ok=True,
        predict={"shape": [1, 4], "fill": 1}, outputs="finite",
        why="a bfloat16 kernel as Keras 3's .weights.h5 marks it (dtype attribute)")
    quantized = copy.deepcopy(K3_DENSE)
    quantized["config"]["layers"][1]["config"]["dtype"] = {
        "module": "keras", "class_name": "QuantizedDTypePolicy", "config": {"mode": "int8", "source_name": "float32"},
        "registered_name": None}
    add("quantized_policy.keras", keras_archive(quantized, K3_DENSE_WEIGHTS),
        error=["layer dense", "QuantizedDTypePolicy", "quantizes the layer's weights"],
        why="a Keras 3 int8-quantized layer (integer kernel and scales, which kerasrt does not read)")

    def nan_weights(fill):
        kernel = values([4, 3])
        kernel[1, 2] = fill
        return legacy_h5(seq_dense(), [("input_1", []), ("dense", [("dense/kernel:0", kernel), ("dense/bias:0", values([3]))])])
    add("nan_weight.h5", nan_weights(np.nan), ok=True, predict={"shape": [1, 4], "fill": 1}, outputs="some_nan",
        why="NaN in a weight: loads (as in Keras); the output that uses it is NaN")
    add_files({}, file="nan_weight.h5", options={"reject_non_finite_weights": True},
              error=["kernel:0", "holds NaN at flat index 5", "reject_non_finite_weights"],
              why="the same file refused when LoadOptions::reject_non_finite_weights is set")
    add("inf_weight.h5", nan_weights(np.inf), ok=True, predict={"shape": [1, 4], "fill": 1}, outputs="some_inf",
        why="Inf in a weight: loads (as in Keras); propagates")
    add_files({}, file="inf_weight.h5", options={"reject_non_finite_weights": True},
              error=["kernel:0", "holds Inf", "reject_non_finite_weights"], why="refused on request")
    add_files({}, file="ok_dense.h5", predict={"shape": [1, 4], "fill": "nan"}, ok=True, outputs="nan",
              why="NaN inputs are not an error: they propagate")

    def no_data(f):
        del f["model_weights/dense/dense/kernel:0"]
        f["model_weights/dense/dense"].create_dataset("kernel:0", (4, 3), dtype="f4", track_times=False)
    add("weight_without_data.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights())], extra=no_data),
        error=["kernel:0", "holds no data"], why="a dataset created but never written (would read as fill values)")

    # --- HDF5 features that reach outside the file
    def external_link(f):
        del f["model_weights/dense"]
        f["model_weights/dense"] = h5py.ExternalLink("/etc/passwd", "/dense")
    add("external_link.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights())], extra=external_link),
        error=["'/model_weights/dense' is an external link", "reads only the given file"],
        why="an HDF5 external link to another file")
    def soft_link(f):
        f["model_weights/dense/dense/alias"] = h5py.SoftLink("/model_weights/dense/dense/kernel:0")
        f["model_weights/dense"].attrs["weight_names"] = np.array([b"dense/alias", b"dense/bias:0"])
    add("soft_link.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights())], extra=soft_link),
        error=["is a soft link"], why="an HDF5 soft link among the weights")
    def external_storage(f):
        del f["model_weights/dense/dense/kernel:0"]
        f["model_weights/dense/dense"].create_dataset("kernel:0", (4, 3), dtype="f4", external=[("/etc/hostname", 0, 48)],
                                                      track_times=False)
    add("external_storage.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights())], extra=external_storage),
        error=["kernel:0", "keeps its data outside the file"], why="raw data in an external file (/etc/hostname)")
    def virtual_dataset(f):
        del f["model_weights/dense/dense/kernel:0"]
        space = h5py.h5s.create_simple((4, 3))
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_obj_track_times(False)
        dcpl.set_virtual(space, b"/etc/other.h5", b"data", h5py.h5s.create_simple((4, 3)))
        h5py.h5d.create(f["model_weights/dense/dense"].id, b"kernel:0", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
    add("virtual_dataset.h5", legacy_h5(seq_dense(), [("input_1", []), ("dense", dense_weights())], extra=virtual_dataset),
        error=["kernel:0", "keeps its data outside the file"], why="a virtual dataset mapping another file")

    # --- code in the model file
    lam = seq_dense(extra_layers=[{"class_name": "Lambda", "config": {"name": "lambda", "function": ["4wEAAAAAAAAA", None, None],
                                                                      "function_type": "lambda"}}])
    add("lambda_layer.h5", legacy_h5(lam, [("input_1", []), ("dense", dense_weights()), ("lambda", [])]),
        error=["'lambda' (Lambda)", "never runs code"], why="a Lambda layer (marshalled Python bytecode)")
    custom = k3_sequential(K3_DENSE["config"]["layers"] + [
        {"module": "my_package.layers", "class_name": "MyLayer", "registered_name": "my_package>MyLayer",
         "config": {"name": "mine"}, "name": "mine"}])
    add("custom_object.keras", keras_archive(custom, K3_DENSE_WEIGHTS),
        error=["'mine'", "my_package>MyLayer", "never runs code"], why="a Keras 3 custom object (registered user class)")
    k2_custom = seq_dense(extra_layers=[{"class_name": "AttentionWithContext", "config": {"name": "att"}}])
    add("custom_layer_keras2.h5", legacy_h5(k2_custom, [("input_1", []), ("dense", dense_weights()), ("att", [])]),
        error=["'att' (AttentionWithContext)", "not supported"], why="a Keras 2 custom layer (unknown class name)")
    wrapped = seq_dense(extra_layers=[{"class_name": "TimeDistributed", "config": {"name": "td", "layer": {
        "class_name": "Lambda", "config": {"name": "inner", "function": ["4wEAAAAAAAAA", None, None]}}}}])
    add("lambda_in_wrapper.h5", legacy_h5(wrapped, [("input_1", []), ("dense", dense_weights()), ("td", [])]),
        error=["'td' (TimeDistributed)", "wraps an unsupported layer", "never runs code"], why="a Lambda inside TimeDistributed")
    custom_model = dict(K3_DENSE, module="my_package", registered_name="my_package>MyModel")
    add("custom_model_class.keras", keras_archive(custom_model, K3_DENSE_WEIGHTS),
        error=["custom class 'my_package>MyModel'"], why="the model itself is a registered user class")
    string_input = functional([f_input(dtype="string"), relu("a", "in")], [["in", 0, 0]], [["a", 0, 0]])
    add("string_input.h5", no_weights_h5(string_input), error=["layer a (Activation)", "does not take strings"],
        why="a string input fed to a layer that computes on numbers")

    # --- zip archives
    add("zip_slip_extra_entry.keras", keras_archive(K3_DENSE, K3_DENSE_WEIGHTS, [("../../evil.txt", "x"), ("/etc/evil", "y")]),
        ok=True, why="entries with ../ and absolute paths: kerasrt reads only config.json, metadata.json, "
                     "model.weights.h5 and assets/<layer path>/ files and never writes files, so they are ignored")
    add("zip_slip_config.keras", zip_bytes([("../config.json", json.dumps(K3_DENSE)), ("model.weights.h5", K3_DENSE_WEIGHTS)]),
        error=["has no config.json"], why="the config only under ../config.json")
    bomb = zip_bytes([("metadata.json", "{}"), ("config.json", json.dumps(K3_DENSE)),
                      ("model.weights.h5", bytes(32 << 20))], compress=zipfile.ZIP_DEFLATED)
    add("zip_bomb.keras", bomb, options={"max_zip_expanded_bytes": 16 << 20},
        error=["archive entry 'model.weights.h5' (expanded, with the", "is 3355", "Limits::max_zip_expanded_bytes = 16777216"],
        why="32 MiB of zeros deflated to ~32 KiB, refused before expanding")
    add_files({}, file="zip_bomb.keras", error=["cannot open as HDF5"],
              why="the same bomb under default limits: expanded (32 MiB), then refused as not HDF5")
    lying = patch_zip_sizes(keras_ok, "model.weights.h5", 0xF0000000)
    add("zip_declared_size_huge.keras", lying, options={"max_zip_expanded_bytes": 1 << 30},
        error=["model.weights.h5", "is 402653", "Limits::max_zip_expanded_bytes = 1073741824"],
        why="an entry claiming 3.75 GiB: refused from the header, nothing allocated")
    add_files({}, file="zip_declared_size_huge.keras", error=["model.weights.h5", "corrupt"],
              why="the same under default limits: memory grows only as real bytes arrive; the size mismatch is caught")
    short = patch_zip_sizes(keras_ok, "config.json", 10)
    add("zip_declared_size_small.keras", short, error=["config.json", "corrupt"],
        why="an entry claiming fewer bytes than it holds")
    many = zip_bytes([("config.json", json.dumps(K3_DENSE)), ("model.weights.h5", K3_DENSE_WEIGHTS)] +
                     [(f"assets/{i}", "") for i in range(200)])
    add("zip_many_entries.keras", many, options={"max_zip_entries": 100},
        error=["entries in the zip archive is 202", "Limits::max_zip_entries = 100"], why="more entries than allowed")
    enc = bytearray(keras_ok)
    # flag bit 0 (encrypted) on every entry
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = 0
        while (at := enc.find(sig, at)) >= 0:
            struct.pack_into("<H", enc, at + off, struct.unpack_from("<H", enc, at + off)[0] | 1)
            at += 4
    add("zip_encrypted.keras", bytes(enc), error=["config.json"], why="entries flagged as encrypted")

    # --- JSON and nesting limits
    deep = "[" * 5000 + "]" * 5000
    add("deep_json.keras", zip_bytes([("config.json", deep), ("model.weights.h5", K3_DENSE_WEIGHTS)]),
        error=["config.json nests deeper than the limit Limits::max_json_depth = 256"], why="5000 nested JSON lists")
    add_files({}, file="ok_dense.keras", options={"max_json_bytes": 100},
              error=["archive entry 'config.json' (expanded) is", "Limits::max_json_bytes = 100"], why="a config over max_json_bytes")

    def nested(levels):
        model = functional([f_input("in0"), relu("a0", "in0")], [["in0", 0, 0]], [["a0", 0, 0]], name="m0")
        for level in range(1, levels):
            inner = dict(model, name=f"m{level - 1}")
            inner["config"] = dict(model["config"], name=f"m{level - 1}")
            inner["inbound_nodes"] = [[[f"in{level}", 0, 0, {}]]]
            model = functional([f_input(f"in{level}"), inner], [[f"in{level}", 0, 0]], [[f"m{level - 1}", 1, 0]],
                               name=f"m{level}")
        return model
    add("deep_nested_models.h5", no_weights_h5(nested(40)), error=["Limits::max_nesting_depth = 32"],
        why="models nested 40 deep")

    def doubling(levels):
        model = functional([f_input("x"), relu("r", "x")], [["x", 0, 0]], [["r", 0, 0]], name="m0")
        for level in range(1, levels):
            inner = dict(model, name=f"m{level - 1}")
            inner["config"] = dict(model["config"], name=f"m{level - 1}")
            inner["inbound_nodes"] = [[["x", 0, 0, {}]], [[f"m{level - 1}", 1, 0, {}]]]
            model = functional([f_input("x"), inner], [["x", 0, 0]], [[f"m{level - 1}", 2, 0]], name=f"m{level}")
        return model
    add("exponential_graph.h5", no_weights_h5(doubling(25)),
        error=["number of layer calls (nested models inlined)", "Limits::max_graph_nodes = 10000"],
        why="each level calls the level below twice: 2^24 layer calls from a few KB")
    add_files({}, file="ok_dense.h5", options={"max_file_bytes": 1000},
              error=["the file is", "Limits::max_file_bytes = 1000"], why="a file over max_file_bytes")
    add_files({}, file="ok_dense.h5", options={"max_total_parameters": 10},
              error=["weight values read from the file", "Limits::max_total_parameters = 10"],
              why="more weight values than max_total_parameters")
    add_files({}, file="ok_dense.h5", options={"max_string_bytes": 100},
              error=["HDF5 attribute 'model_config'", "Limits::max_string_bytes = 100"], why="a string attribute over the limit")
    long_name = seq_dense(name="d" * 5000)
    add("long_layer_name.h5", legacy_h5(long_name, [("input_1", []), ("d" * 5000, dense_weights(name="d" * 5000))]),
        error=["Limits::max_name_bytes = 4096"], why="a 5000-byte layer name")
    add_files({}, file="ok_dense.h5", options={"max_workspace_bytes": 64}, predict={"shape": [64, 4], "fill": 1},
              error=["memory this call needs", "Limits::max_workspace_bytes"], why="a predict call over max_workspace_bytes")
    add_files({}, file="ok_dense.h5", predict={"shape": [2, 5], "fill": 1},
              error=["input 'input_1' must have shape (None, 4), got (2, 5)"], why="predict with the wrong input shape")

    # --- .npy inputs
    good = npy_bytes(np.arange(6, dtype=np.float32).reshape(2, 3))
    add_files({"ok.npy": good}, npy="ok.npy", ok=True, why="control")
    add_files({"npy_bad_magic.npy": b"\x93NUMPX" + good[6:]}, npy="npy_bad_magic.npy", error=["bad magic"], why="wrong magic")
    add_files({"npy_truncated_header.npy": good[:20]}, npy="npy_truncated_header.npy", error=["truncated .npy header"],
              why="header cut short")
    add_files({"npy_truncated_data.npy": good[:-4]}, npy="npy_truncated_data.npy", error=[".npy data is truncated"],
              why="one value missing")

    def npy_header(header):
        header = header + " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
    add_files({"npy_zero_width.npy": npy_header("{'descr': '<f0', 'fortran_order': False, 'shape': (3,), }") + bytes(16)},
              npy="npy_zero_width.npy", error=["dtype '<f0' is not supported"], why="a zero-byte dtype")
    add_files({"npy_huge_shape.npy": npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000,), }")},
              npy="npy_huge_shape.npy", error=["is too large"], why="10^15 elements declared, none present")
    add_files({"npy_overflow_shape.npy": npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }")},
              npy="npy_overflow_shape.npy", error=["exceeds the limit"], why="dimensions whose product overflows")
    add_files({"npy_object.npy": npy_header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }") + bytes(8)},
              npy="npy_object.npy", error=["is not supported"], why="a pickled object array")


def found_by_fuzzing():
    """Inputs the libFuzzer targets found (fuzz/run.sh), committed as found; only their manifest
    entries are written here. hdf5_bug_* crash the HDF5 library itself (1.10.8): they are
    checked through `kerasrt validate` (a child process) only, never loaded in-process."""
    add_files({"empty_weights.h5": h5_bytes(lambda f: f.attrs.__setitem__("layer_names", np.zeros(0, dtype="S1")))},
              file="fuzz_merge_one_input_empty_batch.json", weights="empty_weights.h5", predict={"shape": [0, 5], "fill": 0},
              ok=True, why="fuzz_config: Add with one input on an empty batch passed a null pointer to memcpy (UBSan); "
                           "fixed in the runtime: empty inputs always get a valid pointer")
    ENTRIES.append(dict(file="fuzz_global_heap_overread.h5", error=["HDF5 global heap at byte 2048", "does not fit its collection"],
                        why="fuzz_h5: a global heap object larger than its collection made HDF5's H5HG_read copy past the "
                            "heap buffer (ASan memcpy-param-overlap); refused by kerasrt's heap check before HDF5 reads it",
                        _data={}))
    ENTRIES.append(dict(file="fuzz_global_heap_loop.h5", error=["HDF5 global heap at byte 2048", "object 0 of 0 bytes"],
                        why="fuzz_detect: a zero-sized free-space entry made HDF5's global heap loader loop forever "
                            "(libFuzzer timeout); refused by kerasrt's heap check", _data={}))
    ENTRIES.append(dict(file="hdf5_bug_global_heap_segv.h5", validate=["crashed", "invalid"],
                        why="fuzz_h5: SEGV inside HDF5's H5HG_read (a string descriptor naming a heap object that does "
                            "not exist); an HDF5 bug kerasrt cannot catch in-process: kerasrt validate reports it",
                        _data={}))
    ENTRIES.append(dict(file="hdf5_bug_attribute_use_after_free.h5", validate=["crashed", "invalid"],
                        why="fuzz_detect: heap-use-after-free inside HDF5's attribute iteration (H5O__attr_exists) on a "
                            "corrupt object header; an HDF5 bug: kerasrt validate reports it", _data={}))


def write(out_dir):
    ENTRIES.clear()
    build()
    found_by_fuzzing()
    manifest = []
    written = {}
    for entry in ENTRIES:
        for name, data in entry.pop("_data").items():
            if isinstance(data, str):
                data = data.encode()
            assert written.get(name, data) == data, name
            written[name] = data
        manifest.append(entry)
    for name, data in written.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return sorted(written) + ["manifest.json"]


def main():
    if "--check" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            names = write(tmp)
            bad = [n for n in names if not os.path.exists(os.path.join(HERE, n)) or
                   open(os.path.join(HERE, n), "rb").read() != open(os.path.join(tmp, n), "rb").read()]
            if bad:
                sys.exit("tests/bad differs from a fresh generation: " + ", ".join(bad))
            print(f"tests/bad: {len(names)} files match a fresh generation")
        return
    names = write(HERE)
    total = sum(os.path.getsize(os.path.join(HERE, n)) for n in names)
    print(f"wrote {len(names)} files ({total} bytes) to {HERE}")


if __name__ == "__main__":
    main()
