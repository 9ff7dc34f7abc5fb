"""Independent NumPy reference for Keras inference.

Runs a Keras model config (Keras 2 form: `{"class_name", "config"}` with
`inbound_nodes` as nested lists, as `model.to_json()` in tf.keras 2.x writes
it) on given weights and inputs. Written from the Keras semantics (tf-keras
and keras 3 source), readable rather than fast: float64 throughout, cast to
float32 at the end.

`keras_major` selects the activation semantics that changed between Keras 2
and Keras 3 (`hard_sigmoid`, and so `hard_silu`).

Weights are given per layer as an ordered list of (variable_name, array) in
the layer's own Keras order (e.g. BatchNormalization: gamma, beta,
moving_mean, moving_variance; Bidirectional: forward then backward).
"""

import math

import numpy as np

import numpy_ref_local
import numpy_ref_preprocessing

# ----------------------------------------------------------------- activations

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(x):
    # stable logistic
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def _softmax(x, axis=-1):
    z = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu(x, approximate=False):
    if approximate:
        c = math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + np.tanh(c * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _hard_sigmoid_k2(x):
    # tf.keras 2.x backend.hard_sigmoid: clip(0.2 x + 0.5, 0, 1)
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def _hard_sigmoid_k3(x):
    # keras 3 ops.hard_sigmoid: relu6(x + 3) / 6
    return np.clip(x + 3.0, 0.0, 6.0) / 6.0


def activation(name, x, keras_major):
    """Apply a Keras built-in activation given by its serialized name."""
    if isinstance(name, dict):  # {"class_name": "...", "config": ...} forms
        name = name.get("config", name.get("class_name"))
        if isinstance(name, dict):
            name = name.get("name")
    if name in (None, "linear"):
        return x
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "relu6":
        return np.clip(x, 0.0, 6.0)
    if name == "leaky_relu":  # tf.nn.leaky_relu / keras 3 default slope 0.2
        return np.where(x >= 0, x, 0.2 * x)
    if name == "sigmoid":
        return _sigmoid(x)
    if name == "hard_sigmoid":
        return _hard_sigmoid_k2(x) if keras_major < 3 else _hard_sigmoid_k3(x)
    if name in ("hard_silu", "hard_swish"):
        return x * _hard_sigmoid_k3(x)
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        return _softmax(x, -1)
    if name == "log_softmax":
        return _log_softmax(x, -1)
    if name == "softplus":
        return _softplus(x)
    if name == "softsign":
        return x / (1.0 + np.abs(x))
    if name == "elu":
        return _elu(x, 1.0)
    if name == "selu":
        return _SELU_SCALE * _elu(x, _SELU_ALPHA)
    if name == "gelu":
        return _gelu(x, approximate=False)
    if name in ("swish", "silu"):
        return x * _sigmoid(x)
    if name == "mish":
        return x * np.tanh(_softplus(x))
    if name == "exponential":
        return np.exp(x)
    raise NotImplementedError(f"activation {name!r}")


# ----------------------------------------------------------------- helpers


def _tuple(v, n):
    if isinstance(v, (list, tuple)):
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _same_pads(size, k, s, d):
    """TF 'same' padding: output ceil(size/s), extra pixel at the end."""
    eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return total // 2, total - total // 2


def _to_channels_last(x, data_format):
    if data_format == "channels_first":
        return np.moveaxis(x, 1, -1)
    return x


def _from_channels_last(x, data_format):
    if data_format == "channels_first":
        return np.moveaxis(x, -1, 1)
    return x


def _conv_nd(x, kernel, strides, padding, dilation, groups=1):
    """Channels-last N-D convolution (cross-correlation, as Keras).

    x: (B, *spatial, Cin); kernel: (*k, Cin/groups, Cout)."""
    nd = x.ndim - 2
    ks = kernel.shape[:nd]
    if padding == "same":
        pads = [_same_pads(x.shape[1 + i], ks[i], strides[i], dilation[i]) for i in range(nd)]
    elif padding == "causal":  # Conv1D only: all padding on the left
        pads = [((ks[0] - 1) * dilation[0], 0)]
    else:
        pads = [(0, 0)] * nd
    x = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    out_sizes = [(x.shape[1 + i] - ((ks[i] - 1) * dilation[i] + 1)) // strides[i] + 1 for i in range(nd)]
    cin = x.shape[-1]
    cout = kernel.shape[-1]
    cin_g = cin // groups
    cout_g = cout // groups
    y = np.zeros((x.shape[0],) + tuple(out_sizes) + (cout,))
    for offs in np.ndindex(*ks):
        sl = [slice(None)]
        for i in range(nd):
            start = offs[i] * dilation[i]
            sl.append(slice(start, start + (out_sizes[i] - 1) * strides[i] + 1, strides[i]))
        patch = x[tuple(sl)]  # (B, *out, Cin)
        w = kernel[offs]  # (Cin/groups, Cout)
        for g in range(groups):
            y[..., g * cout_g:(g + 1) * cout_g] += (
                patch[..., g * cin_g:(g + 1) * cin_g] @ w[:, g * cout_g:(g + 1) * cout_g])
    return y


def _depthwise_conv2d(x, kernel, strides, padding, dilation):
    """x: (B,H,W,C); kernel (kh,kw,C,M) -> (B,H',W',C*M), channel c*M+m."""
    c = x.shape[-1]
    m = kernel.shape[-1]
    out = []
    for ci in range(c):
        out.append(_conv_nd(x[..., ci:ci + 1], kernel[:, :, ci:ci + 1, :], strides, padding, dilation))
    y = np.stack(out, axis=-2)  # (B,H,W,C,M)
    return y.reshape(y.shape[:-2] + (c * m,))


def _depthwise_conv_nd(x, kernel, strides, padding, dilation):
    """x: (B,*spatial,C); kernel (*k,C,M) -> (B,*out,C*M), channel c*M+m."""
    nd = x.ndim - 2
    c = x.shape[-1]
    m = kernel.shape[-1]
    out = [_conv_nd(x[..., ci:ci + 1], kernel[(slice(None),) * nd + (slice(ci, ci + 1),)], strides, padding, dilation)
           for ci in range(c)]
    y = np.stack(out, axis=-2)
    return y.reshape(y.shape[:-2] + (c * m,))


def _conv_transpose_nd(x, kernel, strides, padding, output_padding, dilation):
    """Channels-last transposed convolution as tf.nn.conv_transpose with the
    output size of Keras's deconv_output_length. x: (B,*in,Cin); kernel
    (*k, filters, Cin), not flipped: y[i*s + k*d - pad_before] += x[i] K[k]."""
    nd = x.ndim - 2
    ks = kernel.shape[:nd]
    outs, befores = [], []
    for a in range(nd):
        n, s, d = x.shape[1 + a], strides[a], dilation[a]
        keff = (ks[a] - 1) * d + 1
        if output_padding is None:
            out = n * s if padding == "same" else n * s + max(keff - s, 0)
        else:
            pad = keff // 2 if padding == "same" else 0
            out = (n - 1) * s + keff - 2 * pad + output_padding[a]
        # the forward convolution of an `out`-sized input gives n: TF places its padding
        before = max((n - 1) * s + keff - out, 0) // 2 if padding == "same" else 0
        outs.append(out)
        befores.append(before)
    full = [(x.shape[1 + a] - 1) * strides[a] + (ks[a] - 1) * dilation[a] + 1 for a in range(nd)]
    size = [max(full[a], befores[a] + outs[a]) for a in range(nd)]
    acc = np.zeros((x.shape[0],) + tuple(size) + (kernel.shape[-2],))
    for offs in np.ndindex(*ks):
        sl = [slice(None)]
        for a in range(nd):
            start = offs[a] * dilation[a]
            sl.append(slice(start, start + (x.shape[1 + a] - 1) * strides[a] + 1, strides[a]))
        acc[tuple(sl)] += x @ kernel[offs].T
    crop = tuple(slice(befores[a], befores[a] + outs[a]) for a in range(nd))
    return acc[(slice(None),) + crop]


def _pool_nd(x, pool, strides, padding, kind):
    """Channels-last pooling. Average 'same' divides by the number of real
    (unpadded) elements, as TF does."""
    nd = x.ndim - 2
    if padding == "same":
        pads = [_same_pads(x.shape[1 + i], pool[i], strides[i], 1) for i in range(nd)]
    else:
        pads = [(0, 0)] * nd
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    ones = np.pad(np.ones(x.shape[1:-1]), pads, constant_values=0.0)
    out_sizes = [(xp.shape[1 + i] - pool[i]) // strides[i] + 1 for i in range(nd)]
    acc = np.full((x.shape[0],) + tuple(out_sizes) + (x.shape[-1],), fill)
    cnt = np.zeros(tuple(out_sizes))
    for offs in np.ndindex(*pool):
        sl = tuple(slice(offs[i], offs[i] + (out_sizes[i] - 1) * strides[i] + 1, strides[i]) for i in range(nd))
        patch = xp[(slice(None),) + sl]
        if kind == "max":
            acc = np.maximum(acc, patch)
        else:
            acc = acc + patch
            cnt = cnt + ones[sl]
    if kind == "avg":
        acc = acc / cnt[None, ..., None]
    return acc


def _resize_bilinear_half_pixel(x, out_h, out_w):
    """tf.image.resize(method='bilinear') (half-pixel centers, no antialias
    when upsampling). x: (B,H,W,C)."""
    _, h, w, _ = x.shape

    def coords(out_n, in_n):
        scale = in_n / out_n
        src = (np.arange(out_n) + 0.5) * scale - 0.5
        src = np.clip(src, 0.0, None)
        lo = np.floor(src).astype(int)
        lo = np.minimum(lo, in_n - 1)
        hi = np.minimum(lo + 1, in_n - 1)
        frac = src - lo
        return lo, hi, frac

    y0, y1, fy = coords(out_h, h)
    x0, x1, fx = coords(out_w, w)
    top = x[:, y0][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y0][:, :, x1] * fx[None, None, :, None]
    bot = x[:, y1][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y1][:, :, x1] * fx[None, None, :, None]
    return top * (1 - fy)[None, :, None, None] + bot * fy[None, :, None, None]


def _l2_normalize(x, axis):
    sq = np.sum(x * x, axis=axis, keepdims=True)
    return x / np.sqrt(np.maximum(sq, 1e-12))


# ----------------------------------------------------------------- recurrent


def _cell_step(kind, cfg, w, xt, h, c, keras_major):
    """One step of a SimpleRNN / LSTM / GRU cell: (h, c) -> (h_new, c_new)."""
    act = cfg.get("activation", "tanh")
    rec_act = cfg.get("recurrent_activation", "sigmoid")
    kernel = w["kernel"]
    rkernel = w["recurrent_kernel"]
    bias = w.get("bias") if cfg.get("use_bias", True) else None
    A = lambda name, v: activation(name, v, keras_major)  # noqa: E731
    reset_after = kind == "GRU" and cfg.get("reset_after", False)
    c_new = c
    if kind == "SimpleRNN":
        z = xt @ kernel + h @ rkernel
        if bias is not None:
            z = z + bias
        h_new = A(act, z)
    elif kind == "LSTM":
        z = xt @ kernel + h @ rkernel
        if bias is not None:
            z = z + bias
        zi, zf, zc, zo = np.split(z, 4, axis=-1)
        i = A(rec_act, zi)
        f = A(rec_act, zf)
        c_new = f * c + i * A(act, zc)
        o = A(rec_act, zo)
        h_new = o * A(act, c_new)
    elif kind == "GRU":
        if reset_after:
            bx = bias[0] if bias is not None else 0.0
            bh = bias[1] if bias is not None else 0.0
            mx = xt @ kernel + bx
            mh = h @ rkernel + bh
            xz, xr, xh = np.split(mx, 3, axis=-1)
            hz, hr, hh = np.split(mh, 3, axis=-1)
            zg = A(rec_act, xz + hz)
            rg = A(rec_act, xr + hr)
            cand = A(act, xh + rg * hh)
        else:
            bz = br = bhh = 0.0
            if bias is not None:
                bz, br, bhh = np.split(bias, 3, axis=-1)
            kz, kr, kh = np.split(kernel, 3, axis=-1)
            rz, rr, rh = np.split(rkernel, 3, axis=-1)
            zg = A(rec_act, xt @ kz + bz + h @ rz)
            rg = A(rec_act, xt @ kr + br + h @ rr)
            cand = A(act, xt @ kh + bhh + (rg * h) @ rh)
        h_new = zg * h + (1.0 - zg) * cand
    else:
        raise NotImplementedError(kind)
    return h_new, c_new


def _rnn_run(kind, cfg, w, x, keras_major, go_backwards=None, mask=None, zero_output_for_mask=None,
             initial_state=None):
    """Run SimpleRNN / LSTM / GRU over x (B,T,F). Returns (outputs over time
    in processing order (B,T,U), final states list).

    mask (B,T) bool or None, as keras backend.rnn (tensorflow) applies it: the
    mask is reversed with the inputs; at a masked step the states keep their
    previous values and the output is the previous step's output (zeros
    before the first step), or zeros when zero_output_for_mask."""
    if go_backwards is None:
        go_backwards = cfg.get("go_backwards", False)
    if zero_output_for_mask is None:
        zero_output_for_mask = cfg.get("zero_output_for_mask", False)
    if kind.startswith("ConvLSTM"):
        return _conv_lstm_run(int(kind[-2]), cfg, w, x, keras_major, go_backwards, initial_state)
    units = int(cfg["units"])
    act = cfg.get("activation", "tanh")
    rec_act = cfg.get("recurrent_activation", "sigmoid")
    use_bias = cfg.get("use_bias", True)
    kernel = w["kernel"]
    rkernel = w["recurrent_kernel"]
    bias = w.get("bias") if use_bias else None
    b, t = x.shape[0], x.shape[1]
    steps = range(t - 1, -1, -1) if go_backwards else range(t)
    h = np.zeros((b, units))
    c = np.zeros((b, units))
    if initial_state:
        h = np.asarray(initial_state[0], dtype=np.float64)
        if kind == "LSTM":
            c = np.asarray(initial_state[1], dtype=np.float64)
    prev_output = np.zeros((b, units))
    outs = []
    A = lambda name, v: activation(name, v, keras_major)  # noqa: E731
    reset_after = kind == "GRU" and cfg.get("reset_after", False)
    for s in steps:
        h_new, c_new = _cell_step(kind, cfg, w, x[:, s], h, c, keras_major)
        output = h_new
        if mask is None:
            h, c = h_new, c_new
        else:
            keep = mask[:, s][:, None]
            output = np.where(keep, output, 0.0 if zero_output_for_mask else prev_output)
            h = np.where(keep, h_new, h)
            c = np.where(keep, c_new, c)
        prev_output = output
        outs.append(output)
    seq = np.stack(outs, axis=1)
    states = [h, c] if kind == "LSTM" else [h]
    return seq, states


def _conv_lstm_run(nd, cfg, w, x, keras_major, go_backwards, initial_state=None):
    """keras ConvLSTMCell over x (B, T, *volume): input convolution with strides, padding and
    dilation; recurrent convolution with stride 1, 'same' padding, no dilation; gates i, f, c, o
    split along the kernels' last axis. Returns (outputs in processing order, [h, c])."""
    df = cfg.get("data_format", "channels_last")
    act = cfg.get("activation", "tanh")
    rec_act = cfg.get("recurrent_activation", "sigmoid")
    A = lambda name, v: activation(name, v, keras_major)  # noqa: E731
    strides = _tuple(cfg.get("strides", 1), nd)
    dilation = _tuple(cfg.get("dilation_rate", 1), nd)
    padding = cfg.get("padding", "valid")
    kernel, rkernel = w["kernel"], w["recurrent_kernel"]
    bias = w.get("bias") if cfg.get("use_bias", True) else None
    t = x.shape[1]
    h = c = None
    if initial_state:
        h, c = (_to_channels_last(np.asarray(s, dtype=np.float64), df) for s in initial_state)
    outs = []
    for s in (range(t - 1, -1, -1) if go_backwards else range(t)):
        xt = _to_channels_last(x[:, s], df)
        z = _conv_nd(xt, kernel, strides, padding, dilation)
        if bias is not None:
            z = z + bias
        if h is None:
            h = np.zeros(z.shape[:-1] + (z.shape[-1] // 4,))
            c = np.zeros_like(h)
        z = z + _conv_nd(h, rkernel, (1,) * nd, "same", (1,) * nd)
        zi, zf, zc, zo = np.split(z, 4, axis=-1)
        c = A(rec_act, zf) * c + A(rec_act, zi) * A(act, zc)
        h = A(rec_act, zo) * A(act, c)
        outs.append(_from_channels_last(h, df))
    return np.stack(outs, axis=1), [_from_channels_last(h, df), _from_channels_last(c, df)]


_CELL_KINDS = {"LSTMCell": "LSTM", "GRUCell": "GRU", "SimpleRNNCell": "SimpleRNN"}


def _generic_rnn_layer(cfg, weights, x, keras_major, mask=None, initial_state=None):
    """keras RNN(cell) and RNN(StackedRNNCells): at each timestep the input goes through the
    cells in order (each with its own states), the output is the last cell's; at a masked step
    every state is kept and the output is the previous one (zeros before the first step)."""
    cell = cfg["cell"]
    cells = cell["config"]["cells"] if cell["class_name"] == "StackedRNNCells" else [cell]
    specs, k = [], 0
    for c in cells:
        n = 3 if c["config"].get("use_bias", True) else 2
        specs.append((_CELL_KINDS[c["class_name"]], c["config"], _wdict(weights[k:k + n])))
        k += n
    b, t = x.shape[0], x.shape[1]
    states = []
    init = list(initial_state or [])
    for kind, ccfg, _ in specs:
        u = int(ccfg["units"])
        h = np.asarray(init.pop(0), dtype=np.float64) if initial_state else np.zeros((b, u))
        c = (np.asarray(init.pop(0), dtype=np.float64) if initial_state else np.zeros((b, u))) \
            if kind == "LSTM" else np.zeros((b, u))
        states.append((h, c))
    go_backwards = cfg.get("go_backwards", False)
    zero = cfg.get("zero_output_for_mask", False)
    prev = np.zeros((b, int(specs[-1][1]["units"])))
    outs = []
    for s in (range(t - 1, -1, -1) if go_backwards else range(t)):
        inp = x[:, s]
        new = []
        for (kind, ccfg, w), (h, c) in zip(specs, states):
            h_new, c_new = _cell_step(kind, ccfg, w, inp, h, c, keras_major)
            new.append((h_new, c_new))
            inp = h_new
        out = inp
        if mask is None:
            states = new
        else:
            keep = mask[:, s][:, None]
            out = np.where(keep, out, 0.0 if zero else prev)
            states = [(np.where(keep, hn, h), np.where(keep, cn, c)) for (hn, cn), (h, c) in zip(new, states)]
        prev = out
        outs.append(out)
    seq = np.stack(outs, axis=1)
    y = seq if cfg.get("return_sequences", False) else seq[:, -1]
    if not cfg.get("return_state", False):
        return [y]
    flat = []
    for (kind, _, _), (h, c) in zip(specs, states):
        flat += [h, c] if kind == "LSTM" else [h]
    return [y] + flat


def _rnn_layer(kind, cfg, w, x, keras_major, mask=None, initial_state=None):
    seq, states = _rnn_run(kind, cfg, w, x, keras_major, mask=mask, initial_state=initial_state)
    out = seq if cfg.get("return_sequences", False) else seq[:, -1]
    if cfg.get("return_state", False):
        return [out] + states
    return [out]


# ----------------------------------------------------------------- layers


# ----------------------------------------------------------------- attention


def _einsum_dense(cfg, w, x, prefix=""):
    """EinsumDense.call: einsum(equation, x, kernel) + bias (bias shaped as Keras builds it,
    aligned with the output's last axes), then the activation."""
    y = np.einsum(cfg["equation"], x, w[prefix + "kernel"])
    if prefix + "bias" in w:
        y = y + w[prefix + "bias"]
    return y


def _proj_equation(free_dims, bound_dims, output_dims):
    """multi_head_attention._build_proj_equation."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    out = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}"


def _attention_equations(rank, attn_axes):
    """multi_head_attention._build_attention_equation: (dot product, combine) equations."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    target = letters[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source = ""
    offset = rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += letters[offset]
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}"


def _masked_softmax(scores, mask, axes, zero_masked_rows):
    """Softmax over `axes` with Keras's -1e9 on masked logits. In float32 a row masked
    everywhere then holds -1e9 everywhere: uniform weights (Keras 3.10+'s Softmax multiplies
    by the mask instead: zeros). float64 would keep the scores' differences, so such rows are
    set explicitly."""
    if mask is None:
        z = scores - np.max(scores, axis=axes, keepdims=True)
        e = np.exp(z)
        return e / np.sum(e, axis=axes, keepdims=True)
    mask = np.broadcast_to(mask, scores.shape)
    z = np.where(mask, scores, -np.inf)
    any_kept = np.any(mask, axis=axes, keepdims=True)
    z = z - np.where(any_kept, np.max(z, axis=axes, keepdims=True), 0.0)
    e = np.where(mask, np.exp(np.where(mask, z, 0.0)), 0.0)
    total = np.sum(e, axis=axes, keepdims=True)
    probs = e / np.where(any_kept, total, 1.0)
    count = np.prod([scores.shape[a] for a in axes])
    fill = 0.0 if zero_masked_rows else 1.0 / count
    return np.where(any_kept, probs, fill)


def _multi_head_attention(cfg, w, inputs, masks, call, keras_major):
    names = call["inputs"]
    opts = call.get("kwargs", {})
    x = dict(zip(names, inputs))
    m = dict(zip(names, masks or [None] * len(inputs)))
    query, value = x["query"], x["value"]
    key = x.get("key", value)
    rank = query.ndim
    heads, key_dim = int(cfg["num_heads"]), int(cfg["key_dim"])
    value_dim = int(cfg.get("value_dim") or key_dim)
    out_shape = cfg.get("output_shape")
    out_shape = [query.shape[-1]] if not out_shape else ([out_shape] if isinstance(out_shape, int) else out_shape)

    def proj(t, name):
        eq = _proj_equation(t.ndim - 1, 1, 2)
        return _einsum_dense({"equation": eq}, w, t, name + ".")

    q, k, v = proj(query, "query"), proj(key, "key"), proj(value, "value")
    prank = rank + 1
    axes = cfg.get("attention_axes")
    if axes is None:
        axes = tuple(range(1, prank - 2))
    else:
        axes = (axes,) if isinstance(axes, int) else tuple(axes)
        axes = tuple(a if a >= 0 else (prank - 1) + a for a in axes)  # keras 3
    dot_eq, combine_eq = _attention_equations(prank, axes)
    q = q * (1.0 / math.sqrt(float(key_dim)))
    scores = np.einsum(dot_eq, k, q)

    # _compute_attention_mask: query mask [B, T, 1], value / explicit key mask [B, 1, S],
    # causal [1, T, S], AND the attention_mask.
    auto = None
    for part in ([m.get("query")[:, :, None]] if m.get("query") is not None else []) + \
            [m[n][:, None, :] for n in ("value", "key") if m.get(n) is not None]:
        auto = part if auto is None else auto & part
    if opts.get("use_causal_mask"):
        t, s = query.shape[1], value.shape[1]
        causal = (np.arange(t)[:, None] >= np.arange(s)[None, :])[None]
        auto = causal if auto is None else auto & causal
    mask = None if x.get("attention_mask") is None else x["attention_mask"] != 0
    if auto is not None:
        mask = auto if mask is None else mask & auto
    if mask is not None:
        for _ in range(scores.ndim - mask.ndim):
            mask = np.expand_dims(mask, axis=-len(axes) * 2 - 1)
    norm_axes = tuple(range(scores.ndim - len(axes), scores.ndim))
    zero_rows = keras_major >= 3 and (bool(opts.get("return_attention_scores")) or prank != 4)
    probs = _masked_softmax(scores, mask, norm_axes, zero_rows)
    ctx = np.einsum(combine_eq, probs, v)
    eq = _proj_equation(rank - 1, 2, len(out_shape))
    out = _einsum_dense({"equation": eq}, w, ctx, "attention_output.")
    return [out, probs] if opts.get("return_attention_scores") else [out]


def _dense_attention(cn, cfg, w, inputs, masks, call):
    """Attention / AdditiveAttention (tf.keras BaseDenseAttention, keras 3 Attention)."""
    opts = call.get("kwargs", {})
    q, v = inputs[0], inputs[1]
    k = inputs[2] if len(inputs) > 2 else v
    q_mask = masks[0] if masks else None
    v_mask = masks[1] if masks else None
    if cn == "AdditiveAttention":
        scale = w["scale"] if cfg.get("use_scale", True) else 1.0
        scores = np.sum(scale * np.tanh(q[:, :, None, :] + k[:, None, :, :]), axis=-1)
    elif cfg.get("score_mode", "dot") == "concat":
        scale = float(w["scale"]) if cfg.get("use_scale") else 1.0
        scores = float(w["concat_score_weight"]) * np.sum(np.tanh(scale * (q[:, :, None, :] + k[:, None, :, :])), axis=-1)
    else:
        scores = q @ np.swapaxes(k, 1, 2)
        if cfg.get("use_scale"):
            scores = scores * float(w["scale"])
    mask = None if v_mask is None else v_mask[:, None, :]
    if opts.get("use_causal_mask") or cfg.get("causal"):
        causal = (np.arange(scores.shape[1])[:, None] >= np.arange(scores.shape[2])[None, :])[None]
        mask = causal if mask is None else mask & causal
    weights = _masked_softmax(scores, mask, (2,), False)
    out = weights @ v
    if q_mask is not None:
        out = out * q_mask[:, :, None]
    return [out, weights] if opts.get("return_attention_scores") else [out]


_ATTENTION = {"MultiHeadAttention", "Attention", "AdditiveAttention"}


def _wdict(weights):
    return {name: np.asarray(v, dtype=np.float64) for name, v in weights}


def call_layer(class_name, cfg, weights, inputs, keras_major, masks=None):
    """Run one (non-model) layer. weights: list of (var_name, array); masks:
    the Keras mask of each input (bool arrays, None where an input has none),
    for the layers whose call() takes a mask."""
    w = _wdict(weights)
    x = inputs[0] if inputs else None
    mask = masks[0] if masks else None
    cn = class_name

    if cn == "InputLayer":
        return [x]
    if cn == "EinsumDense":
        return [activation(cfg.get("activation"), _einsum_dense(cfg, w, x), keras_major)]
    if cn == "MultiHeadAttention":
        return _multi_head_attention(cfg, w, inputs, masks, cfg["_call"], keras_major)
    if cn in ("Attention", "AdditiveAttention"):
        return _dense_attention(cn, cfg, w, inputs, masks, cfg["_call"])
    if cn in numpy_ref_preprocessing.CLASSES:
        return numpy_ref_preprocessing.call_layer(cn, cfg, w, x, keras_major)
    if cn in numpy_ref_local.CLASSES:
        return numpy_ref_local.call_layer(cn, cfg, w, x, keras_major)
    if cn == "Dense":
        y = np.tensordot(x, w["kernel"], axes=([x.ndim - 1], [0]))
        if cfg.get("use_bias", True):
            y = y + w["bias"]
        return [activation(cfg.get("activation"), y, keras_major)]
    if cn == "Activation":
        return [activation(cfg["activation"], x, keras_major)]
    if cn == "ReLU":
        mv = cfg.get("max_value")
        slope = float(cfg.get("negative_slope", 0.0) or 0.0)
        thr = float(cfg.get("threshold", 0.0) or 0.0)
        pos = np.where(x > thr, x, 0.0) if thr != 0 else np.maximum(x, 0.0)
        if mv is not None:
            pos = np.clip(pos, 0.0, float(mv))
        neg = np.maximum(thr - x, 0.0)
        return [pos - slope * neg]
    if cn == "LeakyReLU":
        a = cfg.get("negative_slope", cfg.get("alpha", 0.3))
        return [np.where(x >= 0, x, float(a) * x)]
    if cn == "PReLU":
        alpha = w["alpha"]
        return [np.maximum(x, 0.0) + alpha * np.minimum(x, 0.0)]
    if cn == "ELU":
        return [_elu(x, float(cfg.get("alpha", 1.0)))]
    if cn == "ThresholdedReLU":
        return [np.where(x > float(cfg.get("theta", 1.0)), x, 0.0)]
    if cn == "Softmax":
        axis = cfg.get("axis", -1)
        axis = tuple(axis) if isinstance(axis, list) else axis
        if mask is not None:  # keras Softmax.call: masked logits get -1e9 (float32)
            x = x + (1.0 - mask.astype(np.float64)) * -1e9
        z = x - np.max(x, axis=axis, keepdims=True)
        e = np.exp(z)
        return [e / np.sum(e, axis=axis, keepdims=True)]

    if cn in ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"):
        nd = int(cn[4])
        df = cfg.get("data_format", "channels_last")
        op = cfg.get("output_padding")
        y = _conv_transpose_nd(_to_channels_last(x, df), w["kernel"], _tuple(cfg.get("strides", 1), nd),
                               cfg.get("padding", "valid"), None if op is None else _tuple(op, nd),
                               _tuple(cfg.get("dilation_rate", 1), nd))
        if cfg.get("use_bias", True):
            y = y + w["bias"]
        return [_from_channels_last(activation(cfg.get("activation"), y, keras_major), df)]
    if cn in ("DepthwiseConv1D", "SeparableConv1D"):
        df = cfg.get("data_format", "channels_last")
        y = _depthwise_conv_nd(_to_channels_last(x, df), w["depthwise_kernel"], _tuple(cfg.get("strides", 1), 1),
                               cfg.get("padding", "valid"), _tuple(cfg.get("dilation_rate", 1), 1))
        if cn == "SeparableConv1D":
            y = _conv_nd(y, w["pointwise_kernel"], (1,), "valid", (1,))
        if cfg.get("use_bias", True):
            y = y + w["bias"]
        return [_from_channels_last(activation(cfg.get("activation"), y, keras_major), df)]
    if cn in ("Conv1D", "Conv2D", "Conv3D"):
        nd = int(cn[4])
        df = cfg.get("data_format", "channels_last")
        xl = _to_channels_last(x, df)
        y = _conv_nd(xl, w["kernel"], _tuple(cfg.get("strides", 1), nd), cfg.get("padding", "valid"),
                     _tuple(cfg.get("dilation_rate", 1), nd), int(cfg.get("groups", 1) or 1))
        if cfg.get("use_bias", True):
            y = y + w["bias"]
        y = activation(cfg.get("activation"), y, keras_major)
        return [_from_channels_last(y, df)]
    if cn == "DepthwiseConv2D":
        df = cfg.get("data_format", "channels_last")
        xl = _to_channels_last(x, df)
        y = _depthwise_conv2d(xl, w["depthwise_kernel"], _tuple(cfg.get("strides", 1), 2),
                              cfg.get("padding", "valid"), _tuple(cfg.get("dilation_rate", 1), 2))
        if cfg.get("use_bias", True):
            y = y + w["bias"]
        y = activation(cfg.get("activation"), y, keras_major)
        return [_from_channels_last(y, df)]
    if cn == "SeparableConv2D":
        df = cfg.get("data_format", "channels_last")
        xl = _to_channels_last(x, df)
        y = _depthwise_conv2d(xl, w["depthwise_kernel"], _tuple(cfg.get("strides", 1), 2),
                              cfg.get("padding", "valid"), _tuple(cfg.get("dilation_rate", 1), 2))
        y = _conv_nd(y, w["pointwise_kernel"], (1, 1), "valid", (1, 1))
        if cfg.get("use_bias", True):
            y = y + w["bias"]
        y = activation(cfg.get("activation"), y, keras_major)
        return [_from_channels_last(y, df)]

    if cn in ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
              "AveragePooling3D"):
        nd = int(cn[-2])
        df = cfg.get("data_format", "channels_last")
        pool = _tuple(cfg.get("pool_size", 2), nd)
        strides = cfg.get("strides")
        strides = pool if strides is None else _tuple(strides, nd)
        xl = _to_channels_last(x, df)
        y = _pool_nd(xl, pool, strides, cfg.get("padding", "valid"), "max" if cn.startswith("Max") else "avg")
        return [_from_channels_last(y, df)]
    if cn == "GlobalAveragePooling1D" and mask is not None:
        # keras 3 GlobalAveragePooling1D.call: where(mask, x, 0) summed over the steps,
        # divided by the number of unmasked steps
        df = cfg.get("data_format", "channels_last")
        steps_axis = 1 if df == "channels_last" else 2
        m = np.expand_dims(mask, 2 if df == "channels_last" else 1)
        y = np.sum(np.where(m, x, 0.0), axis=steps_axis, keepdims=cfg.get("keepdims", False))
        return [y / np.sum(m.astype(np.float64), axis=steps_axis, keepdims=cfg.get("keepdims", False))]
    if cn in ("GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
              "GlobalMaxPooling2D", "GlobalMaxPooling3D"):
        df = cfg.get("data_format", "channels_last")
        xl = _to_channels_last(x, df)
        axes = tuple(range(1, xl.ndim - 1))
        y = np.mean(xl, axis=axes, keepdims=True) if "Average" in cn else np.max(xl, axis=axes, keepdims=True)
        if cfg.get("keepdims", False):
            return [_from_channels_last(y, df)]
        return [y.reshape(y.shape[0], -1)]

    if cn == "BatchNormalization":
        axis = cfg.get("axis", -1)
        if isinstance(axis, list):
            axis = axis[0] if len(axis) == 1 else axis
        axes = [axis] if isinstance(axis, int) else list(axis)
        axes = [a % x.ndim for a in axes]
        bshape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
        gamma = w["gamma"].reshape(bshape) if cfg.get("scale", True) else 1.0
        beta = w["beta"].reshape(bshape) if cfg.get("center", True) else 0.0
        mean = w["moving_mean"].reshape(bshape)
        var = w["moving_variance"].reshape(bshape)
        eps = float(cfg.get("epsilon", 1e-3))
        return [(x - mean) / np.sqrt(var + eps) * gamma + beta]
    if cn == "LayerNormalization":
        axis = cfg.get("axis", -1)
        axes = [axis] if isinstance(axis, int) else list(axis)
        axes = sorted(a % x.ndim for a in axes)
        mean = np.mean(x, axis=tuple(axes), keepdims=True)
        var = np.mean((x - mean) ** 2, axis=tuple(axes), keepdims=True)
        eps = float(cfg.get("epsilon", 1e-3))
        y = (x - mean) / np.sqrt(var + eps)
        bshape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
        if cfg.get("scale", True):
            y = y * w["gamma"].reshape(bshape)
        if cfg.get("center", True):
            y = y + w["beta"].reshape(bshape)
        return [y]

    if cn == "Flatten":
        if cfg.get("data_format") == "channels_first" and x.ndim > 2:
            x = np.moveaxis(x, 1, -1)
        return [x.reshape(x.shape[0], -1)]
    if cn == "Reshape":
        return [x.reshape((x.shape[0],) + tuple(cfg["target_shape"]))]
    if cn == "Permute":
        return [np.transpose(x, [0] + [int(d) for d in cfg["dims"]])]
    if cn == "RepeatVector":
        return [np.repeat(x[:, None, :], int(cfg["n"]), axis=1)]
    if cn in ("ZeroPadding1D", "ZeroPadding3D", "Cropping1D", "Cropping3D"):
        nd = int(cn[-2])
        key = "padding" if cn.startswith("Zero") else "cropping"
        v = cfg[key]
        pairs = [tuple(v)] if nd == 1 else [tuple(p) for p in v]
        df = cfg.get("data_format", "channels_last")
        xl = _to_channels_last(x, df)
        if key == "padding":
            y = np.pad(xl, [(0, 0)] + pairs + [(0, 0)])
        else:
            y = xl[(slice(None),) + tuple(slice(a, xl.shape[1 + i] - b) for i, (a, b) in enumerate(pairs))]
        return [_from_channels_last(y, df)]
    if cn in ("UpSampling1D", "UpSampling3D"):
        nd = int(cn[-2])
        df = cfg.get("data_format", "channels_last")
        y = _to_channels_last(x, df)
        for i, f in enumerate(_tuple(cfg.get("size", 2), nd)):
            y = np.repeat(y, f, axis=1 + i)
        return [_from_channels_last(y, df)]
    if cn == "ZeroPadding2D":
        (t, b), (l, r) = cfg["padding"]
        df = cfg.get("data_format", "channels_last")
        xl = _to_channels_last(x, df)
        return [_from_channels_last(np.pad(xl, [(0, 0), (t, b), (l, r), (0, 0)]), df)]
    if cn == "Cropping2D":
        (t, b), (l, r) = cfg["cropping"]
        df = cfg.get("data_format", "channels_last")
        xl = _to_channels_last(x, df)
        h, wd = xl.shape[1], xl.shape[2]
        return [_from_channels_last(xl[:, t:h - b, l:wd - r], df)]
    if cn == "UpSampling2D":
        sh, sw = _tuple(cfg.get("size", 2), 2)
        df = cfg.get("data_format", "channels_last")
        xl = _to_channels_last(x, df)
        method = cfg.get("interpolation", "nearest")
        if method == "bilinear":
            y = _resize_bilinear_half_pixel(xl, xl.shape[1] * sh, xl.shape[2] * sw)
        elif method != "nearest":  # tf.image.resize(method), antialias=False
            y = numpy_ref_preprocessing.resize(xl, xl.shape[1] * sh, xl.shape[2] * sw, method)
        else:
            y = np.repeat(np.repeat(xl, sh, axis=1), sw, axis=2)
        return [_from_channels_last(y, df)]

    if cn in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
              "GaussianDropout", "AlphaDropout", "ActivityRegularization"):
        return [x]  # inference: identity
    if cn == "Masking":  # keras Masking.call: x * any(x != mask_value, axis=-1, keepdims=True)
        keep = np.any(x != np.float32(cfg.get("mask_value", 0.0)), axis=-1, keepdims=True)
        return [x * keep.astype(np.float64)]

    if keras_major >= 3 and cn in ("Maximum", "Minimum", "Multiply") and masks and any(m is not None for m in masks):
        return [_k3_masked_merge(cn, inputs, masks)]
    if cn == "Add":
        return [sum(inputs[1:], inputs[0])]
    if cn == "Subtract":
        return [inputs[0] - inputs[1]]
    if cn == "Multiply":
        y = inputs[0]
        for v in inputs[1:]:
            y = y * v
        return [y]
    if cn == "Average":
        return [sum(inputs[1:], inputs[0]) / len(inputs)]
    if cn == "Maximum":
        return [np.maximum.reduce(inputs)]
    if cn == "Minimum":
        return [np.minimum.reduce(inputs)]
    if cn == "Concatenate":
        return [np.concatenate(inputs, axis=int(cfg.get("axis", -1)))]
    if cn == "Dot":
        a, b = inputs
        axes = cfg["axes"]
        axes = [axes, axes] if isinstance(axes, int) else list(axes)
        axes = [ax % v.ndim for ax, v in zip(axes, (a, b))]
        if cfg.get("normalize", False):
            a = _l2_normalize(a, axes[0])
            b = _l2_normalize(b, axes[1])
        out = np.stack([np.tensordot(a[i], b[i], axes=([axes[0] - 1], [axes[1] - 1])) for i in range(a.shape[0])])
        if out.ndim == 1:
            out = out[:, None]
        return [out]

    if cn == "Embedding":
        idx = x.astype(np.int32)  # Keras casts float indices to int32 (truncation)
        return [w["embeddings"][idx]]

    if cn in ("SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"):
        return _rnn_layer(cn, cfg, w, x, keras_major, mask=mask, initial_state=inputs[1:])

    if cn in ("CuDNNLSTM", "CuDNNGRU"):
        # keras 2 saving.py converts cuDNN weights for LSTM / GRU(reset_after=True): per gate, the
        # input kernel is read in Fortran order after a transpose, the recurrent kernel transposed;
        # LSTM sums the input and recurrent biases, GRU keeps both rows
        gates = 4 if cn == "CuDNNLSTM" else 3
        kernel = np.hstack([k.T.reshape(k.shape, order="F") for k in np.hsplit(w["kernel"], gates)])
        rkernel = np.hstack([k.T for k in np.hsplit(w["recurrent_kernel"], gates)])
        halves = np.split(w["bias"], 2)
        bias = halves[0] + halves[1] if gates == 4 else np.stack(halves)
        rcfg = dict(cfg, activation="tanh", recurrent_activation="sigmoid", use_bias=True, reset_after=True)
        kind = "LSTM" if gates == 4 else "GRU"
        return _rnn_layer(kind, rcfg, {"kernel": kernel, "recurrent_kernel": rkernel, "bias": bias}, x,
                          keras_major, mask=mask, initial_state=inputs[1:])

    if cn == "RNN":
        return _generic_rnn_layer(cfg, weights, x, keras_major, mask=mask, initial_state=inputs[1:])

    if cn == "Bidirectional":
        inner = cfg["layer"]
        icn, icfg = inner["class_name"], inner["config"]
        n = len(weights) // 2
        wf, wb = _wdict(weights[:n]), _wdict(weights[n:])
        # keras Bidirectional forces zero_output_for_mask = return_sequences on both layers
        zero = icfg.get("return_sequences", False)
        # initial states: the first half for the forward layer, the rest for the backward one
        half = (len(inputs) - 1) // 2
        fwd_seq, fwd_states = _rnn_run(icn, icfg, wf, x, keras_major, go_backwards=icfg.get("go_backwards", False),
                                       mask=mask, zero_output_for_mask=zero, initial_state=inputs[1:1 + half])
        bwd_seq, bwd_states = _rnn_run(icn, icfg, wb, x, keras_major,
                                       go_backwards=not icfg.get("go_backwards", False), mask=mask,
                                       zero_output_for_mask=zero, initial_state=inputs[1 + half:])
        if icfg.get("return_sequences", False):
            yf, yb = fwd_seq, bwd_seq[:, ::-1]
        else:
            yf, yb = fwd_seq[:, -1], bwd_seq[:, -1]
        mode = cfg.get("merge_mode", "concat")
        if mode == "concat":
            out = [np.concatenate([yf, yb], axis=-1)]
        elif mode == "sum":
            out = [yf + yb]
        elif mode == "mul":
            out = [yf * yb]
        elif mode == "ave":
            out = [(yf + yb) / 2.0]
        elif mode is None:
            out = [yf, yb]
        else:
            raise NotImplementedError(mode)
        if icfg.get("return_state", False):
            out = out + fwd_states + bwd_states
        return out

    if cn == "SpectralNormalization":
        # at inference Keras only calls the wrapped layer, on its kernel as stored; vector_u (the
        # power-iteration estimate) serves the training-time update
        inner = cfg["layer"]
        return call_layer(inner["class_name"], inner["config"], weights, inputs, keras_major, masks)

    if cn == "TimeDistributed":
        inner = cfg["layer"]
        b, t = x.shape[0], x.shape[1]
        flat = x.reshape((b * t,) + x.shape[2:])
        # the wrapped layer's call gets each timestep's slice of the mask (keras 3 mask[i],
        # tf.keras reshape to (batch * time, ...)); a (batch, time) mask leaves it a mask without
        # a time axis, which keras cannot run for the layers that read masks
        inner_mask = None
        if mask is not None and inner["class_name"] in _MASK_READERS:
            if mask.ndim < 3:
                raise ValueError("TimeDistributed: a (batch, time) mask cannot reach the wrapped layer")
            inner_mask = [mask.reshape((b * t,) + mask.shape[2:])]
        y = call_layer(inner["class_name"], inner["config"], weights, [flat], keras_major, inner_mask)[0]
        return [y.reshape((b, t) + y.shape[1:])]

    raise NotImplementedError(f"numpy_ref: layer class {cn}")


# ----------------------------------------------------------------- masks
# Keras masks (Embedding(mask_zero=True), Masking), from the keras 3 and tf-keras sources:
# layer.py (supports_masking, default compute_mask), each layer's compute_mask and the call()
# arguments named `mask`.

# Layers whose call() reads the mask of their (single) input.
_MASK_READERS = {"SimpleRNN", "LSTM", "GRU", "RNN", "Bidirectional", "GlobalAveragePooling1D", "Softmax",
                 "TimeDistributed"} | _ATTENTION

# supports_masking = True with the default compute_mask (the input's mask passes on), in
# tf-keras and keras 3; the inference identities return their input tensor, mask attached.
_MASK_PASSING = {"Dense", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU",
                 "Softmax", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                 "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
                 "Identity", "BatchNormalization", "LayerNormalization", "GroupNormalization",
                 "UnitNormalization", "Rescaling"}

_MERGES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}


def _k3_masked_merge(cn, inputs, masks):
    """keras 3 (>= 3.4) Maximum / Minimum (Merge._apply_merge_op_and_or_mask)
    and Multiply._merge_function with input masks."""
    wide = [None if m is None else np.broadcast_to(m[..., None], x.shape) for x, m in zip(inputs, masks)]
    if cn == "Multiply":
        has_output_mask = all(m is not None for m in wide)
        output, output_mask = None, None
        for x, m in zip(inputs, wide):
            if m is not None:
                x = np.where(m, x, 1.0)
                if has_output_mask:
                    output_mask = m if output_mask is None else np.logical_or(output_mask, m)
            output = x if output is None else output * x
        if has_output_mask:
            output = np.where(output_mask, output, 0.0)
        return output
    op = np.maximum if cn == "Maximum" else np.minimum
    output, output_mask = None, None
    for x, m in zip(inputs, wide):
        if output is None:
            output, output_mask = x, m
            continue
        if m is not None:
            x = np.where(m, x, output)
        if output_mask is not None:
            output = np.where(output_mask, output, x)
        output_mask = np.logical_or(output_mask, m) if (m is not None and output_mask is not None) else None
        output = op(output, x)
    return output


def _concatenate_mask(cfg, inputs, masks, keras_major):
    """Concatenate.compute_mask: keras 3 broadcasts each mask over the last axis and
    reduces with any; tf-keras expands a last axis of 1 and reduces with all."""
    if all(m is None for m in masks):
        return None
    axis = int(cfg.get("axis", -1))
    parts = []
    for x, m in zip(inputs, masks):
        if m is None:
            parts.append(np.ones_like(x, dtype=bool))
        elif m.ndim < x.ndim:
            parts.append(np.broadcast_to(m[..., None], x.shape) if keras_major >= 3 else m[..., None])
        else:
            parts.append(m)
    cat = np.concatenate(parts, axis=axis)
    return np.any(cat, axis=-1) if keras_major >= 3 else np.all(cat, axis=-1)


def output_masks(cn, cfg, inputs, masks, n_outputs, keras_major):
    """The Keras masks of one layer call's outputs (None: no mask)."""
    masks = masks or [None] * len(inputs)
    first = masks[0]
    none = [None] * n_outputs
    if cn == "Embedding":  # compute_mask on the raw (uncast) input
        return [inputs[0] != 0] + none[1:] if cfg.get("mask_zero", False) else none
    if cn == "Masking":
        return [np.any(inputs[0] != np.float32(cfg.get("mask_value", 0.0)), axis=-1)]
    if cn == "TimeDistributed":
        if keras_major >= 3:  # supports_masking, default compute_mask
            return [first]
        # tf-keras TimeDistributed.compute_mask: the wrapped layer's mask on (batch * time, ...)
        # reshaped back, or else the input mask reduced with any to (batch, time)
        inner = cfg["layer"]
        x = inputs[0]
        b, t = x.shape[0], x.shape[1]
        flat = x.reshape((b * t,) + x.shape[2:])
        flat_mask = None if first is None else first.reshape((b * t,) + first.shape[2:])
        inner_mask = output_masks(inner["class_name"], inner["config"], [flat], [flat_mask], 1, keras_major)[0]
        if inner_mask is not None:
            return [inner_mask.reshape((b, t) + inner_mask.shape[1:])]
        if first is None:
            return [None]
        return [np.any(first.reshape(b, t, -1), axis=-1)]
    if all(m is None for m in masks):
        return none
    if cn in ("SimpleRNN", "LSTM", "GRU", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"):  # RNN.compute_mask
        return [first if cfg.get("return_sequences", False) else None] + none[1:]
    if cn == "Bidirectional":  # Bidirectional.compute_mask
        sequences = cfg["layer"]["config"].get("return_sequences", False)
        count = 2 if cfg.get("merge_mode", "concat") is None else 1
        return [first if sequences and i < count else None for i in range(n_outputs)]
    if cn in _MERGES:  # tf-keras _Merge: AND of the masks present; keras 3 Merge: OR of all, if all
        if keras_major >= 3:
            return none if any(m is None for m in masks) else [np.logical_or.reduce(masks)]
        return [np.logical_and.reduce([m for m in masks if m is not None])]
    if cn == "Concatenate":
        return [_concatenate_mask(cfg, inputs, masks, keras_major)]
    if cn in _MASK_PASSING or cn in _ATTENTION:  # the attention layers keep the query's mask
        return [first] + none[1:]
    return none  # keras 3 drops the mask (keras 2 would refuse to build)


# ----------------------------------------------------------------- models

MODEL_CLASSES = ("Sequential", "Functional", "Model")


class Recorder:
    """Records the input shapes of every layer call: {(path, node): [shapes]}."""

    def __init__(self):
        self.calls = {}

    def add(self, path, node, shapes):
        self.calls[(path, node)] = shapes


def run_model(model, weights, inputs, keras_major, path=(), rec=None, masks=None):
    """model: {"class_name", "config"}; weights: {path tuple: [(name, arr)]};
    inputs: list of arrays; masks: their Keras masks (None: none). Returns
    (outputs, output masks)."""
    masks = masks if masks is not None else [None] * len(inputs)
    cn, cfg = model["class_name"], model["config"]
    if cn == "Sequential":
        layers = cfg["layers"] if isinstance(cfg, dict) else cfg
        x, mask = inputs[0], masks[0]
        for layer in layers:
            if layer["class_name"] == "InputLayer":
                continue
            name = layer["config"]["name"]
            if rec is not None:
                rec.add(path + (name,), 0, [x.shape])
            outs, out_masks = call_any(layer, weights, [x], keras_major, path + (name,), rec, [mask])
            x, mask = outs[0], out_masks[0]
        return [x], [mask]
    # Functional
    layers = cfg["layers"]
    by_name = {layer["name"]: layer for layer in layers}
    produced = {}  # (layer, node_index) -> (outputs, output masks)
    for (lname, node, idx), x, m in zip(_as_list3(cfg["input_layers"]), inputs, masks):
        produced[(lname, node)] = ([x], [m])
    pending = [(layer["name"], k) for layer in layers for k in range(len(layer["inbound_nodes"]))]
    while pending:
        progressed = False
        for item in list(pending):
            lname, k = item
            node = by_name[lname]["inbound_nodes"][k]
            refs = _node_inputs(node)
            if not all((r[0], r[1]) in produced for r in refs):
                continue
            xs = [produced[(r[0], r[1])][0][r[2]] for r in refs]
            ms = [produced[(r[0], r[1])][1][r[2]] for r in refs]
            layer = _with_call(by_name[lname], node)
            if rec is not None:
                rec.add(path + (lname,), k, [v.shape for v in xs])
            # Nested models start with an internal node that configs skip, so
            # their call k is referenced as node k + 1 (tf.keras and keras 3).
            key = k + 1 if layer["class_name"] in MODEL_CLASSES else k
            produced[(lname, key)] = call_any(layer, weights, xs, keras_major, path + (lname,), rec, ms)
            pending.remove(item)
            progressed = True
        if not progressed:
            raise ValueError(f"graph cannot be executed; pending {pending}")
    refs = _as_list3(cfg["output_layers"])
    return ([produced[(lname, node)][0][idx] for lname, node, idx in refs],
            [produced[(lname, node)][1][idx] for lname, node, idx in refs])


def _as_list3(v):
    if len(v) == 3 and isinstance(v[0], str):
        return [v]
    return v


def _node_inputs(node):
    """Keras 2 node: [[layer, node, tensor, kwargs], ...]; tensors passed by keyword (value,
    key, attention_mask of MultiHeadAttention) follow as [layer, node, tensor] in kwargs."""
    refs = [(r[0], r[1], r[2]) for r in node]
    kwargs = node[0][3] if len(node) == 1 and len(node[0]) > 3 else {}
    for name in ("value", "key", "attention_mask"):
        if isinstance(kwargs.get(name), list):
            refs.append(tuple(kwargs[name]))
    return refs


def _with_call(layer, node):
    """The layer entry with its call's arguments (names of the inputs, options) in
    config["_call"], for the attention layers."""
    if layer["class_name"] not in _ATTENTION:
        return layer
    kwargs = dict(node[0][3]) if len(node[0]) > 3 else {}
    if layer["class_name"] == "MultiHeadAttention":
        names = ["query"] + [n for n in ("value", "key", "attention_mask") if isinstance(kwargs.get(n), list)]
    else:
        names = ["query", "value", "key"][:len(node)]
    options = {k: v for k, v in kwargs.items() if not isinstance(v, list)}
    return dict(layer, config=dict(layer["config"], _call={"inputs": names, "kwargs": options}))


def call_any(layer, weights, xs, keras_major, path, rec, masks):
    """One call of a layer or nested model: (outputs, output masks)."""
    cn = layer["class_name"]
    if cn in MODEL_CLASSES:
        return run_model(layer, weights, xs, keras_major, path, rec, masks)
    cfg = layer["config"]
    reads = masks if cn in _MASK_READERS or cn in ("Maximum", "Minimum", "Multiply") else None
    outs = call_layer(cn, cfg, weights.get(path, []), xs, keras_major, reads)
    return outs, output_masks(cn, cfg, xs, masks, len(outs), keras_major)


def predict(model, weights, inputs, keras_major, record=False):
    """Float64 compute, float32 result. Returns (outputs, recorder|None)."""
    rec = Recorder() if record else None
    xs = [np.asarray(x, dtype=np.float64) for x in inputs]
    outs, _ = run_model(model, weights, xs, keras_major, (), rec)
    return [np.asarray(o, dtype=np.float32) for o in outs], rec
