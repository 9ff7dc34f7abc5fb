"""predict from Python equals the C++ library bit for bit, and follows Keras's conventions."""

import json

import numpy as np
import pytest

import kerasrt
from conftest import (EXAMPLE_MODELS, FIXTURES, assert_bitwise_equal, bundled, cli, cli_error, cli_info_json,
                      cli_predict)


def _fixture_models():
    params = []
    for manifest_path in sorted(FIXTURES.glob("*/manifest.json")):
        manifest = json.loads(manifest_path.read_text())
        for entry in manifest["models"]:
            params.append(pytest.param(manifest_path.parent, entry, id=f"{manifest_path.parent.name}/{entry['file']}"))
    return params


def _as_named(model, result):
    """predict's result (one array, or a list in output order) as {output name: array}."""
    if len(model.outputs) == 1:
        assert isinstance(result, np.ndarray)
        return {model.output_names[0]: result}
    assert isinstance(result, list) and len(result) == len(model.outputs)
    return dict(zip(model.output_names, result))


def _assert_close(got, want, rtol, atol, what):
    if want.dtype.kind == "U":
        assert got.dtype.kind == "U" and (got == want).all(), f"{what}: strings differ"
        return
    excess = np.abs(got.astype(np.float64) - want) - (atol + rtol * np.abs(want.astype(np.float64)))
    bad = ~(excess <= 0) & ~(np.isnan(got) & np.isnan(want))
    assert not bad.any(), f"{what}: {int(bad.sum())} values outside rtol={rtol} atol={atol}"


# ----- bit for bit against the C++ library ------------------------------------------------------

@pytest.mark.parametrize("name", ["mnist_cnn", "mlp"])
def test_bundled_models_equal_cli_and_keras(tmp_path, name):
    path, x, keras_prediction = bundled(name)
    model = kerasrt.load_model(path)
    got = model.predict(x)
    want = cli_predict(tmp_path, path, {model.input_names[0]: x})
    assert_bitwise_equal(got, want[model.output_names[0]])
    # And what Keras itself predicted for this input, within float32 rounding.
    _assert_close(got, keras_prediction, 1e-5, 1e-6, f"{name} vs Keras")


@pytest.mark.parametrize("case_dir,entry", _fixture_models())
def test_fixture_equals_cli_and_oracle(tmp_path, case_dir, entry):
    manifest = json.loads((case_dir / "manifest.json").read_text())
    model_path = case_dir / entry["file"]
    weights = case_dir / entry["weights"] if "weights" in entry else None
    inputs = {i["name"]: np.load(case_dir / i["file"]) for i in manifest["inputs"]}

    try:
        want = cli_predict(tmp_path, model_path, inputs, weights)
    except AssertionError:
        # The C++ library refuses this file (a layer still being written, say): the module must
        # refuse it with the very same message; the C++ suite reports the failure itself.
        message = cli_error("predict", model_path, *(["--weights", weights] if weights else []),
                            *[a for i, name in enumerate(inputs) for a in ("--input", f"{name}={case_dir / manifest['inputs'][i]['file']}")],
                            "--output-dir", tmp_path / "refused")
        with pytest.raises(kerasrt.Error) as error:
            kerasrt.load_model(model_path, weights).predict(inputs)
        assert str(error.value) == message
        pytest.xfail(f"the C++ library refuses it too: {message}")
    model = kerasrt.load_model(model_path, weights)
    got = _as_named(model, model.predict(inputs))
    assert list(got) == list(want), "outputs in the same order as the C++ API gives them"
    for name in want:
        assert_bitwise_equal(got[name], want[name])
    for output in manifest["outputs"]:
        reference = np.load(case_dir / output["file"])
        _assert_close(got[output["name"]], reference, manifest.get("rtol", 1e-5), manifest.get("atol", 1e-6),
                      f"output {output['name']} vs {manifest.get('reference')}")


# ----- input conventions ------------------------------------------------------------------------

def test_one_input_forms_agree(cnn):
    _, x, _ = bundled("mnist_cnn")
    want = cnn.predict(x)
    name = cnn.input_names[0]
    for form in ([x], (x,), {name: x}):
        assert_bitwise_equal(cnn.predict(form), want)
    assert_bitwise_equal(cnn(x), want)
    assert_bitwise_equal(cnn(x, training=False), want)
    assert_bitwise_equal(cnn.predict_on_batch(x), want)
    assert_bitwise_equal(cnn.predict(x, verbose=0), want)
    # Nested Python lists (as JSON gives them) are one array for a one-input model.
    assert_bitwise_equal(cnn.predict(x.tolist()), want)


