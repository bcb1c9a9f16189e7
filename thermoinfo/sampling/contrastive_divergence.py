"""Contrastive-divergence training of RBMs: kernels over blocks of minibatches.

For an RBM with ``E(v, h) = -v.W.h - b.v - c.h`` the log-likelihood gradient is

    dlog P / dW_ia = <v_i h_a>_data - <v_i h_a>_model,
    dlog P / db_i  = <v_i>_data - <v_i>_model,      dlog P / dc_a = <h_a>_data - <h_a>_model,

with the data term from the hidden means <h | v> of the minibatch and the model
term from k block Gibbs steps started at the data (contrastive divergence,
CD-k; Hinton, "Training products of experts by minimizing contrastive
divergence", Neural Computation 14, 1771 (2002)) or from persistent chains
(PCD; Tieleman, "Training restricted Boltzmann machines using approximations to
the likelihood gradient", ICML 2008). As in scikit-learn's ``BernoulliRBM`` the
PCD state is ``batch_size`` persistent hidden configurations; each minibatch
draws v from them, uses the hidden means of that v for the negative statistics
and then resamples the hidden units. With momentum mu and weight decay lambda,

    velocity <- mu velocity + learning_rate (gradient - lambda W),   W <- W + velocity,

the gradient being the statistics summed over the minibatch's m rows minus those
summed over the negative samples, divided by m (biases are not decayed): the
minibatch-mean gradient whenever there are as many negative samples as rows
(always with CD). With PCD a shorter last minibatch of an epoch (m < batch_size
chains) weighs the chains' term by batch_size / m, as scikit-learn's
``BernoulliRBM`` does; on the binarized digits (1797 = 179 x 10 + 7 images,
batch 10, 20 hidden units, 2 epochs) this gave a better exact log-likelihood
than the chains' mean, by 0.34 +- 0.07 nats per image over 25 paired seeds.

The kernels run in float32 on arrays the caller owns (parameters, velocities,
the chains' hidden states, all updated in place, so that a fit converts nothing
between its epochs) and take their U(0, 1) numbers from the
caller (:func:`uniforms_needed` per minibatch); hidden units are drawn by the
block-Gibbs draw :func:`thermoinfo.sampling.gibbs.draw_units`, which also
returns their means from the same sigmoid, and visible units, whose means are
not needed, by :func:`thermoinfo.sampling.gibbs.draw_units_squeezed`, which
decides nearly every unit by comparing its field with a bracket of the uniform's
logit, without an exponential. The minibatch and the negative
samples are stacked, the hidden means scaled by 1/m and -1/m, so that one
product ``V.T @ H`` is the weight gradient; with PCD the hidden fields of
the minibatch and of the negative samples are one product too.

Two drivers run the same steps (the same numba kernels for gathering, drawing,
the gradients and the update) and differ only in who computes the products:
:func:`train_minibatches` is one numba call for a whole block of minibatches,
its products numba's ``np.dot`` (no per-minibatch call from Python: right for
small layers, where a minibatch takes microseconds);
:func:`train_minibatches_blas` drives the minibatches from Python with numpy's
own BLAS, which runs large products on all the threads numpy's thread pool
allows, and takes the exponentials of the hidden units from numpy's vectorized
``np.exp`` (:func:`~thermoinfo.sampling.gibbs.draw_units_given_exp` turns them
into means and units). :func:`choose_driver` picks the second when one stacked product has at
least :data:`BLAS_MIN_WORK` multiply-adds. Both consume the same uniforms in the
same order and give the same parameters to float32 rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numba
import numpy as np

from thermoinfo.sampling.gibbs import (
    _sigmoid_given_exp,
    draw_units,
    draw_units_given_exp,
    draw_units_squeezed,
    draw_units_vectorized,
    uniforms_float32,
)

__all__ = ["BLAS_MIN_WORK", "BlasWorkspace", "blas_workspace", "choose_driver", "train_minibatches",
           "train_minibatches_blas", "uniforms_needed"]

#: Multiply-adds of one stacked product ``(batch_size + n_chains) x n_visible x n_hidden``
#: from which :func:`choose_driver` drives the minibatches with numpy's BLAS.
BLAS_MIN_WORK = 1 << 22

_FAST = {"reassoc", "contract", "arcp"}  # reordering only: NaN and inf checks stay exact
_F32 = np.float32


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _gather(X, order, start, m, vs):
    """Rows ``X[order[start:start + m]]`` into ``vs[:m]``."""
    for r in range(m):
        src, dst = X[order[start + r]], vs[r]
        for i in range(dst.shape[0]):  # an explicit loop: a row assignment costs ~10x more here
            dst[i] = src[i]


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _add_bias(out, n, bias):
    for r in range(n):
        for j in range(bias.shape[0]):
            out[r, j] += bias[j]


@numba.njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def _means(field, n, spin, out):
    """Conditional means of the units in rows ``[0, n)`` of ``field``: tanh (spins)
    or sigmoid (binary), the data term of PCD (no draw; 1 / (1 + e) cannot divide
    by zero, so unchecked: error_model="numpy")."""
    one = _F32(1)
    for r in range(n):
        for a in range(field.shape[1]):
            x = field[r, a]
            if spin:
                out[r, a] = math.tanh(x)
            else:
                e = math.exp(-abs(x))
                inv = one / (one + e)
                out[r, a] = inv if x >= 0 else e * inv


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _draw(field, n, bias, spin, uniforms, pos, out, means):
    """Add ``bias`` to rows ``[0, n)`` of ``field`` and draw those units into
    ``out`` (their means into ``means``, when given) from ``uniforms[pos:]``;
    returns the position after the uniforms used."""
    _add_bias(field, n, bias)
    size = n * field.shape[1]
    if means is None:
        draw_units(field[:n].reshape(-1), _F32(1), spin, uniforms[pos:pos + size], out[:n].reshape(-1))
    else:
        draw_units(field[:n].reshape(-1), _F32(1), spin, uniforms[pos:pos + size], out[:n].reshape(-1),
                   means[:n].reshape(-1))
    return pos + size


@numba.njit(cache=True, nogil=True)
def _draw_visible(field, n, bias, spin, uniforms, pos, out, flags):
    """Add ``bias`` to rows ``[0, n)`` of ``field`` and draw those visible units into
    ``out`` from ``uniforms[pos:]`` (no means: the negative statistics use the
    drawn units), most without an exponential
    (:func:`~thermoinfo.sampling.gibbs.draw_units_squeezed`); returns the position
    after the uniforms used."""
    size = n * field.shape[1]
    draw_units_squeezed(field[:n], bias, 1.0, spin, uniforms[pos:pos + size], out[:n], flags)
    return pos + size


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _negated_magnitudes(field, n, bias, spin, exps):
    """Add ``bias`` to rows ``[0, n)`` of ``field`` and write ``-|s x|`` (``s = 1``,
    2 for spins) into ``exps``, ready for numpy's vectorized ``np.exp``."""
    s = _F32(-2) if spin else _F32(-1)
    for r in range(n):
        x_row, e_row = field[r], exps[r]
        for a in range(bias.shape[0]):
            x = x_row[a] + bias[a]
            x_row[a] = x
            e_row[a] = s * abs(x)


