"""The functionals of the learning free energy, exactly from tables and by
Monte Carlo from the log-densities of any model.

With data (x, y) ~ p(x, y), a representation z ~ e(z|x), a prior q(z), a
decoder d(x|z), a classifier c(y|z) and weights theta with posterior
p(theta|data) and prior q(theta) (nats):

    H = E_{x,y}[-log p(x, y)]
    R = E_x sum_z e(z|x) log e(z|x)/q(z)
    D = E_x[-sum_z e(z|x) log d(x|z)]
    C = E_{x,y}[-sum_z e(z|x) log c(y|z)]
    S = E_theta[log p(theta|data)/q(theta)]
    J = R + lam D + gamma C + sigma S,   J - H = KL(forward || backward) >= 0
                                          (at lam = gamma = 1)

The Monte Carlo estimators take per-sample arrays of log-densities evaluated
at (x_i, y_i) ~ p and z_i ~ e(.|x_i): a user's own network hands over
log e(z_i|x_i), log q(z_i), log d(x_i|z_i), log c(y_i|z_i). The estimate of a
functional is the sample mean of its integrand and the standard error is the
sample standard deviation over sqrt(n). With several z per data point (arrays
of shape (n_data, n_z_samples)), the integrand is first averaged over z, so the
standard error counts independent data points only.

References: Y. Gao and P. Chaudhari, arXiv:2002.12406; A. A. Alemi and
I. Fischer, "TherML", arXiv:1807.04162.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import xlogy

from thermoinfo._validation import _as_float_array, as_conditional, as_distribution, check_nonnegative

__all__ = [
    "Estimate",
    "Functionals",
    "MonteCarloFunctionals",
    "classification_loss",
    "data_entropy",
    "distortion",
    "functionals",
    "mean_with_stderr",
    "monte_carlo",
    "rate",
    "weight_information",
]


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate: ``value`` and its standard error ``stderr``."""

    value: float
    stderr: float


@dataclass(frozen=True)
class Functionals:
    """Exact R, D, C, S, H and J = R + lam D + gamma C + sigma S (nats)."""

    R: float
    D: float
    C: float
    S: float
    H: float
    J: float


@dataclass(frozen=True)
class MonteCarloFunctionals:
    """Monte Carlo estimates of the functionals; each is an :class:`Estimate`
    (``None`` where the needed log-densities were not given)."""

    R: Estimate | None
    D: Estimate | None
    C: Estimate | None
    S: Estimate | None
    H: Estimate | None
    J: Estimate | None
    n: int


# --------------------------------------------------------------------------- exact


def _table_parts(p_x: Any, encoder: Any) -> tuple[np.ndarray, np.ndarray]:
    px = as_distribution(p_x, "p_x", ndim=1)
    e = as_conditional(encoder, "encoder")
    if e.shape[0] != px.size:
        raise ValueError(f"encoder must have one row per x: shape ({px.size}, n_z) (got {e.shape})")
    return px, e


def _cross(weights: np.ndarray, table: np.ndarray) -> float:
    """-sum w log t with 0 log 0 = 0 and +inf where w > 0 = t."""
    if np.any((weights > 0) & (table <= 0)):
        return float("inf")
    return -float(np.sum(xlogy(weights, table)))


def rate(p_x: Any, encoder: Any, prior: Any = None) -> float:
    """R = sum_x p(x) sum_z e(z|x) log e(z|x)/q(z); ``prior`` defaults to the
    marginal q(z) = sum_x p(x) e(z|x), where R = I(X;Z).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy.functionals import rate
    >>> bool(abs(rate([0.5, 0.5], np.eye(2)) - np.log(2)) < 1e-12)
    True
    """
    px, e = _table_parts(p_x, encoder)
    m = px[:, None] * e
    q = m.sum(axis=0) if prior is None else as_distribution(prior, "prior", ndim=1)
    if q.size != e.shape[1]:
        raise ValueError(f"prior must have n_z = {e.shape[1]} entries (got {q.size})")
    if np.any((m > 0) & (q[None, :] <= 0)):
        return float("inf")
    return max(float(np.sum(xlogy(m, e)) - np.sum(xlogy(m, np.broadcast_to(q, m.shape)))), 0.0)


def distortion(p_x: Any, encoder: Any, decoder: Any) -> float:
    """D = -sum_x p(x) sum_z e(z|x) log d(x|z), with ``decoder[z, x] = d(x|z)``."""
    px, e = _table_parts(p_x, encoder)
    d = as_conditional(decoder, "decoder")
    if d.shape != (e.shape[1], px.size):
        raise ValueError(f"decoder must be indexed [z, x] with shape {(e.shape[1], px.size)} (got {d.shape})")
    return _cross(px[:, None] * e, d.T)


