"""predict releases the GIL: two Python threads on two cores run (nearly) twice as many predictions.

The machine may be shared with other builds, so each configuration is timed in several rounds (for
up to a minute while 1.7x is not reached) and the best, least disturbed, time of each is kept. That
cannot make a GIL-bound predict look parallel: with the GIL held two threads stay at 1x. The claim
itself, 1.7x, is never lowered; while other processes keep both cores busy the test fails, and says so.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import kerasrt
from conftest import EXAMPLE_MODELS

REQUIRED_SPEEDUP = 1.7
BATCH = 32
MIN_ROUNDS = 5
TIME_BUDGET_S = 60  # more rounds while the 1.7x is not reached, to find a moment the cores are free


@pytest.mark.timing
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 cores")
def test_two_threads_twice_as_fast():
    model = kerasrt.load_model(EXAMPLE_MODELS / "mnist_cnn.h5")
    x = np.random.default_rng(0).random((BATCH, 28, 28, 1), dtype=np.float32)

    def run(calls):
        for _ in range(calls):
            model.predict(x)

    run(20)  # warm up: plans and workspaces for this shape
    start = time.perf_counter()
    run(20)
    calls = max(20, int(0.25 / ((time.perf_counter() - start) / 20)))  # ~0.25 s per thread and round

    best_one = best_two = float("inf")
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run, [5, 5]))  # both worker threads exist and are warm
        deadline = time.monotonic() + TIME_BUDGET_S
        round_ = 0
        while True:
            round_ += 1
            start = time.perf_counter()
            run(calls)  # one thread: `calls` predictions
            best_one = min(best_one, time.perf_counter() - start)
            start = time.perf_counter()
            list(pool.map(run, [calls, calls]))  # two threads: twice as many
            best_two = min(best_two, time.perf_counter() - start)
            speedup = 2 * best_one / best_two
            # Above 2.0x the one-thread time was disturbed: measure on until it settles.
            settled = REQUIRED_SPEEDUP <= speedup <= 2.05
            if round_ >= MIN_ROUNDS and (settled or time.monotonic() > deadline):
                break
    print(f"\nCNN batch {BATCH}: 1 thread {calls / best_one:.0f} predictions/s, 2 threads "
          f"{2 * calls / best_two:.0f} predictions/s: speed-up {speedup:.2f}x "
          f"(best of {round_} rounds of {calls} calls per thread; load average {os.getloadavg()[0]:.1f})")
    assert speedup >= REQUIRED_SPEEDUP, (
        f"2 threads are only {speedup:.2f}x faster than 1 (need {REQUIRED_SPEEDUP}x); "
        f"load average {os.getloadavg()[0]:.1f}: is something else using the cores?")
