"""NumPy reference for the normalization and preprocessing layers (float64), written from the
Keras 3 and tf.keras 2.15 sources: keras/src/layers/normalization/{group,unit}_normalization.py,
keras/src/layers/preprocessing/{normalization,rescaling,discretization,category_encoding}.py,
keras/src/layers/preprocessing/image_preprocessing/{resizing,center_crop,random_*}.py and
keras/src/backend/tensorflow/image.py (tf.image.resize with antialias=False: the
ResizeNearestNeighbor / ResizeBilinear / ResizeBicubic / ResizeArea kernels of TensorFlow).
"""

import math

import numpy as np

KERAS_EPSILON = 1e-7
IDENTITY_AT_INFERENCE = {"RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
                         "RandomBrightness", "RandomHeight", "RandomWidth"}
CLASSES = {"GroupNormalization", "UnitNormalization", "Normalization", "Rescaling", "Resizing", "CenterCrop",
           "RandomCrop", "Discretization", "CategoryEncoding"} | IDENTITY_AT_INFERENCE


def _f32(v):
    return float(np.float32(v))


# ----------------------------------------------------------------- resize (one axis)

def _cubic(t):
    """Keys cubic kernel, a = -0.5, at |t|."""
    a = -0.5
    t = abs(t)
    if t <= 1:
        return ((a + 2) * t - (a + 3)) * t * t + 1
    if t < 2:
        return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return 0.0


# tf.image.resize sends these through the ScaleAndTranslate op (kernel_type = the method name):
# each output position o samples the input at s = (o + 0.5) * in / out and weighs the input
# pixels whose centres i + 0.5 lie within the kernel's radius of s, weights normalised to sum 1
# (antialias=False: the kernel is not widened when downscaling).
def _lanczos(radius):
    def k(x):
        x = abs(x)
        if x > radius:
            return 0.0
        if x <= 1e-3:
            return 1.0
        return radius * math.sin(math.pi * x) * math.sin(math.pi * x / radius) / (math.pi ** 2 * x * x)
    return k, radius


def _gaussian(x):  # sigma 0.5, support three sigmas
    x = abs(x)
    return 0.0 if x >= 1.5 else math.exp(-x * x / (2 * 0.25))


def _mitchell(x):  # Mitchell-Netravali, B = C = 1/3
    x = abs(x)
    if x >= 2:
        return 0.0
    if x >= 1:
        return ((-7 / 18 * x + 2) * x - 10 / 3) * x + 16 / 9
    return (7 / 6 * x - 2) * x * x + 8 / 9


_SCALE_AND_TRANSLATE = {"lanczos3": _lanczos(3), "lanczos5": _lanczos(5), "gaussian": (_gaussian, 1.5),
                        "mitchellcubic": (_mitchell, 2.0)}


def _axis_matrix(method, in_size, out_size):
    """(out_size, in_size) weights of tf.image.resize(method, antialias=False) along one axis."""
    scale = np.float32(in_size) / np.float32(out_size)  # TF computes the scale in float32
    m = np.zeros((out_size, in_size))
    for o in range(out_size):
        center = (np.float32(o) + np.float32(0.5)) * scale
        if method == "nearest":  # half-pixel centers, floor
            m[o, min(max(int(math.floor(center)), 0), in_size - 1)] = 1.0
        elif method == "bilinear":  # half-pixel centers, clamped
            src = float(center - np.float32(0.5))
            lo = math.floor(src)
            frac = src - lo
            m[o, min(max(lo, 0), in_size - 1)] += 1.0 - frac
            m[o, min(max(lo + 1, 0), in_size - 1)] += frac
        elif method == "bicubic":  # taps outside the image dropped, weights renormalised
            src = float(center - np.float32(0.5))
            base = math.floor(src)
            # TF reads the kernel from a 1024-step table at the rounded fractional position
            frac = round((src - base) * 1024) / 1024
            taps = [(base + k, _cubic(frac - k)) for k in (-1, 0, 1, 2)]
            taps = [(i, wt) for i, wt in taps if 0 <= i < in_size]
            total = sum(wt for _, wt in taps)
            for i, wt in taps:
                m[o, i] += wt / total
        elif method == "area":  # box [o * scale, (o + 1) * scale), no half-pixel centers
            begin, end = float(o * scale), float((o + 1) * scale)
            for i in range(int(math.floor(begin)), int(math.ceil(end))):
                overlap = min(i + 1, end) - max(i, begin)
                m[o, min(i, in_size - 1)] += overlap / float(scale)
        elif method in _SCALE_AND_TRANSLATE:
            kernel, radius = _SCALE_AND_TRANSLATE[method]
            s = (o + 0.5) * float(np.float32(1.0 / float(np.float32(out_size) / np.float32(in_size))))
            first = min(max(math.ceil(s - radius - 0.5), 0), in_size - 1)
            last = min(max(math.floor(s + radius - 0.5), 0), in_size - 1)
            taps = [(i, kernel(i + 0.5 - s)) for i in range(first, last + 1)]
            total = sum(wt for _, wt in taps)
            for i, wt in taps:
                m[o, i] += wt / total
        else:
            raise NotImplementedError(method)
    return m


def resize(x, out_h, out_w, method):
    """x: (B, H, W, C) channels_last."""
    my = _axis_matrix(method, x.shape[1], out_h)
    mx = _axis_matrix(method, x.shape[2], out_w)
    return np.einsum("oh,bhwc,pw->bopc", my, x, mx)


def _aspect_crop(x, th, tw):
    """Keras smart_resize / crop_to_aspect_ratio box (float32 arithmetic, truncated)."""
    h, w = x.shape[1], x.shape[2]
    ch = max(min(h, int(np.float32(w * th) / np.float32(tw))), 1)
    cw = max(min(w, int(np.float32(h * tw) / np.float32(th))), 1)
    top = int(np.float32(h - ch) / np.float32(2))
    left = int(np.float32(w - cw) / np.float32(2))
    return x[:, top:top + ch, left:left + cw]


