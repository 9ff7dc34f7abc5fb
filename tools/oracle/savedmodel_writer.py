"""Writer for tf.keras SavedModel directories (`model.save("dir")`, TensorFlow 2.x), without
TensorFlow. It follows the TensorFlow and tf-keras sources field by field:

  variables/variables.index   tensorflow/core/util/tensor_bundle/tensor_bundle.cc (BundleWriter::
                              Finish): a table (tensorflow/core/lib/io/table_builder.cc, block_
                              builder.cc, format.cc; LevelDB's format) mapping "" to a
                              BundleHeaderProto and every checkpoint key, in sorted order, to a
                              BundleEntryProto; no compression, restart interval 16, block size
                              256 KiB, masked crc32c block trailers, footer with magic
                              0xdb4775248b80fb57.
  variables/variables.data-00000-of-00001
                              the tensors, little-endian, back to back (data_alignment 1); string
                              tensors as WriteStringTensor: varint64 lengths, the masked crc32c of
                              the lengths (as uint32), the bytes.
  _CHECKPOINTABLE_OBJECT_GRAPH a TrackableObjectGraph (trackable_object_graph.proto) of the model:
                              node ids in breadth-first order from the root, checkpoint keys from
                              the first (breadth-first) path to each variable, as
                              tensorflow/python/checkpoint/graph_view / save_util_v1 do.
  keras_metadata.pb           tf_keras/protobuf/saved_metadata.proto: one SavedObject per Keras
                              layer, node_path "root.<path>" (the breadth-first path), identifier
                              and the JSON metadata of tf_keras/saving/legacy/saved_model/
                              layer_serialization.py / model_serialization.py.
  saved_model.pb              a small but valid SavedModel proto (schema version 1, one
                              MetaGraphDef tagged "serve" with the SavedObjectGraph's structure);
                              no functions, which kerasrt does not read.

Children of a layer come as in TF's checkpoint graph for tf.keras layers: the layer's own
dependencies in tracking order (kernel, bias, ... / cell / forward_layer / layer_with_weights-N,
layer-N for models), then the SavedModel extras (variables, trainable_variables,
regularization_losses, keras_api).

Protobufs are encoded by hand here (varints and length-delimited fields) to keep the writer
free of generated code.
"""

import collections
import json
import os
import struct

import numpy as np

from keras_config import (MODEL_CLASSES, CellNamer, k2_dtype, k2_model_config, k2_weight_names, legacy_layer_weights,
                          stored, variable_dtype)

TABLE_MAGIC = 0xdb4775248b80fb57
BLOCK_SIZE = 262144
RESTART_INTERVAL = 16
DT_FLOAT, DT_STRING, DT_BFLOAT16, DT_HALF = 1, 7, 14, 19
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


# ----------------------------------------------------------------- crc32c

