"""Fixtures for StringLookup and IntegerLookup. tfjs has neither layer (nor string tensors), so the
expected values come from `Lookup` below: a plain-Python model of Keras's IndexLookup written from
keras/src/layers/preprocessing/index_lookup.py (Keras 3) and its documentation - never by running
kerasrt. Hashed OOV ids use `fingerprint64`, a pure-Python FarmHash Fingerprint64 (what
tf.strings.to_hash_bucket_fast computes), checked here against the bucket values printed in the
TensorFlow and Keras documentation.

Semantics modelled (index_lookup.py):
- ids: [mask token (output_mode "int" only)] [num_oov_indices OOV ids] [vocabulary tokens];
  set_vocabulary() drops special tokens found, in that order, at the vocabulary's front;
- lookup: the mask token -> 0 ("int") or dropped from the encodings (its value is int64 max,
  which bincount and one_hot ignore); unknown tokens -> the one OOV id, or with several
  `fingerprint64(token) % n` (strings) / `token % n` (integers, floormod) plus the OOV start;
- invert: 0 -> the mask token when there is one, vocabulary ids -> tokens, anything else -> the
  OOV token;
- encodings: one_hot / multi_hot / count over depth = max_tokens if pad_to_max_tokens else the
  vocabulary size; tf_idf = count * idf_weights, where idf_weights given without special tokens
  get the average weight in front and zeros behind up to max_tokens (set_vocabulary);
- saving: a vocabulary given to the constructor stays in the config; an adapted one (config
  vocabulary None) goes to assets/<layer path>/vocabulary.txt as "\\n".join(get_vocabulary())
  - special tokens included - which load_assets() reads back through set_vocabulary(); tf_idf
  weights are the variable `idf_weights` (save_own_variables), padded as above; tf.keras 2
  tracks that tf.Variable as the layer's one weight, so its .h5 holds it too.
Files: Keras 3.12 `.keras` with the vocabulary in the config, `.keras` with it only in the asset
(as after adapt()), and tf.keras 2.15 legacy `.h5` (vocabulary in the config).
"""

import io
import os
import zlib

import h5py
import numpy as np

from h5_writers import LegacyFlavour, create_dataset, create_group, write_keras_archive, write_legacy_h5
from keras3_config import K3Writer, to_snake_case
from keras_config import Layer, Model, k2_layer_config
from tf_hashes import fingerprint64, siphash24
from tfop_cases import write_case

REFERENCE = "python tools/oracle/lookup_cases.py"
K3_VERSION = "3.12.0"
K2_VERSION = "2.15.0"


# ----------------------------------------------------------------- IndexLookup reference

