"""String inputs and outputs: a model that reads text (Input of strings -> Hashing(num_bins=3)),
fed every array form Python users have text in, checked against Keras's documented bins and the
`kerasrt predict` command; and string outputs through the converter predict uses for them."""

import concurrent.futures
import json

import h5py
import numpy as np
import pytest

import kerasrt
from conftest import EXAMPLE_MODELS, cli_predict

# Keras's documented bins for Hashing(num_bins=3) (keras/src/layers/preprocessing/hashing.py).
LETTERS = ["A", "B", "C", "D", "E"]
LETTER_BINS = np.array([[1], [0], [1], [1], [2]], dtype=np.float32)


def _write_text_model(path):
    """A legacy .h5 (tf.keras 2 layout) of Input((1,), dtype="string") -> Hashing(num_bins=3)."""
    config = {
        "class_name": "Functional",
        "config": {
            "name": "text_model",
            "layers": [
                {"class_name": "InputLayer", "name": "text", "inbound_nodes": [],
                 "config": {"batch_input_shape": [None, 1], "dtype": "string", "name": "text"}},
                {"class_name": "Hashing", "name": "hashing", "inbound_nodes": [[["text", 0, 0, {}]]],
                 "config": {"name": "hashing", "num_bins": 3, "trainable": True}},
            ],
            "input_layers": [["text", 0, 0]],
            "output_layers": [["hashing", 0, 0]],
        },
    }
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = np.bytes_(json.dumps(config))
        f.attrs["keras_version"] = np.bytes_("2.15.0")
        f.attrs["backend"] = np.bytes_("tensorflow")
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = np.array([b"text", b"hashing"])
        for name in ("text", "hashing"):
            weights.create_group(name).attrs["weight_names"] = np.array([], dtype="S1")
    return path


@pytest.fixture(scope="module")
def text_model_path(tmp_path_factory):
    return _write_text_model(tmp_path_factory.mktemp("strings") / "text_hashing.h5")


@pytest.fixture(scope="module")
def text_model(text_model_path):
    return kerasrt.load_model(text_model_path)


def test_metadata_says_string(text_model):
    assert text_model.inputs == [kerasrt.TensorSpec("text", (None, 1), "string")]
    assert text_model.outputs[0].dtype == "float32"
    assert text_model.summary_dict()["inputs"][0]["dtype"] == "string"


@pytest.mark.parametrize("form", ["str", "bytes", "object str", "object bytes", "mixed objects",
                                  "list", "big-endian str", "non-contiguous", "dict"])
def test_every_text_form_gives_keras_bins(text_model, form):
    column = np.array(LETTERS).reshape(5, 1)
    x = {
        "str": column,
        "bytes": column.astype("S"),
        "object str": column.astype(object),
        "object bytes": column.astype("S").astype(object),
        "mixed objects": np.array([["A"], [b"B"], ["C"], [b"D"], [np.str_("E")]], dtype=object),
        "list": [[s] for s in LETTERS],
        "big-endian str": column.astype(">U1"),
        "non-contiguous": np.array([LETTERS, LETTERS]).T[:, :1],
        "dict": {"text": column},
    }[form]
    np.testing.assert_array_equal(text_model.predict(x), LETTER_BINS)


def test_same_as_command_line_and_utf8(tmp_path, text_model, text_model_path):
    words = np.array([["héllo"], ["日本語"], [""], ["a\u0000b"], ["🙂 x"], ["A"] ], dtype=object)
    x = words.astype("U")
    got = text_model.predict(x)
    want = cli_predict(tmp_path, text_model_path, {"text": x})["hashing"]
    np.testing.assert_array_equal(got, want)
    # str is hashed as its UTF-8 bytes.
    utf8 = np.array([[s.encode("utf-8") for s in row] for row in words], dtype=object)
    np.testing.assert_array_equal(text_model.predict(utf8), got)


def test_batch_size_slices_strings(text_model):
    x = np.array(LETTERS * 3).reshape(15, 1)
    np.testing.assert_array_equal(text_model.predict(x, batch_size=4), np.tile(LETTER_BINS, (3, 1)))


def test_threads_predict_strings(text_model):
    x = np.array(LETTERS * 20).reshape(100, 1)
    want = np.tile(LETTER_BINS, (20, 1))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for got in pool.map(lambda _: text_model.predict(x), range(16)):
            np.testing.assert_array_equal(got, want)


def test_type_errors(text_model):
    with pytest.raises(kerasrt.Error, match="input 'text' takes strings \\(str or bytes\\), got an array of dtype float32"):
        text_model.predict(np.zeros((2, 1), np.float32))
    with pytest.raises(kerasrt.Error, match="input 'text' takes strings; element 1 is a int"):
        text_model.predict(np.array([["A"], [3]], dtype=object))
    with pytest.raises(kerasrt.Error, match="lone surrogate"):
        text_model.predict(np.array([["\ud800"]], dtype=object))
    with pytest.raises(kerasrt.Error, match="must have shape"):
        text_model.predict(np.array(["A", "B"]))
    cnn = kerasrt.load_model(EXAMPLE_MODELS / "mnist_cnn.h5")
    with pytest.raises(kerasrt.Error, match="has dtype <U1; kerasrt takes float or integer arrays"):
        cnn.predict(np.full((1, 28, 28, 1), "x"))
    # The model still works after the errors.
    np.testing.assert_array_equal(text_model.predict(np.array(LETTERS).reshape(5, 1)), LETTER_BINS)


def test_string_outputs_are_str_arrays():
    # No layer writes strings yet on this branch (StringLookup(invert=True) will): the converter
    # predict applies to every string output, directly.
    y = kerasrt._kerasrt._string_output([2, 2], ["héllo".encode(), b"", b"\xff", "日本".encode()])
    assert y.dtype.kind == "U" and y.shape == (2, 2)
    np.testing.assert_array_equal(y, np.array([["héllo", ""], ["\ufffd", "日本"]]))
    empty = kerasrt._kerasrt._string_output([0, 3], [])
    assert empty.dtype.kind == "U" and empty.shape == (0, 3)
    scalar = kerasrt._kerasrt._string_output([], [b"x"])
    assert scalar.shape == () and scalar[()] == "x"