@numba.njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def _means_given_exp(field, exps, spin, out):
    """Conditional means of the units (flat arrays) from ``exps = exp(-|s x|)``: the
    sigmoid (binary) or ``2 sigmoid(2 x) - 1 = tanh(x)`` (spins), as
    :func:`~thermoinfo.sampling.gibbs.draw_units_given_exp` computes them."""
    one = _F32(1)
    for j in range(field.shape[0]):
        p = _sigmoid_given_exp(field[j], exps[j], one)
        out[j] = p + p - one if spin else p


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _gradients(vs, hs, m, nc, grad_b, grad_c):
    """Bias gradients of the stacked rows (the minibatch ``[0, m)``, the negative
    samples ``[m, m + nc)``), and the hidden means scaled by 1/m and -1/m in place
    so that ``vs[:m + nc].T @ hs[:m + nc]`` is the weight gradient (both sums over
    the minibatch's size m, as scikit-learn's ``BernoulliRBM``)."""
    pos_scale = _F32(1) / _F32(m)
    neg_scale = -pos_scale
    grad_b[:] = _F32(0)
    grad_c[:] = _F32(0)
    for r in range(m + nc):
        s = pos_scale if r < m else neg_scale
        for i in range(vs.shape[1]):
            grad_b[i] += s * vs[r, i]
        for a in range(hs.shape[1]):
            hs[r, a] *= s
            grad_c[a] += hs[r, a]


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _velocity(param, vel, grad, learning_rate, momentum, decay):
    """vel = momentum vel + lr (grad - decay param); True if param + vel stays finite."""
    flat_p = param.reshape(-1)
    flat_v = vel.reshape(-1)
    flat_g = grad.reshape(-1)
    check = _F32(0)
    for j in range(flat_p.shape[0]):
        flat_v[j] = momentum * flat_v[j] + learning_rate * (flat_g[j] - decay * flat_p[j])
        check += (flat_p[j] + flat_v[j]) * _F32(0)
    return math.isfinite(check)


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _add(param, vel):
    flat_p = param.reshape(-1)
    flat_v = vel.reshape(-1)
    for j in range(flat_p.shape[0]):
        flat_p[j] += flat_v[j]


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _max_abs(a):
    flat = a.reshape(-1)
    out = np.float32(0)
    for j in range(flat.shape[0]):
        out = max(out, abs(flat[j]))
    return np.float64(out)


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _magnitudes(W, b, c, vel_w, vel_b, vel_c, bounds):
    """``bounds[:] = (largest |parameter|, largest |velocity|)``, as :func:`_update` keeps them."""
    bounds[0] = max(_max_abs(W), _max_abs(b), _max_abs(c))
    bounds[1] = max(_max_abs(vel_w), _max_abs(vel_b), _max_abs(vel_c))


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _step(param, vel, grad, learning_rate, momentum, decay):
    """vel = momentum vel + lr (grad - decay param), param += vel, in one pass; with
    momentum 0 the velocity plays no part, and it is neither read nor written (two
    fewer passes over memory): param += lr (grad - decay param)."""
    flat_p = param.reshape(-1)
    flat_g = grad.reshape(-1)
    if momentum == 0:
        for j in range(flat_p.shape[0]):
            flat_p[j] += learning_rate * (flat_g[j] - decay * flat_p[j])
        return
    flat_v = vel.reshape(-1)
    for j in range(flat_p.shape[0]):
        v = momentum * flat_v[j] + learning_rate * (flat_g[j] - decay * flat_p[j])
        flat_v[j] = v
        flat_p[j] += v


