"""kerasrt: load a Keras model file once, predict from any number of threads.

    import kerasrt
    model = kerasrt.load_model("model.h5")      # or .keras; the format is detected from the content
    y = model.predict(x)                        # NumPy in, NumPy out; call it from any thread

A ``Model`` is immutable, and ``predict`` releases the GIL for the whole computation, so the
threads of a threaded Flask or Django server (or a ThreadPoolExecutor) predict in parallel on
one copy of the weights: no graph, no session, no model copy per thread.
"""

from ._kerasrt import (
    Error,
    Model,
    TensorSpec,
    __version__,
    kernel_isa,
    load_model,
    load_model_from_memory,
    usable_cores,
)

Model.__module__ = __name__

__all__ = [
    "Error",
    "Model",
    "TensorSpec",
    "kernel_isa",
    "load_model",
    "load_model_from_memory",
    "usable_cores",
    "__version__",
]
