"""Annealed importance sampling (AIS) of the partition function of an RBM.

Following Salakhutdinov & Murray, "On the quantitative analysis of deep belief
networks", ICML 2008 (and Neal, "Annealed importance sampling",
arXiv:physics/9803008), the hidden units are summed out and the path of
unnormalized marginals over the visible units is

    log f_k(v) = ((1 - beta_k) b_A + beta_k b) . v + sum_a psi(beta_k (v.W + c)_a)

for 0 = beta_0 < beta_1 < ... < beta_K = 1, with psi(x) = log(1 + e^x) for
binary {0, 1} units and psi(x) = log(2 cosh x) for spins {-1, +1}. At
beta = 0 it is the base-rate model (independent visible units with bias b_A,
hidden units uniform), whose normalizer is exact:

    log Z_A = sum_i log sum_{v_i} exp(b_A,i v_i) + n_hidden log 2.

Run r draws v_1 ~ p_A, then alternately adds log f_k(v) - log f_{k-1}(v) to
its log weight and moves v by one block Gibbs step that leaves p_k invariant.
E[w] = Z_B / Z_A, so

    log Z_B ~= log Z_A + log mean_r w_r,

a stochastic lower bound (Jensen). Its standard error follows from the
delta method on the mean of the weights, se(log mean w) = sd(w) / (sqrt(M) mean w),
and the ±3σ bounds are log(mean w ± 3 sd(w)/sqrt(M)) + log Z_A, computed
after subtracting the largest log weight.

Reverse AIS (Burda, Grosse & Salakhutdinov, "Accurate and conservative
estimates of MRF log-likelihood using reverse annealing", AISTATS 2015,
arXiv:1412.8566) runs the same path backwards from samples of the model: its
weights estimate Z_A / Z_B, so log Z_B ~= log Z_A - log mean w is, for exact
initial samples, a stochastic upper bound. Together the two bracket log Z.

With b_A = 0 the intermediate distributions are the model at inverse
temperature beta_k (energy scaled by beta_k); the log weights recorded along
the way then estimate log Z(beta_k), which
:meth:`thermoinfo.models.RBM.thermodynamics` uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit

from thermoinfo._validation import as_rng, check_positive_int
from thermoinfo.sampling.gibbs import check_units, unit_log_partition

__all__ = [
    "AISResult",
    "ais",
    "base_rate_bias",
    "default_betas",
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
        Exact log partition function of the base-rate model.
    betas : ndarray
        The inverse-temperature schedule in the order it was run.
    reverse : bool
        True for reverse AIS (an upper-bound estimator).
    """

    log_z: float
    stderr: float
    lower: float
    upper: float
    log_weights: np.ndarray
    log_z_base: float
    betas: np.ndarray
    reverse: bool = False

    @property
    def n_runs(self) -> int:
        """Number of annealing runs."""
        return int(self.log_weights.shape[0])


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


_psi = unit_log_partition


def _log_norm_units(bias: np.ndarray, units: str) -> float:
    return float(np.sum(_psi(bias, units)))