class Lookup:
    def __init__(self, vocabulary, strings=True, mask_token=None, oov_token=None, num_oov_indices=1,
                 invert=False, output_mode="int", max_tokens=None, pad_to_max_tokens=False,
                 idf_weights=None):
        self.strings = strings
        self.mask_token = mask_token
        self.oov_token = oov_token if oov_token is not None else ("[UNK]" if strings else -1)
        self.num_oov = num_oov_indices
        self.invert = invert
        self.output_mode = output_mode
        self.max_tokens = max_tokens
        self.pad = pad_to_max_tokens
        self.given_vocabulary = list(vocabulary)
        self.given_idf = idf_weights
        self.oov_start = 1 if mask_token is not None and output_mode == "int" else 0
        self.token_start = self.oov_start + num_oov_indices
        special = [mask_token] * self.oov_start + [self.oov_token] * num_oov_indices
        found = list(vocabulary[:self.token_start]) == special
        tokens = list(vocabulary[self.token_start:] if found else vocabulary)
        self.ids = {t: self.token_start + i for i, t in enumerate(tokens)}
        self.get_vocabulary = special + tokens
        self.size = len(self.get_vocabulary)
        self.depth = max_tokens if pad_to_max_tokens else self.size
        self.idf = None
        if output_mode == "tf_idf":
            w = np.array(idf_weights, dtype=np.float64)
            front = [] if found else [np.average(w)] * self.token_start
            self.idf = np.array(front + list(w) + [0.0] * (self.depth - len(front) - len(w)), dtype=np.float32)

    def id_of(self, token):
        if self.mask_token is not None and token == self.mask_token:
            return 0 if self.output_mode == "int" else None
        if token in self.ids:
            return self.ids[token]
        assert self.num_oov > 0
        if self.num_oov == 1:
            return self.oov_start
        bucket = fingerprint64(token) % self.num_oov if self.strings else token % self.num_oov
        return self.oov_start + bucket

    def token_of(self, i):
        if i == 0 and self.mask_token is not None:
            return self.mask_token
        inverse = {v: k for k, v in self.ids.items()}
        return inverse.get(i, self.oov_token)

    def __call__(self, x):
        """x: a (batch, n) list of lists of tokens (ids when inverting)."""
        if self.invert or not self.strings:
            x = [[int(t) for t in row] for row in x]  # Keras casts the inputs to int64
        if self.invert:
            out = [[self.token_of(int(i)) for i in row] for row in x]
            return np.array(out, dtype=np.str_) if self.strings else np.array(out, dtype=np.float64)
        ids = [[self.id_of(t) for t in row] for row in x]
        if self.output_mode == "int":
            return np.array(ids, dtype=np.float64)
        rows = []
        for row in ids:
            if self.output_mode == "one_hot":  # inputs of shape (batch, 1) here
                assert len(row) == 1
            v = np.zeros(self.depth)
            for i in row:
                if i is None:
                    continue
                v[i] = v[i] + 1 if self.output_mode in ("count", "tf_idf") else 1
            rows.append(v)
        out = np.array(rows)
        if self.output_mode == "tf_idf":
            out = (out.astype(np.float32) * self.idf).astype(np.float64)
        return out

    def k3_config(self, name, in_vocab):
        cfg = {"name": name, "trainable": True,
               "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                         "registered_name": None},
               "invert": self.invert, "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov,
               "oov_token": self.oov_token, "mask_token": self.mask_token, "output_mode": self.output_mode,
               "sparse": False, "pad_to_max_tokens": self.pad,
               "idf_weights": self.given_idf if in_vocab else None,
               "vocabulary": self.given_vocabulary if in_vocab else None,
               "vocabulary_size": self.size}
        cfg.update({"encoding": "utf-8"} if self.strings else {"vocabulary_dtype": "int64"})
        return cfg

    def k2_config(self, name):
        cfg = {"name": name, "trainable": True, "dtype": "string" if self.strings else "int64",
               "invert": self.invert, "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov,
               "oov_token": self.oov_token, "mask_token": self.mask_token, "output_mode": self.output_mode,
               "sparse": False, "pad_to_max_tokens": self.pad, "vocabulary": self.given_vocabulary,
               "idf_weights": self.given_idf}
        cfg.update({"encoding": "utf-8"} if self.strings else {"vocabulary_dtype": "int64"})
        return cfg


# ----------------------------------------------------------------- models in both Keras flavours

