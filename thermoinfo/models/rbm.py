"""Restricted Boltzmann machines: training, exact and AIS partition functions,
thermodynamics.

Energy and Boltzmann distribution (units binary {0, 1} or spins {-1, +1}):

    E(v, h) = -v.W.h - b.v - c.h,        P(v, h) = exp(-beta E(v, h)) / Z(beta)

with ``W = weights_`` (n_visible, n_hidden), ``b = visible_bias_``,
``c = hidden_bias_`` and beta = 1 for the trained model. Summing out the hidden
units gives the free energy of a visible configuration

    F(v) = -b.v - sum_a psi(v.W_a + c_a),
    psi(x) = log(1 + e^x) (binary),  psi(x) = log(2 cosh x) (spins),

so log P(v) = -F(v) - log Z. The log partition function is computed exactly by
enumerating the smaller layer (the other one summed out analytically), or by
annealed importance sampling (:mod:`thermoinfo.sampling.ais`).

Training follows the log-likelihood gradient

    dlog P / dW_ia = <v_i h_a>_data - <v_i h_a>_model,

with the data term from the hidden means and the model term from k block Gibbs
steps started at the data (contrastive divergence, CD-k; Hinton, Neural
Computation 14, 1771 (2002)) or from persistent chains (PCD; Tieleman, ICML
2008). As in scikit-learn's ``BernoulliRBM`` the PCD state is ``batch_size``
persistent hidden configurations; each minibatch draws v from them, uses the
hidden means of that v for the negative statistics and then resamples the
hidden units. The update with momentum mu and weight decay lambda is

    velocity <- mu velocity + learning_rate (gradient - lambda W),  W <- W + velocity,

with the gradient averaged over the minibatch (biases are not decayed).

Thermodynamics of the scaled energy beta E (k_B = 1, T = 1 / beta):

    F(beta) = -log Z(beta) / beta,     U(beta) = <E>_beta = -d log Z / d beta,
    S(beta) = beta (U - F) = beta U + log Z,     C(beta) = beta^2 Var_beta(E) = -beta dU/dbeta.

Exactly, the sums over the larger layer are done in closed form for each state
s of the smaller layer: with the field y = s.W' + bias' on the other layer and
m = <o | s> (sigmoid(beta y) or tanh(beta y)), <E | s> = -bias_s.s - y.m and
Var(E | s) = sum_j y_j^2 Var(o_j | s).

References: Hinton, "Training products of experts by minimizing contrastive
divergence" (2002); Tieleman, "Training restricted Boltzmann machines using
approximations to the likelihood gradient", ICML 2008; Salakhutdinov & Murray,
"On the quantitative analysis of deep belief networks", ICML 2008; Burda,
Grosse & Salakhutdinov, arXiv:1412.8566; Funai & Giataganas,
"Thermodynamics and feature extraction by machine learning", arXiv:1810.08179
(the spectrum of W W^T).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numba
import numpy as np
from scipy.special import logsumexp

from thermoinfo._config import get_memory_budget
from thermoinfo._enumerate import iter_states, states_at
from thermoinfo._errors import NonFiniteParameterError
from thermoinfo._validation import (
    as_rng,
    as_unit_states,
    check_positive,
    check_positive_int,
    random_units,
    resolve_rng,
)
from thermoinfo.sampling import gibbs
from thermoinfo.sampling.ais import AISResult, ais, base_rate_bias, log_mean_exp

__all__ = [
    "RBM",
    "EpochState",
    "LogLikelihoodEstimate",
    "WeightSpectrum",
    "energy_moments_exact",
    "free_energy",
    "log_partition_exact",
    "sample_exact",
]

_MAX_EXACT_UNITS = 24


# ----------------------------------------------------------------------------- pure kernels


_psi = gibbs.unit_log_partition


def _unit_var(mean: np.ndarray, units: str) -> np.ndarray:
    return mean * (1.0 - mean) if units == "binary" else 1.0 - mean * mean


def _check_params(weights: Any, visible_bias: Any, hidden_bias: Any
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] < 1 or W.shape[1] < 1:
        raise ValueError(f"weights must be a 2-D (n_visible, n_hidden) array; got shape {W.shape}")
    n_visible, n_hidden = W.shape
    b = np.zeros(n_visible) if visible_bias is None else np.asarray(visible_bias, dtype=np.float64)
    c = np.zeros(n_hidden) if hidden_bias is None else np.asarray(hidden_bias, dtype=np.float64)
    if b.shape != (n_visible,):
        raise ValueError(f"visible_bias must have shape ({n_visible},); got {b.shape}")
    if c.shape != (n_hidden,):
        raise ValueError(f"hidden_bias must have shape ({n_hidden},); got {c.shape}")
    for name, arr in (("weights", W), ("visible_bias", b), ("hidden_bias", c)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} has non-finite entries (NaN or inf)")
    return W, b, c


def free_energy(v: Any, weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
                units: str = "binary", beta: float = 1.0) -> np.ndarray:
    """Free energy ``F(v) = -beta b.v - sum_a psi(beta (v.W + c)_a)`` (hidden units summed
    out, so that ``P(v) = exp(-F(v)) / Z(beta)``) of each row of ``v``."""
    v = np.asarray(v, dtype=np.float64)
    x = v @ weights + hidden_bias
    return -beta * (v @ visible_bias) - _psi(beta * x, units).sum(axis=-1)


def _smaller_layer(W: np.ndarray, b: np.ndarray, c: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(M, bias of the enumerated layer, bias of the other, enumerated-is-hidden)."""
    n_visible, n_hidden = W.shape
    if n_hidden <= n_visible:
        return np.ascontiguousarray(W.T), c, b, True
    return W, b, c, False


