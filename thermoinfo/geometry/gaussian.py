"""Closed forms for multivariate Gaussians N(mean, cov) (nats).

Equations, for k-dimensional Gaussians with symmetric positive-definite
covariances:

    H(N(m, S))            = 1/2 log det(2 pi e S)
    D(N(m1, S1) || N(m2, S2))
                          = 1/2 [ tr(S2^-1 S1) + (m2 - m1)^T S2^-1 (m2 - m1) - k
                                  + log det S2 - log det S1 ]
    I(X; Y)               = 1/2 log( det S_XX det S_YY / det S_(X,Y) )

for a joint Gaussian whose covariance S has blocks S_XX, S_YY over the
coordinates of X and Y (the mean plays no role). Log-determinants come from
Cholesky factors, so a covariance that is not symmetric positive definite is
rejected instead of giving NaN.

Reference: T. M. Cover and J. A. Thomas, *Elements of Information Theory*,
2nd ed. (2006), ch. 8; S. Kullback, *Information Theory and Statistics* (1959),
ch. 9. The Gaussian Pythagorean geometry follows S. Amari, *Information
Geometry and Its Applications* (2016), ch. 2 and arXiv:1810.09545.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.linalg import cho_solve, cholesky

from thermoinfo._validation import _as_float_array

__all__ = [
    "gaussian_entropy",
    "gaussian_kl",
    "gaussian_mutual_information",
]

_SYM_RTOL = 1e-10


def _as_mean(mean: Any, name: str) -> np.ndarray:
    arr = np.atleast_1d(_as_float_array(mean, name))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a vector (got shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries (NaN or inf)")
    return arr


def _as_cov(cov: Any, name: str, dim: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Check ``cov`` and return (cov, lower Cholesky factor)."""
    arr = _as_float_array(cov, name)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a square covariance matrix (got shape {arr.shape})")
    if dim is not None and arr.shape[0] != dim:
        raise ValueError(
            f"{name} is {arr.shape[0]}x{arr.shape[0]} but the mean has {dim} entries; "
            "the dimensions must match"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries (NaN or inf)")
    scale = max(float(np.max(np.abs(arr))), np.finfo(float).tiny)
    with np.errstate(over="ignore"):
        asym = float(np.max(np.abs(arr / scale - arr.T / scale))) * scale
    if asym > _SYM_RTOL * scale:
        raise ValueError(
            f"{name} must be symmetric (max |cov - cov.T| = {asym:.3g}); a covariance matrix is "
            "symmetric positive definite"
        )
    try:
        chol = cholesky(arr, lower=True)
    except np.linalg.LinAlgError as exc:
        raise ValueError(
            f"{name} is not positive definite (its Cholesky factorization fails); a Gaussian "
            "needs a symmetric positive-definite covariance"
        ) from exc
    if np.any(np.diag(chol) <= 0):
        raise ValueError(f"{name} is not positive definite (a zero pivot in its Cholesky factor)")
    return arr, chol


def _logdet(chol: np.ndarray) -> float:
    return 2.0 * float(np.sum(np.log(np.diag(chol))))


def gaussian_entropy(cov: Any) -> float:
    """Differential entropy H = 1/2 log det(2 pi e cov) of N(mean, cov), in nats.

    Parameters
    ----------
    cov : array_like
        Symmetric positive-definite covariance (a scalar is a variance).

    Raises
    ------
    ValueError
        If ``cov`` is not symmetric positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.geometry.gaussian import gaussian_entropy
    >>> bool(np.isclose(gaussian_entropy(1.0), 0.5 * np.log(2 * np.pi * np.e)))
    True
    """
    arr, chol = _as_cov(cov, "cov")
    k = arr.shape[0]
    return 0.5 * (k * np.log(2 * np.pi * np.e) + _logdet(chol))


def gaussian_kl(mean_p: Any, cov_p: Any, mean_q: Any, cov_q: Any) -> float:
    """D(N(mean_p, cov_p) || N(mean_q, cov_q)) in nats.

    Parameters
    ----------
    mean_p, mean_q : array_like
        Means (vectors of equal length, or scalars).
    cov_p, cov_q : array_like
        Symmetric positive-definite covariances (scalars are variances).

    Raises
    ------
    ValueError
        If a covariance is not symmetric positive definite, or the dimensions
        disagree; the message names the argument.

    Examples
    --------
    >>> from thermoinfo.geometry.gaussian import gaussian_kl
    >>> round(gaussian_kl(0.0, 1.0, 1.0, 1.0), 12)
    0.5
    >>> round(gaussian_kl([0, 0], [[1, 0], [0, 1]], [0, 0], [[2, 0], [0, 2]]), 6)
    0.193147
    """
    mp = _as_mean(mean_p, "mean_p")
    mq = _as_mean(mean_q, "mean_q")
    if mp.shape != mq.shape:
        raise ValueError(f"mean_q has {mq.size} entries but mean_p has {mp.size}; "
                         "they must have the same length")
    sp, lp = _as_cov(cov_p, "cov_p", mp.size)
    _, lq = _as_cov(cov_q, "cov_q", mq.size)
    k = mp.size
    with np.errstate(over="ignore", invalid="ignore"):
        trace = float(np.trace(cho_solve((lq, True), sp)))
        d = mq - mp
        maha = float(d @ cho_solve((lq, True), d))
        val = 0.5 * (trace + maha - k + _logdet(lq) - _logdet(lp))
    if np.isnan(val):
        raise ValueError(
            "mean_p, cov_p, mean_q, cov_q: the divergence overflows float64 (entries too large "
            "for the closed form); rescale the coordinates"
        )
    return max(val, 0.0)


def gaussian_mutual_information(cov: Any, x: Any, y: Any) -> float:
    """Mutual information between coordinate blocks of a joint Gaussian.

    I(X; Y) = 1/2 log(det S_XX det S_YY / det S_XY,XY).

    Parameters
    ----------
    cov : array_like
        Symmetric positive-definite covariance of the joint Gaussian.
    x, y : int or sequence of int
        Disjoint coordinate indices of X and Y.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.geometry.gaussian import gaussian_mutual_information
    >>> rho = 0.6
    >>> val = gaussian_mutual_information([[1, rho], [rho, 1]], 0, 1)
    >>> bool(np.isclose(val, -0.5 * np.log(1 - rho ** 2)))
    True
    """
    arr, _ = _as_cov(cov, "cov")
    k = arr.shape[0]
    xi = _coords(x, k, "x")
    yi = _coords(y, k, "y")
    if set(xi) & set(yi):
        raise ValueError(f"x and y must be disjoint coordinate sets (both contain {set(xi) & set(yi)})")
    xy = xi + yi
    lx = _as_cov(arr[np.ix_(xi, xi)], "cov")[1]
    ly = _as_cov(arr[np.ix_(yi, yi)], "cov")[1]
    lxy = _as_cov(arr[np.ix_(xy, xy)], "cov")[1]
    return max(0.5 * (_logdet(lx) + _logdet(ly) - _logdet(lxy)), 0.0)


def _coords(idx: Any, k: int, name: str) -> list[int]:
    arr = np.atleast_1d(np.asarray(idx))
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be a non-empty integer index or sequence of them (got {idx!r})")
    out = [int(i) for i in arr]
    if any(not -k <= i < k for i in out):
        raise ValueError(f"{name}: coordinate out of range for a {k}-dimensional Gaussian (got {idx!r})")
    out = [i % k for i in out]
    if len(set(out)) != len(out):
        raise ValueError(f"{name} repeats a coordinate (got {idx!r})")
    return out
