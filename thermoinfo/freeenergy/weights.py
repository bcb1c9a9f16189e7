"""Weights at a temperature: the sigma-term of the learning free energy.

Over a finite family of candidate models theta with prior q(theta) and
energies E(theta) = R + lam D + gamma C of each candidate, the weight
distribution minimizing E_p[E] + sigma KL(p || q) is the Gibbs distribution

    p*(theta) = q(theta) exp(-E(theta)/sigma) / Z,   Z = sum_theta q(theta) exp(-E(theta)/sigma),

with

    F(sigma) = -sigma log Z = E_p*[E] + sigma S,   S = KL(p* || q),
    dF/dsigma = S,   d2F/dsigma2 = -Var_p*(E) / sigma^3 <= 0,

and, as sigma -> 0, F -> min E over the support of q and p* -> q restricted to
the minimizers. log Z is computed with logsumexp.

References: Y. Gao and P. Chaudhari, arXiv:2002.12406 (section on the weight
information S); A. A. Alemi and I. Fischer, "TherML", arXiv:1807.04162.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import logsumexp, xlogy

from thermoinfo._validation import _as_float_array, as_conditional, as_distribution, check_nonnegative
from thermoinfo.freeenergy._core import _FREE, as_grid, objective
from thermoinfo.freeenergy.tabular import FreeEnergySolution

__all__ = ["GibbsWeights", "TemperedSolution", "gibbs_weights", "tempered", "tempered_surface"]


@dataclass(frozen=True)
class GibbsWeights:
    """Gibbs weights of a finite family at temperature sigma.

    Attributes
    ----------
    weights : ndarray
        p*(theta).
    F : float
        -sigma log Z (the sigma -> 0 limit min E at sigma = 0).
    S : float
        KL(p* || q) = dF/dsigma.
    energy : float
        E_p*[E].
    dS_dsigma : float
        -Var_p*(E)/sigma^3 = d2F/dsigma2 (0 at sigma = 0).
    sigma : float
    """

    weights: np.ndarray = field(repr=False)
    F: float
    S: float
    energy: float
    dS_dsigma: float
    sigma: float


def _check_energies(energies: Any) -> np.ndarray:
    e = _as_float_array(energies, "energies")
    if e.ndim != 1 or e.size == 0:
        raise ValueError(f"energies must be a non-empty 1-D array, one per candidate (got shape {e.shape})")
    if np.any(np.isnan(e)) or np.any(e == -np.inf):
        raise ValueError("energies must not be NaN or -inf (+inf marks an excluded candidate)")
    return e


def gibbs_weights(energies: Any, sigma: float, prior: Any = None) -> GibbsWeights:
    """p*(theta) ∝ q(theta) exp(-E(theta)/sigma), F = -sigma log Z, S = KL(p*||q).

    Parameters
    ----------
    energies : array_like (n_theta,)
        E(theta) of each candidate.
    sigma : float
        Temperature (>= 0); sigma = 0 gives the limit.
    prior : array_like (n_theta,), optional
        q(theta); default uniform.

    Examples
    --------
    >>> from thermoinfo.freeenergy.weights import gibbs_weights
    >>> g = gibbs_weights([0.0, 1.0], sigma=1.0)
    >>> bool(abs(g.F + np.log((1 + np.exp(-1.0)) / 2)) < 1e-12)
    True
    """
    e = _check_energies(energies)
    sigma = check_nonnegative(sigma, "sigma")
    q = np.full(e.size, 1.0 / e.size) if prior is None else as_distribution(prior, "prior", ndim=1)
    if q.size != e.size:
        raise ValueError(f"prior must have one entry per candidate ({e.size}); got {q.size}")
    support = (q > 0) & np.isfinite(e)
    if not np.any(support):
        raise ValueError("prior: no candidate has positive prior weight and finite energy")
    if sigma == 0.0:
        e_min = float(np.min(e[support]))
        arg = support & (e == e_min)
        w = np.where(arg, q, 0.0)
        w = w / w.sum()
        S = float(np.sum(xlogy(w, w)) - np.sum(xlogy(w, np.where(w > 0, q, 1.0))))
        return GibbsWeights(weights=w, F=e_min, S=max(S, 0.0), energy=e_min, dS_dsigma=0.0, sigma=0.0)
    with np.errstate(divide="ignore"):
        log_w = np.where(support, np.log(np.where(support, q, 1.0)) - e / sigma, -np.inf)
    log_z = float(logsumexp(log_w))
    log_p = log_w - log_z
    w = np.exp(log_p)
    mean_e = float(np.sum(w[support] * e[support]))
    var_e = float(np.sum(w[support] * (e[support] - mean_e) ** 2))
    F = -sigma * log_z
    # S = sum p (log p - log q) = -<E>/sigma - log Z
    S = float(np.sum(w[support] * (log_p[support] - np.log(q[support]))))
    return GibbsWeights(weights=w, F=F, S=max(S, 0.0), energy=mean_e, dS_dsigma=-var_e / sigma**3,
                        sigma=sigma)


@dataclass(frozen=True)
class TemperedSolution:
    """Free energy of a finite family of encoders with weights at temperature sigma.

    R, D, C are p*-averages of the candidates' values; J = R + lam D + gamma C
    + sigma S equals F = -sigma log Z.
    """

    R: float
    D: float
    C: float
    S: float
    J: float
    F: float
    weights: np.ndarray = field(repr=False)
    lam: float
    gamma: float
    sigma: float
    dS_dsigma: float


def _candidate_functionals(p_xy: np.ndarray, family: Any) -> np.ndarray:
    """(n_theta, 3) array of (R, D, C) of each candidate encoder at its optimal
    prior, decoder and classifier."""
    px = p_xy.sum(axis=1)
    sx = px > 0
    sy = p_xy.sum(axis=0) > 0
    pxy = p_xy[np.ix_(sx, sy)]
    if isinstance(family, np.ndarray) and family.ndim == 3:
        family = list(family)
    if isinstance(family, (str, bytes)) or not hasattr(family, "__len__"):
        raise TypeError(f"family must be a sequence of encoder tables (got {type(family).__name__})")
    if len(family) == 0:
        raise ValueError("family must hold at least one candidate encoder")
    out = np.empty((len(family), 3))
    for k, cand in enumerate(family):
        enc = cand.encoder if isinstance(cand, FreeEnergySolution) else as_conditional(cand, f"family[{k}]")
        if enc.shape[0] != px.size:
            raise ValueError(f"family[{k}] must have one row per x ({px.size}); got shape {enc.shape}")
        with np.errstate(divide="ignore"):
            log_e = np.log(enc[sx])
        _, R, D, C = objective(np.ascontiguousarray(log_e), px[sx], pxy, _FREE, False, 0.0, 0.0)
        out[k] = (R, D, C)
    return out


def tempered(p_xy: Any, family: Any, lam: float, gamma: float, sigma: float,
             prior: Any = None) -> TemperedSolution:
    """Weights at temperature sigma over candidate encoders of a joint table.

    Each candidate theta is an encoder e_theta(z|x) (or a FreeEnergySolution)
    with its optimal prior, decoder and classifier, so E(theta) = R + lam D +
    gamma C = I(X;Z) + lam H(X|Z) + gamma H(Y|Z).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy.weights import tempered
    >>> p = np.array([[0.4, 0.1], [0.1, 0.4]])
    >>> t = tempered(p, [np.eye(2), np.full((2, 2), 0.5)], lam=0.0, gamma=2.0, sigma=0.5)
    >>> round(t.J - t.F, 12)
    0.0
    """
    p = as_distribution(p_xy, "p_xy", ndim=2)
    lam = check_nonnegative(lam, "lam")
    gamma = check_nonnegative(gamma, "gamma")
    rdc = _candidate_functionals(p, family)
    energies = rdc @ np.array([1.0, lam, gamma])
    g = gibbs_weights(energies, sigma, prior)
    R, D, C = (g.weights @ rdc).tolist()
    J = R + lam * D + gamma * C + g.sigma * g.S
    return TemperedSolution(R=R, D=D, C=C, S=g.S, J=J, F=g.F, weights=g.weights, lam=lam,
                            gamma=gamma, sigma=g.sigma, dS_dsigma=g.dS_dsigma)


def tempered_surface(p_xy: Any, family: Any, lam: Any, gamma: Any, sigma: Any,
                     prior: Any = None) -> Any:
    """Dataset of :func:`tempered` over a (lam, gamma, sigma) grid: R, D, C, S,
    J, F and the exact d2F/dsigma2 (units nat)."""
    import xarray as xr

    from thermoinfo._attrs import variable_attrs

    p = as_distribution(p_xy, "p_xy", ndim=2)
    lams = as_grid(lam, "lam")
    gammas = as_grid(gamma, "gamma")
    sigmas = as_grid(sigma, "sigma")
    rdc = _candidate_functionals(p, family)
    shape = (lams.size, gammas.size, sigmas.size)
    out = {k: np.empty(shape) for k in ("R", "D", "C", "S", "J", "F", "d2F_dsigma2")}
    for i, lv in enumerate(lams):
        for j, gv in enumerate(gammas):
            energies = rdc @ np.array([1.0, lv, gv])
            for k, sv in enumerate(sigmas):
                g = gibbs_weights(energies, sv, prior)
                R, D, C = (g.weights @ rdc).tolist()
                vals = dict(R=R, D=D, C=C, S=g.S, J=R + lv * D + gv * C + sv * g.S, F=g.F,
                            d2F_dsigma2=g.dS_dsigma)
                for key, v in vals.items():
                    out[key][i, j, k] = v
    dims = ("lam", "gamma", "sigma")
    names = {"R": "rate", "D": "distortion", "C": "classification loss", "S": "weight information",
             "J": "objective R + lam D + gamma C + sigma S", "F": "free energy -sigma log Z",
             "d2F_dsigma2": "exact d2F/dsigma2"}
    ds = xr.Dataset(
        {k: (dims, v, variable_attrs(names[k])) for k, v in out.items()},
        coords={
            "lam": ("lam", lams, variable_attrs("multiplier of the distortion", "1")),
            "gamma": ("gamma", gammas, variable_attrs("multiplier of the classification loss", "1")),
            "sigma": ("sigma", sigmas, variable_attrs("temperature of the weights", "1")),
        },
    )
    ds["H"] = ((), float(-np.sum(xlogy(p, p))), variable_attrs("entropy H(X,Y)"))
    ds.attrs.update({"title": "learning free energy of a weighted family of encoders",
                     "references": "Gao and Chaudhari, arXiv:2002.12406"})
    return ds