def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC = _crc_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _CRC[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask(crc):
    return (((crc >> 15) | (crc << 17)) + 0xa282ead8) & 0xFFFFFFFF


# ----------------------------------------------------------------- protobuf

def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(field, value):
    return varint(field << 3) + varint(value) if value else b""


def f_bytes(field, data, keep_empty=False):
    if isinstance(data, str):
        data = data.encode("utf8")
    if not data and not keep_empty:
        return b""
    return varint((field << 3) | 2) + varint(len(data)) + data


def f_fixed32(field, value):
    return varint((field << 3) | 5) + struct.pack("<I", value)


def tensor_shape(shape):
    return b"".join(f_bytes(2, f_varint(1, d), keep_empty=True) for d in shape)


def version_def(producer, min_consumer):
    return f_varint(1, producer) + f_varint(2, min_consumer)


# ----------------------------------------------------------------- table (SSTable)

def _shared_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


class BlockBuilder:
    """table/block_builder.cc: prefix-compressed entries with a restart point every
    `interval` entries, then the restart offsets and their count (fixed32)."""

    def __init__(self, interval):
        self.interval = interval
        self.reset()

    def reset(self):
        self.buf = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b""

    def add(self, key, value):
        shared = 0
        if self.counter < self.interval:
            shared = _shared_prefix(self.last_key, key)
        else:
            self.restarts.append(len(self.buf))
            self.counter = 0
        self.buf += varint(shared) + varint(len(key) - shared) + varint(len(value))
        self.buf += key[shared:] + value
        self.last_key = key
        self.counter += 1

    def size_estimate(self):
        return len(self.buf) + 4 * len(self.restarts) + 4

    def finish(self):
        return bytes(self.buf) + b"".join(struct.pack("<I", r) for r in self.restarts) + \
            struct.pack("<I", len(self.restarts))

    def empty(self):
        return not self.buf


def _shortest_separator(start, limit):
    """BytewiseComparator::FindShortestSeparator."""
    n = _shared_prefix(start, limit)
    if n >= min(len(start), len(limit)):
        return start
    b = start[n]
    if b < 0xFF and b + 1 < limit[n]:
        return start[:n] + bytes([b + 1])
    return start


def _short_successor(key):
    """BytewiseComparator::FindShortSuccessor."""
    for i, b in enumerate(key):
        if b != 0xFF:
            return key[:i] + bytes([b + 1])
    return key


def write_table(path, items):
    """table_builder.cc with kNoCompression; `items`: sorted [(bytes key, bytes value)]."""
    out = bytearray()
    data = BlockBuilder(RESTART_INTERVAL)
    index = BlockBuilder(1)
    pending = None  # handle of the last data block, waiting for its index key

    def write_block(contents):
        offset = len(out)
        out.extend(contents)
        trailer_type = b"\x00"  # kNoCompression
        out.extend(trailer_type + struct.pack("<I", mask(crc32c(trailer_type, crc32c(contents)))))
        return varint(offset) + varint(len(contents))

    last_key = b""
    for key, value in items:
        if pending is not None:
            index.add(_shortest_separator(last_key, key), pending)
            pending = None
        data.add(key, value)
        last_key = key
        if data.size_estimate() >= BLOCK_SIZE:
            pending = write_block(data.finish())
            data.reset()
    if not data.empty():
        pending = write_block(data.finish())
    metaindex = write_block(BlockBuilder(RESTART_INTERVAL).finish())
    if pending is not None:
        index.add(_short_successor(last_key), pending)
    index_handle = write_block(index.finish())
    footer = metaindex + index_handle
    footer += b"\x00" * (40 - len(footer))
    footer += struct.pack("<II", TABLE_MAGIC & 0xFFFFFFFF, TABLE_MAGIC >> 32)
    out.extend(footer)
    with open(path, "wb") as f:
        f.write(bytes(out))


# ----------------------------------------------------------------- object graph

class Node:
    def __init__(self, kind, payload=None):
        self.kind = kind  # "layer", "variable", "list", "dict", "api"
        self.payload = payload  # variable: (full_name, array); layer: (Layer, identifier, meta)
        self.children = []  # [(local name, Node)]


def _list(items):
    node = Node("list")
    node.children = [(str(i), x) for i, x in enumerate(items)]
    return node


_RNN = {"LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"}
_MHA_SUB = {"query": "_query_dense", "key": "_key_dense", "value": "_value_dense",
            "attention_output": "_output_dense"}


class GraphBuilder:
    def __init__(self, version, save_traces=True, extras_first=False):
        self.version = version
        self.extras_first = extras_first  # tf-keras Layer._trackable_children puts them first
        self.save_traces = save_traces  # model.save(..., save_traces=False): no SavedModel extras
        self.var_nodes = {}  # id(array) -> Node, so shared layers share variables

    def variable(self, full_name, array):
        key = id(array)
        if key not in self.var_nodes:
            # 16-bit variables (keras_config.stored) keep their dtype in the checkpoint
            keep = array.dtype in (np.float16, np.dtype("V2"))
            self.var_nodes[key] = Node("variable", (full_name, array if keep else np.asarray(array, dtype="<f4")))
        return self.var_nodes[key]

    def _with_extras(self, node, variables, trainable, non_trainable, sublayers=()):
        """layer_serialization: the SavedModel children (save_impl.wrap_layer_objects);
        base_serialization.SavedModelSaver.trackable_children has none with save_traces=False."""
        node.variables, node.trainable_variables = list(variables), list(trainable)
        if not self.save_traces:
            return node
        var_list, train_list, non_train_list = _list(variables), _list(trainable), _list(non_trainable)
        reg = _list([])
        api = Node("api")
        api.children = [("non_trainable_variables", non_train_list), ("layers", _list(list(sublayers))),
                        ("metrics", _list([])), ("layer_regularization_losses", _list([])),
                        ("layer_metrics", Node("dict")), ("variables", var_list),
                        ("trainable_variables", train_list), ("regularization_losses", reg)]
        extras = [("variables", var_list), ("trainable_variables", train_list),
                  ("regularization_losses", reg), ("keras_api", api)]
        node.children = extras + node.children if self.extras_first else node.children + extras
        return node

    def sub_layer(self, name, class_name, cfg, entries, identifier="_tf_keras_layer"):
        """A layer object that is not in the model config (an RNN cell, a Bidirectional
        direction, a MultiHeadAttention projection): `entries` [(attr path, full name, array,
        trainable)]."""
        meta = {"name": name, "trainable": True, "expects_training_arg": False, "dtype": "float32",
                "batch_input_shape": None, "stateful": False, "must_restore_from_config": False,
                "preserve_input_structure_in_config": False, "autocast": True, "class_name": class_name,
                "config": cfg}
        return self._layer_node(meta, identifier, entries)

    def _layer_node(self, meta, identifier, entries):
        node = Node("layer", (identifier, meta))
        own, subs = [], collections.OrderedDict()
        for path, full, arr, trainable in entries:
            if len(path) == 1:
                own.append((path[0], self.variable(full, arr), trainable))
            else:
                subs.setdefault(path[0], []).append((path[1:], full, arr, trainable))
        for name, var, _ in own:
            node.children.append((name, var))
        sub_nodes = []
        for name, sub_entries in subs.items():
            sub = self._sub_for(meta, name, sub_entries)
            node.children.append((name, sub))
            sub_nodes.append(sub)
        variables = [self.variable(full, arr) for _, full, arr, _ in entries]
        trainable = [self.variable(full, arr) for _, full, arr, t in entries if t]
        non_trainable = [self.variable(full, arr) for _, full, arr, t in entries if not t]
        return self._with_extras(node, variables, trainable, non_trainable)

    def _sub_for(self, parent_meta, attr, entries):
        cfg = parent_meta.get("config") or {}
        cn = parent_meta["class_name"]
        if attr == "cell":
            cell = cfg.get("cell") or {"class_name": cn + "Cell", "config": {}}
            name = cell["config"].get("name", cn.lower() + "_cell")
            return self.sub_layer(name, cell["class_name"], cell["config"], entries)
        if attr in ("forward_layer", "backward_layer"):
            inner = cfg["layer"]
            prefix = "forward_" if attr == "forward_layer" else "backward_"
            return self.sub_layer(prefix + inner["config"]["name"], inner["class_name"], inner["config"],
                                  entries, "_tf_keras_rnn_layer")
        if attr in _MHA_SUB.values():
            name = [k for k, v in _MHA_SUB.items() if v == attr][0]
            return self.sub_layer(name, "EinsumDense", {"name": name}, entries)
        if attr == "layer":
            inner = cfg["layer"]
            return self.sub_layer(inner["config"]["name"], inner["class_name"], inner["config"], entries)
        raise ValueError(f"savedmodel_writer: no sub-object '{attr}' for {cn}")

    def layer(self, layer, entry_cfg):
        """A top-level (non-model) layer; entry_cfg: its {"class_name", "config"}."""
        cn = layer.class_name
        meta = {"name": layer.name, "trainable": layer.trainable, "expects_training_arg": False,
                "dtype": k2_dtype(layer.policy), "batch_input_shape": entry_cfg["config"].get("batch_input_shape"),
                "stateful": False, "must_restore_from_config": False,
                "preserve_input_structure_in_config": False, "autocast": True, "class_name": entry_cfg["class_name"],
                "config": entry_cfg["config"]}
        if cn == "InputLayer":
            return self._with_extras(Node("layer", ("_tf_keras_input_layer", meta)), [], [], [])
        names = k2_weight_names(layer, self.version, CellNamer())
        entries = []
        for (owner, var, arr), full in zip(legacy_layer_weights(layer), names):
            full = full[:-2] if full.endswith(":0") else full
            parts = full.split("/")[1:]
            trainable = owner.trainable and var not in ("moving_mean", "moving_variance")
            entries.append((self._attr_path(layer, parts), full, stored(arr, variable_dtype(owner, keras3=False)),
                            trainable))
        identifier = "_tf_keras_rnn_layer" if cn in _RNN or cn == "RNN" else "_tf_keras_layer"
        return self._layer_node(meta, identifier, entries)

    def _attr_path(self, layer, parts):
        cn = layer.class_name
        if len(parts) == 1:
            return parts
        if cn in _RNN and len(parts) == 2:
            return ["cell", parts[1]]
        if cn == "Bidirectional" and parts[0].startswith(("forward_", "backward_")):
            side = "forward_layer" if parts[0].startswith("forward_") else "backward_layer"
            return [side] + (["cell"] if len(parts) == 3 else []) + [parts[-1]]
        if cn == "MultiHeadAttention" and parts[0] in _MHA_SUB and len(parts) == 2:
            return [_MHA_SUB[parts[0]], parts[1]]
        raise ValueError(f"savedmodel_writer: cannot place weight {'/'.join(parts)} of {cn} '{layer.name}'")

    def model(self, model, cfg, root=False, trainable=True):
        """Functional._layer_checkpoint_dependencies: layer_with_weights-K for layers with weights
        and layer-I for every layer of model.layers (a Sequential's excludes its InputLayer)."""
        entries = cfg["config"]["layers"]
        if model.kind == "Sequential" and entries and entries[0]["class_name"] == "InputLayer":
            entries = entries[1:]
        by_name = {e["config"]["name"] if "name" in e["config"] else e.get("name"): e for e in entries}
        node = Node("layer", None)
        sublayers = []
        weights_k = 0
        for i, layer in enumerate(model.layers):
            e = by_name[layer.name]
            sub = self.model(layer.model, e, trainable=layer.trainable) if layer.is_model else self.layer(layer, e)
            sublayers.append(sub)
            if _has_variables(sub):
                node.children.append((f"layer_with_weights-{weights_k}", sub))
                weights_k += 1
            node.children.append((f"layer-{i}", sub))
        seen, variables = set(), []
        for sub in sublayers:  # Model.weights: layer by layer, deduplicated
            for v in _list_items(sub, "variables"):
                if id(v) not in seen:
                    seen.add(id(v))
                    variables.append(v)
        train_ids = {id(v) for sub in sublayers for v in _list_items(sub, "trainable_variables")}
        trainable_vars = [v for v in variables if id(v) in train_ids and trainable]
        non_trainable = [v for v in variables if not (id(v) in train_ids and trainable)]
        identifier = "_tf_keras_sequential" if model.kind == "Sequential" else "_tf_keras_network"
        if root and model.kind != "Sequential":
            identifier = "_tf_keras_network"
        meta = {"name": model.name, "trainable": trainable, "expects_training_arg": True, "dtype": k2_dtype(model.policy),
                "batch_input_shape": None, "must_restore_from_config": False,
                "preserve_input_structure_in_config": False, "autocast": False,
                "class_name": cfg["class_name"], "config": cfg["config"],
                "is_graph_network": True}
        node.payload = (identifier, meta)
        return self._with_extras(node, variables, trainable_vars, non_trainable, sublayers)


def _list_items(node, name):
    return list(getattr(node, name, []))


def _has_variables(node):
    return bool(_list_items(node, "variables"))


def _bfs(root):
    """Node ids and first paths, breadth first (trackable_view._descendants_with_paths)."""
    order, paths = [root], {id(root): ()}
    i = 0
    while i < len(order):
        node = order[i]
        i += 1
        for name, child in node.children:
            if id(child) not in paths:
                paths[id(child)] = paths[id(node)] + (name,)
                order.append(child)
    return order, paths


def _escape(name):
    """trackable/base.py _escape_local_name."""
    return name.replace(".", "..").replace("/", ".S")


def write_savedmodel(out_dir, model, k2cfg, version, save_traces=True, extras_first=False):
    """extras_first: the SavedModel children (variables, keras_api, ...) come before the layer's
    own dependencies, as tf-keras's Layer._trackable_children orders them (children.update());
    checkpoint keys then start "variables/N/" (the first breadth-first path). Without it, the
    order seen in TF 2.x files of the optimizer-v1 era: own dependencies first, keys like
    "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"."""
    os.makedirs(os.path.join(out_dir, "variables"), exist_ok=True)
    builder = GraphBuilder(version, save_traces, extras_first)
    root = builder.model(model, k2cfg, root=True, trainable=model.trainable)
    _, meta = root.payload
    meta.update({"keras_version": version, "backend": "tensorflow", "model_config": k2cfg})
    order, paths = _bfs(root)
    ids = {id(n): i for i, n in enumerate(order)}

    def key_of(node):
        return "/".join(_escape(p) for p in paths[id(node)]) + "/.ATTRIBUTES/VARIABLE_VALUE"

    # has_checkpoint_values: a variable, or any descendant is one
    has_values = {}
    for node in reversed(order):
        has_values[id(node)] = node.kind == "variable" or any(
            has_values.get(id(c), c.kind == "variable") for _, c in node.children)

    graph = b""
    for node in order:
        obj = b"".join(f_bytes(1, f_varint(1, ids[id(c)]) + f_bytes(2, n), keep_empty=True)
                       for n, c in node.children)
        if node.kind == "variable":
            obj += f_bytes(2, f_bytes(1, "VARIABLE_VALUE") + f_bytes(2, node.payload[0]) +
                           f_bytes(3, key_of(node)), keep_empty=True)
        obj += f_bytes(5, f_varint(1, 1) if has_values[id(node)] else b"", keep_empty=True)
        graph += f_bytes(1, obj, keep_empty=True)

    # data file: the variables (breadth-first order), then the object graph string
    data = bytearray()
    entries = {}
    for node in order:
        if node.kind != "variable":
            continue
        arr = node.payload[1]
        if arr.dtype == np.float16:
            dtype, raw = DT_HALF, np.ascontiguousarray(arr, dtype="<f2").tobytes()
        elif arr.dtype == np.dtype("V2"):  # bfloat16 bit patterns, little-endian
            dtype, raw = DT_BFLOAT16, np.ascontiguousarray(arr).tobytes()
        else:
            dtype, raw = DT_FLOAT, np.ascontiguousarray(arr, dtype="<f4").tobytes()
        entries[key_of(node).encode()] = (f_varint(1, dtype) + f_bytes(2, tensor_shape(arr.shape), keep_empty=True)
                                          + f_varint(4, len(data)) + f_varint(5, len(raw)) +
                                          f_fixed32(6, mask(crc32c(raw))))
        data += raw
    lengths = varint(len(graph))
    crc = crc32c(struct.pack("<I", len(graph)))
    length_checksum = mask(crc)
    crc = crc32c(struct.pack("<I", length_checksum), crc)
    crc = crc32c(graph, crc)
    blob = lengths + struct.pack("<I", length_checksum) + graph
    entries[OBJECT_GRAPH_KEY.encode()] = (f_varint(1, DT_STRING) + f_bytes(2, b"", keep_empty=True) +
                                          f_varint(4, len(data)) + f_varint(5, len(blob)) + f_fixed32(6, mask(crc)))
    data += blob
    header = f_varint(1, 1) + f_bytes(3, version_def(1, 0), keep_empty=True)  # num_shards, LITTLE, version
    items = [(b"", header)] + sorted(entries.items())
    write_table(os.path.join(out_dir, "variables", "variables.index"), items)
    with open(os.path.join(out_dir, "variables", "variables.data-00000-of-00001"), "wb") as f:
        f.write(bytes(data))

    # keras_metadata.pb: every Keras layer object
    saved = b""
    for node in order:
        if node.kind != "layer":
            continue
        identifier, m = node.payload
        path = ".".join(("root",) + paths[id(node)])
        obj = (f_varint(2, ids[id(node)]) + f_bytes(3, path) + f_bytes(4, identifier) +
               f_bytes(5, json.dumps(m)) + f_bytes(6, version_def(2, 1), keep_empty=True))
        saved += f_bytes(1, obj, keep_empty=True)
    with open(os.path.join(out_dir, "keras_metadata.pb"), "wb") as f:
        f.write(saved)

    # saved_model.pb: SavedModel{schema 1, MetaGraphDef{meta_info_def, object_graph_def}}
    object_graph = b""
    for node in order:
        obj = b"".join(f_bytes(1, f_varint(1, ids[id(c)]) + f_bytes(2, n), keep_empty=True)
                       for n, c in node.children)
        object_graph += f_bytes(1, obj, keep_empty=True)
    meta_info = f_bytes(4, "serve") + f_bytes(5, "2.15.0") + f_bytes(6, "v2.15.0-rc1-8-g6887368d6d4")
    meta_graph = f_bytes(1, meta_info) + f_bytes(7, object_graph, keep_empty=True)
    with open(os.path.join(out_dir, "saved_model.pb"), "wb") as f:
        f.write(f_varint(1, 1) + f_bytes(2, meta_graph, keep_empty=True))


__all__ = ["write_savedmodel", "MODEL_CLASSES", "k2_model_config"]