def _sample(field: np.ndarray, units: str, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(field.shape)
    if units == "spin":
        return np.where(u < expit(2.0 * field), 1.0, -1.0)
    return (u < expit(field)).astype(np.float64)


def _check_betas(betas: Any) -> np.ndarray:
    b = np.asarray(betas, dtype=np.float64)
    if b.ndim != 1 or b.shape[0] < 2:
        raise ValueError(f"betas must be a 1-D schedule of at least 2 values; got shape {b.shape}")
    if not np.all(np.isfinite(b)) or b[0] != 0.0 or b[-1] != 1.0 or np.any(np.diff(b) <= 0):
        raise ValueError("betas must increase strictly from 0 to 1 (beta_0 = 0, beta_K = 1)")
    return b


def ais(weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
        units: str = "binary", *, betas: Any = None, n_runs: int = 100,
        base_visible_bias: Any = None, reverse: bool = False, init: Any = None,
        record: Sequence[int] = (), rng: Any = None, dtype: Any = np.float64
        ) -> AISResult | tuple[AISResult, dict[str, np.ndarray]]:
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
    base_visible_bias : array_like, optional
        Visible biases ``b_A`` of the base-rate model (e.g. :func:`base_rate_bias`
        of the training data); default zero (the uniform distribution).
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
        Precision of the matrix products (float64 default; float32 is faster and
        changes log Z by about 1e-6 per hidden unit).

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
    >>> bool(res.lower <= exact <= res.upper), round(float(exact), 2)
    (True, 4.57)
    """
    check_units(units)
    rng = as_rng(rng)
    n_runs = check_positive_int(n_runs, "n_runs")
    W = np.asarray(weights, dtype=np.float64)
    b = np.asarray(visible_bias, dtype=np.float64)
    c = np.asarray(hidden_bias, dtype=np.float64)
    n_visible, n_hidden = W.shape
    b_a = np.zeros(n_visible) if base_visible_bias is None else np.asarray(base_visible_bias, float)
    if b_a.shape != (n_visible,) or not np.all(np.isfinite(b_a)):
        raise ValueError(f"base_visible_bias must be {n_visible} finite numbers; got shape {b_a.shape}")
    path = _check_betas(default_betas() if betas is None else betas)
    log_z_base = _log_norm_units(b_a, units) + n_hidden * np.log(2.0)
    Wd = W.astype(dtype)
    Wt = np.ascontiguousarray(Wd.T)

    if reverse:
        if init is None:
            raise ValueError("reverse AIS needs init: (n_runs, n_visible) samples of the model")
        v = np.asarray(init, dtype=np.float64)
        if v.shape != (n_runs, n_visible):
            raise ValueError(f"init must have shape ({n_runs}, {n_visible}); got {v.shape}")
        path = path[::-1]
        if record:
            raise ValueError("record is only available for forward AIS")
    else:
        v = _sample(np.broadcast_to(b_a, (n_runs, n_visible)), units, rng)
    record_at = {int(k): i for i, k in enumerate(record)}
    rec_w = np.empty((len(record_at), n_runs))
    rec_v = np.empty((len(record_at), n_runs, n_visible), dtype=np.int8)
    if 0 in record_at:
        rec_w[record_at[0]] = 0.0
        rec_v[record_at[0]] = v

    delta_bias = b - b_a
    log_w = np.zeros(n_runs)
    x = (v.astype(dtype) @ Wd).astype(np.float64) + c
    psi_prev = _psi(path[0] * x, units).sum(axis=1)
    n_steps = path.shape[0]
    for k in range(1, n_steps):
        beta = path[k]
        psi_now = _psi(beta * x, units).sum(axis=1)
        log_w += (beta - path[k - 1]) * (v @ delta_bias) + psi_now - psi_prev
        if k in record_at:
            rec_w[record_at[k]] = log_w
            rec_v[record_at[k]] = v
        if k == n_steps - 1:
            break
        h = _sample(beta * x, units, rng)
        y = (h.astype(dtype) @ Wt).astype(np.float64)
        v = _sample(beta * (y + b) + (1.0 - beta) * b_a, units, rng)
        x = (v.astype(dtype) @ Wd).astype(np.float64) + c
        psi_prev = _psi(beta * x, units).sum(axis=1)

    est, se, lo, hi = log_mean_exp(log_w)
    if reverse:
        result = AISResult(log_z_base - est, se, log_z_base - hi, log_z_base - lo, log_w,
                           float(log_z_base), path, True)
    else:
        result = AISResult(log_z_base + est, se, log_z_base + lo, log_z_base + hi, log_w,
                           float(log_z_base), path, False)
    if record:
        return result, {"log_weights": rec_w, "states": rec_v}
    return result
