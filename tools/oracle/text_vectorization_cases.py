"""Fixtures for TextVectorization: models reading a string input, with expected outputs from an
independent Python reference written from the Keras semantics (keras/src/layers/preprocessing/
text_vectorization.py, index_lookup.py and the TensorFlow string ops they call) - plain `re`
and str code, never kerasrt's C++. tfjs has no text layers.

The semantics the reference follows:
- standardize: tf.strings.lower without an encoding lowercases ASCII letters only ("Écoute"
  keeps its É); punctuation stripping removes the 32 ASCII characters of Keras's regex
  (string.punctuation);
- split "whitespace": tf.strings.split(sep=None) breaks at runs of the ASCII whitespace bytes
  " \\t\\n\\v\\f\\r" (unlike Python's str.split, U+00A0 and \\x1c do not split) and drops empty
  tokens; "character": one token per code point, spaces included;
- ngrams: per string, every ngram of each width in the order given (an integer n: 1..n),
  joined with " ";
- ids: a StringLookup with mask token "" and one OOV token "[UNK]": in "int" mode 0 is the
  mask (padding), 1 OOV, the vocabulary from 2; in the other modes OOV is 0 and the vocabulary
  starts at 1. tf_idf gives the OOV slot the mean of the idf weights (index_lookup.py
  set_vocabulary); depth is max_tokens with pad_to_max_tokens, else the vocabulary size;
- "int" pads with 0 (and truncates) to output_sequence_length, or without one to the longest
  row of the batch.
Keras 3 saves a vocabulary learned by adapt() as assets/layers/text_vectorization/
vocabulary.txt (and again under _lookup_layer/, which saving_lib also visits): the
vocabulary with its special tokens, joined by "\\n" (index_lookup.py save_assets), read back
with str.splitlines().
"""

import io
import os
import re

import h5py
import numpy as np

from h5_writers import LegacyFlavour, create_dataset, write_k3_weights, write_keras_archive, write_legacy_h5
from keras_config import k2_model_config
from keras_ops_cases import Case, T
from tfop_cases import write_case

REFERENCE = "python tools/oracle/text_vectorization_cases.py"
VERSION = "3.12.0"
K2_VERSION = "2.15.0"

