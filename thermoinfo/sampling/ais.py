"""Annealed importance sampling (AIS) of the partition function of an RBM.

Following Salakhutdinov & Murray, "On the quantitative analysis of deep belief
networks", ICML 2008 (and Neal, "Annealed importance sampling",
arXiv:physics/9803008), the hidden units are summed out and the path of
unnormalized marginals over the visible units is

    log f_k(v) = ((1 - beta_k) b_A + beta_k b) . v
                 + sum_a psi(beta_k (v.W + c)_a + (1 - beta_k) c_A,a)

for 0 = beta_0 < beta_1 < ... < beta_K = 1, with psi(x) = log(1 + e^x) for
binary {0, 1} units and psi(x) = log(2 cosh x) for spins {-1, +1}: the joint
p_k(v, h) is exp(beta_k v.W.h + ((1 - beta_k) b_A + beta_k b).v
+ ((1 - beta_k) c_A + beta_k c).h) / Z_k. At beta = 0 it is the base model of
independent units with biases b_A and c_A (W = 0), whose normalizer is exact:

    log Z_A = sum_i psi(b_A,i) + sum_a psi(c_A,a).

The base model matters. AIS is a stochastic lower bound of log Z (Jensen), and
its spread says nothing about its bias: a base far from the model (the uniform
one, b_A = c_A = 0, for a model with strong biases) gives a confident wrong
answer at any practical schedule. The default base keeps the model's own biases
(b_A = b, c_A = c: only the couplings are annealed); :func:`base_rate_bias` of
the training data (with c_A = 0) is the base of Salakhutdinov & Murray.

Run r draws v_1 ~ p_A, then alternately adds log f_k(v) - log f_{k-1}(v) to
its log weight and moves v by one block Gibbs step that leaves p_k invariant.
E[w] = Z_B / Z_A, so

    log Z_B ~= log Z_A + log mean_r w_r.

Its standard error follows from the delta method on the mean of the weights,
se(log mean w) = sd(w) / (sqrt(M) mean w); the ±3σ bounds are
log(mean w ± 3 sd(w)/sqrt(M)) + log Z_A. The effective sample size
ESS = (sum w)^2 / sum w^2 says how many runs carry the estimate; when it is
small the standard error itself cannot be trusted.

Reverse AIS (Burda, Grosse & Salakhutdinov, "Accurate and conservative
estimates of MRF log-likelihood using reverse annealing", AISTATS 2015,
arXiv:1412.8566) runs the same path backwards from samples of the model: its
weights estimate Z_A / Z_B, so log Z_B ~= log Z_A - log mean w is, for exact
initial samples, a stochastic upper bound. Together the two bracket log Z
(:func:`bracket`).

With b_A = c_A = 0 the intermediate distributions are the model at inverse
temperature beta_k (energy scaled by beta_k); the log weights recorded along
the way then estimate log Z(beta_k), which
:meth:`thermoinfo.models.RBM.thermodynamics` uses.

The annealing step is two products (float32 or float64, the log weights
accumulated in float64), the exponentials in numpy's vectorized ``np.exp`` and
the rest in numba loops that vectorize (the log weights with the hidden draw,
and the visible draw).

A product with a layer of {0, 1} or {-1, +1} units is a sum of selected rows,
so from one step to the next it changes by the rows of the units that changed.
When at most a quarter of a chunk's units changed (a trained model, whose chains
move slowly) the product is updated by adding those rows; else (a model that
mixes fast), and after at most 64 steps without it (which bounds the rounding
drift), it is recomputed by BLAS. On a 784 x 500 RBM trained on digits about a tenth of the
units change per step of the default schedule, and AIS takes half the time it
takes with BLAS products alone.

For a hidden unit with field z at
beta_{k-1} and change d = (beta_k - beta_{k-1})(x + c - c_A) (x = v.W), the
weight ratio and the draw at beta_k come from one sigmoid:

    psi(z + d) - psi(z) = log r,   r = 1 + sigmoid(z) expm1(d),
    P(h = 1 | v) at beta_k = sigmoid(z) e^d / r

(binary units; for spins psi(z) = -z + log(1 + e^{2z})), with expm1 from its
Taylor series while |d| < 0.05 and everything in float64 otherwise. The runs
are split into chunks of about 64, annealed independently (on as many threads
as there are cores), each with its own random stream spawned from the caller's
generator: every run's numbers are the same whatever the number of threads. Units are drawn
by the one block-Gibbs draw :func:`thermoinfo.sampling.gibbs.draw_units`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba
import numpy as np

from thermoinfo._config import available_cores, one_blas_thread
from thermoinfo._validation import as_rng, check_params, check_positive_int
from thermoinfo.sampling.gibbs import (
    _draw_unit,
    _sigmoid_given_exp,
    check_units,
    draw_units,
    draw_units_squeezed,
    uniforms_float32,
    unit_log_partition,
)

__all__ = [
    "AISBracket",
    "AISResult",
    "ais",
    "base_rate_bias",
    "bracket",
    "default_betas",
    "effective_sample_size",
    "log_mean_exp",
]


@dataclasses.dataclass(frozen=True)
class AISResult:
    """An AIS estimate of a log partition function.

    Attributes
    ----------
    log_z : float
        The estimate of log Z (nats).
    stderr : float
        Its standard error (delta method on the mean importance weight).
    lower, upper : float
        ``log Z`` at mean weight ∓ 3 standard errors (``-inf``/``inf`` where
        the interval reaches zero weight).
    log_weights : ndarray
        Per-run log importance weights.
    log_z_base : float
        Exact log partition function of the base model.
    betas : ndarray
        The inverse-temperature schedule in the order it was run.
    reverse : bool
        True for reverse AIS (an upper-bound estimator).
    ess : float
        Effective sample size of the importance weights, (sum w)^2 / sum w^2,
        between 1 and the number of runs.
    """

    log_z: float
    stderr: float
    lower: float
    upper: float
    log_weights: np.ndarray
    log_z_base: float
    betas: np.ndarray
    reverse: bool = False
    ess: float = float("nan")

    @property
    def n_runs(self) -> int:
        """Number of annealing runs."""
        return int(self.log_weights.shape[0])


@dataclasses.dataclass(frozen=True)
class AISBracket:
    """Forward (from below) and reverse (from above) AIS estimates of one log Z.

    Attributes
    ----------
    forward, reverse : AISResult
    verdict : str
        ``"agree"``: the two estimates differ by at most 3 combined standard
        errors; ``"bracket"``: forward below reverse by more, log Z lies between
        them (``gap`` says how loosely); ``"no bracket"``: forward above reverse by
        more than 3 combined standard errors, so at least one of them is wrong
        (too short a schedule, or reverse runs not started from the model).
    log_z : float
        Midpoint of the two estimates.
    stderr : float
        The larger of half their gap and their combined standard error.
    lower, upper : float
        ``forward.log_z - 3 forward.stderr`` and ``reverse.log_z + 3 reverse.stderr``.
    """

    forward: AISResult
    reverse: AISResult

    @property
    def gap(self) -> float:
        """``reverse.log_z - forward.log_z``."""
        return self.reverse.log_z - self.forward.log_z

    @property
    def combined_stderr(self) -> float:
        return math.hypot(self.forward.stderr, self.reverse.stderr)

    @property
    def verdict(self) -> str:
        if abs(self.gap) <= 3 * self.combined_stderr:
            return "agree"
        return "bracket" if self.gap > 0 else "no bracket"

    @property
    def log_z(self) -> float:
        return 0.5 * (self.forward.log_z + self.reverse.log_z)

    @property
    def stderr(self) -> float:
        return max(0.5 * abs(self.gap), self.combined_stderr)

    @property
    def lower(self) -> float:
        return self.forward.log_z - 3 * self.forward.stderr

    @property
    def upper(self) -> float:
        return self.reverse.log_z + 3 * self.reverse.stderr


def default_betas(n_low: int = 500, n_mid: int = 4000, n_high: int = 10000) -> np.ndarray:
    """The Salakhutdinov–Murray schedule: ``n_low`` steps in [0, 0.5), ``n_mid`` in
    [0.5, 0.9), ``n_high`` in [0.9, 1], uniformly spaced (14,500 by default).

    Examples
    --------
    >>> b = default_betas()
    >>> len(b), float(b[0]), float(b[-1])
    (14500, 0.0, 1.0)
    """
    n_low = check_positive_int(n_low, "n_low")
    n_mid = check_positive_int(n_mid, "n_mid")
    n_high = check_positive_int(n_high, "n_high", minimum=2)
    return np.concatenate([
        np.linspace(0.0, 0.5, n_low, endpoint=False),
        np.linspace(0.5, 0.9, n_mid, endpoint=False),
        np.linspace(0.9, 1.0, n_high),
    ])


def log_mean_exp(log_w: np.ndarray) -> tuple[float, float, float, float]:
    """``log mean exp(log_w)``, its delta-method standard error, and the log of
    (mean ∓ 3 standard errors of the mean) of ``exp(log_w)``."""
    log_w = np.asarray(log_w, dtype=np.float64)
    m = log_w.shape[0]
    top = float(np.max(log_w))
    w = np.exp(log_w - top)
    mean = float(w.mean())
    sd = float(w.std(ddof=1)) if m > 1 else float("inf")
    se_mean = sd / np.sqrt(m)
    estimate = top + np.log(mean)
    stderr = se_mean / mean
    lo = top + np.log(mean - 3 * se_mean) if mean > 3 * se_mean else -np.inf
    hi = top + np.log(mean + 3 * se_mean)
    return float(estimate), float(stderr), float(lo), float(hi)


def effective_sample_size(log_w: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` of importance weights
    given by their logs (between 1 and their number).

    Examples
    --------
    >>> effective_sample_size(np.zeros(10)), round(effective_sample_size([0.0, -50.0]), 6)
    (10.0, 1.0)
    """
    log_w = np.asarray(log_w, dtype=np.float64)
    w = np.exp(log_w - np.max(log_w))
    return float(w.sum() ** 2 / np.sum(w * w))