def _check_enumerable(n: int) -> None:
    if n > _MAX_EXACT_UNITS:
        raise ValueError(
            f"exact enumeration needs the smaller layer to have at most {_MAX_EXACT_UNITS} units "
            f"(got {n}); use method='ais' for larger RBMs"
        )


def _chunks(n_s: int, n_o: int, units: str) -> Any:
    """Chunks of the enumerated layer: under the memory budget and small enough
    (about 2**15 states) to keep the temporaries in cache."""
    _check_enumerable(n_s)
    per_state = max(48 * n_o + 8 * n_s + 64, get_memory_budget() // (4 * 2**15))
    return iter_states(n_s, values=gibbs.UNIT_VALUES[units], bytes_per_state=per_state,
                       max_states=2**_MAX_EXACT_UNITS)


def energy_moments_exact(weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
                         units: str = "binary", beta: float = 1.0) -> tuple[float, float, float]:
    """Exact ``(log Z(beta), <E>_beta, Var_beta(E))`` by enumerating the smaller layer.

    The states are enumerated in chunks under the memory budget
    (:func:`thermoinfo._enumerate.iter_states`); up to 2**24 states.
    """
    M, bias_s, bias_o, _ = _smaller_layer(weights, visible_bias, hidden_bias)
    n_s, n_o = M.shape
    total = None
    for chunk in _chunks(n_s, n_o, units):
        s = chunk.astype(np.float64)
        y = s @ M + bias_o
        sb = s @ bias_s
        lw = beta * sb + _psi(beta * y, units).sum(axis=1)
        mean = gibbs.mean_units(y, units, beta)
        e_cond = -sb - np.einsum("ij,ij->i", y, mean)
        v_cond = np.einsum("ij,ij->i", y * y, _unit_var(mean, units))
        lz = float(logsumexp(lw))
        p = np.exp(lw - lz)
        m = float(p @ e_cond)
        var = float(p @ (v_cond + (e_cond - m) ** 2))
        if total is None:
            total = (lz, m, var)
        else:
            l1, m1, v1 = total
            lt = float(np.logaddexp(l1, lz))
            a = math.exp(l1 - lt)
            total = (lt, a * m1 + (1 - a) * m, a * v1 + (1 - a) * var + a * (1 - a) * (m1 - m) ** 2)
    return total


def _enumerated_log_weights(weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
                            units: str, beta: float) -> np.ndarray:
    """Unnormalized log marginal of every state of the smaller layer (enumeration order)."""
    M, bias_s, bias_o, _ = _smaller_layer(weights, visible_bias, hidden_bias)
    n_s, n_o = M.shape
    parts = []
    for chunk in _chunks(n_s, n_o, units):
        s = chunk.astype(np.float64)
        parts.append(beta * (s @ bias_s) + _psi(beta * (s @ M + bias_o), units).sum(axis=1))
    return np.concatenate(parts)


def log_partition_exact(weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
                        units: str = "binary", beta: float = 1.0) -> float:
    """Exact ``log Z(beta)`` of an RBM, summing over the smaller layer in chunks.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[1.0, -0.5]]); b = np.array([0.2]); c = np.zeros(2)
    >>> z = sum(np.exp(v * b[0] + v * W[0] @ h) for v in (0, 1) for h in np.ndindex(2, 2))
    >>> bool(np.isclose(log_partition_exact(W, b, c), np.log(z)))
    True
    """
    return float(logsumexp(_enumerated_log_weights(weights, visible_bias, hidden_bias, units, beta)))


def sample_exact(weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
                 units: str, n_samples: int, rng: Any = None, beta: float = 1.0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Independent exact samples ``(v, h)`` (int8): the smaller layer from its enumerated
    marginal, the other from its conditional. The smaller layer must have <= 20 units."""
    rng = as_rng(rng)
    M, _, bias_o, s_is_hidden = _smaller_layer(weights, visible_bias, hidden_bias)
    n_s = M.shape[0]
    if n_s > 20:
        raise ValueError(f"exact sampling needs the smaller layer to have <= 20 units (got {n_s})")
    lw = _enumerated_log_weights(weights, visible_bias, hidden_bias, units, beta)
    p = np.exp(lw - logsumexp(lw))
    idx = np.sort(rng.choice(p.shape[0], size=n_samples, p=p / p.sum()))
    s = states_at(n_s, idx, gibbs.UNIT_VALUES[units])
    o = gibbs.sample_units(s.astype(np.float64) @ M + bias_o, units, rng, beta)
    perm = rng.permutation(n_samples)
    s, o = s[perm], o[perm]
    return (o, s) if s_is_hidden else (s, o)


# ----------------------------------------------------------------------------- training kernel


_FAST = {"reassoc", "contract", "arcp"}  # reordering only: NaN and inf checks stay exact
_F32 = np.float32


@numba.njit(cache=True, fastmath=_FAST)
def _sigmoid(x):
    e = math.exp(-abs(x))
    inv = _F32(1) / (_F32(1) + e)
    return inv if x >= 0 else e * inv


@numba.njit(cache=True, fastmath=_FAST)
def _nonzero(v, out):
    """Write the indices of the non-zero entries of v to out (branch-free); return their count."""
    n = 0
    for i in range(v.shape[0]):
        out[n] = i
        n += v[i] != 0
    return n


@numba.njit(cache=True, fastmath=_FAST)
def _hidden_means(v, W, c, spin, out, active):
    """``out = mean(h | v)``; rows of W are visible units (sparse in v for binary data)."""
    nh = W.shape[1]
    out[:] = c
    n_active = _nonzero(v, active)
    for j in range(n_active):
        i = active[j]
        vi = v[i]
        for a in range(nh):
            out[a] += vi * W[i, a]
    for a in range(nh):
        if spin:
            out[a] = math.tanh(out[a])
        else:
            out[a] = _sigmoid(out[a])


@numba.njit(cache=True, fastmath=_FAST)
def _sample_from_means(means, spin, uniforms, pos, out):
    for a in range(means.shape[0]):
        u = uniforms[pos + a]
        if spin:
            out[a] = _F32(1) if u + u < _F32(1) + means[a] else _F32(-1)
        else:
            out[a] = _F32(1) if u < means[a] else _F32(0)


@numba.njit(cache=True, fastmath=_FAST)
def _sample_visible_block(h, W, b, spin, uniforms, pos, out):
    """Rows of ``out`` drawn from P(v | h) for the rows of ``h`` (one matrix product)."""
    field = np.dot(h, W.T)
    n, nv = field.shape
    for r in range(n):
        for i in range(nv):
            y = field[r, i] + b[i]
            u = uniforms[pos + r * nv + i]
            if spin:
                out[r, i] = _F32(1) if u < _sigmoid(y + y) else _F32(-1)
            else:
                out[r, i] = _F32(1) if u < _sigmoid(y) else _F32(0)


@numba.njit(cache=True, fastmath=_FAST)
def _accumulate(rows, hid, n_rows, sign, grad_w, grad_b, grad_c, active):
    """grad += sign / n_rows * sum_r (rows[r] outer hid[r], rows[r], hid[r])."""
    nh = hid.shape[1]
    scale = _F32(sign / n_rows)
    for r in range(n_rows):
        n_active = _nonzero(rows[r], active)
        for j in range(n_active):
            i = active[j]
            f = rows[r, i] * scale
            grad_b[i] += f
            for a in range(nh):
                grad_w[i, a] += f * hid[r, a]
        for a in range(nh):
            grad_c[a] += hid[r, a] * scale


@numba.njit(cache=True, fastmath=_FAST)
def _apply(param, vel, grad, learning_rate, momentum, decay):
    """vel = momentum vel + lr (grad - decay param); returns False (and leaves param)
    if param + vel would be non-finite, else adds vel to param."""
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


def _uniforms_needed(batch_size: int, n_visible: int, n_hidden: int, k: int, persistent: bool) -> int:
    """Uniform numbers one minibatch of :func:`_train_epoch` consumes (at most)."""
    per_chain = k * (n_visible + n_hidden)
    return batch_size * (per_chain if persistent else per_chain + n_hidden)


@numba.njit(cache=True, fastmath=_FAST)
def _train_epoch(X, order, first_batch, last_batch, batch_size, W, b, c, vel_w, vel_b, vel_c,
                 chains, persistent, k, learning_rate, momentum, weight_decay, spin, update_b,
                 update_c, uniforms):
    """CD-k / PCD-k updates on minibatches ``first_batch .. last_batch - 1`` of
    ``X[order]`` (float32 arrays).

    ``chains`` holds hidden configurations: the persistent chains (PCD) or the
    scratch chains of CD. ``uniforms`` are the U(0, 1) numbers the sampling
    consumes in order (:func:`_uniforms_needed` per minibatch). Returns the index
    of the first minibatch whose update would make a parameter non-finite (that
    update is not applied), or -1.
    """
    n, nv = X.shape
    nh = W.shape[1]
    lr = _F32(learning_rate)
    mom = _F32(momentum)
    decay = _F32(weight_decay)
    zero = _F32(0)
    vpos = np.empty((batch_size, nv), dtype=np.float32)
    hpos = np.empty((batch_size, nh), dtype=np.float32)
    vneg = np.empty((chains.shape[0], nv), dtype=np.float32)
    hneg = np.empty((chains.shape[0], nh), dtype=np.float32)
    grad_w = np.empty((nv, nh), dtype=np.float32)
    grad_b = np.empty(nv, dtype=np.float32)
    grad_c = np.empty(nh, dtype=np.float32)
    hbuf = np.empty(nh, dtype=np.float32)
    active = np.empty(nv, dtype=np.int64)
    pos = 0
    for t in range(first_batch, last_batch):
        start = t * batch_size
        m = min(n, start + batch_size) - start
        for r in range(m):
            vpos[r] = X[order[start + r]]
            _hidden_means(vpos[r], W, c, spin, hpos[r], active)
        if persistent:
            nc = chains.shape[0]
        else:
            nc = m
            for r in range(m):
                _sample_from_means(hpos[r], spin, uniforms, pos, chains[r])
                pos += nh
        for step in range(k):
            _sample_visible_block(chains[:nc], W, b, spin, uniforms, pos, vneg[:nc])
            pos += nc * nv
            if step < k - 1:
                for r in range(nc):
                    _hidden_means(vneg[r], W, c, spin, hbuf, active)
                    _sample_from_means(hbuf, spin, uniforms, pos, chains[r])
                    pos += nh
        for r in range(nc):
            _hidden_means(vneg[r], W, c, spin, hneg[r], active)
            _sample_from_means(hneg[r], spin, uniforms, pos, chains[r])
            pos += nh
        grad_w[:, :] = zero
        grad_b[:] = zero
        grad_c[:] = zero
        _accumulate(vpos, hpos, m, 1.0, grad_w, grad_b, grad_c, active)
        _accumulate(vneg, hneg, nc, -1.0, grad_w, grad_b, grad_c, active)
        finite = _apply(W, vel_w, grad_w, lr, mom, decay)
        if update_b:
            finite = _apply(b, vel_b, grad_b, lr, mom, zero) and finite
        if update_c:
            finite = _apply(c, vel_c, grad_c, lr, mom, zero) and finite
        if not finite:
            return t
        _add(W, vel_w)
        if update_b:
            _add(b, vel_b)
        if update_c:
            _add(c, vel_c)
    return -1


# ----------------------------------------------------------------------------- results


@dataclasses.dataclass(frozen=True)
class EpochState:
    """What :meth:`RBM.iter_fit` yields after each epoch."""

    epoch: int
    """Epochs completed in this run (1-based)."""
    n_steps: int
    """Minibatch updates made since the model was initialized."""
    elapsed: float
    """Seconds since the run started."""
    model: Any
    """The model being trained (its parameters are current)."""


@dataclasses.dataclass(frozen=True)
class LogLikelihoodEstimate:
    """Mean log-likelihood per sample under an AIS estimate of log Z.

    ``lower``/``upper`` come from the ±3σ bounds of log Z (swapped, since
    log P(v) = -F(v) - log Z).
    """

    value: float
    stderr: float
    lower: float
    upper: float
    log_partition: AISResult


@dataclasses.dataclass(frozen=True)
class WeightSpectrum:
    """Eigen-decomposition of ``W W^T`` (n_visible x n_visible), eigenvalues descending."""

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    """Columns are eigenvectors, ``eigenvectors[:, j]`` belongs to ``eigenvalues[j]``."""

    def images(self, shape: Sequence[int], n: int | None = None) -> np.ndarray:
        """The first ``n`` eigenvectors reshaped to images: an array ``(n, *shape)``
        (for lattice data, e.g. ``shape=(8, 8)`` for the digits, ``(L, L)`` for Ising)."""
        shape = tuple(int(s) for s in shape)
        if int(np.prod(shape)) != self.eigenvectors.shape[0]:
            raise ValueError(f"shape {shape} does not hold {self.eigenvectors.shape[0]} visible units")
        n = self.eigenvectors.shape[1] if n is None else check_positive_int(n, "n")
        return np.ascontiguousarray(self.eigenvectors[:, :n].T).reshape((-1, *shape))


class _Progress:
    """A tqdm progress bar over epochs, as a training callback."""

    def __init__(self, total: int):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, unit="epoch")

    def __call__(self, state: EpochState) -> None:
        self.bar.update(1)
        if state.epoch >= self.bar.total:
            self.bar.close()

    def close(self) -> None:
        self.bar.close()


# ----------------------------------------------------------------------------- the model

_HYPER = ("n_visible", "n_hidden", "units", "method", "k", "learning_rate", "batch_size", "n_epochs",
          "momentum", "weight_decay", "use_visible_bias", "use_hidden_bias", "init_scale", "shuffle")


class RBM:
    """Restricted Boltzmann machine with binary {0, 1} or spin {-1, +1} units.

    ``E(v, h) = -v.W.h - b.v - c.h`` with fitted ``weights_`` (n_visible, n_hidden),
    ``visible_bias_`` and ``hidden_bias_``.

    Parameters
    ----------
    n_visible, n_hidden : int
        Layer sizes (>= 1).
    units : {"binary", "spin"}
        Unit values {0, 1} (sigmoid conditionals) or {-1, +1} (means tanh(field)).
    method : {"pcd", "cd"}
        Persistent contrastive divergence (``batch_size`` persistent chains, as
        scikit-learn's ``BernoulliRBM``) or CD-k started at the data.
    k : int
        Gibbs steps per update.
    learning_rate : float
        Multiplies the minibatch-mean gradient.
    batch_size : int
        Minibatch size (the last minibatch of an epoch may be smaller).
    n_epochs : int
        Passes over the data in :meth:`fit`.
    rng : seed or Generator, optional
        Randomness for initialization, shuffling and Gibbs sampling.
    random_state : seed or Generator, optional
        The scikit-learn spelling of ``rng`` (give one or the other).
    momentum : float
        Momentum in [0, 1).
    weight_decay : float
        L2 penalty on the weights (>= 0).
    use_visible_bias, use_hidden_bias : bool
        Whether each bias is learned (False keeps it at its initial value, zero).
    init_scale : float
        Standard deviation of the initial normal weights (0.01, as scikit-learn).
    shuffle : bool
        Visit the data in a fresh random order each epoch.
    callbacks : sequence of callables
        Called with an :class:`EpochState` after every epoch; returning True stops training.
    progress : bool
        Show a tqdm progress bar over epochs.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1, 1, 0, 0], [0, 0, 1, 1]] * 50, dtype=np.int8)
    >>> rbm = RBM(4, 2, learning_rate=0.1, n_epochs=30, rng=0).fit(X)
    >>> rbm.weights_.shape
    (4, 2)
    >>> bool(rbm.log_likelihood(X) > -4 * np.log(2))
    True
    """

    def __init__(self, n_visible: int, n_hidden: int, units: str = "binary", method: str = "pcd",
                 k: int = 1, learning_rate: float = 0.1, batch_size: int = 10, n_epochs: int = 10,
                 rng: Any = None, *, random_state: Any = None, momentum: float = 0.0,
                 weight_decay: float = 0.0, use_visible_bias: bool = True, use_hidden_bias: bool = True,
                 init_scale: float = 0.01, shuffle: bool = True,
                 callbacks: Sequence[Callable[[EpochState], Any]] = (), progress: bool = False):
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        self.units = units
        self.method = method
        self.k = k
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.rng = rng
        self.random_state = random_state
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.use_visible_bias = use_visible_bias
        self.use_hidden_bias = use_hidden_bias
        self.init_scale = init_scale
        self.shuffle = shuffle
        self.callbacks = callbacks
        self.progress = progress
        self._validate_hyper()

    # -- checks ----------------------------------------------------------------------------
    def _validate_hyper(self) -> None:
        check_positive_int(self.n_visible, "n_visible")
        check_positive_int(self.n_hidden, "n_hidden")
        gibbs.check_units(self.units)
        if self.method not in ("pcd", "cd"):
            raise ValueError(f"method must be 'pcd' or 'cd'; got {self.method!r}")
        check_positive_int(self.k, "k")
        check_positive(self.learning_rate, "learning_rate")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.n_epochs, "n_epochs", minimum=0)
        if not 0.0 <= float(self.momentum) < 1.0:
            raise ValueError(f"momentum must be in [0, 1); got {self.momentum}")
        if not float(self.weight_decay) >= 0.0:
            raise ValueError(f"weight_decay must be >= 0; got {self.weight_decay}")
        if not float(self.init_scale) >= 0.0:
            raise ValueError(f"init_scale must be >= 0; got {self.init_scale}")
        resolve_rng(self.rng, self.random_state)

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise ValueError("this RBM is not fitted yet; call fit(X) or build it with RBM.from_params")

    def _check_data(self, X: Any, name: str = "X", allow_1d: bool = False) -> np.ndarray:
        arr, _ = as_unit_states(X, self.n_visible, self.units, name,
                                ndim=(1, 2) if allow_1d else (2,), size_name="n_visible")
        return arr.astype(np.float64)

    def _params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._check_fitted()
        return self.weights_, self.visible_bias_, self.hidden_bias_

    def _seed(self) -> Any:
        return resolve_rng(self.rng, self.random_state)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_params(cls, weights: Any, visible_bias: Any = None, hidden_bias: Any = None,
                    units: str = "binary", **hyper: Any) -> RBM:
        """An RBM with given parameters (``weights`` (n_visible, n_hidden); biases default
        to zero). Further keyword arguments are hyper-parameters for later training."""
        W, b, c = _check_params(weights, visible_bias, hidden_bias)
        model = cls(W.shape[0], W.shape[1], units=units, **hyper)
        model.weights_ = W.copy()
        model.visible_bias_ = b.copy()
        model.hidden_bias_ = c.copy()
        model.n_steps_ = 0
        model.n_iter_ = 0
        return model

    def _initialize(self) -> None:
        self._validate_hyper()
        self._rng_ = as_rng(self._seed())
        nv, nh = self.n_visible, self.n_hidden
        self.weights_ = self._rng_.normal(0.0, float(self.init_scale), size=(nv, nh))
        self.visible_bias_ = np.zeros(nv)
        self.hidden_bias_ = np.zeros(nh)
        self.n_steps_ = 0
        self.n_iter_ = 0
        self._reset_state()

    def _reset_state(self) -> None:
        if not hasattr(self, "_rng_"):
            self._rng_ = as_rng(self._seed())
        chains = getattr(self, "persistent_chains_", None)
        if chains is not None and chains.shape == (self.batch_size, self.n_hidden):
            self.velocity_ = (np.zeros_like(self.weights_), np.zeros_like(self.visible_bias_),
                              np.zeros_like(self.hidden_bias_))
            return
        self.persistent_chains_ = random_units(self._rng_, (self.batch_size, self.n_hidden), self.units)
        self.velocity_ = (np.zeros_like(self.weights_), np.zeros_like(self.visible_bias_),
                          np.zeros_like(self.hidden_bias_))

    # -- training --------------------------------------------------------------------------
    def _epoch(self, X: np.ndarray) -> None:
        if not hasattr(self, "velocity_") or self.persistent_chains_.shape != (
                self.batch_size, self.n_hidden):
            self._reset_state()
        rng = self._rng_
        n = X.shape[0]
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        W = np.ascontiguousarray(self.weights_, dtype=np.float32)
        b = np.ascontiguousarray(self.visible_bias_, dtype=np.float32)
        c = np.ascontiguousarray(self.hidden_bias_, dtype=np.float32)
        chains = self.persistent_chains_.astype(np.float32)
        vel_w, vel_b, vel_c = (np.array(a, dtype=np.float32) for a in self.velocity_)
        n_batches = -(-n // self.batch_size)
        per_batch = _uniforms_needed(self.batch_size, self.n_visible, self.n_hidden, self.k,
                                     self.method == "pcd")
        span = max(1, (1 << 22) // per_batch)  # minibatches per block of uniforms
        order = order.astype(np.int64)
        failed = -1
        for first in range(0, n_batches, span):
            last = min(n_batches, first + span)
            uniforms = rng.random((last - first) * per_batch, dtype=np.float32)
            with np.errstate(over="ignore", invalid="ignore"):  # non-finite updates are caught below
                failed = _train_epoch(X, order, first, last, int(self.batch_size), W, b, c, vel_w,
                                      vel_b, vel_c, chains, self.method == "pcd", int(self.k),
                                      float(self.learning_rate), float(self.momentum),
                                      float(self.weight_decay), self.units == "spin",
                                      bool(self.use_visible_bias), bool(self.use_hidden_bias),
                                      uniforms)
            if failed >= 0:
                break
        done = n_batches if failed < 0 else failed
        self.weights_, self.visible_bias_, self.hidden_bias_ = (a.astype(np.float64) for a in (W, b, c))
        self.persistent_chains_ = chains.astype(np.int8)
        self.velocity_ = (vel_w, vel_b, vel_c)
        self.n_steps_ += done
        if failed >= 0:
            step = self.n_steps_ + 1
            raise NonFiniteParameterError(
                f"training made the parameters non-finite at step {step} (minibatch {failed + 1} of "
                f"epoch {self.n_iter_ + 1}); the model keeps the parameters after step {step - 1}. "
                f"Lower learning_rate (now {self.learning_rate}) or weight_decay (now {self.weight_decay})"
            )
        self.n_iter_ += 1

    def iter_fit(self, X: Any, n_epochs: int | None = None, *, warm_start: bool = False
                 ) -> Iterator[EpochState]:
        """Train epoch by epoch, yielding an :class:`EpochState` after each.

        Parameters
        ----------
        X : array_like (n_samples, n_visible)
            Training data in the unit set.
        n_epochs : int, optional
            Defaults to the ``n_epochs`` hyper-parameter.
        warm_start : bool
            Continue from the current parameters instead of re-initializing.

        Raises
        ------
        NonFiniteParameterError
            An update would make a parameter non-finite (the model keeps the last finite ones).
        """
        X = np.ascontiguousarray(self._check_data(X), dtype=np.float32)
        n_epochs = self.n_epochs if n_epochs is None else check_positive_int(n_epochs, "n_epochs", 0)
        if not warm_start or not hasattr(self, "weights_"):
            self._initialize()
        callbacks = list(self.callbacks)
        bar = _Progress(n_epochs) if self.progress else None
        if bar is not None:
            callbacks.append(bar)
        started = time.perf_counter()
        try:
            for epoch in range(1, n_epochs + 1):
                self._epoch(X)
                state = EpochState(epoch, self.n_steps_, time.perf_counter() - started, self)
                stop = False
                for callback in callbacks:
                    stop = bool(callback(state)) or stop
                yield state
                if stop:
                    break
        finally:
            if bar is not None:
                bar.close()

    def fit(self, X: Any, y: Any = None) -> RBM:
        """Initialize and train for ``n_epochs`` epochs; returns ``self``."""
        for _ in self.iter_fit(X):
            pass
        return self

    def partial_fit(self, X: Any, y: Any = None) -> RBM:
        """One epoch over ``X`` (e.g. one minibatch) from the current parameters."""
        for _ in self.iter_fit(X, 1, warm_start=True):
            pass
        return self

    # -- inference -------------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """Hidden means ``<h | v>`` of each row (sigmoid or tanh of the field)."""
        W, _, c = self._params()
        X = self._check_data(X)
        return gibbs.mean_units(X @ W + c, self.units)

    def free_energy(self, v: Any, beta: float = 1.0) -> np.ndarray:
        """``F(v)`` of each row of ``v`` (a 1-D ``v`` gives a 0-D result), with
        ``log P(v) = -F(v) - log Z``."""
        W, b, c = self._params()
        beta = check_positive(beta, "beta")
        one = np.ndim(v) == 1
        out = free_energy(self._check_data(v, "v", allow_1d=True), W, b, c, self.units, beta)
        return out[0] if one else out

    def energy(self, v: Any, h: Any) -> np.ndarray:
        """``E(v, h) = -v.W.h - b.v - c.h`` row by row."""
        W, b, c = self._params()
        v = self._check_data(v, "v", allow_1d=True)
        h = np.atleast_2d(np.asarray(h, dtype=np.float64))
        if h.shape != (v.shape[0], self.n_hidden):
            raise ValueError(f"h must have shape ({v.shape[0]}, {self.n_hidden}); got {h.shape}")
        return -np.einsum("ni,ia,na->n", v, W, h) - v @ b - h @ c

    def sample(self, n_samples: int, n_steps: int = 1000, *, init: Any = None, beta: float = 1.0,
               return_hidden: bool = False, rng: Any = None) -> Any:
        """Draw visible configurations from ``n_samples`` independent block Gibbs chains.

        Parameters
        ----------
        n_samples : int
            Number of chains (one sample each).
        n_steps : int
            Gibbs steps per chain.
        init : array_like, optional
            Starting visible configurations (n_samples, n_visible); random by default.
        beta : float
            Inverse temperature (> 0).
        return_hidden : bool
            Also return the hidden configurations that generated the samples.
        rng : seed or Generator
        """
        W, b, c = self._params()
        n_samples = check_positive_int(n_samples, "n_samples")
        n_steps = check_positive_int(n_steps, "n_steps", minimum=0)
        beta = check_positive(beta, "beta")
        rng = as_rng(rng)
        if init is None:
            v = random_units(rng, (n_samples, self.n_visible), self.units)
        else:
            v = self._check_data(init, "init").astype(np.int8)
            if v.shape[0] != n_samples:
                raise ValueError(f"init must have n_samples={n_samples} rows; got {v.shape[0]}")
        v, h = gibbs.gibbs_chain(v, W, b, c, self.units, n_steps, rng, beta)
        return (v, h) if return_hidden else v

    # -- partition function and likelihood ----------------------------------------------
    def log_partition(self, method: str = "exact", rng: Any = None, *, beta: float = 1.0,
                      n_runs: int = 100, betas: Any = None, data: Any = None,
                      n_burn: int = 1000) -> Any:
        """log Z(beta).

        Parameters
        ----------
        method : {"exact", "ais", "reverse_ais"}
            "exact" sums over the smaller layer (<= 24 units) and returns a float;
            "ais" runs annealed importance sampling from the base-rate model and
            returns an :class:`~thermoinfo.sampling.ais.AISResult` (``.log_z``,
            ``.stderr``, ``.lower``, ``.upper``); "reverse_ais" runs the path
            backwards from model samples (exact samples when the smaller layer has
            <= 20 units, else ``n_burn`` Gibbs steps from ``data`` rows or random
            states), an estimate from above.
        rng : seed or Generator
        beta : float
            Inverse temperature (> 0); the energy is scaled by it.
        n_runs : int
            AIS runs.
        betas : array_like, optional
            AIS schedule from 0 to 1 (default: the 14,500 steps of Salakhutdinov & Murray).
        data : array_like, optional
            Training data: sets the base-rate visible biases (and the reverse-AIS starts).
        n_burn : int
            Gibbs steps before reverse AIS when exact samples are out of reach.
        """
        W, b, c = self._params()
        beta = check_positive(beta, "beta")
        if method == "exact":
            key = (beta, self.units, W.tobytes(), b.tobytes(), c.tobytes())
            cached = getattr(self, "_log_z_cache", None)
            if cached is None or cached[0] != key:
                self._log_z_cache = (key, log_partition_exact(W, b, c, self.units, beta))
            return self._log_z_cache[1]
        if method not in ("ais", "reverse_ais"):
            raise ValueError(f"method must be 'exact', 'ais' or 'reverse_ais'; got {method!r}")
        rng = as_rng(rng)
        n_runs = check_positive_int(n_runs, "n_runs")
        Wb, bb, cb = beta * W, beta * b, beta * c
        base = None
        if data is not None:
            data = self._check_data(data, "data")
            base = base_rate_bias(data, self.units)
        if method == "ais":
            return ais(Wb, bb, cb, self.units, betas=betas, n_runs=n_runs, base_visible_bias=base,
                       rng=rng)
        if min(self.n_visible, self.n_hidden) <= 20:
            init, _ = sample_exact(Wb, bb, cb, self.units, n_runs, rng)
        else:
            if data is not None:
                start = data[rng.integers(0, data.shape[0], n_runs)].astype(np.int8)
            else:
                start = random_units(rng, (n_runs, self.n_visible), self.units)
            init, _ = gibbs.gibbs_chain(start, Wb, bb, cb, self.units, n_burn, rng)
        return ais(Wb, bb, cb, self.units, betas=betas, n_runs=n_runs, base_visible_bias=base,
                   reverse=True, init=init, rng=rng)

    def score_samples(self, X: Any, log_z: float | None = None, method: str = "exact") -> np.ndarray:
        """Per-sample log-likelihood ``log P(v) = -F(v) - log Z`` (nats).

        ``log_z`` defaults to the exact value (method "exact"). ``method="pseudo"``
        returns instead the log pseudo-likelihood sum_i log P(v_i | v_-i), every
        unit flipped in turn (scikit-learn's ``BernoulliRBM.score_samples`` flips one
        random unit and multiplies by n_visible; this is its exact expectation).
        """
        W, b, c = self._params()
        X = self._check_data(X)
        if method == "pseudo":
            f0 = free_energy(X, W, b, c, self.units)
            lo, hi = gibbs.UNIT_VALUES[self.units]
            total = np.zeros(X.shape[0])
            for i in range(self.n_visible):
                flipped = X.copy()
                flipped[:, i] = lo + hi - flipped[:, i]
                total += -np.logaddexp(0.0, f0 - free_energy(flipped, W, b, c, self.units))
            return total
        if method != "exact":
            raise ValueError(f"method must be 'exact' or 'pseudo'; got {method!r}")
        if log_z is None:
            log_z = self.log_partition("exact")
        return -free_energy(X, W, b, c, self.units) - float(log_z)

    def score(self, X: Any, y: Any = None) -> float:
        """Mean exact log-likelihood per sample."""
        return float(np.mean(self.score_samples(X)))

    def log_likelihood(self, X: Any, method: str = "exact", rng: Any = None, **ais_options: Any
                       ) -> Any:
        """Mean log-likelihood per sample of ``X`` (nats).

        ``method="exact"`` returns a float; ``"ais"`` a :class:`LogLikelihoodEstimate`
        (value, stderr, lower, upper) from :meth:`log_partition` with ``method="ais"``
        (options such as ``n_runs``, ``betas``, ``data`` are passed on).
        """
        W, b, c = self._params()
        X = self._check_data(X)
        mean_neg_f = float(np.mean(-free_energy(X, W, b, c, self.units)))
        if method == "exact":
            return mean_neg_f - self.log_partition("exact")
        if method != "ais":
            raise ValueError(f"method must be 'exact' or 'ais'; got {method!r}")
        res = self.log_partition("ais", rng=rng, **ais_options)
        return LogLikelihoodEstimate(mean_neg_f - res.log_z, res.stderr, mean_neg_f - res.upper,
                                     mean_neg_f - res.lower, res)

    # -- thermodynamics --------------------------------------------------------------------
    def thermodynamics(self, betas: Any, method: str = "exact", rng: Any = None, *,
                       n_runs: int = 100, n_steps: int = 2000) -> Any:
        """F, U, S, C of the energy scaled by beta, as an ``xarray.Dataset`` over ``beta``.

        Variables: ``log_partition`` (log Z(beta)), ``free_energy`` (-log Z / beta),
        ``energy`` (U = <E>), ``entropy`` (S = beta U + log Z, nats), ``heat_capacity``
        (C = beta^2 Var E); with ``method="mc"`` also ``*_se`` standard errors.

        Parameters
        ----------
        betas : array_like
            Positive inverse temperatures.
        method : {"exact", "mc"}
            "exact" enumerates the smaller layer (<= 24 units). "mc" runs one tempered
            AIS path (uniform start at beta = 0, ``n_steps`` steps to max(betas), the
            requested betas on the path) with ``n_runs`` runs: log Z(beta) from the
            log weights, U and C from the weighted particles with the hidden units
            summed out analytically.
        """
        import xarray as xr

        from thermoinfo._attrs import variable_attrs

        W, b, c = self._params()
        bs = np.atleast_1d(np.asarray(betas, dtype=np.float64))
        if bs.ndim != 1 or bs.size == 0 or not np.all(np.isfinite(bs)) or np.any(bs <= 0):
            raise ValueError(f"betas must be positive finite inverse temperatures; got {betas!r}")
        if method == "exact":
            rows = [energy_moments_exact(W, b, c, self.units, float(beta)) for beta in bs]
            log_z, u, var = (np.array(col) for col in zip(*rows))
            extra = {}
        elif method == "mc":
            log_z, u, var, extra = self._thermodynamics_mc(bs, as_rng(rng), n_runs, n_steps)
        else:
            raise ValueError(f"method must be 'exact' or 'mc'; got {method!r}")
        data = {
            "log_partition": (log_z, "log partition function log Z(beta)", "1"),
            "free_energy": (-log_z / bs, "free energy F = -log Z / beta", "1"),
            "energy": (u, "internal energy U = <E>", "1"),
            "entropy": (bs * u + log_z, "entropy S = beta (U - F)", "nat"),
            "heat_capacity": (bs**2 * var, "heat capacity C = beta^2 Var(E)", "1"),
        }
        data.update(extra)
        ds = xr.Dataset(
            {k: ("beta", np.asarray(v), variable_attrs(name, unit)) for k, (v, name, unit) in data.items()},
            coords={"beta": ("beta", bs, variable_attrs("inverse temperature", "1"))},
        )
        ds.attrs.update({"method": method, "units": self.units, "n_visible": self.n_visible,
                         "n_hidden": self.n_hidden})
        return ds

    def _thermodynamics_mc(self, bs: np.ndarray, rng: np.random.Generator, n_runs: int, n_steps: int
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
        W, b, c = self._params()
        top = float(bs.max())
        grid = np.union1d(np.linspace(0.0, 1.0, check_positive_int(n_steps, "n_steps", 2)), bs / top)
        index = np.searchsorted(grid, bs / top)
        res, rec = ais(top * W, top * b, top * c, self.units, betas=grid,
                       n_runs=check_positive_int(n_runs, "n_runs"), record=list(index), rng=rng)
        log_z = np.empty(bs.size)
        log_z_se = np.empty(bs.size)
        u = np.empty(bs.size)
        u_se = np.empty(bs.size)
        var = np.empty(bs.size)
        for j, beta in enumerate(bs):
            lw = rec["log_weights"][j]
            est, se, _, _ = log_mean_exp(lw)
            log_z[j], log_z_se[j] = res.log_z_base + est, se
            v = rec["states"][j].astype(np.float64)
            x = v @ W + c
            mean = gibbs.mean_units(x, self.units, beta)
            e_cond = -(v @ b) - np.einsum("ij,ij->i", x, mean)
            v_cond = np.einsum("ij,ij->i", x * x, _unit_var(mean, self.units))
            w = np.exp(lw - lw.max())
            w /= w.sum()
            u[j] = w @ e_cond
            var[j] = w @ (v_cond + (e_cond - u[j]) ** 2)
            u_se[j] = math.sqrt(float(np.sum(w**2 * (e_cond - u[j]) ** 2)))
        extra = {
            "log_partition_se": (log_z_se, "standard error of log Z(beta)", "1"),
            "energy_se": (u_se, "standard error of U", "1"),
        }
        return log_z, u, var, extra

    def weight_spectrum(self) -> WeightSpectrum:
        """Eigenvalues (descending) and eigenvectors of ``W W^T``; see
        :meth:`WeightSpectrum.images` to view the eigenvectors as images."""
        W, _, _ = self._params()
        vals, vecs = np.linalg.eigh(W @ W.T)
        order = np.argsort(vals)[::-1]
        return WeightSpectrum(np.clip(vals[order], 0.0, None), vecs[:, order])

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write hyper-parameters and fitted parameters to a ``.npz`` file."""
        W, b, c = self._params()
        path = Path(path)
        hyper = {f"hyper_{name}": np.asarray(getattr(self, name)) for name in _HYPER}
        np.savez(path, weights=W, visible_bias=b, hidden_bias=c,
                 persistent_chains=getattr(self, "persistent_chains_", np.zeros((0, 0), np.int8)),
                 n_steps=np.asarray(self.n_steps_), n_iter=np.asarray(self.n_iter_), **hyper)
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")

    @classmethod
    def load(cls, path: str | Path) -> RBM:
        """Read a model written by :meth:`save`."""
        with np.load(Path(path), allow_pickle=False) as f:
            hyper = {name: f[f"hyper_{name}"].item() for name in _HYPER}
            nv, nh = hyper.pop("n_visible"), hyper.pop("n_hidden")
            units = hyper.pop("units")
            model = cls.from_params(f["weights"], f["visible_bias"], f["hidden_bias"],
                                    units=str(units), **hyper)
            if (model.n_visible, model.n_hidden) != (nv, nh):
                raise ValueError(f"{path}: stored weights do not match n_visible={nv}, n_hidden={nh}")
            chains = f["persistent_chains"]
            if chains.size:
                model.persistent_chains_ = chains.astype(np.int8)
            model.n_steps_ = int(f["n_steps"])
            model.n_iter_ = int(f["n_iter"])
        return model

    def __repr__(self) -> str:
        return (f"RBM(n_visible={self.n_visible}, n_hidden={self.n_hidden}, units={self.units!r}, "
                f"method={self.method!r}, k={self.k}, learning_rate={self.learning_rate}, "
                f"batch_size={self.batch_size}, n_epochs={self.n_epochs})")

