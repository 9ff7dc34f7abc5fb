"""Shared helpers for the kerasrt Python tests.

ctest runs these with PYTHONPATH pointing at the built module and KERASRT_CLI / KERASRT_SOURCE_DIR
set (frontends/python/CMakeLists.txt). Run by hand, they fall back to the build-python tree:
    /usr/bin/python3 -m pytest tests/python
The reference for every result is the C++ library itself, through the `kerasrt predict` / `info`
command (bit for bit), plus the oracle fixtures and Keras's own stored predictions (within their
tolerances); never the module's own earlier output.
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("KERASRT_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
_BUILD_DIR = SOURCE_DIR / "build-python"
CLI = pathlib.Path(os.environ.get("KERASRT_CLI", _BUILD_DIR / "kerasrt"))
FIXTURES = SOURCE_DIR / "tests" / "fixtures"
EXAMPLE_MODELS = SOURCE_DIR / "examples" / "models"

try:
    import kerasrt  # noqa: F401
except ImportError:
    sys.path.insert(0, str(_BUILD_DIR / "frontends" / "python"))
    import kerasrt  # noqa: F401


def pytest_configure(config):
    config.addinivalue_line("markers", "timing: measures speed; run alone (ctest runs it serially)")


def safe_file_name(name):
    """The file name `kerasrt predict --output-dir` gives an output (frontends/cli/predict.cc)."""
    out = "".join(chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_-.") else "_" for b in name.encode())
    return "_" + out if not out or out[0] == "." else out


def cli(*args, check=True):
    result = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"kerasrt {' '.join(map(str, args))} failed: {result.stderr}")
    return result


def cli_error(*args):
    """The C++ error message the command line prints for a failing command."""
    result = cli(*args, check=False)
    assert result.returncode == 1, result.stderr
    prefix = f"kerasrt {args[0]}: error: "
    assert result.stderr.startswith(prefix), result.stderr
    return result.stderr[len(prefix):].rstrip("\n")


def cli_predict(tmp_path, model, inputs, weights=None, threads=1):
    """`kerasrt predict` on {input name: array}; returns {output name: array} from its .npy files."""
    args = ["predict", model, "--threads", threads]
    if weights:
        args += ["--weights", weights]
    for i, (name, array) in enumerate(inputs.items()):
        path = tmp_path / f"cli_input_{i}.npy"
        np.save(path, array)
        args += ["--input", f"{name}={path}"]
    out_dir = tmp_path / "cli_out"
    args += ["--output-dir", out_dir]
    printed = cli(*args).stdout.splitlines()  # "<output name> -> <file>", in the model's output order
    outputs = {}
    for line in printed:
        name, path = line.rsplit(" -> ", 1)
        assert pathlib.Path(path).name == safe_file_name(name) + ".npy"
        outputs[name] = np.load(path)
    return outputs


def cli_info_json(model, weights=None):
    args = ["info", model, "--json"] + (["--weights", weights] if weights else [])
    return json.loads(cli(*args).stdout)


def assert_bitwise_equal(got, want):
    """Same shape, float32, and the same bits in every element (text: the same strings)."""
    got, want = np.asarray(got), np.asarray(want)
    if want.dtype.kind == "U":
        assert got.dtype.kind == "U" and got.shape == want.shape and (got == want).all(), (got, want)
        return
    assert got.dtype == np.float32 and want.dtype == np.float32, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    same = got.view(np.uint32) == want.view(np.uint32)
    if not same.all():
        index = np.argwhere(~same)[0]
        raise AssertionError(f"{int((~same).sum())} of {same.size} values differ; first at {tuple(index)}: "
                             f"{got[tuple(index)]!r} vs {want[tuple(index)]!r}")


def bundled(name):
    """(model path, input, Keras's stored prediction) of a bundled example model."""
    model = {"mnist_cnn": "mnist_cnn.h5", "mlp": "mlp.keras"}[name]
    return (EXAMPLE_MODELS / model, np.load(EXAMPLE_MODELS / f"{name}_input.npy"),
            np.load(EXAMPLE_MODELS / f"{name}_expected_output.npy"))


@pytest.fixture(scope="session")
def cnn():
    return kerasrt.load_model(EXAMPLE_MODELS / "mnist_cnn.h5")


@pytest.fixture(scope="session")
def mlp():
    return kerasrt.load_model(EXAMPLE_MODELS / "mlp.keras")


@pytest.fixture(scope="session")
def multi_io():
    """A fixture model with 2 inputs and 2 outputs: (model, manifest, case dir)."""
    case = FIXTURES / "graph_multi_io"
    manifest = json.loads((case / "manifest.json").read_text())
    return kerasrt.load_model(case / "model.h5"), manifest, case
