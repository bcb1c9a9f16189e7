"""Data sets for the energy-based models: bundled 8x8 digits and MNIST IDX files.

Pixels are scaled to [0, 1] (digits: value / 16; MNIST: value / 255) and, for
binary units, binarized by a threshold,

    u = 1[x > threshold]               (units="binary", {0, 1}, int8)
    s = 2 u - 1                        (units="spin",   {-1, +1}, int8)

Nothing is downloaded at run time: the digits ship with scikit-learn (the UCI
optical recognition of handwritten digits set, 1797 images), and MNIST is read
from IDX files the caller already has.

The IDX format (Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of
handwritten digits", http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
``0x00 0x00 <type> <ndim>`` (type 0x08 = unsigned byte), then ``ndim``
big-endian int32 dimensions, then the data in C order. Images are
``0x00000803`` (n, rows, cols), labels ``0x00000801`` (n,). Files may be
gzip-compressed. The binarized-MNIST convention for RBMs follows
R. Salakhutdinov and I. Murray, "On the quantitative analysis of deep belief
networks", ICML 2008.
"""

from __future__ import annotations

import gzip
import os
import zlib
from typing import Any

import numpy as np

__all__ = ["load_digits", "load_mnist_idx"]

_UNITS = ("binary", "spin")

# IDX type byte -> big-endian numpy dtype
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _check_options(binarize: Any, threshold: Any, units: Any) -> None:
    if not isinstance(binarize, (bool, np.bool_)):
        raise TypeError(f"binarize must be True or False (got {binarize!r})")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise TypeError(f"threshold must be a number in (0, 1) (got {type(threshold).__name__})")
    if not 0.0 < float(threshold) < 1.0:
        raise ValueError(f"threshold must lie strictly between 0 and 1 (got {threshold!r}); "
                         "pixels are scaled to [0, 1] before binarizing")
    if units not in _UNITS:
        raise ValueError(f"units must be one of {_UNITS} (got {units!r})")
    if units == "spin" and not binarize:
        raise ValueError("units='spin' needs binarize=True; unbinarized pixels are floats in [0, 1]")


def _finish(X: np.ndarray, binarize: bool, threshold: float, units: str) -> np.ndarray:
    if not binarize:
        return X.astype(np.float64, copy=False)
    u = (X > threshold).astype(np.int8)
    if units == "spin":
        u = (2 * u - 1).astype(np.int8)
    return u


def load_digits(*, binarize: bool = True, threshold: float = 0.5, units: str = "binary",
                return_labels: bool = False) -> Any:
    """The 8x8 handwritten digits bundled with scikit-learn (1797 images, no download).

    Parameters
    ----------
    binarize : bool
        Threshold the pixels into units; otherwise return floats in [0, 1].
    threshold : float
        In (0, 1); a pixel is on when value / 16 > threshold.
    units : {"binary", "spin"}
        {0, 1} or {-1, +1} units (int8); "spin" needs ``binarize=True``.
    return_labels : bool
        Also return the digit labels.

    Returns
    -------
    X : ndarray, shape (1797, 64)
        int8 units, or float64 pixels in [0, 1] when ``binarize=False``.
    y : ndarray of int64, shape (1797,)
        Digit labels 0-9 (only with ``return_labels=True``).

    Examples
    --------
    >>> from thermoinfo.systems.datasets import load_digits
    >>> X, y = load_digits(return_labels=True)
    >>> X.shape, X.dtype.name, sorted(set(X.ravel().tolist()))
    ((1797, 64), 'int8', [0, 1])
    >>> int(y[0])
    0
    """
    _check_options(binarize, threshold, units)
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    X = _finish(np.asarray(bunch.data, dtype=np.float64) / 16.0, binarize, float(threshold), units)
    if return_labels:
        return X, np.asarray(bunch.target, dtype=np.int64)
    return X


def _read_bytes(path: Any, name: str) -> bytes:
    try:
        fspath = os.fspath(path)
    except TypeError as exc:
        raise TypeError(f"{name} must be a path to an IDX file (got {type(path).__name__})") from exc
    if not os.path.isfile(fspath):
        raise FileNotFoundError(f"{name}: no file at {fspath!r}; thermoinfo never downloads MNIST, "
                                "pass the path of a local IDX file (gzip or plain)")
    with open(fspath, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{name} ({fspath!r}) is a corrupt or truncated gzip file: {exc}") from exc
    return raw


def _parse_idx(raw: bytes, name: str, path: Any) -> np.ndarray:
    where = f"{name} ({os.fspath(path)!r})"
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{where} is not an IDX file: it must start with the magic bytes 0x00 0x00 "
                         f"(got {raw[:4].hex() or 'an empty file'})")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{where} has an unknown IDX data type 0x{code:02x}; "
                         f"expected one of {[hex(c) for c in _IDX_TYPES]}")
    if ndim == 0:
        raise ValueError(f"{where} declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{where} is truncated inside its header ({len(raw)} bytes for {ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_TYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{where} has {len(raw)} bytes but its header (shape {shape}, "
                         f"{dtype.itemsize}-byte entries) needs {expected}; the file is truncated or corrupt")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def load_mnist_idx(images_path: Any, labels_path: Any = None, *, binarize: bool = True,
                   threshold: float = 0.5, units: str = "binary") -> Any:
    """Read MNIST-format IDX image (and label) files from disk; never downloads.

    Parameters
    ----------
    images_path : str or path-like
        An IDX file of unsigned bytes with three dimensions (n, rows, cols),
        e.g. ``train-images-idx3-ubyte`` or its ``.gz``; gzip is detected from
        the content, not the name.
    labels_path : str or path-like, optional
        An IDX file of n unsigned-byte labels (``train-labels-idx1-ubyte``).
    binarize, threshold, units
        As in :func:`load_digits`; pixels are scaled by 1/255.

    Returns
    -------
    X : ndarray, shape (n, rows * cols)
        int8 units, or float64 pixels in [0, 1] when ``binarize=False``.
    y : ndarray of int64, shape (n,)
        Labels, only when ``labels_path`` is given.

    Raises
    ------
    FileNotFoundError
        No file at a path.
    ValueError
        A file that is not IDX, has the wrong type or rank, is truncated, or
        whose label count differs from the image count (the message names the
        argument).
    """
    _check_options(binarize, threshold, units)
    images = _parse_idx(_read_bytes(images_path, "images_path"), "images_path", images_path)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"images_path must hold unsigned-byte images of shape (n, rows, cols) "
                         f"(magic 0x00000803); got {images.dtype} entries of shape {images.shape}")
    X = _finish(images.reshape(images.shape[0], -1) / 255.0, binarize, float(threshold), units)
    if labels_path is None:
        return X
    labels = _parse_idx(_read_bytes(labels_path, "labels_path"), "labels_path", labels_path)
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(f"labels_path must hold unsigned-byte labels of shape (n,) (magic "
                         f"0x00000801); got {labels.dtype} entries of shape {labels.shape}")
    if labels.shape[0] != images.shape[0]:
        raise ValueError(f"labels_path has {labels.shape[0]} labels but images_path has "
                         f"{images.shape[0]} images")
    return X, labels.astype(np.int64)