def classification_loss(p_xy: Any, encoder: Any, classifier: Any) -> float:
    """C = -sum_{x,y} p(x,y) sum_z e(z|x) log c(y|z), with ``classifier[z, y] = c(y|z)``."""
    p = as_distribution(p_xy, "p_xy", ndim=2)
    e = as_conditional(encoder, "encoder")
    if e.shape[0] != p.shape[0]:
        raise ValueError(f"encoder must have one row per x: shape ({p.shape[0]}, n_z) (got {e.shape})")
    c = as_conditional(classifier, "classifier")
    if c.shape != (e.shape[1], p.shape[1]):
        raise ValueError(f"classifier must be indexed [z, y] with shape {(e.shape[1], p.shape[1])} "
                         f"(got {c.shape})")
    w = p.T @ e  # (n_y, n_z): sum_x p(x, y) e(z|x)
    return _cross(w, c.T)


def weight_information(posterior: Any, prior: Any) -> float:
    """S = KL(p(theta|data) || q(theta)) over a finite family of weights."""
    p = as_distribution(posterior, "posterior")
    q = as_distribution(prior, "prior")
    if p.shape != q.shape:
        raise ValueError(f"posterior and prior must have the same shape ({p.shape} vs {q.shape})")
    if np.any((p > 0) & (q <= 0)):
        return float("inf")
    return max(float(np.sum(xlogy(p, p)) - np.sum(xlogy(p, q))), 0.0)


def data_entropy(p_xy: Any) -> float:
    """H = -sum p(x, y) log p(x, y)."""
    p = as_distribution(p_xy, "p_xy")
    return max(-float(np.sum(xlogy(p, p))), 0.0)


def functionals(p_xy: Any, encoder: Any, prior: Any, decoder: Any, classifier: Any,
                lam: float = 1.0, gamma: float = 1.0, sigma: float = 0.0,
                weights: Any = None, weights_prior: Any = None) -> Functionals:
    """All functionals of a tabular model and J = R + lam D + gamma C + sigma S.

    Parameters
    ----------
    p_xy : array_like (n_x, n_y)
    encoder : array_like (n_x, n_z)
        e(z|x), indexed [x, z].
    prior : array_like (n_z,) or None
        q(z); None uses the marginal of the encoder.
    decoder : array_like (n_z, n_x)
        d(x|z), indexed [z, x].
    classifier : array_like (n_z, n_y)
        c(y|z), indexed [z, y].
    lam, gamma, sigma : float
        Non-negative multipliers.
    weights, weights_prior : array_like, optional
        Posterior and prior over a finite family of weights, for S (else S = 0).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy.functionals import functionals
    >>> p = np.array([[0.4, 0.1], [0.1, 0.4]])
    >>> f = functionals(p, np.eye(2), None, np.eye(2), np.array([[0.8, 0.2], [0.2, 0.8]]))
    >>> round(f.J - f.H, 12)  # the forward and backward models coincide
    0.0
    """
    p = as_distribution(p_xy, "p_xy", ndim=2)
    lam = check_nonnegative(lam, "lam")
    gamma = check_nonnegative(gamma, "gamma")
    sigma = check_nonnegative(sigma, "sigma")
    px = p.sum(axis=1)
    R = rate(px, encoder, prior)
    D = distortion(px, encoder, decoder)
    C = classification_loss(p, encoder, classifier)
    if (weights is None) != (weights_prior is None):
        raise ValueError("weights and weights_prior go together: pass both or neither")
    S = 0.0 if weights is None else weight_information(weights, weights_prior)
    H = data_entropy(p)
    terms = [R] + [m * v for m, v in ((lam, D), (gamma, C), (sigma, S)) if m != 0]
    return Functionals(R=R, D=D, C=C, S=S, H=H, J=float(sum(terms)))


# --------------------------------------------------------------------------- Monte Carlo


def _per_point(values: Any, name: str) -> np.ndarray:
    arr = _as_float_array(values, name)
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(f"{name} must be 1-D (one value per sample) or 2-D (n_data, n_z_samples); "
                         f"got shape {arr.shape}")
    if np.any(np.isnan(arr)) or np.any(arr == np.inf):
        raise ValueError(f"{name} has NaN or +inf entries; log-densities must be < +inf")
    return arr.mean(axis=1) if arr.ndim == 2 else arr


