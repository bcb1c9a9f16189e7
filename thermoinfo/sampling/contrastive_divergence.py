"""Contrastive-divergence training of RBMs: numba kernels over whole epochs.

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

the gradient averaged over the minibatch (biases are not decayed).

The kernels run in float32 on arrays the caller owns (parameters, velocities,
int8 chains, all updated in place) and take their U(0, 1) numbers from the
caller (:func:`uniforms_needed` per minibatch); units are drawn by the one
block-Gibbs draw :func:`thermoinfo.sampling.gibbs.draw_units`, which also
returns the hidden means from the same sigmoid. The minibatch and the negative
samples are stacked, the hidden means scaled by 1/m and -1/n_chains, so that
one product ``V.T @ H`` is the weight gradient. All products are float32 BLAS
GEMMs (numba's ``np.dot``); sums of the rows of W selected by the non-zero
binary units measured no faster at any of the benchmark's sizes.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from thermoinfo.sampling.gibbs import draw_units

__all__ = ["train_minibatches", "uniforms_needed"]

_FAST = {"reassoc", "contract", "arcp"}  # reordering only: NaN and inf checks stay exact
_F32 = np.float32

@numba.njit(cache=True, fastmath=_FAST)
def _add_bias(out, n, bias):
    for r in range(n):
        for j in range(bias.shape[0]):
            out[r, j] += bias[j]


@numba.njit(cache=True, fastmath=_FAST)
def _means(field, spin, out):
    """Conditional means of units in ``field``: tanh (spins) or sigmoid (binary)."""
    for a in range(field.shape[0]):
        x = field[a]
        if spin:
            out[a] = math.tanh(x)
        else:
            e = math.exp(-abs(x))
            inv = _F32(1) / (_F32(1) + e)
            out[a] = inv if x >= 0 else e * inv


@numba.njit(cache=True, fastmath=_FAST)
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


@numba.njit(cache=True, fastmath=_FAST)
def _add(param, vel):
    flat_p = param.reshape(-1)
    flat_v = vel.reshape(-1)
    for j in range(flat_p.shape[0]):
        flat_p[j] += flat_v[j]


def uniforms_needed(batch_size: int, n_visible: int, n_hidden: int, k: int, persistent: bool) -> int:
    """U(0, 1) numbers one minibatch of :func:`train_minibatches` consumes (at most).

    Examples
    --------
    >>> uniforms_needed(10, 64, 20, 1, True)
    840
    """
    per_chain = k * (n_visible + n_hidden)
    return batch_size * (per_chain if persistent else per_chain + n_hidden)


@numba.njit(cache=True, fastmath=_FAST)
def train_minibatches(X, order, first_batch, last_batch, batch_size, W, b, c, vel_w, vel_b, vel_c,
                      chains, persistent, k, learning_rate, momentum, weight_decay, spin, update_b,
                      update_c, uniforms):
    """CD-k / PCD-k updates on minibatches ``first_batch .. last_batch - 1`` of ``X[order]``.

    ``X``, ``W``, ``b``, ``c`` and the velocities are float32 (C-contiguous);
    ``chains`` (int8) holds hidden configurations: the persistent chains (PCD)
    or scratch chains of CD, ``batch_size`` rows. ``uniforms`` are the U(0, 1)
    numbers the sampling consumes in order (:func:`uniforms_needed` per
    minibatch). The products are float32 BLAS GEMMs. Parameters, velocities and
    chains are updated in place. Returns
    the index of the first minibatch whose update would make a parameter
    non-finite (that update is not applied), or -1.
    """
    n, nv = X.shape
    nh = W.shape[1]
    lr = _F32(learning_rate)
    mom = _F32(momentum)
    decay = _F32(weight_decay)
    zero = _F32(0)
    one = _F32(1)
    n_chains = chains.shape[0]
    rows = batch_size + n_chains
    # rows [0, m) hold the minibatch and its hidden means / m, rows [m, m + nc) the
    # negative samples and minus their hidden means / nc: one product is the gradient
    vs = np.empty((rows, nv), dtype=np.float32)
    hs = np.empty((rows, nh), dtype=np.float32)
    hfield = np.empty((max(batch_size, n_chains), nh), dtype=np.float32)
    vfield = np.empty((n_chains, nv), dtype=np.float32)
    hstate = np.empty((n_chains, nh), dtype=np.float32)
    grad_w = np.empty((nv, nh), dtype=np.float32)
    grad_b = np.empty(nv, dtype=np.float32)
    grad_c = np.empty(nh, dtype=np.float32)
    for r in range(n_chains):
        for a in range(nh):
            hstate[r, a] = chains[r, a]
    failed = -1
    pos = 0
    for t in range(first_batch, last_batch):
        start = t * batch_size
        m = min(n, start + batch_size) - start
        for r in range(m):
            vs[r] = X[order[start + r]]
        np.dot(vs[:m], W, hfield[:m])
        _add_bias(hfield, m, c)
        if persistent:
            for r in range(m):
                _means(hfield[r], spin, hs[r])
        else:
            draw_units(hfield[:m].reshape(-1), one, spin, uniforms[pos:pos + m * nh],
                       hstate[:m].reshape(-1), hs[:m].reshape(-1))
            pos += m * nh
        nc = n_chains if persistent else m
        neg_v = vs[m:m + nc]
        neg_h = hs[m:m + nc]
        for _ in range(k):
            np.dot(hstate[:nc], W.T, vfield[:nc])
            _add_bias(vfield, nc, b)
            draw_units(vfield[:nc].reshape(-1), one, spin, uniforms[pos:pos + nc * nv],
                       neg_v.reshape(-1))
            pos += nc * nv
            np.dot(neg_v, W, hfield[:nc])
            _add_bias(hfield, nc, c)
            draw_units(hfield[:nc].reshape(-1), one, spin, uniforms[pos:pos + nc * nh],
                       hstate[:nc].reshape(-1), neg_h.reshape(-1))
            pos += nc * nh
        pos_scale = one / _F32(m)
        neg_scale = -one / _F32(nc)
        grad_b[:] = zero
        grad_c[:] = zero
        for r in range(m + nc):
            s = pos_scale if r < m else neg_scale
            for i in range(nv):
                grad_b[i] += s * vs[r, i]
            for a in range(nh):
                hs[r, a] *= s
                grad_c[a] += hs[r, a]
        np.dot(vs[:m + nc].T, hs[:m + nc], grad_w)
        finite = _velocity(W, vel_w, grad_w, lr, mom, decay)
        if update_b:
            finite = _velocity(b, vel_b, grad_b, lr, mom, zero) and finite
        if update_c:
            finite = _velocity(c, vel_c, grad_c, lr, mom, zero) and finite
        if not finite:
            failed = t
            break
        _add(W, vel_w)
        if update_b:
            _add(b, vel_b)
        if update_c:
            _add(c, vel_c)
    if persistent:
        for r in range(n_chains):
            for a in range(nh):
                chains[r, a] = np.int8(hstate[r, a])
    return failed
