"""NumPy reference for LocallyConnected1D/2D (float64), written from the tf-keras 2.15 sources
keras/layers/locally_connected/locally_connected{1,2}d.py, locally_connected_utils.py and
keras/backend.py (local_conv, bias_add). Keras 3 has no such layers.

Each implementation is computed its own way, so the three kernel layouts check one another:
1 as backend.local_conv (one (patch, filters) matrix per output position), 2 as
local_conv_matmul (a dense input x output matrix masked to the windows), 3 as
local_conv_sparse_matmul (the window entries listed in sorted (output, input) order).
"""

import itertools

import numpy as np

CLASSES = {"LocallyConnected1D", "LocallyConnected2D"}


def _windows(in_size, kernel, strides):
    out_size = tuple((n - k) // s + 1 for n, k, s in zip(in_size, kernel, strides))  # padding valid
    return out_size, list(itertools.product(*[range(o) for o in out_size]))


def _connected(in_size, out_size, kernel, strides):
    """conv_kernel_mask: (in spatial..., out spatial...) booleans."""
    mask = np.zeros(tuple(in_size) + tuple(out_size), dtype=bool)
    for o in itertools.product(*[range(n) for n in out_size]):
        window = tuple(slice(p * s, p * s + k) for p, s, k in zip(o, strides, kernel))
        mask[window + o] = True
    return mask


def call_layer(cn, cfg, w, x, keras_major):
    from numpy_ref import activation  # numpy_ref imports this module

    nd = 1 if cn == "LocallyConnected1D" else 2
    first = cfg.get("data_format", "channels_last") == "channels_first"
    if cfg.get("padding", "valid") != "valid":
        raise NotImplementedError("LocallyConnected padding same")
    kernel = tuple(cfg["kernel_size"]) if isinstance(cfg["kernel_size"], (list, tuple)) else (cfg["kernel_size"],) * nd
    strides = tuple(cfg.get("strides", (1,) * nd))
    if len(strides) == 1:
        strides = strides * nd
    filters = int(cfg["filters"])
    impl = int(cfg.get("implementation", 1))
    batch = x.shape[0]
    xl = np.moveaxis(x, 1, -1) if first else x  # channels last view
    in_size, cin = xl.shape[1:-1], xl.shape[-1]
    out_size, positions = _windows(in_size, kernel, strides)
    k = w["kernel"]
    if impl == 1:
        cols = []
        for p in positions:
            window = tuple(slice(q * s, q * s + kk) for q, s, kk in zip(p, strides, kernel))
            patch = x[(slice(None), slice(None)) + window] if first else x[(slice(None),) + window + (slice(None),)]
            cols.append(patch.reshape(batch, -1))
        y = np.einsum("pbj,pjf->pbf", np.stack(cols), k)  # (positions, batch, filters)
        y = y.reshape(tuple(out_size) + (batch, filters))
        y = np.moveaxis(y, nd, 0)  # (batch, out..., filters)
        if first:
            y = np.moveaxis(y, -1, 1)
    else:
        mask = _connected(in_size, out_size, kernel, strides)
        if first:  # kernel (cin, in..., filters, out...), mask broadcast over both channel axes
            m = mask.reshape((1,) + tuple(in_size) + (1,) + tuple(out_size))
        else:  # kernel (in..., cin, out..., filters)
            m = mask.reshape(tuple(in_size) + (1,) + tuple(out_size) + (1,))
        in_flat = x.reshape(batch, -1)
        n_in, n_out = in_flat.shape[1], int(np.prod(out_size)) * filters
        if impl == 2:
            dense = (k * m).reshape(n_in, n_out)
        else:
            full = np.broadcast_to(m, (cin,) + tuple(in_size) + (filters,) + tuple(out_size) if first
                                   else tuple(in_size) + (cin,) + tuple(out_size) + (filters,))
            pairs = sorted((o, i) for i, o in zip(*np.nonzero(full.reshape(n_in, n_out))))
            if len(pairs) != k.size:
                raise ValueError(f"{cn} implementation 3: {len(pairs)} connections, kernel has {k.size}")
            dense = np.zeros((n_in, n_out))
            for value, (o, i) in zip(k, pairs):
                dense[i, o] = value
        y = (in_flat @ dense).reshape((batch,) + ((filters,) + tuple(out_size) if first else tuple(out_size) + (filters,)))
    if cfg.get("use_bias", True):
        # backend.bias_add reshapes (not transposes) a full-rank bias to the output's layout
        y = y + w["bias"].reshape(y.shape[1:])
    return [activation(cfg.get("activation"), y, keras_major)]