def base_rate_bias(data: Any, units: str = "binary", pseudocount: float = 1.0) -> np.ndarray:
    """Visible biases of the base-rate model from the data marginals.

    Binary units: ``b_A = logit(p)`` with ``p = (sum v + pseudocount) / (n + 2 pseudocount)``;
    spins: ``b_A = artanh(m)`` with the mean ``m`` smoothed the same way, so that
    the base model reproduces the (smoothed) marginals.
    """
    check_units(units)
    x = np.asarray(data, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"data must be 2-D (n_samples, n_visible); got shape {x.shape}")
    n = x.shape[0]
    ones = x.sum(axis=0) if units == "binary" else (x.sum(axis=0) + n) / 2
    p = (ones + pseudocount) / (n + 2 * pseudocount)
    logit = np.log(p) - np.log1p(-p)
    return logit if units == "binary" else 0.5 * logit


def _check_betas(betas: Any) -> np.ndarray:
    b = np.asarray(betas, dtype=np.float64)
    if b.ndim != 1 or b.shape[0] < 2:
        raise ValueError(f"betas must be a 1-D schedule of at least 2 values; got shape {b.shape}")
    if not np.all(np.isfinite(b)) or b[0] != 0.0 or b[-1] != 1.0 or np.any(np.diff(b) <= 0):
        raise ValueError("betas must increase strictly from 0 to 1 (beta_0 = 0, beta_K = 1)")
    return b


