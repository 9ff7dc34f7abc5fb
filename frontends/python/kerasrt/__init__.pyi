"""kerasrt: load a Keras model file once, predict from any number of threads.

    import kerasrt
    model = kerasrt.load_model("model.h5")      # or .keras; the format is detected from the content
    y = model.predict(x)                        # NumPy in, NumPy out; call it from any thread

A ``Model`` is immutable, and ``predict`` releases the GIL for the whole computation, so the
threads of a threaded Flask or Django server (or a ThreadPoolExecutor) predict in parallel on
one copy of the weights: no graph, no session, no model copy per thread.
"""

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str

_Path = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
_Array = npt.ArrayLike
"""One input: a NumPy array (float32 is read in place; float64, integer and non-contiguous
arrays are converted to float32 once) or anything ``numpy.asarray`` takes."""
_Inputs = Union[_Array, Sequence[_Array], Mapping[str, _Array]]
_Outputs = Union[npt.NDArray[np.float32], list[npt.NDArray[np.float32]]]

class Error(ValueError):
    """Raised for every error kerasrt reports: a missing or malformed file, an unsupported
    layer, wrong input count, shape, name or dtype. A subclass of ValueError.

    ``str(error)`` is the C++ kerasrt::Error message, "<file>: layer '<name>' (<Class>): <reason>"
    with the parts that apply; ``reason``, ``layer`` and ``file`` hold the parts ("" when absent).
    """

    reason: str
    layer: str
    file: str

class TensorSpec(NamedTuple):
    """A model input or output."""

    name: str
    """The name Keras gave the input or output layer."""
    shape: tuple[Optional[int], ...]
    """Batch first; None where Keras says None."""
    dtype: str
    """"float32" (or the integer dtype Keras declared; predict takes numbers for those), or
    "string" for an input that takes text (str or bytes) or an output that gives it (a str array)."""

class Model:
    """A loaded Keras model. Immutable: every method may be called from any number of threads.

    Create one with :func:`load_model`.
    """

    @property
    def inputs(self) -> list[TensorSpec]:
        """The model's inputs in the order predict takes them."""
    @property
    def outputs(self) -> list[TensorSpec]:
        """The model's outputs in the order predict returns them."""
    @property
    def input_names(self) -> list[str]:
        """The names of the inputs, in order."""
    @property
    def output_names(self) -> list[str]:
        """The names of the outputs, in order."""
    @property
    def input_shape(self) -> Union[tuple[Optional[int], ...], list[tuple[Optional[int], ...]]]:
        """Like Keras: the input shape (None for free dimensions), or a list of them for several inputs."""
    @property
    def output_shape(self) -> Union[tuple[Optional[int], ...], list[tuple[Optional[int], ...]]]:
        """Like Keras: the output shape (None for free dimensions), or a list of them for several outputs."""
    @property
    def name(self) -> str:
        """The model's name, as saved by Keras."""
    @property
    def path(self) -> str:
        """The path (or name) the model was loaded from."""
    @property
    def intra_op_threads(self) -> int:
        """Threads one predict call may use inside a layer (set at load time)."""
    def predict(self, x: _Inputs, batch_size: Optional[int] = None, verbose: Any = None) -> _Outputs:
        """Run the model, like Keras ``Model.predict``.

        Args:
            x: one array (one-input models), a list or tuple of arrays in the order of
                ``inputs``, or a dict {input name: array}. Batch first. float32 arrays are read in
                place; float64 and integer arrays (e.g. embedding indices, exact up to 2**24) and
                non-contiguous arrays are converted to float32 once. Nested Python lists are
                taken as one array for a one-input model. A string input (dtype "string" in
                ``inputs``) takes str arrays (dtype ``U``), bytes arrays (``S``, passed as they
                are, like TensorFlow's tf.string), object arrays of str or bytes, or lists of
                them; str becomes UTF-8.
            batch_size: if given, run the batch in slices of this many samples (less scratch
                memory for big batches) and join the results. By default the whole batch runs
                in one call.
            verbose: accepted for compatibility with Keras; ignored.

        Returns:
            One float32 array for a one-output model, else a list of arrays in the order of
            ``outputs`` (Keras's convention). The arrays own the buffers the runtime computed.
            A string output is a str array (dtype ``U``; TensorFlow gives bytes objects:
            ``numpy.char.encode(y, "utf-8")`` turns one into the other).

        Raises:
            Error: wrong number of inputs, wrong shape, unknown or missing input name, or an
                unsupported dtype; the message is the C++ library's.

        The GIL is released while the model runs: call it from many threads at once.
        """
    def predict_on_batch(self, x: _Inputs) -> _Outputs:
        """Same as ``predict(x)``: the whole batch in one call, like Keras ``Model.predict_on_batch``."""
    def __call__(self, x: _Inputs, training: Optional[bool] = None) -> _Outputs:
        """Same as ``predict(x)``; returns NumPy arrays (not tensors). ``training`` may be None or
        False: kerasrt runs inference only."""
    def summary(self, print_fn: Optional[Callable[[str], Any]] = None, expand_nested: bool = False) -> None:
        """Print a summary like Keras ``model.summary()``: one line per layer with its output shape
        and parameter count, the totals, then the inputs and outputs (the same text as
        ``kerasrt info MODEL``).

        Args:
            print_fn: called with each line instead of ``print``.
            expand_nested: also list the layers inside nested models.
        """
    def summary_dict(self) -> dict[str, Any]:
        """The summary as a dict with the fields of ``kerasrt info --json``: name, class_name,
        keras_version, format, inputs, outputs, layers (name, class_name, output_shapes, params,
        trainable_params, depth), total_params, trainable_params, non_trainable_params."""
    def workspace_stats(self) -> dict[str, int]:
        """The memory predict calls hold beyond the weights: one workspace (intermediate tensors
        and scratch) per call in flight, pooled for reuse. Keys: workspaces and bytes now,
        peak_workspaces and peak_bytes."""