class Net:
    """A functional model written as Keras 3 and tf.keras 2 configs side by side."""

    def __init__(self, name, description):
        self.name = name
        self.description = description
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.model = Model("Functional", "functional")
        self.k3 = K3Writer(K3_VERSION, None)
        self.k3.root = self.model
        self.k3_entries, self.k2_entries = [], []
        self.inputs, self.outputs = [], []
        self.dtypes = {}
        self.lookups = {}  # layer name -> (Lookup, weights-file key)
        self.counts = {}
        self.has_asset_form = True

    def unique(self, base):
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def input(self, value, dtype):
        name = self.unique("input_layer")
        shape = list(np.shape(value)[1:])
        layer = Layer("InputLayer", name, {})
        layer.batch_input_shape = [None] + shape
        self.model.layers.append(layer)
        self.model.input_layers.append([name, 0, 0])
        entry = self.k3.entry(layer, (), functional=True)
        entry["config"]["dtype"] = dtype
        self.k3_entries.append(entry)
        self.k2_entries.append({"class_name": "InputLayer", "config": {
            "batch_input_shape": [None] + shape, "dtype": dtype, "sparse": False, "ragged": False,
            "name": name}, "name": name, "inbound_nodes": []})
        self.inputs.append((name, value))
        self.dtypes[name] = (dtype, shape)
        return name, np.asarray(value)

    def _call(self, class_name, layer, x, k3_entry, k2_config, value, out_dtype):
        src, _ = x
        dtype, shape = self.dtypes[src]
        self.model.layers.append(layer)
        k3_entry["build_config"] = {"input_shape": [None] + shape}
        k3_entry["inbound_nodes"] = [{"args": [{"class_name": "__keras_tensor__", "config": {
            "shape": [None] + shape, "dtype": dtype, "keras_history": [src, 0, 0]}}], "kwargs": {}}]
        self.k3_entries.append(k3_entry)
        self.k2_entries.append({"class_name": class_name, "config": k2_config, "name": layer.name,
                                "inbound_nodes": [[[src, 0, 0, {}]]]})
        self.dtypes[layer.name] = (out_dtype, list(np.shape(value)[1:]))
        return layer.name, value

    def lookup(self, x, lookup):
        class_name = "StringLookup" if lookup.strings else "IntegerLookup"
        name = self.unique(to_snake_case(class_name))
        layer = Layer(class_name, name, {})
        if lookup.idf is not None:  # tf.keras 2 tracks the tf.Variable as the layer's weight
            layer.weights = [("idf_weights", lookup.idf)]
        self.lookups[name] = (lookup, f"layers/{to_snake_case(class_name)}")
        entry = {"module": "keras.layers", "class_name": class_name, "config": lookup.k3_config(name, True),
                 "registered_name": None, "name": name}
        value = lookup(x[1].tolist())
        out_dtype = "string" if lookup.invert and lookup.strings else "float32"
        return self._call(class_name, layer, x, entry, lookup.k2_config(name), value, out_dtype)

    def plain(self, x, class_name, config, value, weights=()):
        name = self.unique(to_snake_case(class_name))
        layer = Layer(class_name, name, config)
        layer.weights = list(weights)
        entry = self.k3.entry(layer, (), functional=True)
        k2 = k2_layer_config(layer, K2_VERSION, None)
        return self._call(class_name, layer, x, entry, k2, value, "float32")

    def output(self, x):
        self.model.output_layers.append([x[0], 0, 0])
        self.outputs.append(x[1])

    def k3_config(self, in_vocab):
        entries = []
        for e in self.k3_entries:
            if e["name"] in self.lookups:
                e = dict(e, config=self.lookups[e["name"]][0].k3_config(e["name"], in_vocab))
            entries.append(e)
        ins, outs = self.model.input_layers, self.model.output_layers
        return {"module": "keras.src.models.functional", "class_name": "Functional", "config": {
            "name": self.model.name, "trainable": True, "layers": entries,
            "input_layers": ins[0] if len(ins) == 1 else ins,
            "output_layers": outs[0] if len(outs) == 1 else outs},
            "registered_name": "Functional", "build_config": {"input_shape": None}}

    def k2_config(self):
        return {"class_name": "Functional", "config": {
            "name": "model", "layers": self.k2_entries, "input_layers": self.model.input_layers,
            "output_layers": self.model.output_layers}}

    def k3_weights(self):
        """saving_lib's model.weights.h5: every layer's vars group; lookups hold `idf_weights`."""
        buf = io.BytesIO()
        with h5py.File(buf, "w") as f:
            create_group(f, "vars")
            used = {}
            for layer in self.model.layers:
                if layer.class_name == "InputLayer":
                    continue  # not among a Keras 3 functional model's saved layers
                key = to_snake_case(layer.class_name)
                used[key] = used.get(key, -1) + 1
                path = f"layers/{key}" + (f"_{used[key]}" if used[key] else "") + "/vars"
                g = create_group(f, path)
                if layer.name in self.lookups:
                    for var, w in layer.weights:
                        create_dataset(g, var, w)
                    continue
                for i, (_, w) in enumerate(layer.weights):
                    create_dataset(g, str(i), w.astype(np.float32))
        return buf.getvalue()

    def assets(self):
        return tuple((f"assets/{path}/vocabulary.txt",
                      "\n".join(str(t) for t in lookup.get_vocabulary).encode("utf-8"))
                     for lookup, path in self.lookups.values())

    def write_models(self, out_dir):
        weights = self.k3_weights()
        write_keras_archive(os.path.join(out_dir, "model.keras"), self.k3_config(True), K3_VERSION,
                            self.model, True, False, weights=weights)
        entries = [{"format": "keras", "file": "model.keras", "keras_version": K3_VERSION}]
        if self.has_asset_form:
            write_keras_archive(os.path.join(out_dir, "model_assets.keras"), self.k3_config(False),
                                K3_VERSION, self.model, True, False, extra=self.assets(), weights=weights)
            entries.append({"format": "keras", "flavor": "vocabulary-asset", "file": "model_assets.keras",
                            "keras_version": K3_VERSION})
        write_legacy_h5(os.path.join(out_dir, "model.h5"), self.model, self.k2_config(),
                        LegacyFlavour(K2_VERSION))
        entries.append({"format": "h5", "flavor": "tf.keras-2", "file": "model.h5", "keras_version": K2_VERSION})
        return entries