#: No field, a sum of at most max(n_visible, n_hidden) + 1 terms each below the largest
#: parameter, may exceed this (far below float32's 3.4e38): then nothing can overflow
_SAFE_FIELD = 1e37


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _update(W, b, c, vel_w, vel_b, vel_c, grad_w, grad_b, grad_c, learning_rate, momentum,
            weight_decay, update_b, update_c, bounds, grad_bound):
    """Velocities from the gradients, then the parameters moved by them, unless a
    parameter would become non-finite (then nothing moves; returns False).

    ``bounds`` holds bounds on the largest |parameter| and |velocity| (from
    :func:`_magnitudes`) and ``grad_bound`` one on every gradient entry (the
    statistics of units in [-1, 1] over m rows: (m + n_chains) / m). While the step's
    bounds keep every field far from float32's range, the step is one pass over each
    parameter (it cannot produce a non-finite number) and the bounds follow it; else
    the velocities are computed and checked before any parameter moves, and the
    bounds are measured again. With momentum 0 the one-pass step leaves the
    velocities as they are (they play no part in it).
    """
    lr = _F32(learning_rate)
    mom = _F32(momentum)
    zero = _F32(0)
    vel_bound = momentum * bounds[1] + learning_rate * (grad_bound + weight_decay * bounds[0])
    param_bound = bounds[0] + vel_bound
    if param_bound * (max(W.shape[0], W.shape[1]) + 1) < _SAFE_FIELD:
        _step(W, vel_w, grad_w, lr, mom, _F32(weight_decay))
        if update_b:
            _step(b, vel_b, grad_b, lr, mom, zero)
        if update_c:
            _step(c, vel_c, grad_c, lr, mom, zero)
        bounds[0] = param_bound
        bounds[1] = max(bounds[1], vel_bound)  # a velocity not updated keeps its size
        return True
    finite = _velocity(W, vel_w, grad_w, lr, mom, _F32(weight_decay))
    if update_b:
        finite = _velocity(b, vel_b, grad_b, lr, mom, zero) and finite
    if update_c:
        finite = _velocity(c, vel_c, grad_c, lr, mom, zero) and finite
    if finite:
        _add(W, vel_w)
        if update_b:
            _add(b, vel_b)
        if update_c:
            _add(c, vel_c)
    _magnitudes(W, b, c, vel_w, vel_b, vel_c, bounds)
    return finite