def load_model(
    path: _Path,
    weights: Optional[_Path] = None,
    intra_op_threads: int = 1,
    *,
    compile: bool = True,
    custom_objects: Optional[Mapping[str, Any]] = None,
) -> Model:
    """Load a Keras model file once; share the returned Model between all threads.

    Args:
        path: a legacy HDF5 ``.h5`` file (Keras 2, tf.keras, Keras 3) or a ``.keras`` archive;
            the format is detected from the content. With ``weights``: an architecture JSON
            file (``model.to_json()``).
        weights: the weights file that goes with an architecture JSON (legacy ``save_weights``
            .h5 or Keras 3 ``.weights.h5``).
        intra_op_threads: threads one predict call may use inside a layer. The default, 1,
            suits many concurrent callers (one core each); raise it for one low-latency caller.
        compile: accepted for compatibility with ``keras.models.load_model``; ignored.
        custom_objects: accepted for compatibility; must be empty (only built-in layers run).

    Raises:
        Error: the file is missing or unreadable, or uses something kerasrt does not support;
            the message names the file, the layer and the reason.
    """

def load_model_from_memory(data: bytes | bytearray | memoryview, name: str = "<memory>", *, intra_op_threads: int = 1) -> Model:
    """Load a model from the bytes of an ``.h5`` or ``.keras`` file already in memory;
    ``name`` is used in error messages."""

def usable_cores() -> int:
    """The cores kerasrt keeps busy at most, and a natural size for a pool of predicting threads:
    the CPUs this process's affinity allows, capped by its cgroup's CPU quota rounded up (a
    container's CPU limit, which ``os.cpu_count()`` and ``os.sched_getaffinity()`` do not show)."""

def kernel_isa() -> str:
    """The vector instruction set of kerasrt's own kernels here: ``"avx512"``, ``"avx2"`` or
    ``"scalar"`` (the best the CPU has, unless the environment variable ``KERASRT_ISA`` asks for
    a lower one)."""