_PUNCTUATION = re.compile(r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]""")
_TF_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")

TEXTS = [
    "The quick, brown FOX jumps!",
    "  Écoute\tthe  naïve\n\ncafé... ",
    "don't stop-believing: 42 times?!",
    "A\u00a0B a\x0bb\x0cc\rd one\x1ctwo",
    "fox fox FOX the the",
    "[UNK] unknown-WORDS (here) the",
]


def standardize(text, mode):
    if mode in ("lower", "lower_and_strip_punctuation"):
        text = re.sub("[A-Z]+", lambda m: m.group(0).lower(), text)
    if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = _PUNCTUATION.sub("", text)
    return text


def split(text, how):
    if how == "whitespace":
        return [t for t in _TF_WHITESPACE.split(text) if t]
    if how == "character":
        return list(text)
    return [text]


def ngrams(tokens, widths):
    if widths is None:
        return tokens
    if isinstance(widths, int):
        widths = range(1, widths + 1)
    return [" ".join(tokens[i:i + w]) for w in widths for i in range(len(tokens) - w + 1)]


def tokens_of(text, cfg):
    return ngrams(split(standardize(text, cfg.get("standardize", "lower_and_strip_punctuation")),
                        cfg.get("split", "whitespace")), cfg.get("ngrams"))


def reference(texts, cfg):
    vocab = cfg["vocabulary"]
    mode = cfg.get("output_mode", "int")
    rows = [tokens_of(t, cfg) for t in texts]
    if mode == "int":
        index = {w: i + 2 for i, w in enumerate(vocab)}
        ids = [[index.get(t, 1) for t in r] for r in rows]
        length = cfg.get("output_sequence_length") or max(len(r) for r in ids)
        return np.array([(r + [0] * length)[:length] for r in ids], dtype=np.float64)
    index = {w: i + 1 for i, w in enumerate(vocab)}
    depth = cfg["max_tokens"] if cfg.get("pad_to_max_tokens") else len(vocab) + 1
    out = np.zeros((len(texts), depth))
    for b, r in enumerate(rows):
        for t in r:
            out[b, index.get(t, 0)] += 1
    if mode == "multi_hot":
        return np.minimum(out, 1)
    if mode == "tf_idf":
        idf = np.zeros(depth)
        weights = np.array(cfg["idf_weights"], dtype=np.float64)
        idf[0] = weights.mean()
        idf[1:1 + len(weights)] = weights
        return out * idf
    return out


def vocabulary_size(cfg):
    return len(cfg["vocabulary"]) + (2 if cfg.get("output_mode", "int") == "int" else 1)


class StringT(T):
    """A string model input: its texts, serialized as a string tensor."""

    def __init__(self, layer, texts, shape):
        self.layer = layer
        self.texts = texts
        self.shape = shape
        self.value = np.zeros((len(texts),) + tuple(shape))

    def serialized(self):
        return {"class_name": "__keras_tensor__", "config": {
            "shape": [None] + list(self.shape), "dtype": "string", "keras_history": [self.layer, 0, 0]}}


class TextCase(Case):
    def __init__(self, name, description):
        super().__init__(name, description)
        self.string_inputs = set()
        self.assets = []
        self.idf_variable = None  # tf_idf after adapt(): the layer's `idf_weights` variable

    def text_input(self, texts, shape=(1,)):
        name = Case.input(self, shape).layer
        t = StringT(name, texts, shape)
        self.entries[-1]["config"]["dtype"] = "string"
        self.inputs[-1] = (name, np.array(texts, dtype=str).reshape((len(texts),) + tuple(shape)))
        self.string_inputs.add(name)
        return t

    def vectorize(self, x, cfg, in_config=True):
        full = dict(cfg)
        full["vocabulary_size"] = vocabulary_size(cfg)
        if not in_config:
            full["vocabulary"] = None
            special = ["", "[UNK]"] if cfg.get("output_mode", "int") == "int" else ["[UNK]"]
            text = "\n".join(special + cfg["vocabulary"]).encode()
            self.assets += [("assets/layers/text_vectorization/vocabulary.txt", text),
                            ("assets/layers/text_vectorization/_lookup_layer/vocabulary.txt", text)]
            if cfg.get("output_mode") == "tf_idf":
                # index_lookup.py save_own_variables: the weights of every id, OOV (their mean) first
                full["idf_weights"] = None
                weights = np.array(cfg["idf_weights"], dtype=np.float32)
                self.idf_variable = np.concatenate([[weights.mean()], weights]).astype(np.float32)
        y = self.layer("TextVectorization", full, x, reference(x.texts, cfg))
        self.entries[-1].pop("build_config", None)
        return y

    def embedding(self, x, dim, rows):
        table = self.rng.uniform(-1, 1, size=(rows, dim)).astype(np.float32)
        ids = x.value.astype(int)
        return self.layer("Embedding", {"input_dim": rows, "output_dim": dim, "mask_zero": True}, x,
                          table.astype(np.float64)[ids], [("embeddings", table)]), ids != 0

    def sigmoid_dense(self, x, units=2):
        kernel = self.rng.uniform(-1, 1, size=(x.value.shape[-1], units)).astype(np.float32)
        bias = self.rng.uniform(-0.5, 0.5, size=(units,)).astype(np.float32)
        y = 1 / (1 + np.exp(-(x.value @ kernel.astype(np.float64) + bias)))
        return self.layer("Dense", {"units": units, "activation": "sigmoid", "use_bias": True}, x, y,
                          [("kernel", kernel), ("bias", bias)])


def _write_models(c, out_dir, legacy):
    cfg = c.config()
    entries = []
    weights = None
    if c.idf_variable is not None:
        buf = io.BytesIO()
        write_k3_weights(buf, c.model, True)
        with h5py.File(buf, "a") as f:  # saved by the layer and again by its _lookup_layer
            for folder in ("", "/_lookup_layer"):
                create_dataset(f, f"layers/text_vectorization{folder}/vars/idf_weights", c.idf_variable)
        weights = buf.getvalue()
    write_keras_archive(os.path.join(out_dir, "model.keras"), cfg, VERSION, c.model, True, False, c.assets,
                        weights)
    entries.append({"format": "keras", "file": "model.keras", "keras_version": VERSION})
    if legacy:
        k2 = k2_model_config(c.model, K2_VERSION, None)
        for entry in k2["config"]["layers"]:
            if entry["name"] in c.string_inputs:
                entry["config"]["dtype"] = "string"
        write_legacy_h5(os.path.join(out_dir, "model.h5"), c.model, k2, LegacyFlavour(K2_VERSION))
        entries.append({"format": "h5", "flavor": "tf.keras-2", "file": "model.h5",
                        "keras_version": K2_VERSION})
    return entries


# ----------------------------------------------------------------- cases

WORDS = ["the", "quick", "brown", "fox", "écoute", "naïve", "café", "dont", "42", "unk", "a\u00a0b", "one\x1ctwo",
         "d"]


def simple(name, description, cfg, texts=TEXTS, shape=(1,)):
    c = TextCase(name, description)
    x = c.text_input(texts, shape)
    c.output(c.vectorize(x, cfg))
    return c


def cases():
    yield simple("text_vectorization_int", "TextVectorization defaults (lower_and_strip_punctuation, "
                 "whitespace split) with output_sequence_length=5: padding, truncation, OOV words, "
                 "non-ASCII letters kept as they are, tabs/newlines/\\v/\\f/\\r splitting but U+00A0 "
                 "and \\x1c not, an empty string.",
                 {"vocabulary": WORDS, "output_sequence_length": 5}, TEXTS + [""])
    yield simple("text_vectorization_int_unpadded", "TextVectorization int mode without "
                 "output_sequence_length on a (batch,) string input: padded to the longest row.",
                 {"vocabulary": WORDS}, TEXTS, shape=())
    for mode in ("lower", "strip_punctuation", None):
        yield simple(f"text_vectorization_standardize_{mode or 'none'}",
                     f"TextVectorization standardize={mode!r}, whitespace split, length 7.",
                     {"vocabulary": WORDS + ["The", "FOX", "Écoute", "fox,", "don't", "café...", "jumps!"],
                      "standardize": mode, "output_sequence_length": 7})
    yield simple("text_vectorization_character", "TextVectorization split='character' (one token per "
                 "code point, spaces and tabs included) after lowercasing, length 12.",
                 {"vocabulary": list("thequickbrownfé ï"), "standardize": "lower", "split": "character",
                  "output_sequence_length": 12})
    yield simple("text_vectorization_bigrams", "TextVectorization ngrams=2: unigrams then bigrams of each "
                 "string, length 10.",
                 {"vocabulary": ["the", "fox", "the quick", "quick brown", "fox fox", "fox the", "écoute the",
                                 "the naïve"], "ngrams": 2, "output_sequence_length": 10})
    yield simple("text_vectorization_ngrams_1_3", "TextVectorization ngrams=(1, 3) without "
                 "output_sequence_length: unigrams then trigrams, padded to the longest row.",
                 {"vocabulary": ["the", "fox", "the quick brown", "fox fox fox", "unk unknownwords here"],
                  "ngrams": [1, 3]})
    vocab = ["the", "fox", "quick", "café", "naïve", "dont"]
    yield simple("text_vectorization_multi_hot", "TextVectorization output_mode='multi_hot'.",
                 {"vocabulary": vocab, "output_mode": "multi_hot"})
    yield simple("text_vectorization_count", "TextVectorization output_mode='count' with max_tokens=10 and "
                 "pad_to_max_tokens.",
                 {"vocabulary": vocab, "output_mode": "count", "max_tokens": 10, "pad_to_max_tokens": True})
    yield simple("text_vectorization_tf_idf", "TextVectorization output_mode='tf_idf' with idf_weights "
                 "(the OOV slot takes their mean).",
                 {"vocabulary": vocab, "output_mode": "tf_idf", "idf_weights": [0.5, 1.5, 2.0, 0.25, 3.0, 1.25]})
    c = TextCase("text_vectorization_tf_idf_assets", "TextVectorization tf_idf as after adapt(): the "
                 "vocabulary only in the archive's vocabulary.txt asset, the idf weights only in the layer's "
                 "`idf_weights` variable (OOV slot first).")
    x = c.text_input(TEXTS)
    c.output(c.vectorize(x, {"vocabulary": vocab, "output_mode": "tf_idf",
                             "idf_weights": [0.5, 1.5, 2.0, 0.25, 3.0, 1.25]}, in_config=False))
    yield c
    for in_config in (True, False):
        c = TextCase("text_classifier" + ("" if in_config else "_assets"),
                     "A text classifier: string Input -> TextVectorization(length 6) -> "
                     "Embedding(mask_zero=True) -> GlobalAveragePooling1D (masked mean) -> Dense(sigmoid), "
                     + ("the vocabulary in the layer config." if in_config else
                        "the vocabulary only in the archive's assets/layers/text_vectorization/vocabulary.txt, "
                        "as after adapt()."))
        # load_assets() reads vocabulary.txt with str.splitlines(), which would break "one\x1ctwo"
        # in two: an adapted vocabulary cannot hold it.
        cfg = {"vocabulary": [w for w in WORDS if "\x1c" not in w], "output_sequence_length": 6,
               "max_tokens": 20}
        x = c.text_input(TEXTS)
        ids = c.vectorize(x, cfg, in_config)
        e, mask = c.embedding(ids, 4, vocabulary_size(cfg))
        pooled = (e.value * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        p = c.layer("GlobalAveragePooling1D", {"data_format": "channels_last", "keepdims": False}, e, pooled)
        c.output(c.sigmoid_dense(p))
        c.legacy = in_config  # tf.keras 2 saves the vocabulary in the config of an .h5
        yield c
    c = TextCase("text_classifier_lstm", "A text classifier: string Input -> TextVectorization(length 6) -> "
                 "Embedding(mask_zero=True) -> LSTM(3) (the padding steps masked: the state of the last "
                 "token) -> Dense(sigmoid).")
    cfg = {"vocabulary": WORDS, "output_sequence_length": 6}
    e, mask = c.embedding(c.vectorize(c.text_input(TEXTS), cfg), 4, vocabulary_size(cfg))
    weights = [("kernel", c.rng.uniform(-0.8, 0.8, size=(4, 12))),
               ("recurrent_kernel", c.rng.uniform(-0.8, 0.8, size=(3, 12))),
               ("bias", c.rng.uniform(-0.3, 0.3, size=(12,)))]
    weights = [(n, w.astype(np.float32)) for n, w in weights]
    h = masked_lstm(e.value, mask, *(w.astype(np.float64) for _, w in weights))
    c.output(c.sigmoid_dense(c.layer("LSTM", {"units": 3}, e, h, weights)))
    c.legacy = True
    yield c


def masked_lstm(x, mask, kernel, recurrent, bias):
    """Keras's LSTM (gates i, f, c, o; sigmoid and tanh), a masked step keeping the state."""
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    units = recurrent.shape[0]
    h = np.zeros((x.shape[0], units))
    cell = np.zeros_like(h)
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
        new_cell = sigmoid(f) * cell + sigmoid(i) * np.tanh(g)
        new_h = sigmoid(o) * np.tanh(new_cell)
        keep = mask[:, t:t + 1]
        cell = np.where(keep, new_cell, cell)
        h = np.where(keep, new_h, h)
    return h


def write_all(fixtures_dir, index):
    """Write every case into fixtures_dir/<case>/ and append index entries."""
    for c in cases():
        legacy = getattr(c, "legacy", False)
        formats = f"Keras 3 .keras as Keras {VERSION}" + (f" and legacy .h5 as tf.keras {K2_VERSION}"
                                                          if legacy else "")
        write_case(fixtures_dir, index, c, REFERENCE, lambda out_dir: _write_models(c, out_dir, legacy),
                   c.description + f" {formats}. Reference: Python re/str code in "
                   "tools/oracle/text_vectorization_cases.py (tfjs has no text layers).")