# ----------------------------------------------------------------- cases

VOCAB = ["the", "cat", "sat", "on", "mat", "café", "日本"]
UNKNOWN = ["dog", "xyzzy", "Cat", "m", "z", "naïve"]


def tokens(net, shape, extra=()):
    pool = VOCAB + UNKNOWN + list(extra)
    return np.array(net.rng.choice(pool, size=shape), dtype=np.str_)


def string_case(name, description, lookup, shape=(4, 5), extra=()):
    net = Net(name, description)
    x = net.input(tokens(net, shape, extra), "string")
    net.output(net.lookup(x, lookup))
    return net


def case_string_int():
    return string_case("lookup_string_int", "StringLookup ids, with out-of-vocabulary tokens (one OOV id) and "
                       "UTF-8 tokens.", Lookup(VOCAB))


def case_string_hashed_oov():
    return string_case("lookup_string_hashed_oov", "StringLookup with num_oov_indices=3: unknown tokens hashed "
                       "(FarmHash Fingerprint64 % 3) into the OOV ids.", Lookup(VOCAB, num_oov_indices=3),
                       shape=(5, 6))


def case_string_mask():
    return string_case("lookup_string_mask", "StringLookup with mask_token '' (id 0) and 2 hashed OOV ids.",
                       Lookup(VOCAB, mask_token="", num_oov_indices=2), extra=["", ""])


def case_string_one_hot():
    return string_case("lookup_string_one_hot", "StringLookup output_mode one_hot of (batch, 1) tokens.",
                       Lookup(VOCAB, output_mode="one_hot"), shape=(6, 1))


def case_string_multi_hot():
    return string_case("lookup_string_multi_hot", "StringLookup multi_hot with a mask token, which is dropped.",
                       Lookup(VOCAB, output_mode="multi_hot", mask_token="[PAD]"), extra=["[PAD]"] * 3)


def case_string_count():
    return string_case("lookup_string_count", "StringLookup count, padded to max_tokens=12.",
                       Lookup(VOCAB, output_mode="count", max_tokens=12, pad_to_max_tokens=True), shape=(4, 8))


