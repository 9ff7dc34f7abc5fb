"""Writers for Keras on-disk layouts, with h5py as Keras itself uses it.

Legacy HDF5 (`model.save("m.h5")`, `model.save_weights("w.h5")`) follows
tf_keras/saving/legacy/hdf5_format.py and keras/src/legacy/saving/
legacy_h5_format.py; `.keras` / `.weights.h5` follow
keras/src/saving/saving_lib.py. Attribute types are the ones those calls
produce with h5py 3 (str -> variable-length UTF-8, bytes -> variable-length
ASCII, list of bytes -> variable-length ASCII array); tf.keras versions of
the h5py 2 era ("2.2.4-tf", "2.4.0") stored lists of bytes as fixed-length
byte strings, which is reproduced for those versions.

No timestamps: every object is created with track_times off, so the files
only change when their content changes.
"""

import io
import json
import zipfile

import h5py
import numpy as np

from keras_config import CellNamer, k2_weight_names, kver, legacy_layer_weights, stored, variable_dtype
from keras3_config import k3_legacy_weight_names, k3_weight_tree

HDF5_OBJECT_HEADER_LIMIT = 64512
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


# ----------------------------------------------------------------- h5 helpers

def _new_file(target):
    """h5py file without object timestamps; target: path or BytesIO."""
    return h5py.File(target, "w")


def _gcpl():
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return gcpl


def create_group(parent, path):
    """Create (intermediate) groups without timestamps."""
    g = parent
    for part in path.strip("/").split("/"):
        if part in g:
            g = g[part]
            continue
        gid = h5py.h5g.create(g.id, part.encode("utf8"), gcpl=_gcpl())
        g = h5py.Group(gid)
    return g


def create_dataset(parent, path, value):
    value = np.asarray(value)
    head, _, leaf = path.rpartition("/")
    g = create_group(parent, head) if head else parent
    ds = g.create_dataset(leaf, value.shape, dtype=value.dtype, track_times=False)
    if value.shape:
        ds[:] = value
    else:
        ds[()] = value
    return ds


def save_attributes(group, name, data, fixed_length):
    """hdf5_format.save_attributes_to_hdf5_group (chunks over the limit)."""
    # h5py 2 stored a list of bytes as fixed-length strings (dtype S<n>),
    # h5py 3 as variable-length ones; an empty list is a float64 array
    arr = np.asarray(data) if fixed_length and len(data) else None
    data_npy = np.asarray(data)
    num_chunks = 1
    chunked = np.array_split(data_npy, num_chunks)
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunked):
        num_chunks += 1
        chunked = np.array_split(data_npy, num_chunks)
    if num_chunks > 1:
        for i, chunk in enumerate(chunked):
            group.attrs[f"{name}{i}"] = chunk if fixed_length else [bytes(x) for x in chunk]
    else:
        group.attrs[name] = arr if arr is not None else data


# ----------------------------------------------------------------- legacy h5

class LegacyFlavour:
    """What differs between writers of the legacy format."""

    def __init__(self, keras_version):
        self.keras_version = keras_version
        v = kver(keras_version)
        self.keras3 = v[0] >= 3
        self.fixed_length = v < (2, 5, 0)  # h5py 2.x era
        self.top_level_group = v >= (2, 6, 0)

    def weight_names(self, layer, cells):
        if self.keras3:
            return k3_legacy_weight_names(layer)
        return k2_weight_names(layer, self.keras_version, cells)


def save_weights_to_group(f, model, flavour):
    """save_weights_to_hdf5_group(f, model)."""
    layers = model.layers
    save_attributes(f, "layer_names", [layer.name.encode("utf8") for layer in layers], flavour.fixed_length)
    f.attrs["backend"] = "tensorflow".encode("utf8")
    f.attrs["keras_version"] = str(flavour.keras_version).encode("utf8")
    cells = CellNamer()
    names_of = {layer.name: flavour.weight_names(layer, cells) for layer in layers}  # build order
    for layer in sorted(layers, key=lambda x: x.name):
        g = create_group(f, layer.name)
        entries = legacy_layer_weights(layer)
        names = names_of[layer.name]
        save_attributes(g, "weight_names", [n.encode("utf8") for n in names], flavour.fixed_length)
        for name, (owner, _, value) in zip(names, entries):
            # legacy save_weights_to_hdf5_group: create_dataset(name, val.shape, dtype=val.dtype),
            # so 16-bit variables keep their dtype (bfloat16 without a marker: opaque 2 bytes)
            create_dataset(g, name, stored(value, variable_dtype(owner, flavour.keras3)))
    if flavour.top_level_group:
        g = create_group(f, "top_level_model_weights")
        save_attributes(g, "weight_names", [], flavour.fixed_length)


