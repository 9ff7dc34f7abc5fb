"""Errors are kerasrt.Error (a ValueError) carrying the C++ kerasrt::Error message."""

import numpy as np
import pytest

import kerasrt
from conftest import EXAMPLE_MODELS, FIXTURES, bundled, cli_error


def test_error_class():
    assert issubclass(kerasrt.Error, ValueError)
    assert kerasrt.Error.__module__ == "kerasrt" and kerasrt.Error.__name__ == "Error"
    assert kerasrt.Error.__doc__


def test_missing_file(tmp_path):
    missing = tmp_path / "no_such_model.h5"
    with pytest.raises(kerasrt.Error) as error:
        kerasrt.load_model(missing)
    assert str(error.value) == cli_error("info", missing)
    assert error.value.file == str(missing) and error.value.reason and error.value.layer == ""
    with pytest.raises(kerasrt.Error) as error:
        kerasrt.load_model(tmp_path)  # a directory (SavedModel)
    assert str(error.value) == cli_error("info", tmp_path)
    with pytest.raises(kerasrt.Error) as error:
        kerasrt.load_model(FIXTURES / "dense_relu" / "model.json", tmp_path / "missing_weights.h5")
    assert str(error.value) == cli_error("info", FIXTURES / "dense_relu" / "model.json", "--weights",
                                         tmp_path / "missing_weights.h5")


def test_not_a_model(tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"this is not a Keras file")
    with pytest.raises(kerasrt.Error) as error:
        kerasrt.load_model(junk)
    assert str(error.value) == cli_error("info", junk)
    with pytest.raises(kerasrt.Error) as error:
        kerasrt.load_model_from_memory(junk.read_bytes(), str(junk))
    assert str(error.value) == cli_error("info", junk)


def test_wrong_shape(tmp_path, cnn):
    x = np.zeros((2, 28, 27, 1), np.float32)
    np.save(tmp_path / "x.npy", x)
    with pytest.raises(kerasrt.Error) as error:
        cnn.predict(x)
    assert str(error.value) == cli_error("predict", EXAMPLE_MODELS / "mnist_cnn.h5", "--input", tmp_path / "x.npy",
                                         "--output", tmp_path / "y.npy")
    assert "must have shape (None, 28, 28, 1), got (2, 28, 27, 1)" in str(error.value)
    with pytest.raises(kerasrt.Error, match=r"got \(28, 28, 1\)"):
        cnn.predict(np.zeros((28, 28, 1), np.float32))  # no batch dimension
    with pytest.raises(kerasrt.Error, match=r"got \(\)"):
        cnn.predict(np.float32(1))


def test_wrong_count(cnn, multi_io):
    _, x, _ = bundled("mnist_cnn")
    with pytest.raises(kerasrt.Error) as error:
        cnn.predict([x, x])
    assert str(error.value) == f"{EXAMPLE_MODELS / 'mnist_cnn.h5'}: the model takes 1 input(s), got 2"
    assert error.value.reason == "the model takes 1 input(s), got 2"
    model, manifest, case = multi_io
    with pytest.raises(kerasrt.Error, match=r": the model takes 2 input\(s\), got 1$"):
        model.predict(np.load(case / manifest["inputs"][0]["file"]))
    with pytest.raises(kerasrt.Error, match=r": the model takes 2 input\(s\), got 0$"):
        model.predict([])


def test_unknown_and_missing_input_names(multi_io):
    model, manifest, case = multi_io
    a, b = (np.load(case / i["file"]) for i in manifest["inputs"])
    name_a, name_b = model.input_names
    # The C++ map overload words these (it checks missing names first, then unknown ones).
    with pytest.raises(kerasrt.Error) as error:
        model.predict({name_a: a, "no_such_input": b})
    assert str(error.value).endswith(f"no value given for input '{name_b}'")
    with pytest.raises(kerasrt.Error) as error:
        model.predict({name_a: a, name_b: b, "no_such_input": b})
    assert str(error.value).endswith(": the model has no input named 'no_such_input'")
    assert str(error.value).startswith(model.path)
    with pytest.raises(kerasrt.Error, match="input names must be strings"):
        model.predict({name_a: a, 1: b})


def test_bad_values(cnn):
    with pytest.raises(kerasrt.Error, match="takes numbers, got strings"):
        cnn.predict(np.full((1, 28, 28, 1), "a"))
    with pytest.raises(kerasrt.Error, match="kerasrt takes float, integer or text arrays"):
        cnn.predict(np.zeros((1, 28, 28, 1), np.complex64))
    with pytest.raises(kerasrt.Error, match="kerasrt takes float, integer or text arrays"):
        cnn.predict(np.full((1, 28, 28, 1), None, dtype=object))
    with pytest.raises(kerasrt.Error, match="cannot make an array"):
        cnn.predict([[1.0, 2.0], [3.0]])  # ragged
    with pytest.raises(kerasrt.Error, match="batch_size must be at least 1"):
        cnn.predict(np.zeros((1, 28, 28, 1), np.float32), batch_size=0)
    with pytest.raises(kerasrt.Error, match="inference only"):
        cnn(np.zeros((1, 28, 28, 1), np.float32), training=True)


def test_bad_load_arguments():
    with pytest.raises(kerasrt.Error, match="intra_op_threads must be at least 1"):
        kerasrt.load_model(EXAMPLE_MODELS / "mlp.keras", intra_op_threads=0)
    with pytest.raises(kerasrt.Error, match="custom_objects are not supported"):
        kerasrt.load_model(EXAMPLE_MODELS / "mlp.keras", custom_objects={"MyLayer": object})
    with pytest.raises(TypeError):
        kerasrt.Model()  # models come from load_model


def test_model_still_works_after_errors(cnn):
    _, x, _ = bundled("mnist_cnn")
    want = cnn.predict(x)
    for bad in (np.zeros((1, 2)), [x, x], {"nope": x}):
        with pytest.raises(kerasrt.Error):
            cnn.predict(bad)
    np.testing.assert_array_equal(cnn.predict(x), want)
