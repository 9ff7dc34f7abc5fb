"""predict releases the GIL: two Python threads on two cores run (nearly) twice as many predictions.

The machine may be shared with other builds, so each configuration is timed in several rounds (for
up to a minute while 1.7x is not reached) and the best, least disturbed, time of each is kept. That
cannot make a GIL-bound predict look parallel: with the GIL held two threads stay at 1x. The claim
itself, 1.7x, is never lowered. What the test cannot do is measure it while other processes hold
the cores: it measures how much CPU the rest of the machine used meanwhile (/proc/stat minus this
process), and when that exceeds a quarter of a core and 1.7x was not reached, it skips with both
figures instead of failing. (tests/python/test_threads.py checks, independently of load, that
Python keeps running while predict runs: the GIL is released.)
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import kerasrt
from conftest import EXAMPLE_MODELS

REQUIRED_SPEEDUP = 1.7
OTHER_LOAD_LIMIT = 0.25  # cores used by other processes during the measurement


def cpu_seconds():
    """(CPU seconds used by the whole machine, by this process) since boot."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # user..steal, minus idle and iowait (guest is in user)
    times = os.times()
    return busy / ticks, times.user + times.system


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
    machine_start, own_start, wall_start = *cpu_seconds(), time.monotonic()
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
    machine_end, own_end = cpu_seconds()
    other_cores = ((machine_end - machine_start) - (own_end - own_start)) / (time.monotonic() - wall_start)
    print(f"\nCNN batch {BATCH}: 1 thread {calls / best_one:.0f} predictions/s, 2 threads "
          f"{2 * calls / best_two:.0f} predictions/s: speed-up {speedup:.2f}x "
          f"(best of {round_} rounds of {calls} calls per thread; other processes used {other_cores:.2f} cores)")
    if speedup < REQUIRED_SPEEDUP and other_cores > OTHER_LOAD_LIMIT:
        pytest.skip(f"not measurable: other processes used {other_cores:.2f} cores meanwhile "
                    f"(measured {speedup:.2f}x; needs an idle machine)")
    assert speedup >= REQUIRED_SPEEDUP, (
        f"2 threads are only {speedup:.2f}x faster than 1 (need {REQUIRED_SPEEDUP}x); "
        f"other processes used only {other_cores:.2f} cores meanwhile")
