"""Trajectory-level entropy production and the integral fluctuation theorem.

For a chain run forward from p_0 with kernels W_t(x_{t+1}|x_t) and a backward
process started from the final distribution p_n and run with W^B_t(x_t|x_{t+1}),

    p(x_0..x_n) = p_0(x_0) prod_t W_t(x_{t+1} | x_t),
    q(x_0..x_n) = p_n(x_n) prod_t W^B_t(x_t | x_{t+1}),
    sigma[x_0..x_n] = log p(x_0..x_n) / q(x_0..x_n).

Its mean is D(p || q), the sum of the one-step productions of
:func:`thermoinfo.thermo.markov.trajectory_entropy_production`, and

    < exp(-sigma) >_p = sum_{paths with p > 0} q = 1 - q(p = 0),

the integral fluctuation theorem <exp(-sigma)> = 1 whenever every backward
path has a forward counterpart (q absolutely continuous with respect to p).
References: U. Seifert, Phys. Rev. Lett. 95, 040602 (2005); S. Ito and
T. Sagawa, Phys. Rev. Lett. 111, 180603 (2013), arXiv:1306.2756.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np

from thermoinfo._config import check_memory
from thermoinfo._errors import UnreliableEstimateWarning
from thermoinfo._validation import as_rng, check_positive_int
from thermoinfo.thermo.markov import _protocols

__all__ = [
    "FluctuationAverage",
    "FluctuationEstimate",
    "fluctuation_theorem_exact",
    "fluctuation_theorem_mc",
    "path_entropy_production",
    "sample_paths",
]


class FluctuationAverage(NamedTuple):
    """Exact averages over all paths.

    Attributes
    ----------
    mean_exp : float
        <exp(-sigma)>_p.
    mean_sigma : float
        <sigma>_p = D(p || q) (``inf`` if a forward path has no backward counterpart).
    backward_mass_outside : float
        q(p = 0), the backward probability of paths the forward process never takes;
        ``mean_exp == 1 - backward_mass_outside``.
    n_paths : int
        Number of paths enumerated.
    """

    mean_exp: float
    mean_sigma: float
    backward_mass_outside: float
    n_paths: int


class FluctuationEstimate(NamedTuple):
    """Monte Carlo estimate of <exp(-sigma)> with its standard error.

    ``ess`` is the Kish effective sample size (sum w)^2 / sum w^2 of the
    weights w = exp(-sigma); below a tenth of ``n_samples`` an
    :class:`~thermoinfo.UnreliableEstimateWarning` is issued.
    """

    mean: float
    stderr: float
    n_samples: int
    ess: float = float("nan")


def _log(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(a)


def _path_logs(paths: np.ndarray, p0: np.ndarray, Ws: np.ndarray, Wb: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """log p(path) and log q(path) for int paths of shape (m, n_steps + 1)."""
    pn = p0.copy()
    for t in range(Ws.shape[0]):
        pn = pn @ Ws[t]
    logp = _log(p0)[paths[:, 0]]
    logq = _log(pn)[paths[:, -1]]
    for t in range(Ws.shape[0]):
        a, b = paths[:, t], paths[:, t + 1]
        logp = logp + _log(Ws[t])[a, b]
        logq = logq + _log(Wb[t])[b, a]
    return logp, logq


def path_entropy_production(paths: Any, p0: Any, W: Any, W_back: Any = None) -> np.ndarray:
    """sigma[x_0..x_n] = log p(path) / q(path) for each path (a row of ints).

    ``inf`` for a path the backward process cannot take, ``-inf`` for one the
    forward process cannot take.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.fluctuation import path_entropy_production
    >>> W = np.array([[0.8, 0.2], [0.4, 0.6]])
    >>> path_entropy_production([[0, 1]], [0.5, 0.5], W).round(6)
    array([-0.470004])
    """
    arr = np.asarray(paths)
    if arr.ndim != 2 or arr.shape[1] < 2 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"paths must be an integer array (n_paths, n_steps + 1) with n_steps >= 1 "
                         f"(got shape {arr.shape}, dtype {arr.dtype})")
    p, Ws, Wb = _protocols(p0, W, arr.shape[1] - 1, W_back)
    if arr.min() < 0 or arr.max() >= p.shape[0]:
        raise ValueError(f"paths must hold states 0..{p.shape[0] - 1}")
    logp, logq = _path_logs(arr.astype(np.intp), p, Ws, Wb)
    with np.errstate(invalid="ignore"):
        out = logp - logq
    return np.where(np.isneginf(logp), -np.inf, np.where(np.isneginf(logq), np.inf, out))


def fluctuation_theorem_exact(p0: Any, W: Any, n_steps: int | None = None,
                              W_back: Any = None) -> FluctuationAverage:
    """<exp(-sigma)> and <sigma> by enumerating every path x_0..x_n.

    Enumerates n_states ** (n_steps + 1) paths under the memory budget.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.fluctuation import fluctuation_theorem_exact
    >>> W = np.array([[0.8, 0.2], [0.4, 0.6]])
    >>> r = fluctuation_theorem_exact([0.9, 0.1], W, n_steps=4)
    >>> round(r.mean_exp, 12), r.n_paths
    (1.0, 32)
    """
    p, Ws, Wb = _protocols(p0, W, n_steps, W_back)
    k, n = p.shape[0], Ws.shape[0]
    n_paths = k ** (n + 1)
    check_memory(8 * 4 * n_paths * (n + 2), f"enumerating {n_paths} paths")
    paths = np.indices((k,) * (n + 1)).reshape(n + 1, -1).T
    logp, logq = _path_logs(paths, p, Ws, Wb)
    fwd = np.isfinite(logp)
    prob = np.exp(logp[fwd])
    mean_exp = float(np.sum(prob * np.exp(logq[fwd] - logp[fwd])))
    outside = float(np.sum(np.exp(logq[~fwd])))
    if np.any(np.isneginf(logq[fwd])):
        mean_sigma = float("inf")
    else:
        mean_sigma = float(np.sum(prob * (logp[fwd] - logq[fwd])))
    return FluctuationAverage(mean_exp, mean_sigma, outside, int(n_paths))


def sample_paths(p0: Any, W: Any, n_steps: int | None = None, n_samples: int = 1000,
                 rng: Any = None) -> np.ndarray:
    """Draw ``n_samples`` forward paths, an int array (n_samples, n_steps + 1).

    Examples
    --------
    >>> from thermoinfo.thermo.fluctuation import sample_paths
    >>> sample_paths([1.0, 0.0], [[0.0, 1.0], [1.0, 0.0]], n_steps=3, n_samples=2, rng=0).tolist()
    [[0, 1, 0, 1], [0, 1, 0, 1]]
    """
    p, Ws, _ = _protocols(p0, W, n_steps, None)
    m = check_positive_int(n_samples, "n_samples")
    gen = as_rng(rng)
    k, n = p.shape[0], Ws.shape[0]
    dtype = np.int8 if k <= 127 else np.int64
    out = np.empty((m, n + 1), dtype=dtype)
    out[:, 0] = gen.choice(k, size=m, p=p)
    for t in range(n):
        cum = np.cumsum(Ws[t], axis=1)
        cum[:, -1] = 1.0
        u = gen.random(m)
        out[:, t + 1] = (u[:, None] >= cum[out[:, t].astype(np.intp)]).sum(axis=1)
    return out


def fluctuation_theorem_mc(p0: Any, W: Any, n_steps: int | None = None, n_samples: int = 10000,
                           rng: Any = None, W_back: Any = None) -> FluctuationEstimate:
    """Monte Carlo estimate of <exp(-sigma)> over sampled forward paths, with its standard error.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.fluctuation import fluctuation_theorem_mc
    >>> W = np.array([[0.8, 0.2], [0.4, 0.6]])
    >>> est = fluctuation_theorem_mc([0.9, 0.1], W, n_steps=4, n_samples=20000, rng=1)
    >>> bool(abs(est.mean - 1.0) < 3 * est.stderr)
    True
    """
    p, Ws, Wb = _protocols(p0, W, n_steps, W_back)
    paths = sample_paths(p, Ws, None, n_samples, rng).astype(np.intp)
    logp, logq = _path_logs(paths, p, Ws, Wb)
    vals = np.exp(logq - logp)
    m = vals.shape[0]
    se = float(vals.std(ddof=1) / np.sqrt(m)) if m > 1 else float("inf")
    total = vals.sum()
    ess = float(total ** 2 / np.sum(vals ** 2)) if total > 0 else 0.0
    if ess < 0.1 * m:
        warnings.warn(f"the weights exp(-sigma) have an effective sample size of {ess:.0f} of {m} paths; "
                      "the standard error cannot be trusted", UnreliableEstimateWarning, stacklevel=2)
    return FluctuationEstimate(float(vals.mean()), se, int(m), ess)