def case_string_tf_idf():
    net = string_case("lookup_string_tf_idf", "StringLookup tf_idf: idf_weights without the OOV token, whose "
                      "weight is their average.",
                      Lookup(VOCAB, output_mode="tf_idf", idf_weights=[0.25, 0.75, 0.6, 0.4, 1.1, 0.3, 0.9]),
                      shape=(4, 8))
    return net


def case_string_invert():
    net = Net("lookup_string_invert", "StringLookup(invert=True) with a mask token: float ids in, strings out "
              "(0 the mask token, OOV and out-of-range ids '[UNK]').")
    ids = net.rng.integers(0, 12, size=(4, 5)).astype(np.float32)
    x = net.input(ids, "float32")
    net.output(net.lookup(x, Lookup(VOCAB, mask_token="[PAD]", invert=True)))
    return net


def case_string_embedding():
    net = Net("lookup_string_embedding", "string Input -> StringLookup -> Embedding -> "
              "GlobalAveragePooling1D -> Dense: text to floats end to end.")
    x = net.input(tokens(net, (4, 6)), "string")
    lookup = Lookup(VOCAB, num_oov_indices=2)
    ids = net.lookup(x, lookup)
    table = net.rng.uniform(-1, 1, size=(lookup.size, 4)).astype(np.float32)
    emb = net.plain(ids, "Embedding", {"input_dim": lookup.size, "output_dim": 4},
                    table.astype(np.float64)[ids[1].astype(int)], [("embeddings", table)])
    pooled = net.plain(emb, "GlobalAveragePooling1D", {}, emb[1].mean(axis=1))
    kernel = net.rng.uniform(-0.6, 0.6, size=(4, 3)).astype(np.float32)
    bias = net.rng.uniform(-0.3, 0.3, size=(3,)).astype(np.float32)
    net.output(net.plain(pooled, "Dense", {"units": 3, "activation": "linear", "use_bias": True},
                         pooled[1] @ kernel.astype(np.float64) + bias, [("kernel", kernel), ("bias", bias)]))
    return net


INT_VOCAB = [12, 36, 1138, 42, -7, 16777216]


def int_case(name, description, lookup, values, shape):
    net = Net(name, description)
    x = net.input(net.rng.choice(values, size=shape).astype(np.float32), "int64")
    net.output(net.lookup(x, lookup))
    return net


def case_int_int():
    return int_case("lookup_integer_int", "IntegerLookup ids with unknown integers (one OOV id).",
                    Lookup(INT_VOCAB, strings=False), INT_VOCAB + [0, 5, 1000, -3], (4, 5))


def case_int_mask():
    return int_case("lookup_integer_mask", "IntegerLookup with mask_token 0 and 3 OOV ids (floormod, also of "
                    "negative integers).", Lookup(INT_VOCAB, strings=False, mask_token=0, num_oov_indices=3),
                    INT_VOCAB + [0, 5, 1000, -3, -1000], (5, 5))


def case_int_multi_hot():
    return int_case("lookup_integer_multi_hot", "IntegerLookup multi_hot.",
                    Lookup(INT_VOCAB, strings=False, output_mode="multi_hot"), INT_VOCAB + [0, 5], (4, 6))


def case_int_invert():
    net = Net("lookup_integer_invert", "IntegerLookup(invert=True): ids to integer tokens, -1 for OOV ids.")
    x = net.input(net.rng.integers(-1, 10, size=(4, 5)).astype(np.float32), "float32")
    net.output(net.lookup(x, Lookup(INT_VOCAB, strings=False, invert=True)))
    return net


# ----------------------------------------------------------------- Hashing

def hashing(texts, num_bins, mask_value=None, salt=None):
    """keras.layers.Hashing's bins of `texts` (the strings, or integers' decimal text): a mask
    value takes bin 0 and the others shift up by one."""
    masking = mask_value is not None and num_bins > 1
    bins = num_bins - 1 if masking else num_bins
    if isinstance(salt, int):
        salt = (salt, salt)

    def bin_of(text):
        if masking and text == str(mask_value):
            return 0
        h = siphash24(text, tuple(salt)) if salt is not None else fingerprint64(text)
        return h % bins + (1 if masking else 0)

    return np.vectorize(bin_of, otypes=[np.float64])(texts)