def test_several_inputs_and_outputs(tmp_path, multi_io):
    model, manifest, case = multi_io
    names = [i["name"] for i in manifest["inputs"]]
    assert model.input_names == names
    arrays = [np.load(case / i["file"]) for i in manifest["inputs"]]
    by_name = dict(zip(names, arrays))
    want = cli_predict(tmp_path, case / "model.h5", by_name)

    for form in (arrays, tuple(arrays), by_name, dict(reversed(list(by_name.items())))):
        result = model.predict(form)
        assert isinstance(result, list) and len(result) == 2  # Keras: a list for several outputs
        for got, name in zip(result, model.output_names):
            assert_bitwise_equal(got, want[name])
    assert [o["name"] for o in manifest["outputs"]] == model.output_names


def test_float64_and_integer_inputs_are_converted(cnn, tmp_path):
    _, x, _ = bundled("mnist_cnn")
    # float64 values with more precision than float32: rounded to float32 once, as astype does.
    x64 = x.astype(np.float64) + np.random.default_rng(3).random(x.shape) * 1e-6
    assert_bitwise_equal(cnn.predict(x64), cnn.predict(x64.astype(np.float32)))

    case = FIXTURES / "embedding"
    manifest = json.loads((case / "manifest.json").read_text())
    model = kerasrt.load_model(case / "model.h5")
    indices = np.trunc(np.load(case / manifest["inputs"][0]["file"])).astype(np.float32)
    want = cli_predict(tmp_path, case / "model.h5", {model.input_names[0]: indices})[model.output_names[0]]
    for dtype in (np.int32, np.int64, np.uint8, np.float64, np.float32):
        assert_bitwise_equal(model.predict(indices.astype(dtype)), want)


def test_non_contiguous_inputs(cnn):
    rng = np.random.default_rng(1)
    big = rng.random((8, 56, 28, 2), dtype=np.float32)
    strided = big[::2, ::2, :, :1]  # every second sample and row, first channel
    assert not strided.flags.c_contiguous
    assert_bitwise_equal(cnn.predict(strided), cnn.predict(np.ascontiguousarray(strided)))
    fortran = np.asfortranarray(rng.random((5, 28, 28, 1), dtype=np.float32))
    assert_bitwise_equal(cnn.predict(fortran), cnn.predict(np.ascontiguousarray(fortran)))
    swapped = fortran.astype(">f4")  # big-endian float32
    assert_bitwise_equal(cnn.predict(swapped), cnn.predict(np.ascontiguousarray(fortran)))
    readonly = np.ascontiguousarray(fortran)
    readonly.flags.writeable = False
    assert_bitwise_equal(cnn.predict(readonly), cnn.predict(np.ascontiguousarray(fortran)))


def test_batch_size_slices(cnn):
    x = np.random.default_rng(2).random((10, 28, 28, 1), dtype=np.float32)
    sliced = cnn.predict(x, batch_size=4)
    assert sliced.shape == (10, 10) and sliced.flags.c_contiguous
    pieces = [cnn.predict(x[0:4]), cnn.predict(x[4:8]), cnn.predict(x[8:10])]
    assert_bitwise_equal(sliced, np.concatenate(pieces))
    assert_bitwise_equal(cnn.predict(x, batch_size=10), cnn.predict(x))
    assert_bitwise_equal(cnn.predict(x, batch_size=100), cnn.predict(x))


def test_empty_batch(cnn):
    y = cnn.predict(np.zeros((0, 28, 28, 1), np.float32))
    assert y.shape == (0, 10) and y.dtype == np.float32


# ----- copies: at most one each way -------------------------------------------------------------

def test_float32_contiguous_input_is_not_copied():
    x = np.zeros((2, 3), np.float32)
    assert kerasrt._kerasrt._as_input_array(x) is x
    for other in (x.astype(np.float64), np.asfortranarray(np.zeros((2, 3), np.float32)), x[:, ::2],
                  x.astype(np.int64), x.astype(">f4"), x.tolist()):
        converted = kerasrt._kerasrt._as_input_array(other)
        assert converted is not other
        assert converted.dtype == np.float32 and converted.dtype.isnative and converted.flags.c_contiguous


def test_outputs_own_the_runtime_buffers(cnn, multi_io):
    _, x, _ = bundled("mnist_cnn")
    model, manifest, case = multi_io
    outputs = [cnn.predict(x)] + model.predict([np.load(case / i["file"]) for i in manifest["inputs"]])
    for y in outputs:
        assert y.dtype == np.float32 and y.flags.c_contiguous and y.flags.writeable and y.flags.aligned
        assert not y.flags.owndata and type(y.base).__name__ == "PyCapsule"  # the C++ tensor, not a copy
        y[...] = 0  # writeable, like Keras's results


