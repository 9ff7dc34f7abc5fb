"""A threaded Flask app serving two Keras models at once with kerasrt.

Each model is loaded once, at start-up, and shared by every request thread: kerasrt models are
immutable and `predict` releases the GIL, so requests on different threads run in parallel on
one copy of the weights. No graph, no session, no "Tensor is not an element of this graph".

    /usr/bin/python3 examples/flask_app/app.py --port 8000
    curl -s localhost:8000/models
    curl -s -X POST localhost:8000/predict/mlp -H 'Content-Type: application/json' \
         -d "{\"inputs\": [$(python3 -c 'print([0.5] * 784)')]}"

POST /predict/<model> takes {"inputs": values} where values is a nested list (batch first) for a
one-input model, or {input name: nested list}; it answers {"outputs": {output name: nested list}}.
Errors answer 400 with {"error": message}.

--per-thread-copies loads one copy of each model per server thread instead (threading.local), the
work-around people used with TensorFlow sessions: loadtest.py measures what that costs.
"""

import argparse
import os
import pathlib
import socket
import threading

import numpy as np
from flask import Flask, jsonify, request
from werkzeug.serving import WSGIRequestHandler

import kerasrt

MODELS_DIR = pathlib.Path(__file__).resolve().parents[1] / "models"
MODEL_FILES = {"mnist_cnn": MODELS_DIR / "mnist_cnn.h5", "mlp": MODELS_DIR / "mlp.keras"}


class Models:
    """The models every request uses: loaded once for all threads, or (per_thread) once per thread."""

    def __init__(self, per_thread, intra_op_threads):
        self.per_thread = per_thread
        self.intra_op_threads = intra_op_threads
        self.copies_loaded = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        self._shared = None if per_thread else self._load()

    def _load(self):
        with self._lock:
            self.copies_loaded += 1
        return {name: kerasrt.load_model(path, intra_op_threads=self.intra_op_threads)
                for name, path in MODEL_FILES.items()}

    def get(self, name):
        models = self._shared
        if models is None:
            models = getattr(self._local, "models", None)
            if models is None:
                models = self._local.models = self._load()
        return models[name]


def create_app(per_thread=False, intra_op_threads=1):
    app = Flask(__name__)
    models = Models(per_thread, intra_op_threads)

    def spec(t):
        return {"name": t.name, "shape": list(t.shape), "dtype": t.dtype}

    # What /models answers, read once (in per-thread mode from a load that is then dropped).
    catalog = {name: {"inputs": [spec(t) for t in m.inputs], "outputs": [spec(t) for t in m.outputs]}
               for name, m in (models._shared or Models(False, 1)._shared).items()}

    @app.after_request
    def drain_body(response):
        request.get_data()  # the next request on this connection starts after this body
        return response

    @app.get("/health")
    def health():
        return "ok\n"

    @app.get("/models")
    def list_models():
        return jsonify(catalog)

    @app.get("/stats")
    def stats():
        rss_kb = hwm_kb = None
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss_kb = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm_kb = int(line.split()[1])
        return jsonify({"pid": os.getpid(), "rss_kb": rss_kb, "peak_rss_kb": hwm_kb,
                        "threads": threading.active_count(), "per_thread_copies": models.per_thread,
                        "model_sets_loaded": models.copies_loaded})

    @app.post("/predict/<name>")
    def predict(name):
        if name not in MODEL_FILES:
            return jsonify({"error": f"no model named {name!r}; have {sorted(MODEL_FILES)}"}), 404
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or "inputs" not in body:
            return jsonify({"error": 'send JSON {"inputs": ...}'}), 400
        model = models.get(name)
        inputs = body["inputs"]
        # Numbers as float32; text inputs (dtype "string") as NumPy makes them (str arrays).
        dtypes = {t.name: None if t.dtype == "string" else np.float32 for t in model.inputs}
        try:
            if isinstance(inputs, dict):
                x = {key: np.asarray(value, dtype=dtypes.get(key, np.float32)) for key, value in inputs.items()}
            else:
                x = np.asarray(inputs, dtype=dtypes[model.input_names[0]])
        except (TypeError, ValueError) as error:
            return jsonify({"error": f"inputs are not numbers of one shape: {error}"}), 400
        try:
            y = model.predict(x)  # the GIL is released while the model runs
        except kerasrt.Error as error:
            return jsonify({"error": str(error)}), 400
        outputs = [y] if len(model.outputs) == 1 else y
        return jsonify({"outputs": {t.name: v.tolist() for t, v in zip(model.outputs, outputs)}})

    return app


class KeepAliveHandler(WSGIRequestHandler):
    """Keeps HTTP/1.1 connections open, so one server thread serves each client connection for
    as long as it lasts, as a pooled-thread server (gunicorn's gthread workers, waitress) does.
    Werkzeug's development server otherwise closes every connection and so starts a thread per
    request, which would make "one model copy per thread" a copy per request. Safe here because
    every request body is read to its end (see `drain_body`)."""

    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body leave in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every response on a kept connection for ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send_header(self, keyword, value):
        if keyword.lower() == "connection" and value.lower() == "close" and not self.close_connection:
            return  # werkzeug always adds it; keep the connection unless the client or an error closes it
        super().send_header(keyword, value)

    def log_request(self, *args, **kwargs):  # no line per request
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--per-thread-copies", action="store_true",
                        help="load one copy of each model per server thread (the old work-around), to compare")
    parser.add_argument("--intra-op-threads", type=int, default=1)
    parser.add_argument("--close-connections", action="store_true",
                        help="werkzeug's default: close every connection (a new server thread per request)")
    args = parser.parse_args()
    app = create_app(args.per_thread_copies, args.intra_op_threads)
    print(f"serving {sorted(MODEL_FILES)} on http://{args.host}:{args.port} "
          f"({'one copy per thread' if args.per_thread_copies else 'one copy for all threads'}), pid {os.getpid()}",
          flush=True)
    handler = WSGIRequestHandler if args.close_connections else KeepAliveHandler
    app.run(host=args.host, port=args.port, threaded=True, request_handler=handler)


if __name__ == "__main__":
    main()
