"""KL divergences between members of exponential families, in closed form.

A member of an exponential family has density p_theta(x) = h(x) exp(theta . T(x)
- A(theta)) with log-partition A. Its KL divergence is the Bregman divergence
of A, with the arguments swapped:

    D(p_theta1 || p_theta2) = A(theta2) - A(theta1) - (theta2 - theta1) . grad A(theta1)

since E_theta1[T] = grad A(theta1). Special cases used here:

    categorical, logits theta (A = logsumexp theta):
        D = sum_i pi1_i (theta1_i - theta2_i) - A(theta1) + A(theta2),  pi1 = softmax theta1
    Bernoulli, logit theta (A = log(1 + e^theta)): the categorical case with logits (0, theta)
    Poisson, rates l1, l2:     D = l1 log(l1 / l2) - l1 + l2
    exponential, rates r1, r2: D = log(r1 / r2) + r2 / r1 - 1

Support mismatch (a class with logit -inf under the second member only, a
Poisson rate 0 for the second member only) gives ``inf``, never NaN.

Reference: S. Amari, *Information Geometry and Its Applications* (2016),
ch. 1-2; A. Banerjee et al., J. Mach. Learn. Res. 6, 1705 (2005), "Clustering
with Bregman divergences" (KL of exponential families as Bregman divergences).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import logsumexp, softmax

from thermoinfo._validation import _as_float_array, check_nonnegative, check_positive

__all__ = [
    "bernoulli_kl",
    "bregman_kl",
    "categorical_kl",
    "exponential_kl",
    "poisson_kl",
]


def _logits(theta: Any, name: str) -> np.ndarray:
    arr = np.atleast_1d(_as_float_array(theta, name))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty vector of logits (got shape {arr.shape})")
    if np.any(np.isnan(arr)) or np.any(arr == np.inf):
        raise ValueError(f"{name} has NaN or +inf entries; logits must be finite or -inf (a zero class)")
    if np.all(arr == -np.inf):
        raise ValueError(f"{name} has every logit -inf; at least one class must have positive mass")
    return arr


def categorical_kl(theta_p: Any, theta_q: Any) -> float:
    """D(p || q) between categorical distributions given by natural parameters (logits).

    p_i = exp(theta_p_i) / sum_j exp(theta_p_j); logits are defined up to an
    additive constant and may be ``-inf`` for classes of probability zero.

    Examples
    --------
    >>> import numpy as np, thermoinfo
    >>> from thermoinfo.geometry.expfamily import categorical_kl
    >>> a, b = np.log([0.2, 0.3, 0.5]), np.log([0.4, 0.4, 0.2])
    >>> bool(np.isclose(categorical_kl(a, b), thermoinfo.kl([0.2, 0.3, 0.5], [0.4, 0.4, 0.2])))
    True
    """
    t1 = _logits(theta_p, "theta_p")
    t2 = _logits(theta_q, "theta_q")
    if t1.shape != t2.shape:
        raise ValueError(f"theta_q has {t2.size} logits but theta_p has {t1.size}; "
                         "they must have the same length")
    support = t1 > -np.inf
    if np.any(support & (t2 == -np.inf)):
        return float("inf")
    with np.errstate(over="ignore", invalid="ignore"):
        pi = softmax(t1)
        diff = np.where(support, t1 - np.where(support, t2, 0.0), 0.0)
        val = float(np.sum(np.where(pi > 0, pi * diff, 0.0))) - float(logsumexp(t1)) + float(logsumexp(t2))
    if np.isnan(val):
        raise ValueError("theta_p, theta_q: logits too large for float64 (the divergence overflows)")
    return max(val, 0.0)


def bernoulli_kl(theta_p: Any, theta_q: Any) -> float:
    """D(Bern(sigmoid theta_p) || Bern(sigmoid theta_q)) from the logits.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.geometry.expfamily import bernoulli_kl
    >>> round(bernoulli_kl(0.0, np.log(9.0)), 6)   # D(Bern(0.5) || Bern(0.9))
    0.510826
    """
    logits = []
    for name, t in (("theta_p", theta_p), ("theta_q", theta_q)):
        arr = _as_float_array(t, name)
        if arr.ndim != 0:
            raise ValueError(f"{name} must be a scalar logit (got shape {arr.shape})")
        if np.isnan(arr):
            raise ValueError(f"{name} is NaN; a Bernoulli logit is a real number or +-inf")
        logits.append(_bernoulli_logits(float(arr)))
    return categorical_kl(*logits)


def _bernoulli_logits(theta: Any) -> list[float]:
    t = float(theta)
    return [-np.inf, 0.0] if t == np.inf else [0.0, t]


def poisson_kl(rate_p: Any, rate_q: Any) -> float:
    """D(Poisson(rate_p) || Poisson(rate_q)) = l1 log(l1/l2) - l1 + l2.

    A rate of 0 is the point mass at 0; ``inf`` when rate_q = 0 < rate_p.

    Examples
    --------
    >>> from thermoinfo.geometry.expfamily import poisson_kl
    >>> round(poisson_kl(2.0, 2.0), 12)
    0.0
    >>> poisson_kl(1.0, 0.0)
    inf
    """
    l1 = check_nonnegative(rate_p, "rate_p")
    l2 = check_nonnegative(rate_q, "rate_q")
    if l2 == 0.0:
        return 0.0 if l1 == 0.0 else float("inf")
    if l1 == 0.0:
        return l2
    with np.errstate(over="ignore"):
        val = l1 * (np.log(l1) - np.log(l2) - 1.0) + l2
    return max(float(val), 0.0)


def exponential_kl(rate_p: Any, rate_q: Any) -> float:
    """D(Exp(rate_p) || Exp(rate_q)) = log(r1/r2) + r2/r1 - 1 (rates > 0).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.geometry.expfamily import exponential_kl
    >>> bool(np.isclose(exponential_kl(1.0, 2.0), 1.0 - np.log(2.0)))
    True
    """
    r1 = check_positive(rate_p, "rate_p")
    r2 = check_positive(rate_q, "rate_q")
    with np.errstate(over="ignore"):
        val = np.log(r1) - np.log(r2) + r2 / r1 - 1.0
    return max(float(val), 0.0)


def bregman_kl(log_partition: Callable[[np.ndarray], float], theta_p: Any, theta_q: Any,
               gradient: Callable[[np.ndarray], np.ndarray] | None = None) -> float:
    """KL divergence of an exponential family as the Bregman divergence of its log-partition.

    D(p_theta_p || p_theta_q) = A(theta_q) - A(theta_p) - (theta_q - theta_p) . grad A(theta_p).

    Parameters
    ----------
    log_partition : callable
        A(theta) for a 1-D array of natural parameters (convex, finite at both points).
    theta_p, theta_q : array_like
        Natural parameters (vectors of equal length, or scalars).
    gradient : callable, optional
        grad A(theta), the mean parameters E_theta[T]. Without it the gradient is
        taken numerically with :func:`scipy.differentiate.jacobian` (about 1e-10
        relative accuracy).

    Examples
    --------
    The Poisson family: A(theta) = exp(theta), theta = log(rate).

    >>> import numpy as np
    >>> from thermoinfo.geometry.expfamily import bregman_kl, poisson_kl
    >>> A = lambda t: float(np.exp(t[0]))
    >>> val = bregman_kl(A, np.log(2.0), np.log(3.0), gradient=np.exp)
    >>> bool(np.isclose(val, poisson_kl(2.0, 3.0)))
    True
    """
    if not callable(log_partition):
        raise TypeError(f"log_partition must be callable (got {type(log_partition).__name__})")
    t1 = np.atleast_1d(_as_float_array(theta_p, "theta_p"))
    t2 = np.atleast_1d(_as_float_array(theta_q, "theta_q"))
    if t1.ndim != 1:
        raise ValueError(f"theta_p must be a vector (got shape {t1.shape})")
    if t1.shape != t2.shape:
        raise ValueError(f"theta_q has shape {t2.shape} but theta_p has {t1.shape}; "
                         "they must be vectors of equal length")
    for name, t in (("theta_p", t1), ("theta_q", t2)):
        if not np.all(np.isfinite(t)):
            raise ValueError(f"{name} has non-finite entries; natural parameters must be finite")
    a1 = _real_value(log_partition, t1)
    a2 = _real_value(log_partition, t2)
    if not np.isfinite(a1):
        raise ValueError(f"log_partition(theta_p) = {a1}; theta_p must lie in the natural parameter space")
    if not np.isfinite(a2):
        return float("inf") if a2 == np.inf else _bad_a(a2)
    if gradient is None:
        from scipy.differentiate import jacobian

        def vec(t: np.ndarray) -> np.ndarray:
            # scipy evaluates on arrays of shape (n, ...): map A over the trailing axes
            flat = t.reshape(t.shape[0], -1)
            return np.array([log_partition(flat[:, j]) for j in range(flat.shape[1])]
                            ).reshape(t.shape[1:])

        res = jacobian(vec, t1)
        grad = np.atleast_1d(res.df)
    else:
        grad = np.atleast_1d(np.asarray(gradient(t1), dtype=np.float64))
    if grad.shape != t1.shape or not np.all(np.isfinite(grad)):
        raise ValueError(f"gradient(theta_p) must be a finite vector of shape {t1.shape} (got {grad!r})")
    return max(a2 - a1 - float((t2 - t1) @ grad), 0.0)


def _real_value(log_partition: Callable[[np.ndarray], float], theta: np.ndarray) -> float:
    out = log_partition(theta)
    try:
        arr = _as_float_array(out, "log_partition")
    except TypeError as exc:
        raise TypeError(f"log_partition must return a real number (got {type(out).__name__})") from exc
    if arr.size != 1:
        raise ValueError(f"log_partition must return a scalar (got shape {arr.shape})")
    return float(arr.reshape(()))


def _bad_a(a: float) -> float:
    raise ValueError(f"log_partition(theta_q) = {a}; a log-partition is finite or +inf")