def _check_bias(value: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (n,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be {n} finite numbers; got shape {arr.shape}")
    return arr


_FAST = {"reassoc", "contract", "arcp"}  # reordering only: NaN and inf checks stay exact

#: |change of a hidden unit's field in one step| below which its log-weight ratio
#: and its draw come from one sigmoid in the products' precision and the Taylor
#: series of expm1 to 8 terms (truncation below 0.05^9 / 9! = 6e-18); a run with
#: a larger change (a coarse schedule) takes that step in float64.
_SMALL_STEP = 0.05


@numba.njit(cache=True, fastmath=_FAST)
def _softplus(z):
    """log(1 + e^z), overflow-free."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


@numba.njit(cache=True, fastmath=_FAST, nogil=True, error_model="numpy")
def _hidden_changes(x, v, c, c_a, delta_bias, now, prev, spin, zs, ds, s, n_big):
    """First half of a step of every run: the hidden fields at the previous beta
    (doubled for spins) into ``zs``, their changes d into ``ds``, the visible-bias
    part of the log-weight increment into ``s`` and the number of |d| of at least
    ``_SMALL_STEP`` into ``n_big``."""
    n_runs, nh = x.shape
    step = now - prev
    mult = 2.0 if spin else 1.0
    has_delta = False
    for i in range(delta_bias.shape[0]):
        has_delta = has_delta or delta_bias[i] != 0.0
    for r in range(n_runs):
        acc = 0.0
        if has_delta:
            for i in range(v.shape[1]):
                acc += v[r, i] * delta_bias[i]
            acc *= step
        sum_d = 0.0
        count = 0
        for a in range(nh):
            field = x[r, a] + c[a]
            z = prev * field + (1.0 - prev) * c_a[a]
            d = step * (field - c_a[a])
            sum_d += d
            zs[r, a] = mult * z
            ds[r, a] = mult * d
            count += abs(mult * d) >= _SMALL_STEP
        s[r] = acc - sum_d if spin else acc
        n_big[r] = count


@numba.njit(cache=True, fastmath=_FAST, nogil=True, error_model="numpy")
def _weigh_given_exp(x, c, c_a, prev, spin, draw, zs, ds, es, s, n_big, uniforms, log_w, h, rs):
    """Second half: with ``es = exp(-|zs|)``, add each run's log-weight increment
    to ``log_w`` and, if ``draw``, draw its hidden units at the new beta into ``h``
    (``rs`` is scratch of one row)."""
    n_runs, nh = x.shape
    one = x.dtype.type(1)
    high = h.dtype.type(1)
    low = h.dtype.type(-1 if spin else 0)
    mult = 2.0 if spin else 1.0
    for r in range(n_runs):
        total = s[r]
        if n_big[r] > 0:
            for a in range(nh):
                z = mult * (prev * (x[r, a] + c[a]) + (1.0 - prev) * c_a[a])
                zn = z + ds[r, a]
                total += _softplus(zn) - _softplus(z)
                if draw:
                    h[r, a] = _draw_unit(uniforms[r, a], math.exp(zn - _softplus(zn)), high, low)
            log_w[r] += total
            continue
        for a in range(nh):
            sig = _sigmoid_given_exp(zs[r, a], es[r, a], one)
            d = ds[r, a]
            em = d * (1.0 + d / 2 * (1.0 + d / 3 * (1.0 + d / 4 * (1.0 + d / 5 * (
                1.0 + d / 6 * (1.0 + d / 7 * (1.0 + d / 8)))))))
            rr = 1.0 + sig * em
            rs[a] = rr
            es[r, a] = sig * (1.0 + em) / rr  # P(on) at the new beta
        for a0 in range(0, nh, 256):
            ratio = 1.0
            for a in range(a0, min(nh, a0 + 256)):
                ratio *= rs[a]
            total += math.log(ratio)
        log_w[r] += total
        if draw:
            for a in range(nh):
                h[r, a] = _draw_unit(uniforms[r, a], es[r, a], high, low)


def _hidden_scratch(n_runs: int, n_hidden: int, dtype: Any) -> tuple[np.ndarray, ...]:
    """Work arrays of :func:`_weigh_and_draw_hidden` for ``n_runs`` runs."""
    return (np.empty((n_runs, n_hidden), dtype), np.empty((n_runs, n_hidden)),
            np.empty((n_runs, n_hidden), dtype), np.empty(n_runs), np.empty(n_runs, np.int64),
            np.empty(n_hidden))


def _weigh_and_draw_hidden(x, v, log_w, c, c_a, delta_bias, now, prev, spin, draw, uniforms, h,
                           scratch=None):
    """Add ``log f_now(v) - log f_prev(v)`` to every run's log weight; if ``draw``,
    then draw h ~ p_now(h | v) with the (n_runs, n_hidden) ``uniforms``.

    ``x`` holds ``v.W``. With the field z = prev (x + c) + (1 - prev) c_A of a hidden
    unit at the previous beta and its change d = (now - prev)(x + c - c_A), the
    binary term is psi(z + d) - psi(z) = log r with r = 1 + sigmoid(z) expm1(d), and
    P(h = 1) = sigmoid(z) e^d / r: one sigmoid per unit gives both (spins:
    psi(z) = -z + log(1 + e^{2z})). The r are multiplied in float64 and their log
    taken once per 256 units (each lies within e^{+-0.05} of 1). A run with any
    |d| of at least ``_SMALL_STEP`` takes the step in float64 unit by unit.

    The exponentials e^{-|z|} come from numpy's vectorized ``np.exp``; the two
    numba halves around it are free of branches and of divisions checked for zero
    (``error_model="numpy"``: no denominator here can vanish), so they vectorize.
    """
    n_runs, nh = x.shape
    zs, ds, es, s, n_big, rs = _hidden_scratch(n_runs, nh, x.dtype) if scratch is None else scratch
    _hidden_changes(x, v, c, c_a, delta_bias, now, prev, spin, zs, ds, s, n_big)
    np.abs(zs, out=es)
    np.negative(es, out=es)
    np.exp(es, out=es)
    _weigh_given_exp(x, c, c_a, prev, spin, draw, zs, ds, es, s, n_big, uniforms, log_w, h, rs)


@numba.njit(cache=True, fastmath=_FAST, nogil=True, error_model="numpy")
def _visible_field(y, b, b_a, beta, field):
    """The visible field at ``beta`` with ``y = h.W^T``: beta (y + b) + (1 - beta) b_A
    (in the precision of ``field``)."""
    n_runs, nv = y.shape
    for r in range(n_runs):
        for i in range(nv):
            field[r, i] = beta * (y[r, i] + b[i]) + (1.0 - beta) * b_a[i]


#: Fraction of a chunk's units that changed in a step up to which a product is
#: updated by adding the rows of the changed units (:func:`_add_changes`) instead
#: of recomputed by BLAS: a product with a {0, 1} or {-1, +1} vector is a sum of
#: selected rows, and from one step to the next only the changed units' rows
#: change it. Adding the rows costs about three times as much per multiply-add as
#: BLAS's product (measured on 784 x 500 float32), so it is the faster way below
#: about a third of the units changed; the threshold keeps a margin. (On a trained
#: 784 x 500 model, whose units change by about a tenth per step, AIS took 18.4 s
#: with 0.2, 14.9 s with 0.25 and 14.0 s with 0.3.)
_SPARSE_CHANGES = 0.25

#: Steps after which a product updated by changes is recomputed in full by BLAS,
#: which bounds the rounding drift of the running sums (about sqrt(steps x changes)
#: roundings of the products' precision).
_REFRESH = 64


@numba.njit(cache=True, nogil=True)
def _count_changes(old, new):
    """Number of entries in which ``new`` differs from ``old`` (same shape)."""
    a = old.ravel()
    b = new.ravel()
    count = 0
    for j in range(a.shape[0]):
        count += a[j] != b[j]
    return count


@numba.njit(cache=True, fastmath=_FAST, nogil=True, error_model="numpy")
def _add_rows(acc, d, rows, idx, m):
    """``acc += sum_s d[s] rows[idx[s]]`` over s < m, four rows a pass."""
    t = 0
    while t + 4 <= m:
        d0, d1, d2, d3 = d[t], d[t + 1], d[t + 2], d[t + 3]
        w0, w1, w2, w3 = rows[idx[t]], rows[idx[t + 1]], rows[idx[t + 2]], rows[idx[t + 3]]
        for j in range(acc.shape[0]):
            acc[j] += (d0 * w0[j] + d1 * w1[j]) + (d2 * w2[j] + d3 * w3[j])
        t += 4
    while t < m:
        d0 = d[t]
        w0 = rows[idx[t]]
        for j in range(acc.shape[0]):
            acc[j] += d0 * w0[j]
        t += 1


@numba.njit(cache=True, fastmath=_FAST, nogil=True, error_model="numpy")
def _add_changes(old, new, rows, out, idx, d):
    """``out += (new - old) @ rows``, row by row of ``out``, adding only the rows of
    ``rows`` whose unit changed (``idx`` and ``d``: scratch of one row of ``old``)."""
    n, k = old.shape
    for r in range(n):
        m = 0
        for i in range(k):
            change = new[r, i] - old[r, i]
            idx[m] = i
            d[m] = change
            m += change != 0
        _add_rows(out[r], d, rows, idx, m)


def _product(old: np.ndarray, new: np.ndarray, rows: np.ndarray, out: np.ndarray, full: bool,
             idx: np.ndarray, d: np.ndarray) -> bool:
    """Make ``out = new @ rows`` given ``out = old @ rows``: by adding the changed
    units' rows when at most :data:`_SPARSE_CHANGES` of the units changed, else
    (or when ``full``) by one BLAS product. Returns whether it was the BLAS product."""
    if not full and _count_changes(old, new) <= _SPARSE_CHANGES * old.size:
        _add_changes(old, new, rows, out, idx, d)
        return False
    np.matmul(new, rows, out=out)
    return True


#: Runs per chunk: the runs are split into chunks of about this many (at least two
#: chunks when there are two runs or more), each annealed by its own random stream
#: (:meth:`numpy.random.Generator.spawn`), so that the numbers a seed gives do not
#: depend on how many threads anneal the chunks.
_RUNS_PER_CHUNK = 64


def _chunk_bounds(n_runs: int) -> np.ndarray:
    """Boundaries of the nearly equal chunks the runs are split into."""
    n_chunks = max(min(n_runs, 2), -(-n_runs // _RUNS_PER_CHUNK))
    return np.linspace(0, n_runs, n_chunks + 1).round().astype(np.int64)


def _resolve_threads(n_threads: Any) -> int:
    if n_threads is None:
        return available_cores()
    return check_positive_int(n_threads, "n_threads")


def _anneal(problem: tuple, v: np.ndarray, log_w: np.ndarray, rec_w: np.ndarray, rec_v: np.ndarray,
            draw_start: bool, rng: np.random.Generator) -> None:
    """Anneal the runs whose states are the rows of ``v`` along the whole schedule.

    Adds each run's log weight to ``log_w`` and fills the recorded weights and
    states (``rec_w``, ``rec_v``: the columns of these runs); ``v`` holds the
    start states (drawn here from the base model when ``draw_start``) and ends
    with the final ones. All randomness comes from ``rng``.
    """
    W, Wt, b, c, b_a, c_a, path, spin, record_at = problem
    n_runs, n_visible = v.shape
    n_hidden = W.shape[1]
    if draw_start:
        draw_units(np.broadcast_to(b_a, (n_runs, n_visible)).ravel(), 1.0, spin,
                   rng.random(n_runs * n_visible), v.reshape(-1))
    if 0 in record_at:
        rec_v[record_at[0]] = v
    x = np.empty((n_runs, n_hidden), dtype=W.dtype)
    y = np.empty((n_runs, n_visible), dtype=W.dtype)
    # two buffers for each layer: the states before and after a draw, whose
    # difference updates the products
    h, h_before = np.zeros((2, n_runs, n_hidden), dtype=W.dtype)
    v_now, v_next = v, np.empty_like(v)
    field = np.empty((n_runs, n_visible), dtype=W.dtype)
    no_bias = np.zeros(n_visible, dtype=W.dtype)  # the field holds the biases already
    flags = np.empty(32 * ((n_runs * n_visible + 31) // 32), dtype=np.uint8)
    scratch = _hidden_scratch(n_runs, n_hidden, W.dtype)
    idx = np.empty(max(n_visible, n_hidden), dtype=np.int64)
    d = np.empty(max(n_visible, n_hidden), dtype=W.dtype)
    np.matmul(v, W, out=x)
    delta_bias = b - b_a
    n_steps = path.shape[0]
    # per step n_runs x n_hidden uniforms for the hidden draw, then n_runs x n_visible
    per_step = n_runs * (n_hidden + n_visible)
    block = max(1, min(64, (1 << 18) // per_step))  # a block stays in the cache
    uniforms = np.empty(block * per_step, dtype=np.float32)
    since_full = _REFRESH  # the first products are full ones
    for k in range(1, n_steps):
        last = k == n_steps - 1
        if (k - 1) % block == 0:
            uniforms_float32(rng, block * per_step, out=uniforms)
        u = uniforms[((k - 1) % block) * per_step:((k - 1) % block + 1) * per_step]
        beta = path[k]
        _weigh_and_draw_hidden(x, v_now, log_w, c, c_a, delta_bias, beta, path[k - 1], spin, not last,
                               u[:n_runs * n_hidden].reshape(n_runs, n_hidden), h, scratch)
        if k in record_at:
            rec_w[record_at[k]] = log_w
            rec_v[record_at[k]] = v_now
        if last:
            break
        full = since_full >= _REFRESH
        full_y = _product(h_before, h, Wt, y, full, idx, d)
        _visible_field(y, b, b_a, beta, field)
        draw_units_squeezed(field, no_bias, 1.0, spin, u[n_runs * n_hidden:], v_next, flags)
        full_x = _product(v_now, v_next, W, x, full, idx, d)
        since_full = 0 if full_x and full_y else since_full + 1
        v_now, v_next = v_next, v_now
        h, h_before = h_before, h
    if v_now is not v:
        v[...] = v_now


def ais(weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
        units: str = "binary", *, betas: Any = None, n_runs: int = 100,
        base_visible_bias: Any = None, base_hidden_bias: Any = None, reverse: bool = False,
        init: Any = None, record: Sequence[int] = (), rng: Any = None, dtype: Any = np.float64,
        n_threads: int | None = None) -> AISResult | tuple[AISResult, dict[str, np.ndarray]]:
    """Estimate log Z of an RBM by (reverse) annealed importance sampling.

    Parameters
    ----------
    weights, visible_bias, hidden_bias : ndarray
        The RBM, ``E(v, h) = -v.W.h - b.v - c.h``.
    units : {"binary", "spin"}
    betas : array_like, optional
        Increasing schedule from 0 to 1 (default :func:`default_betas`).
    n_runs : int
        Number of independent annealing runs M.
    base_visible_bias, base_hidden_bias : array_like, optional
        Biases ``b_A``, ``c_A`` of the base model (W = 0). By default the model's
        own biases (only the couplings are annealed). With the training data,
        pass ``base_visible_bias=base_rate_bias(data)`` and
        ``base_hidden_bias=0`` (Salakhutdinov & Murray); both zero is the uniform
        base, whose intermediate models are the model at inverse temperature beta.
        A given ``base_visible_bias`` without ``base_hidden_bias`` uses
        ``c_A = 0``.
    reverse : bool
        Run the schedule from beta = 1 to 0 starting at ``init`` (reverse AIS).
    init : array_like, optional
        ``(n_runs, n_visible)`` samples of the model to start reverse AIS from.
        Required when ``reverse`` is True.
    record : sequence of int
        Schedule indices k at which to record the log weights and the states (both
        target p_k there); returned in a dict as ``log_weights`` (len(record), M) and
        ``states`` (len(record), M, n_visible). Forward runs only.
    rng : seed or Generator
    dtype : numpy dtype
        Precision of the weights in the products (float64 default; float32 halves
        the memory traffic and changes log Z by about 1e-6 per hidden unit).
    n_threads : int, optional
        Threads that anneal the chunks of runs at once (default: the cores this
        process may use). The runs are split into chunks of about 64 (at least
        two), each with its own random stream spawned from ``rng``, so a seed
        gives the same numbers whatever ``n_threads`` is (BLAS runs on one
        thread per chunk).

    Returns
    -------
    AISResult
        (and the recorded dict when ``record`` is not empty).

    Examples
    --------
    >>> import numpy as np
    >>> W = np.full((3, 2), 0.5); b = np.zeros(3); c = np.zeros(2)
    >>> res = ais(W, b, c, betas=np.linspace(0, 1, 200), n_runs=50, rng=0)
    >>> exact = np.log(sum(np.exp(np.array(v) @ W @ np.array(h))
    ...     for v in np.ndindex(2, 2, 2) for h in np.ndindex(2, 2)))
    >>> bool(res.lower <= exact <= res.upper), round(float(exact), 2), res.ess > 40
    (True, 4.57, True)
    """
    check_units(units)
    spin = units == "spin"
    rng = as_rng(rng)
    n_runs = check_positive_int(n_runs, "n_runs")
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {np.dtype(dtype).name}")
    n_threads = _resolve_threads(n_threads)
    W64, b, c = check_params(weights, visible_bias, hidden_bias)
    with np.errstate(over="ignore"):
        W = np.ascontiguousarray(W64, dtype=dtype)
    if not np.all(np.isfinite(W)):
        raise ValueError(f"weights exceed the range of {np.dtype(dtype).name} (largest |W| "
                         f"{np.max(np.abs(W64)):.3g}); pass dtype=np.float64")
    n_visible, n_hidden = W.shape
    if base_visible_bias is None and base_hidden_bias is None:
        b_a, c_a = b.copy(), c.copy()
    else:
        b_a = (np.zeros(n_visible) if base_visible_bias is None
               else _check_bias(base_visible_bias, n_visible, "base_visible_bias"))
        c_a = (np.zeros(n_hidden) if base_hidden_bias is None
               else _check_bias(np.broadcast_to(base_hidden_bias, (n_hidden,)), n_hidden,
                                "base_hidden_bias"))
    path = _check_betas(default_betas() if betas is None else betas)
    log_z_base = float(np.sum(unit_log_partition(b_a, units)) + np.sum(unit_log_partition(c_a, units)))

    if reverse:
        if init is None:
            raise ValueError("init: reverse AIS needs (n_runs, n_visible) samples of the model")
        v = np.array(init, dtype=dtype)
        if v.shape != (n_runs, n_visible):
            raise ValueError(f"init must have shape ({n_runs}, {n_visible}); got {v.shape}")
        path = path[::-1].copy()
        if record:
            raise ValueError("record is only available for forward AIS")
    else:
        v = np.empty((n_runs, n_visible), dtype=dtype)
    record_at = {int(k): i for i, k in enumerate(record)}
    if any(k < 0 or k >= path.shape[0] for k in record_at):
        raise ValueError(f"record must hold schedule indices in [0, {path.shape[0] - 1}]")
    rec_w = np.zeros((len(record_at), n_runs))
    rec_v = np.empty((len(record_at), n_runs, n_visible), dtype=np.int8)

    bounds = _chunk_bounds(n_runs)
    streams = rng.spawn(len(bounds) - 1)
    Wt = np.ascontiguousarray(W.T)
    log_w = np.zeros(n_runs)
    problem = (W, Wt, b, c, b_a, c_a, path, spin, record_at)

    def anneal(i: int) -> None:
        lo, hi = bounds[i], bounds[i + 1]
        _anneal(problem, v[lo:hi], log_w[lo:hi], rec_w[:, lo:hi], rec_v[:, lo:hi], not reverse,
                streams[i])

    n_workers = min(len(bounds) - 1, n_threads)
    # one BLAS thread per chunk: multi-threaded BLAS sums in another order, and
    # float32 products that differ in the last bit change some draws
    with one_blas_thread():
        if n_workers == 1:
            for i in range(len(bounds) - 1):
                anneal(i)
        else:
            with ThreadPoolExecutor(n_workers) as pool:
                list(pool.map(anneal, range(len(bounds) - 1)))

    est, se, lo, hi = log_mean_exp(log_w)
    ess = effective_sample_size(log_w)
    if reverse:
        result = AISResult(log_z_base - est, se, log_z_base - hi, log_z_base - lo, log_w,
                           log_z_base, path, True, ess)
    else:
        result = AISResult(log_z_base + est, se, log_z_base + lo, log_z_base + hi, log_w,
                           log_z_base, path, False, ess)
    if record:
        return result, {"log_weights": rec_w, "states": rec_v}
    return result


def bracket(forward: AISResult, reverse: AISResult) -> AISBracket:
    """Pair a forward and a reverse AIS estimate of the same log Z (:class:`AISBracket`)."""
    if forward.reverse or not reverse.reverse:
        raise ValueError("forward must be a forward AIS result and reverse a reverse one")
    return AISBracket(forward, reverse)
