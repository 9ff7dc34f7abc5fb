"""Many Python threads predicting at once on shared models return exactly the single-threaded results."""

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import kerasrt
from conftest import EXAMPLE_MODELS, assert_bitwise_equal, cli_predict

THREADS = 8
CALLS_PER_THREAD = 60
BATCH_SIZES = (1, 2, 3, 7, 16, 32)


def _inputs(model, seed):
    rng = np.random.default_rng(seed)
    shape = model.inputs[0].shape[1:]
    return {b: rng.random((b, *shape), dtype=np.float32) for b in BATCH_SIZES}


def test_eight_threads_two_models(tmp_path):
    models = {"cnn": kerasrt.load_model(EXAMPLE_MODELS / "mnist_cnn.h5"),
              "mlp": kerasrt.load_model(EXAMPLE_MODELS / "mlp.keras")}
    inputs = {name: _inputs(model, seed) for seed, (name, model) in enumerate(models.items())}
    # Single-threaded references, themselves checked against the C++ command line.
    want = {(name, b): models[name].predict(x) for name in models for b, x in inputs[name].items()}
    for name, model in models.items():
        cli_out = cli_predict(tmp_path, model.path, {model.input_names[0]: inputs[name][32]})
        assert_bitwise_equal(want[(name, 32)], cli_out[model.output_names[0]])

    start = threading.Barrier(THREADS)

    def work(thread):
        rng = np.random.default_rng(100 + thread)
        start.wait()  # all threads predict at the same time
        results = []
        for _ in range(CALLS_PER_THREAD):
            name = ("cnn", "mlp")[rng.integers(2)]
            b = BATCH_SIZES[rng.integers(len(BATCH_SIZES))]
            call = (models[name].predict, models[name], models[name].predict_on_batch)[rng.integers(3)]
            results.append(((name, b), call(inputs[name][b])))
        return results

    with ThreadPoolExecutor(THREADS) as pool:
        per_thread = list(pool.map(work, range(THREADS)))
    assert sum(len(r) for r in per_thread) == THREADS * CALLS_PER_THREAD
    for results in per_thread:
        for key, got in results:
            assert_bitwise_equal(got, want[key])
    # Each model made at most one workspace per thread predicting on it at once, and keeps them.
    for model in models.values():
        stats = model.workspace_stats()
        assert 1 <= stats["peak_workspaces"] <= THREADS + 1, stats
        assert stats["workspaces"] == stats["peak_workspaces"] and stats["bytes"] > 0, stats


def test_threads_load_and_predict_concurrently():
    """Loading is thread-safe too (the HDF5 library is serialised inside kerasrt)."""
    x = np.random.default_rng(7).random((4, 28, 28, 1), dtype=np.float32)
    want = kerasrt.load_model(EXAMPLE_MODELS / "mnist_cnn.h5").predict(x)

    def load_and_predict(_):
        return kerasrt.load_model(EXAMPLE_MODELS / "mnist_cnn.h5").predict(x)

    with ThreadPoolExecutor(THREADS) as pool:
        for got in pool.map(load_and_predict, range(2 * THREADS)):
            assert_bitwise_equal(got, want)


def test_python_runs_while_predict_runs(cnn):
    """The GIL is released inside predict: another Python thread keeps running meanwhile.

    With the GIL held, the loop below could not run at all between the start and the end of the
    call. Unlike the speed-up test this does not need idle cores, only a scheduler."""
    x = np.random.default_rng(5).random((2048, 28, 28, 1), dtype=np.float32)
    cnn.predict(x[:8])
    span, done = {}, threading.Event()

    def worker():
        span["start"] = time.perf_counter()
        cnn.predict(x)
        span["end"] = time.perf_counter()
        done.set()

    stamps = []
    thread = threading.Thread(target=worker)
    thread.start()
    while not done.is_set():
        stamps.append(time.perf_counter())
    thread.join()
    start, end = span["start"], span["end"]
    tenths = {int(10 * (t - start) / (end - start)) for t in stamps if start < t < end}
    assert len(tenths) >= 5, f"Python ran in only {len(tenths)} of 10 tenths of a {1000 * (end - start):.0f} ms predict"


def _in_child(code, **popen):
    """What `code` prints in a fresh Python with this environment (the module's path included)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          **popen)
    return done.stdout.strip()


def test_usable_cores_follows_the_affinity_mask():
    """usable_cores() counts the CPUs the process may run on, as the kernel reports them; a process
    pinned to one CPU (os.sched_setaffinity, what taskset does) gets 1."""
    assert 1 <= kerasrt.usable_cores() <= len(os.sched_getaffinity(0))
    one_cpu = min(os.sched_getaffinity(0))
    pinned = _in_child("import kerasrt; print(kerasrt.usable_cores())",
                       preexec_fn=lambda: os.sched_setaffinity(0, {one_cpu}))
    assert pinned == "1"


def test_kernel_isa_names_the_kernels_in_use():
    assert kerasrt.kernel_isa() in ("avx512", "avx2", "scalar")
    env = dict(os.environ, KERASRT_ISA="scalar")
    assert _in_child("import kerasrt; print(kerasrt.kernel_isa())", env=env) == "scalar"
