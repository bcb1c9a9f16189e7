"""Blahut-Arimoto: the rate-distortion curve of a discrete source.

For a source p(x) and a distortion matrix rho(x, z) (finite, any sign; a fixed
decoder d enters as rho = -log d), the curve in Legendre form is

    F(lam) = min_e R + lam D,   R = I(X;Z) = sum_x p(x) sum_z e(z|x) log e(z|x)/q(z),
                                D = sum_x p(x) sum_z e(z|x) rho(x, z),

with slope lam = -dR/dD. Alternating minimization gives

    e(z|x) = q(z) exp(-lam rho(x, z)) / Z(x),   q(z) = sum_x p(x) e(z|x),

each step of which cannot increase R + lam D. It is the fixed-decoder kernel of
the tabular solver at gamma = 0 (:mod:`thermoinfo.freeenergy._core`), started
from the encoder e(z|x) = q_0(z); it stops when max |Delta log e| < ``xtol``
and |Delta F| < ``tol``.

References: R. E. Blahut, "Computation of channel capacity and rate-distortion
functions", IEEE Trans. Inf. Theory 18, 460 (1972); S. Arimoto, IEEE Trans. Inf.
Theory 18, 14 (1972); T. M. Cover and J. A. Thomas, *Elements of Information
Theory*, 2nd ed. (2006), section 10.8.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from thermoinfo._errors import ConvergenceWarning
from thermoinfo._validation import as_distribution, check_positive_int
from thermoinfo.freeenergy._core import (
    as_finite_table,
    check_multiplier,
    check_tolerance,
    iterate,
    objective,
)

__all__ = ["RateDistortionSolution", "rate_distortion"]


@dataclass(frozen=True)
class RateDistortionSolution:
    """A point of the rate-distortion curve: F = R + lam D at the optimum.

    Attributes
    ----------
    R, D, F : float
        Rate I(X;Z), expected distortion, R + lam D (nats).
    encoder : ndarray (n_x, n_z)
        e(z|x), indexed [x, z].
    prior : ndarray (n_z,)
        q(z).
    lam : float
    converged : bool
    n_iter : int
    """

    R: float
    D: float
    F: float
    encoder: np.ndarray = field(repr=False)
    prior: np.ndarray = field(repr=False)
    lam: float
    converged: bool
    n_iter: int


def rate_distortion(p_x: Any, distortion: Any, lam: float, *, init: Any = None,
                    tol: float = 1e-12, xtol: float = 1e-10, max_iter: int = 100_000,
                    warn: bool = True) -> RateDistortionSolution:
    """Blahut-Arimoto: minimize R + lam D with D = sum p(x) e(z|x) rho(x, z).

    Parameters
    ----------
    p_x : array_like (n_x,)
        Source distribution.
    distortion : array_like (n_x, n_z)
        Distortion matrix rho[x, z] (finite, may be negative).
    lam : float
        Non-negative multiplier (the slope -dR/dD of the curve).
    init : array_like (n_z,) or RateDistortionSolution, optional
        Starting prior q(z); default uniform.
    tol, xtol : float
        Stop when |Delta F| < tol and max |Delta log e| < xtol.
    max_iter : int
        Iteration cap; a :class:`~thermoinfo.ConvergenceWarning` is issued when
        it is reached (if ``warn``).

    Returns
    -------
    RateDistortionSolution

    Raises
    ------
    ValueError
        ``p_x`` not a distribution, ``distortion`` not a finite (n_x, n_z)
        matrix, ``lam`` negative or not finite, ``init`` not a distribution on
        the n_z states; each message starts with the argument's name.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy import rate_distortion
    >>> rd = rate_distortion([0.5, 0.5], 1.0 - np.eye(2), lam=np.log(9.0))
    >>> bool(abs(rd.R - (np.log(2) + 0.1 * np.log(0.1) + 0.9 * np.log(0.9))) < 1e-10)
    True
    >>> round(rd.D, 10)
    0.1
    """
    px = as_distribution(p_x, "p_x", ndim=1)
    rho = as_finite_table(distortion, "distortion", ndim=2)
    if rho.shape[0] != px.size:
        raise ValueError(f"distortion must be a (n_x, n_z) = ({px.size}, n_z) matrix (got {rho.shape})")
    lam = check_multiplier(lam, "lam")
    tol = check_tolerance(tol, "tol")
    xtol = check_tolerance(xtol, "xtol")
    max_iter = check_positive_int(max_iter, "max_iter")
    n_z = rho.shape[1]
    if init is None:
        q0 = np.full(n_z, 1.0 / n_z)
    else:
        q0 = init.prior if isinstance(init, RateDistortionSolution) else init
        q0 = as_distribution(q0, "init", ndim=1)
        if q0.size != n_z:
            raise ValueError(f"init must have n_z = {n_z} entries (got {q0.size})")
    sx = px > 0
    pxs = px[sx]
    rho_s = np.ascontiguousarray(rho[sx])
    with np.errstate(divide="ignore"):
        log_e0 = np.tile(np.log(q0), (pxs.size, 1))
    pxy = pxs[:, None].copy()
    pyx = np.ones_like(pxy)
    log_e, _, n_iter, converged, _ = iterate(log_e0, pxs, pxy, pyx, rho_s, True, lam, 0.0,
                                             tol, xtol, max_iter)
    _, R, D, _ = objective(log_e, pxs, pxy, rho_s, True, lam, 0.0)
    e_s = np.where(np.isfinite(log_e), np.exp(log_e), 0.0)
    q = pxs @ e_s
    encoder = np.tile(q, (px.size, 1))
    encoder[sx] = e_s
    if not converged and warn:
        warnings.warn(f"rate_distortion(lam={lam}) did not converge in {max_iter} iterations",
                      ConvergenceWarning, stacklevel=2)
    return RateDistortionSolution(R=float(R), D=float(D), F=float(R + lam * D), encoder=encoder,
                                  prior=q, lam=lam, converged=bool(converged), n_iter=int(n_iter))