# ----- metadata ----------------------------------------------------------------------------------

def test_inputs_outputs(cnn, mlp, multi_io):
    info = cli_info_json(EXAMPLE_MODELS / "mnist_cnn.h5")
    assert [tuple(t) for t in cnn.inputs] == [(t["name"], tuple(t["shape"]), t["dtype"]) for t in info["inputs"]]
    assert [tuple(t) for t in cnn.outputs] == [(t["name"], tuple(t["shape"]), t["dtype"]) for t in info["outputs"]]
    spec = cnn.inputs[0]
    assert isinstance(spec, kerasrt.TensorSpec)
    assert spec.shape == (None, 28, 28, 1) and spec.dtype == "float32" and spec.name == cnn.input_names[0]
    assert cnn.input_shape == (None, 28, 28, 1) and cnn.output_shape == (None, 10)
    model = multi_io[0]
    assert isinstance(model.input_shape, list) and len(model.input_shape) == 2
    assert cnn.name == info["name"] and cnn.intra_op_threads == 1
    assert str(cnn.path).endswith("mnist_cnn.h5")


@pytest.mark.parametrize("model_file", ["mnist_cnn.h5", "mlp.keras"])
def test_summary_prints_what_the_cli_prints(capsys, model_file):
    model = kerasrt.load_model(EXAMPLE_MODELS / model_file)
    assert model.summary() is None
    assert capsys.readouterr().out == cli("info", EXAMPLE_MODELS / model_file).stdout
    lines = []
    model.summary(print_fn=lines.append)
    assert "\n".join(lines) + "\n" == cli("info", EXAMPLE_MODELS / model_file).stdout
    assert model.summary_dict() == cli_info_json(EXAMPLE_MODELS / model_file)


def test_summary_expand_nested(capsys):
    path = FIXTURES / "graph_nested_functional_in_sequential" / "model.h5"
    model = kerasrt.load_model(path)
    model.summary(expand_nested=True)
    assert capsys.readouterr().out == cli("info", path, "--expand-nested").stdout


def test_repr(cnn):
    text = repr(cnn)
    assert text.startswith("<kerasrt.Model 'mnist_cnn'") and "(None, 28, 28, 1)" in text and "108,618 params" in text


def test_load_options_and_paths(tmp_path):
    path, x, _ = bundled("mlp")
    want = kerasrt.load_model(str(path)).predict(x)
    assert_bitwise_equal(kerasrt.load_model(path).predict(x), want)  # os.PathLike
    assert_bitwise_equal(kerasrt.load_model(str(path).encode()).predict(x), want)  # bytes path
    assert_bitwise_equal(kerasrt.load_model(path, compile=False).predict(x), want)
    assert_bitwise_equal(kerasrt.load_model_from_memory(path.read_bytes(), "mlp").predict(x), want)
    # Two threads inside each call sum in another order: equal to the C++ library with the same option.
    two = kerasrt.load_model(path, intra_op_threads=2)
    assert two.intra_op_threads == 2
    assert_bitwise_equal(two.predict(x), cli_predict(tmp_path, path, {two.input_names[0]: x}, threads=2)[two.output_names[0]])
    # Architecture JSON + weights.
    case = FIXTURES / "dense_relu"
    model = kerasrt.load_model(case / "model.json", case / "weights.h5")
    assert model.summary_dict() == cli_info_json(case / "model.json", case / "weights.h5")


def test_text_inputs_and_outputs():
    """str, bytes and object arrays feed a string input; a string output is an array of str."""
    lookup = kerasrt.load_model(FIXTURES / "lookup_string_int" / "model.keras")
    words = [["the", "cat", "dog", "café", "mat"]]
    want = lookup.predict(np.array(words))
    assert want.dtype == np.float32 and want.tolist() == [[1, 2, 0, 6, 5]]
    for x in (np.array(words, dtype=object), np.array([[w.encode() for w in words[0]]])):
        assert_bitwise_equal(lookup.predict(x), want)
    assert_bitwise_equal(lookup.predict(np.array(words * 3), batch_size=2), np.repeat(want, 3, axis=0))
    invert = kerasrt.load_model(FIXTURES / "lookup_string_invert" / "model.keras")
    got = invert.predict(np.array([[0, 1, 2, 99, -1]], np.float32), batch_size=1)
    assert got.dtype.kind == "U" and got.tolist() == [["[PAD]", "[UNK]", "the", "[UNK]", "[UNK]"]]