def trainable_entries(model):
    out = []
    for layer in model.layers:
        for owner, var, arr in legacy_layer_weights(layer):
            if owner.trainable and var not in ("moving_mean", "moving_variance"):
                out.append((owner, var, arr))
    return out


def write_legacy_h5(path, model, model_config, flavour, training_config=None, optimizer=None):
    """`model.save("m.h5")`: root attrs, model_weights, optimizer_weights."""
    with _new_file(path) as f:
        f.attrs["keras_version"] = str(flavour.keras_version)
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode("utf8")
        g = create_group(f, "model_weights")
        save_weights_to_group(g, model, flavour)
        if optimizer is not None:
            names, values = optimizer
            og = create_group(f, "optimizer_weights")
            save_attributes(og, "weight_names", [n.encode("utf8") for n in names], flavour.fixed_length)
            for n, v in zip(names, values):
                create_dataset(og, n, v)


def write_legacy_weights(path, model, flavour):
    """`model.save_weights("w.h5")` (legacy h5: layer_names at the root)."""
    with _new_file(path) as f:
        save_weights_to_group(f, model, flavour)


def k2_optimizer_state(model):
    """tf.keras 2.x Adam slots as `optimizer_weights` (loaders ignore them)."""
    names, values = ["Adam/iter:0"], [np.array(12, dtype=np.int64)]
    cells = CellNamer()
    flat = []
    for layer in model.layers:
        k2 = k2_weight_names(layer, "2.15.0", cells)
        for (owner, var, arr), n in zip(legacy_layer_weights(layer), k2):
            if owner.trainable and var not in ("moving_mean", "moving_variance"):
                flat.append((n, arr))
    for slot in ("m", "v"):
        for n, arr in flat:
            names.append("Adam/" + n.replace(":0", f"/{slot}:0"))
            values.append(np.full(arr.shape, 1e-3 if slot == "m" else 1e-6, dtype=np.float32))
    return names, values


# ----------------------------------------------------------------- Keras 3 weights

def write_k3_weights(target, model, with_names, optimizer=False):
    """saving_lib H5IOStore layout (target: path or BytesIO)."""
    with _new_file(target) as f:
        for group_path, name, arrays in k3_weight_tree(model):
            g = create_group(f, group_path)
            if with_names:
                g.attrs["name"] = name
            for i, a in enumerate(arrays):
                ds = create_dataset(g, str(i), a if a.dtype in (np.float16, np.dtype("V2")) else a.astype(np.float32))
                if a.dtype == np.dtype("V2"):
                    ds.attrs["dtype"] = "bfloat16"  # H5Entry.__setitem__ marks bfloat16 variables
        if optimizer:
            g = create_group(f, "optimizer/vars")
            if with_names:
                g.attrs["name"] = "adam"
            create_dataset(g, "0", np.array(12, dtype=np.int64))
            create_dataset(g, "1", np.array(0.001, dtype=np.float32))
            i = 2
            for _, _, arr in trainable_entries(model):
                for slot in (1e-3, 1e-6):
                    create_dataset(g, str(i), np.full(arr.shape, slot, dtype=np.float32))
                    i += 1


def write_keras_archive(path, config, keras_version, model, with_names, optimizer, extra=(), weights=None):
    """`extra`: further (name, bytes) entries, e.g. assets/<layer path>/vocabulary.txt; `weights`:
    the model.weights.h5 bytes when they are not write_k3_weights' (variables Keras names)."""
    if weights is None:
        buf = io.BytesIO()
        write_k3_weights(buf, model, with_names, optimizer)
        weights = buf.getvalue()
    metadata = {"keras_version": keras_version, "date_saved": "2024-01-01@00:00:00"}
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in (("metadata.json", json.dumps(metadata).encode()),
                           ("config.json", json.dumps(config).encode()),
                           ("model.weights.h5", weights)) + tuple(extra):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