def counts(ids, depth, binary=False):
    out = np.zeros((ids.shape[0], depth))
    for row, values in enumerate(ids.astype(np.int64)):
        for v in values:
            out[row, v] = 1 if binary else out[row, v] + 1
    return out


def hashing_config(num_bins, mask_value=None, salt=None, output_mode="int"):
    return {"num_bins": num_bins, "mask_value": mask_value, "salt": salt, "output_mode": output_mode,
            "sparse": False}


def case_hashing_strings():
    net = Net("hashing_strings", "Hashing of a string input: FarmHash Fingerprint64 bins, mask_value '' "
              "(bin 0), SipHash-2-4 with salt [133, 137] and with salt 133, and the multi_hot of salted "
              "bins.")
    net.has_asset_form = False
    texts = np.array(net.rng.choice(VOCAB + UNKNOWN + ["", "A", "B", "a longer text, with spaces"],
                                    size=(4, 5)), dtype=np.str_)
    x = net.input(texts, "string")
    for config in (hashing_config(5), hashing_config(4, mask_value=""), hashing_config(7, salt=[133, 137]),
                   hashing_config(3, salt=133)):
        value = hashing(texts, config["num_bins"], config["mask_value"], config["salt"])
        net.output(net.plain(x, "Hashing", config, value))
    multi = hashing_config(6, salt=[1, 2], output_mode="multi_hot")
    net.output(net.plain(x, "Hashing", multi, counts(hashing(texts, 6, salt=[1, 2]), 6, binary=True)))
    return net


def case_hashing_integers():
    net = Net("hashing_integers", "Hashing of an integer input (given as floats): each value cast to "
              "int64 (toward zero) and hashed as its decimal text; mask_value 0, a salt, and count and "
              "one_hot outputs.")
    net.has_asset_form = False
    values = net.rng.choice([0, 1, 7, 42, -3, 123456, 2.7, -2.7, 16777216], size=(4, 3)).astype(np.float32)
    x = net.input(values, "int64")
    texts = np.vectorize(lambda v: str(int(v)))(values)
    net.output(net.plain(x, "Hashing", hashing_config(9), hashing(texts, 9)))
    net.output(net.plain(x, "Hashing", hashing_config(5, mask_value=0, salt=[133, 137]),
                         hashing(texts, 5, mask_value=0, salt=[133, 137])))
    net.output(net.plain(x, "Hashing", hashing_config(4, output_mode="count"), counts(hashing(texts, 4), 4)))
    column = values[:, :1]
    y = net.input(column, "int64")
    net.output(net.plain(y, "Hashing", hashing_config(3, output_mode="one_hot"),
                         np.eye(3)[hashing(np.vectorize(lambda v: str(int(v)))(column), 3)[:, 0].astype(int)]))
    return net


CASES = [case_string_int, case_string_hashed_oov, case_string_mask, case_string_one_hot, case_string_multi_hot,
         case_string_count, case_string_tf_idf, case_string_invert, case_string_embedding, case_int_int,
         case_int_mask, case_int_multi_hot, case_int_invert, case_hashing_strings, case_hashing_integers]


def write_all(fixtures_dir, index):
    """Write every case into fixtures_dir/<case>/ and append index entries."""
    for make in CASES:
        net = make()
        write_case(fixtures_dir, index, net, REFERENCE, net.write_models,
                   net.description + f" Keras 3 files as Keras {K3_VERSION} (vocabulary in the config, and "
                   "in the vocabulary.txt asset only, as after adapt()), legacy .h5 as tf.keras "
                   f"{K2_VERSION}. Reference is the plain-Python IndexLookup model in "
                   "tools/oracle/lookup_cases.py because tfjs has no lookup layers.")