def _pad_to_aspect(x, th, tw, fill):
    """keras/src/backend/tensorflow/image.py resize(pad_to_aspect_ratio=True): the margin is
    added on both sides."""
    h, w = x.shape[1], x.shape[2]
    ph = max(h, int(np.float32(w * th) / np.float32(tw)))
    pw = max(w, int(np.float32(h * tw) / np.float32(th)))
    top = int(np.float32(ph - h) / np.float32(2))
    left = int(np.float32(pw - w) / np.float32(2))
    return np.pad(x, [(0, 0), (top, top), (left, left), (0, 0)], constant_values=fill)


def _image_layer(cn, cfg, x):
    cf = cfg.get("data_format") == "channels_first"
    if cf:
        x = np.moveaxis(x, 1, -1)
    th, tw = int(cfg["height"]), int(cfg["width"])
    if cn == "Resizing":
        method = cfg.get("interpolation", "bilinear")
        if cfg.get("crop_to_aspect_ratio", False):
            x = _aspect_crop(x, th, tw)
        elif cfg.get("pad_to_aspect_ratio", False):
            x = _pad_to_aspect(x, th, tw, float(cfg.get("fill_value", 0.0)))
        y = resize(x, th, tw, method)
    elif cn == "CenterCrop" and x.shape[1] >= th and x.shape[2] >= tw:
        top, left = (x.shape[1] - th) // 2, (x.shape[2] - tw) // 2
        y = x[:, top:top + th, left:left + tw]
    else:  # CenterCrop of a smaller image, RandomCrop at inference: smart_resize
        y = resize(_aspect_crop(x, th, tw), th, tw, "bilinear")
    return np.moveaxis(y, -1, 1) if cf else y


# ----------------------------------------------------------------- categorical

def _encode(ids, mode, depth, keras_major):
    """numerical_utils.encode_categorical_inputs for ids of rank 1 or 2."""
    ids = ids.astype(np.int64)
    if mode == "int":
        return ids.astype(np.float64)
    if mode == "one_hot":
        if ids.ndim == 2 and ids.shape[1] == 1:
            ids = ids[:, 0]
        return np.eye(depth)[ids]
    if ids.ndim == 1:
        ids = ids[:, None]
    hot = np.eye(depth)[ids]  # (B, N, depth)
    return hot.max(axis=1) if mode == "multi_hot" else hot.sum(axis=1)


# ----------------------------------------------------------------- layers

def _axes(axis, ndim):
    if axis is None:
        return []
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted(a % ndim for a in axes)


def _kept_broadcast(values, x, kept):
    """Normalization: values over the kept axes (right-aligned) -> broadcastable to x."""
    kept_shape = [x.shape[a] for a in kept]
    v = np.broadcast_to(np.asarray(values, dtype=np.float64), kept_shape)
    return v.reshape([x.shape[a] if a in kept else 1 for a in range(x.ndim)])


def call_layer(cn, cfg, w, x, keras_major):
    if cn in IDENTITY_AT_INFERENCE:
        return [x]
    if cn == "GroupNormalization":
        axis = int(cfg.get("axis", -1)) % x.ndim
        c = x.shape[axis]
        groups = int(cfg.get("groups", 32))
        groups = c if groups == -1 else groups
        shape = list(x.shape[:axis]) + [groups, c // groups] + list(x.shape[axis + 1:])
        g = x.reshape(shape)
        red = tuple(a for a in range(1, g.ndim) if a != axis)
        mean = g.mean(axis=red, keepdims=True)
        var = ((g - mean) ** 2).mean(axis=red, keepdims=True)
        y = ((g - mean) / np.sqrt(var + float(cfg.get("epsilon", 1e-3)))).reshape(x.shape)
        bshape = [c if a == axis else 1 for a in range(x.ndim)]
        if cfg.get("scale", True):
            y = y * w["gamma"].reshape(bshape)
        if cfg.get("center", True):
            y = y + w["beta"].reshape(bshape)
        return [y]
    if cn == "UnitNormalization":
        axes = tuple(_axes(cfg.get("axis", -1), x.ndim))
        sq = np.sum(x * x, axis=axes, keepdims=True)
        return [x / np.sqrt(np.maximum(sq, 1e-12))]
    if cn == "Normalization":
        kept = _axes(cfg.get("axis", -1), x.ndim)
        if cfg.get("mean") is not None:
            mean, var = cfg["mean"], cfg["variance"]
        else:
            mean, var = w["mean"], w["variance"]
        mean, var = _kept_broadcast(mean, x, kept), _kept_broadcast(var, x, kept)
        dev = np.maximum(np.sqrt(var), KERAS_EPSILON)
        return [mean + x * dev if cfg.get("invert", False) else (x - mean) / dev]
    if cn == "Rescaling":
        return [x * np.asarray(cfg["scale"], dtype=np.float64) + np.asarray(cfg.get("offset", 0.0), dtype=np.float64)]
    if cn in ("Resizing", "CenterCrop", "RandomCrop"):
        return [_image_layer(cn, cfg, x)]
    if cn == "Discretization":
        ids = np.digitize(x, np.asarray(cfg["bin_boundaries"], dtype=np.float64))
        return [_encode(ids, cfg.get("output_mode", "int"), len(cfg["bin_boundaries"]) + 1, keras_major)]
    if cn == "CategoryEncoding":
        return [_encode(np.trunc(x), cfg.get("output_mode", "multi_hot"), int(cfg["num_tokens"]), keras_major)]
    raise NotImplementedError(cn)
