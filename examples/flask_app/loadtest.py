"""Load test for app.py: concurrent requests to both models, every answer checked.

Starts the app (on 127.0.0.1, a free port) twice: once as written (each model loaded once for all
threads) and once with --per-thread-copies (one copy per server thread, the old TensorFlow-session
work-around). Each run sends --requests requests from --concurrency client threads, each thread on
its own keep-alive connection (so the server has one thread per connection), to both models with
mixed batch sizes and both JSON input forms. Every answer must equal, bit for bit, what kerasrt
predicts for the same input directly in this process. Prints requests, concurrency, errors (must
be 0), p50/p99 latency, throughput, and the server's resident memory.

    PYTHONPATH=build-python/frontends/python /usr/bin/python3 examples/flask_app/loadtest.py
    (or with kerasrt installed in a venv: venv/bin/python examples/flask_app/loadtest.py)

Exit status 0 only if no request failed.
"""

import argparse
import http.client
import json
import os
import pathlib
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import kerasrt

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from app import MODEL_FILES  # noqa: E402

HOST = "127.0.0.1"  # this machine only
BATCH_SIZES = (1, 2, 4, 8)


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def request_json(conn, method, path, body=None):
    payload = None if body is None else json.dumps(body).encode()  # bytes: one send with the headers
    conn.request(method, path, body=payload, headers={"Content-Type": "application/json"} if body is not None else {})
    response = conn.getresponse()
    data = response.read()
    return response.status, data


def make_workload(count, seed):
    """`count` requests: (model name, JSON body, expected {output name: array}) from direct predicts."""
    models = {name: kerasrt.load_model(path) for name, path in MODEL_FILES.items()}
    rng = np.random.default_rng(seed)
    distinct = []  # 32 distinct requests per model, reused in a shuffled order
    for name, model in models.items():
        for i in range(32):
            batch = BATCH_SIZES[i % len(BATCH_SIZES)]
            x = rng.random((batch, *model.inputs[0].shape[1:]), dtype=np.float32)
            y = model.predict(x)
            expected = dict(zip(model.output_names, [y] if len(model.outputs) == 1 else y))
            values = x.tolist()  # float32 -> float -> JSON text round-trips exactly
            body = {"inputs": {model.input_names[0]: values} if i % 2 else values}
            distinct.append((name, body, expected))
    order = rng.integers(len(distinct), size=count)
    return [distinct[i] for i in order]


class Server:
    def __init__(self, per_thread, port):
        args = [sys.executable, str(HERE / "app.py"), "--port", str(port)]
        if per_thread:
            args.append("--per-thread-copies")
        self.port = port
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited: {self.process.stdout.read()}")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
                if request_json(conn, "GET", "/health")[0] == 200:
                    conn.close()
                    return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the app did not answer within 60 s")
                time.sleep(0.1)

    def memory_kb(self):
        """(VmRSS, VmHWM) of the server process, from /proc."""
        fields = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                fields[key] = value
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

    def stats(self):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=10)
        status, data = request_json(conn, "GET", "/stats")
        conn.close()
        return json.loads(data)

    def stop(self):
        self.process.terminate()  # our own child, by its pid
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def check(name, status, data, expected):
    if status != 200:
        return f"{name}: HTTP {status}: {data[:200]!r}"
    outputs = json.loads(data)["outputs"]
    for output_name, want in expected.items():
        got = np.asarray(outputs[output_name], dtype=np.float32)
        if got.shape != want.shape or not np.array_equal(got.view(np.uint32), want.view(np.uint32)):
            return f"{name}: output {output_name} differs from a direct predict"
    return None


def run(per_thread, workload, concurrency, port):
    server = Server(per_thread, port)
    try:
        rss_idle, _ = server.memory_kb()
        local = threading.local()
        errors, latencies = [], []
        lock = threading.Lock()

        def one(item):
            name, body, expected = item
            if not hasattr(local, "conn"):
                local.conn = http.client.HTTPConnection(HOST, port, timeout=60)
            start = time.perf_counter()
            try:
                status, data = request_json(local.conn, "POST", f"/predict/{name}", body)
                problem = check(name, status, data, expected)
            except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
                local.conn.close()
                del local.conn
                problem = f"{name}: {type(error).__name__}: {error}"
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if problem:
                    errors.append(problem)

        start = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, workload))
            # Measured while the client connections (and so the server threads) are still open.
            rss_loaded, rss_peak = server.memory_kb()
            stats = server.stats()
        wall = time.perf_counter() - start
    finally:
        server.stop()
    latencies_ms = np.sort(np.array(latencies)) * 1000
    return {"mode": "one copy per thread" if per_thread else "one copy, shared", "requests": len(workload),
            "concurrency": concurrency, "errors": len(errors), "error_samples": errors[:5],
            "p50_ms": float(np.percentile(latencies_ms, 50)), "p99_ms": float(np.percentile(latencies_ms, 99)),
            "requests_per_s": len(workload) / wall, "rss_idle_mb": rss_idle / 1024, "rss_mb": rss_loaded / 1024,
            "peak_rss_mb": rss_peak / 1024, "model_sets_loaded": stats["model_sets_loaded"],
            "server_threads": stats["threads"]}


def main():
    parser = argparse.ArgumentParser(description="Load test for examples/flask_app/app.py")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mode", choices=["both", "shared", "per-thread"], default="both")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 64:
        parser.error("--requests must be 1..100000 and --concurrency 1..64")

    workload = make_workload(args.requests, args.seed)
    modes = {"both": [False, True], "shared": [False], "per-thread": [True]}[args.mode]
    results = [run(per_thread, workload, args.concurrency, free_port()) for per_thread in modes]

    print(f"{'mode':<22}{'requests':>9}{'concurrency':>12}{'errors':>7}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'req/s':>8}{'RSS idle MB':>12}{'RSS MB':>8}{'peak MB':>9}{'model sets':>11}")
    for r in results:
        print(f"{r['mode']:<22}{r['requests']:>9}{r['concurrency']:>12}{r['errors']:>7}{r['p50_ms']:>9.2f}"
              f"{r['p99_ms']:>9.2f}{r['requests_per_s']:>8.0f}{r['rss_idle_mb']:>12.1f}{r['rss_mb']:>8.1f}"
              f"{r['peak_rss_mb']:>9.1f}{r['model_sets_loaded']:>11}")
        for sample in r["error_samples"]:
            print("  error:", sample)
    if len(results) == 2:
        shared, copies = results
        print(f"RSS after the load: {shared['rss_mb']:.1f} MB shared vs {copies['rss_mb']:.1f} MB with "
              f"{copies['model_sets_loaded']} per-thread copies (+{copies['rss_mb'] - shared['rss_mb']:.1f} MB)")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))
    total_errors = sum(r["errors"] for r in results)
    print(f"errors: {total_errors}")
    return 1 if total_errors else 0


if __name__ == "__main__":
    sys.exit(main())
