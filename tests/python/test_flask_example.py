"""examples/flask_app: the threaded Flask app answers concurrent requests correctly (a short load test)."""

import os
import pathlib
import subprocess
import sys

import pytest

import kerasrt
from conftest import SOURCE_DIR

pytest.importorskip("flask")


def test_load_test_has_no_errors(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(pathlib.Path(kerasrt.__file__).parents[1]), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, str(SOURCE_DIR / "examples" / "flask_app" / "loadtest.py"), "--requests", "300",
         "--concurrency", "8", "--json", str(tmp_path / "results.json")],
        capture_output=True, text=True, timeout=300, env=env)
    print(result.stdout, result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "errors: 0" in result.stdout
    import json
    results = json.loads((tmp_path / "results.json").read_text())
    shared, copies = results
    assert shared["requests"] == copies["requests"] == 300 and shared["errors"] == copies["errors"] == 0
    assert shared["model_sets_loaded"] == 1 and copies["model_sets_loaded"] > 1
