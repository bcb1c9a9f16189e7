"""Means of Markov-chain time series with autocorrelation-aware standard errors.

For a stationary series x_t with normalized autocorrelation
rho(t) = Cov(x_s, x_{s+t}) / Var(x), the integrated autocorrelation time

    tau_int = 1 + 2 sum_{t >= 1} rho(t)

is the factor by which correlations inflate the variance of the sample mean:
Var(mean) = tau_int Var(x) / n, so the effective sample size is n / tau_int.
The sum is cut at Sokal's automatic window, the smallest M with M >= c tau(M)
(c = 5), which trades the bias of a short window against the noise of a long one
(A. D. Sokal, "Monte Carlo methods in statistical mechanics", 1997, in
Functional Integration, Plenum; Madras & Sokal, J. Stat. Phys. 50, 109 (1988)).
For an anticorrelated series (a window sum below 1) Geyer's initial positive
sequence of pair sums is used instead (C. J. Geyer, Stat. Sci. 7, 473 (1992)).
The autocovariance is computed by FFT and averaged over independent chains
(Goodman & Weare style, as in emcee; Foreman-Mackey et al., arXiv:1202.3665).

The estimate is trusted when the series is at least ``min_length_factor`` (50)
times longer than tau_int; shorter series raise a
:class:`~thermoinfo.ConvergenceWarning`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from thermoinfo._errors import ConvergenceWarning

__all__ = ["MCMCMean", "autocorrelation", "integrated_time", "mcmc_mean"]


def autocorrelation(x: Any) -> np.ndarray:
    """Normalized autocorrelation rho(t) of series ``x``, averaged over chains.

    Parameters
    ----------
    x : array_like, shape (n_time,) or (n_chains, n_time)
        Time along the last axis.

    Returns
    -------
    ndarray, shape (n_time,)
        rho(0) = 1 (all zeros if every chain is constant).

    Examples
    --------
    >>> rho = autocorrelation([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    >>> bool(rho[1] < 0)
    True
    """
    arr = np.atleast_2d(np.asarray(x, dtype=np.float64))
    n = arr.shape[-1]
    centred = arr - arr.mean(axis=-1, keepdims=True)
    size = 1 << int(2 * n - 1).bit_length()
    f = np.fft.rfft(centred, n=size, axis=-1)
    acov = np.fft.irfft(f * np.conj(f), n=size, axis=-1)[..., :n].mean(axis=0)
    if acov[0] <= 0:
        return np.zeros(n)
    return acov / acov[0]


def integrated_time(x: Any, c: float = 5.0) -> float:
    """Integrated autocorrelation time tau_int = 1 + 2 sum_t rho(t), Sokal window.

    Parameters
    ----------
    x : array_like, shape (n_time,) or (n_chains, n_time)
        Time along the last axis; chains are averaged.
    c : float
        Window constant: the sum stops at the first M >= c tau(M).

    Returns
    -------
    float
        tau_int > 0 in units of the sampling interval; 1 for uncorrelated
        samples (and for constant series). When the window does not close within
        the first quarter of the series (a series too short for its correlations),
        the largest partial sum over that quarter, so that a short trending series
        is never reported as uncorrelated.

    Examples
    --------
    An AR(1) series x_t = a x_{t-1} + noise has tau_int = (1 + a) / (1 - a):

    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros((8, 20000))
    >>> for t in range(1, 20000):
    ...     x[:, t] = 0.8 * x[:, t - 1] + rng.normal(size=8)
    >>> round(integrated_time(x), 0)
    9.0
    """
    rho = autocorrelation(x)
    if not np.any(rho):
        return 1.0
    taus = 2.0 * np.cumsum(rho) - 1.0
    n = taus.size
    closed = np.arange(n) >= c * taus
    m = int(np.argmax(closed)) if closed.any() else n - 1
    reach = max(n // 4, 1)
    if m > reach:
        # The window did not close within a quarter of the series: the series is too
        # short to resolve its correlations. Over the whole series the centred sum
        # tends to 0, so report the largest partial sum before that point instead.
        return float(np.max(taus[: reach + 1]))
    if taus[m] < 1.0:
        # Anticorrelated series: a window cut at an odd lag of an alternating rho(t)
        # drives the partial sum to 0. Geyer's initial positive sequence sums the
        # pairs Gamma_k = rho(2k) + rho(2k + 1) while they are positive, which is
        # valid for every reversible chain (Geyer, Stat. Sci. 7, 473 (1992)).
        pairs = rho[: n - n % 2].reshape(-1, 2).sum(axis=1)
        k = int(np.argmax(pairs <= 0)) if np.any(pairs <= 0) else pairs.size
        return float(max(2.0 * pairs[:k].sum() - 1.0, 1e-12))
    return float(taus[m])


@dataclass(frozen=True)
class MCMCMean:
    """Mean of a Markov-chain series and its error.

    Attributes
    ----------
    value : float
        Mean over chains and time.
    stderr : float
        sqrt(tau_int Var(x) / n_total).
    tau : float
        Integrated autocorrelation time (in sampling intervals).
    ess : float
        Effective sample size n_total / tau.
    n : int
        Number of samples (chains x time).
    """

    value: float
    stderr: float
    tau: float
    ess: float
    n: int


def mcmc_mean(x: Any, name: str = "x", *, min_length_factor: float = 50.0,
              warn: bool = True) -> MCMCMean:
    """Mean of ``x`` (chains, time) with an autocorrelation-aware standard error.

    Parameters
    ----------
    x : array_like, shape (n_time,) or (n_chains, n_time)
        Time along the last axis.
    name : str
        Name used in warnings.
    min_length_factor : float
        Warn when n_time < min_length_factor * tau_int.
    warn : bool
        Whether to warn at all.

    Returns
    -------
    MCMCMean

    Examples
    --------
    >>> res = mcmc_mean(np.random.default_rng(1).normal(size=(4, 1000)))
    >>> round(res.value, 2), round(res.stderr, 3)
    (-0.01, 0.016)
    """
    arr = np.atleast_2d(np.asarray(x, dtype=np.float64))
    n_time = arr.shape[-1]
    tau = integrated_time(arr)
    n_total = arr.size
    var = float(arr.var())
    ess = n_total / tau
    if warn and n_time < min_length_factor * tau:
        warnings.warn(
            f"{name}: the series ({n_time} steps) is shorter than {min_length_factor:g} "
            f"autocorrelation times (tau_int = {tau:.3g}); its standard error is unreliable. "
            "Run longer chains or thin less",
            ConvergenceWarning, stacklevel=2,
        )
    return MCMCMean(float(arr.mean()), float(np.sqrt(var / ess)), tau, float(ess), int(n_total))