def mean_with_stderr(samples: Any) -> Estimate:
    """Sample mean and its standard error std(ddof=1)/sqrt(n) of a 1-D array."""
    x = _as_float_array(samples, "samples").ravel()
    if x.size < 2:
        raise ValueError(f"samples needs at least two values for a standard error (got {x.size})")
    if np.any(np.isinf(x)):
        return Estimate(float(np.mean(x)), float("inf"))
    return Estimate(float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size)))


def monte_carlo(*, log_encoder: Any = None, log_prior: Any = None, log_decoder: Any = None,
                log_classifier: Any = None, log_p_xy: Any = None, log_weight_posterior: Any = None,
                log_weight_prior: Any = None, lam: float = 1.0, gamma: float = 1.0,
                sigma: float = 0.0) -> MonteCarloFunctionals:
    """Monte Carlo estimates of R, D, C, S, H and J from per-sample log-densities.

    Samples are (x_i, y_i) ~ p(x, y), z_i ~ e(z|x_i), and theta_k ~ p(theta|data)
    for S. Arrays are 1-D (one z per data point) or 2-D (n_data, n_z_samples).

    Parameters
    ----------
    log_encoder, log_prior : array_like
        log e(z_i|x_i) and log q(z_i): R = E[log e - log q].
    log_decoder : array_like
        log d(x_i|z_i): D = E[-log d].
    log_classifier : array_like
        log c(y_i|z_i): C = E[-log c].
    log_p_xy : array_like, optional
        log p(x_i, y_i): H = E[-log p].
    log_weight_posterior, log_weight_prior : array_like, optional
        log p(theta_k|data), log q(theta_k) at theta_k ~ p(theta|data): S.
    lam, gamma, sigma : float
        Multipliers of J; J's standard error accounts for the correlation of
        R, D and C (they share the samples); S comes from separate samples, its
        variance adds.

    Returns
    -------
    MonteCarloFunctionals

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy.functionals import monte_carlo
    >>> mc = monte_carlo(log_decoder=np.log([0.5, 0.25, 0.5, 0.25]))
    >>> round(mc.D.value, 6), mc.R is None
    (1.039721, True)
    """
    lam = check_nonnegative(lam, "lam")
    gamma = check_nonnegative(gamma, "gamma")
    sigma = check_nonnegative(sigma, "sigma")
    if (log_encoder is None) != (log_prior is None):
        raise ValueError("log_encoder and log_prior go together (R = E[log e(z|x) - log q(z)])")
    if (log_weight_posterior is None) != (log_weight_prior is None):
        raise ValueError("log_weight_posterior and log_weight_prior go together")
    r_i = d_i = c_i = None
    n = 0
    lengths = {}
    if log_encoder is not None:
        le = _per_point(log_encoder, "log_encoder")
        lq = _per_point(log_prior, "log_prior")
        if le.shape != lq.shape:
            raise ValueError(f"log_encoder and log_prior differ in shape ({le.shape} vs {lq.shape})")
        r_i = le - lq
        lengths["log_encoder"] = r_i.size
    if log_decoder is not None:
        d_i = -_per_point(log_decoder, "log_decoder")
        lengths["log_decoder"] = d_i.size
    if log_classifier is not None:
        c_i = -_per_point(log_classifier, "log_classifier")
        lengths["log_classifier"] = c_i.size
    if len(set(lengths.values())) > 1:
        raise ValueError(f"the per-sample arrays must have one entry per data point each (got {lengths})")
    n = next(iter(lengths.values()), 0)
    R = mean_with_stderr(r_i) if r_i is not None else None
    D = mean_with_stderr(d_i) if d_i is not None else None
    C = mean_with_stderr(c_i) if c_i is not None else None
    H = mean_with_stderr(-_per_point(log_p_xy, "log_p_xy")) if log_p_xy is not None else None
    S = None
    if log_weight_posterior is not None:
        lp = _per_point(log_weight_posterior, "log_weight_posterior")
        lw = _per_point(log_weight_prior, "log_weight_prior")
        if lp.shape != lw.shape:
            raise ValueError("log_weight_posterior and log_weight_prior differ in shape")
        S = mean_with_stderr(lp - lw)
    J = None
    needed = [r_i is not None, lam == 0 or d_i is not None, gamma == 0 or c_i is not None,
              sigma == 0 or S is not None]
    if all(needed):
        j_i = r_i.copy()
        if lam != 0:
            j_i = j_i + lam * d_i
        if gamma != 0:
            j_i = j_i + gamma * c_i
        base = mean_with_stderr(j_i)
        if sigma != 0:
            J = Estimate(base.value + sigma * S.value, float(np.hypot(base.stderr, sigma * S.stderr)))
        else:
            J = base
    return MonteCarloFunctionals(R=R, D=D, C=C, S=S, H=H, J=J, n=n)