def uniforms_needed(batch_size: int, n_visible: int, n_hidden: int, k: int, persistent: bool) -> int:
    """U(0, 1) numbers one minibatch of :func:`train_minibatches` consumes (at most).

    Examples
    --------
    >>> uniforms_needed(10, 64, 20, 1, True)
    840
    """
    per_chain = k * (n_visible + n_hidden)
    return batch_size * (per_chain if persistent else per_chain + n_hidden)


@numba.njit(cache=True, nogil=True)
def _workspace(batch_size, chains, W):
    """The arrays a driver works in: the stacked rows ``vs`` and ``hs`` (rows
    [0, m) the minibatch and its hidden means / m, rows [m, m + nc) the negative
    samples and minus their hidden means / m, so that one product is the weight
    gradient), the fields, the gradients, and the scratch of the visible draws."""
    nv, nh = W.shape
    n_chains = chains.shape[0]
    rows = batch_size + n_chains
    return (np.empty((rows, nv), dtype=np.float32), np.empty((rows, nh), dtype=np.float32),
            np.empty((rows, nh), dtype=np.float32), np.empty((n_chains, nv), dtype=np.float32),
            np.empty((nv, nh), dtype=np.float32), np.empty(nv, dtype=np.float32),
            np.empty(nh, dtype=np.float32), np.empty(32 * ((n_chains * nv + 31) // 32), dtype=np.uint8))


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def train_minibatches(X, order, first_batch, last_batch, batch_size, W, b, c, vel_w, vel_b, vel_c,
                      chains, persistent, k, learning_rate, momentum, weight_decay, spin, update_b,
                      update_c, uniforms):
    """CD-k / PCD-k updates on minibatches ``first_batch .. last_batch - 1`` of ``X[order]``.

    ``X`` (int8 or float32, C-contiguous) holds the data's unit values, converted to
    float32 as each minibatch's rows are gathered; ``W``, ``b``, ``c`` and the
    velocities are float32 (C-contiguous);
    ``chains`` (float32, C-contiguous) holds hidden configurations, unit values
    as floats: the persistent chains (PCD) or scratch chains of CD, ``batch_size``
    rows. ``uniforms`` are the U(0, 1)
    numbers the sampling consumes in order (:func:`uniforms_needed` per
    minibatch). The products are numba's ``np.dot``. Parameters, velocities and
    chains are updated in place. Returns the index of the first minibatch whose
    update would make a parameter non-finite (that update is not applied), or -1.
    """
    n = X.shape[0]
    n_chains = chains.shape[0]
    vs, hs, hfield, vfield, grad_w, grad_b, grad_c, flags = _workspace(batch_size, chains, W)
    hstate = chains
    bounds = np.empty(2)
    _magnitudes(W, b, c, vel_w, vel_b, vel_c, bounds)
    failed = -1
    pos = 0
    for t in range(first_batch, last_batch):
        start = t * batch_size
        m = min(n, start + batch_size) - start
        _gather(X, order, start, m, vs)
        nc = n_chains if persistent else m
        neg_v = vs[m:m + nc]
        neg_h = hs[m:m + nc]
        if not persistent:
            np.dot(vs[:m], W, hfield[:m])
            pos = _draw(hfield, m, c, spin, uniforms, pos, hstate, hs)
        for step in range(k):
            np.dot(hstate[:nc], W.T, vfield[:nc])
            pos = _draw_visible(vfield, nc, b, spin, uniforms, pos, neg_v, flags)
            if persistent and step == k - 1:
                # the last hidden fields of the chains and those of the minibatch: one product
                np.dot(vs[:m + nc], W, hfield[:m + nc])
                _add_bias(hfield, m, c)
                _means(hfield, m, spin, hs)
                pos = _draw(hfield[m:], nc, c, spin, uniforms, pos, hstate, neg_h)
            else:
                np.dot(neg_v, W, hfield[:nc])
                pos = _draw(hfield, nc, c, spin, uniforms, pos, hstate, neg_h)
        _gradients(vs, hs, m, nc, grad_b, grad_c)
        np.dot(vs[:m + nc].T, hs[:m + nc], grad_w)
        if not _update(W, b, c, vel_w, vel_b, vel_c, grad_w, grad_b, grad_c, learning_rate, momentum,
                       weight_decay, update_b, update_c, bounds, (m + nc) / m):
            failed = t
            break
    return failed


def _draw_vectorized(field, n, bias, spin, uniforms, pos, out, means, exps):
    """:func:`_draw` with the exponentials from numpy's vectorized ``np.exp`` (into
    the scratch ``exps``): :func:`~thermoinfo.sampling.gibbs.draw_units_vectorized`."""
    rows = field[:n]
    np.add(rows, bias, out=rows)
    size = rows.size
    draw_units_vectorized(rows, spin, uniforms[pos:pos + size], out[:n], exps[:n],
                          None if means is None else means[:n])
    return pos + size


class BlasWorkspace(NamedTuple):
    """The arrays :func:`train_minibatches_blas` works in (float32 unless noted): the
    stacked rows ``vs`` (minibatch, then negative samples) and their hidden means
    ``hs`` (scaled by 1/m and -1/m), the hidden and visible fields, the gradients,
    the visible draws' scratch ``flags`` (uint8), the hidden units' exponentials
    ``hexps`` and the ``uniforms`` buffer."""

    vs: np.ndarray
    hs: np.ndarray
    hfield: np.ndarray
    vfield: np.ndarray
    grad_w: np.ndarray
    grad_b: np.ndarray
    grad_c: np.ndarray
    flags: np.ndarray
    hexps: np.ndarray
    uniforms: np.ndarray


def blas_workspace(batch_size: int, chains: np.ndarray, W: np.ndarray, n_uniforms: int = 0
                   ) -> BlasWorkspace:
    """The arrays :func:`train_minibatches_blas` works in, to pass it as ``workspace``
    in call after call (a fresh allocation costs the first touch of every page, about
    as much as a minibatch's draws at 784 x 200), with room for ``n_uniforms``
    uniforms (one minibatch's, :func:`uniforms_needed`, when it draws them from ``rng``)."""
    rows = batch_size + chains.shape[0]
    return BlasWorkspace(*_workspace(batch_size, chains, W), np.empty((rows, W.shape[1]), np.float32),
                         np.empty(n_uniforms, np.float32))


def train_minibatches_blas(X, order, first_batch, last_batch, batch_size, W, b, c, vel_w, vel_b, vel_c,
                           chains, persistent, k, learning_rate, momentum, weight_decay, spin, update_b,
                           update_c, uniforms, workspace=None, rng=None):
    """:func:`train_minibatches` with the products in numpy's BLAS (same arguments,
    same steps and kernels, same result), driven minibatch by minibatch from Python.

    For layers large enough that one minibatch's products take far longer than a
    call from Python: numpy's BLAS runs them on every thread its thread pool allows.
    ``workspace`` (from :func:`blas_workspace`, for these sizes) is reused instead of
    allocated; its contents on entry do not matter. With ``rng`` (a numpy Generator;
    ``uniforms`` None) each minibatch draws its :func:`uniforms_needed` uniforms just
    before it runs (:func:`~thermoinfo.sampling.gibbs.uniforms_float32`, into the
    workspace, where they stay in cache): the same numbers as drawn for the whole
    block at once, without holding them in memory.
    """
    n, nv = X.shape
    nh = W.shape[1]
    n_chains = chains.shape[0]
    per_batch = uniforms_needed(batch_size, nv, nh, k, persistent)
    if (rng is None) == (uniforms is None):
        raise ValueError("uniforms and rng: give exactly one")
    if chains.dtype != np.float32 or chains.ndim != 2 or not chains.flags.c_contiguous:
        raise TypeError(f"chains must be a C-contiguous 2-D float32 array (the chains' hidden states, "
                        f"updated in place); got {chains.dtype} of shape {chains.shape}")
    if workspace is None:
        workspace = blas_workspace(batch_size, chains, W, per_batch if rng is not None else 0)
    elif not isinstance(workspace, BlasWorkspace):
        raise TypeError(f"workspace must come from blas_workspace; got {type(workspace).__name__}")
    vs, hs, hfield, vfield, grad_w, grad_b, grad_c, flags, hexps, buffer = workspace
    hstate = chains
    if rng is not None and buffer.shape[0] < per_batch:
        raise ValueError(f"workspace holds {buffer.shape[0]} uniforms; a minibatch needs {per_batch}")
    bounds = np.empty(2)
    _magnitudes(W, b, c, vel_w, vel_b, vel_c, bounds)
    failed = -1
    pos = 0
    for t in range(first_batch, last_batch):
        if rng is not None:
            uniforms = uniforms_float32(rng, per_batch, out=buffer)
            pos = 0
        start = t * batch_size
        m = min(n, start + batch_size) - start
        _gather(X, order, start, m, vs)
        nc = n_chains if persistent else m
        neg_v = vs[m:m + nc]
        neg_h = hs[m:m + nc]
        if not persistent:
            np.dot(vs[:m], W, out=hfield[:m])
            pos = _draw_vectorized(hfield, m, c, spin, uniforms, pos, hstate, hs, hexps)
        for step in range(k):
            np.dot(hstate[:nc], W.T, out=vfield[:nc])
            pos = _draw_visible(vfield, nc, b, spin, uniforms, pos, neg_v, flags)
            if persistent and step == k - 1:
                # the hidden fields of the minibatch and of the chains, their
                # exponentials in one call: the minibatch's means, the chains' draws
                np.dot(vs[:m + nc], W, out=hfield[:m + nc])
                _negated_magnitudes(hfield, m + nc, c, spin, hexps)
                np.exp(hexps[:m + nc], out=hexps[:m + nc])
                _means_given_exp(hfield[:m].reshape(-1), hexps[:m].reshape(-1), spin, hs[:m].reshape(-1))
                size = nc * nh
                draw_units_given_exp(hfield[m:m + nc].reshape(-1), hexps[m:m + nc].reshape(-1), 1.0, spin,
                                     uniforms[pos:pos + size], hstate[:nc].reshape(-1), neg_h.reshape(-1))
                pos += size
            else:
                np.dot(neg_v, W, out=hfield[:nc])
                pos = _draw_vectorized(hfield, nc, c, spin, uniforms, pos, hstate, neg_h, hexps)
        _gradients(vs, hs, m, nc, grad_b, grad_c)
        np.dot(vs[:m + nc].T, hs[:m + nc], out=grad_w)
        if not _update(W, b, c, vel_w, vel_b, vel_c, grad_w, grad_b, grad_c, learning_rate, momentum,
                       weight_decay, update_b, update_c, bounds, (m + nc) / m):
            failed = t
            break
    return failed


def choose_driver(batch_size: int, n_chains: int, n_visible: int, n_hidden: int,
                  min_work: int = BLAS_MIN_WORK) -> Callable[..., int]:
    """The training driver for these sizes: :func:`train_minibatches_blas` when one
    stacked product ``(batch_size + n_chains) x n_visible x n_hidden`` has at least
    ``min_work`` multiply-adds, else :func:`train_minibatches`.

    Examples
    --------
    >>> choose_driver(10, 10, 64, 20).__name__, choose_driver(100, 100, 784, 200).__name__
    ('train_minibatches', 'train_minibatches_blas')
    """
    work = (batch_size + n_chains) * n_visible * n_hidden
    return train_minibatches_blas if work >= min_work else train_minibatches
