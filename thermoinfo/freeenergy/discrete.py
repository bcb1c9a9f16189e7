"""Closed forms of discrete free energies: Hamming rate-distortion and the binary
symmetric bottleneck.

Equations (nats; h(D) = -D log D - (1 - D) log(1 - D)):

Binary source with P(x = 1) = p, p_min = min(p, 1 - p) (Cover & Thomas, Thm 10.3.1):

    R(D) = h(p) - h(D)          for 0 <= D <= p_min, and 0 beyond.

M-ary uniform source, rho(x, z) = [x != z]:

    R(D) = log M - h(D) - D log(M - 1)          for 0 <= D <= (M - 1)/M.

Legendre form F(lam) = min_D R(D) + lam D, lam = -dR/dD. The parametric encoder
e(z|x) = q(z) exp(-lam rho(x, z)) / Z(x) gives, on the curve,

    M-ary uniform:  D(lam) = (M - 1) e^(-lam) / (1 + (M - 1) e^(-lam)),
                    F(lam) = log M - log(1 + (M - 1) e^(-lam)),
    binary:         D(lam) = 1 / (1 + e^lam) for lam > lam_c = log((1 - p_min)/p_min),
                    with prior q(1) = (p - D) / (1 - 2D); for lam <= lam_c the optimum
                    is R = 0, D = p_min, q = the point mass on the majority symbol.

dF/dlam = D (the envelope theorem) in both cases.

Binary symmetric bottleneck: x uniform on {0, 1}, y = x XOR Bernoulli(eps). With the
free decoder and classifier of :func:`thermoinfo.freeenergy.tabular.solve`,
R = I(X;Z), D = H(X|Z), C = H(Y|Z), and by Mrs. Gerber's lemma (Wyner and Ziv 1973)
an optimal encoder is a binary symmetric channel z = x XOR Bernoulli(delta):

    J(delta) = lam log 2 + (1 - lam)(log 2 - h(delta)) + gamma h(eps * delta),
    eps * delta = eps (1 - delta) + delta (1 - eps),

minimized over delta in [0, 1/2]; the stationarity condition is
(1 - lam) h'(delta) = gamma (1 - 2 eps) h'(eps * delta), h'(u) = log((1 - u)/u).
The encoder is trivial (delta = 1/2) iff gamma (1 - 2 eps)^2 <= 1 - lam, and z = x
(delta = 0) for lam >= 1.

References: T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed.
(2006), ch. 10; R. E. Blahut, IEEE Trans. Inf. Theory 18 (1972) 460; A. D. Wyner and
J. Ziv, IEEE Trans. Inf. Theory 19 (1973) 769 (Mrs. Gerber's lemma); N. Tishby,
F. C. Pereira and W. Bialek, arXiv:physics/0004057.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize
from scipy.special import xlogy

from thermoinfo._validation import check_nonnegative, check_positive_int

__all__ = [
    "BottleneckSolution",
    "HammingSolution",
    "binary_entropy",
    "binary_symmetric_bottleneck",
    "hamming_distortion",
    "hamming_free_energy",
    "hamming_rate_distortion",
]


def binary_entropy(p: float) -> float:
    """h(p) = -p log p - (1 - p) log(1 - p) in nats.

    Examples
    --------
    >>> round(binary_entropy(0.5), 6)
    0.693147
    """
    p = check_nonnegative(p, "p")
    if p > 1:
        raise ValueError(f"p must be in [0, 1] (got {p})")
    return float(-xlogy(p, p) - xlogy(1.0 - p, 1.0 - p))


def _check_source(n_symbols: int, p: float | None) -> tuple[int, float | None]:
    n_symbols = check_positive_int(n_symbols, "n_symbols", minimum=2)
    if p is not None:
        if n_symbols != 2:
            raise ValueError("p (a biased source) is only supported for n_symbols=2")
        p = check_nonnegative(p, "p")
        if p > 1:
            raise ValueError(f"p must be in [0, 1] (got {p})")
    return n_symbols, p


def hamming_distortion(n_symbols: int) -> np.ndarray:
    """The Hamming distortion matrix rho[x, z] = [x != z] of an M-ary alphabet."""
    n_symbols = check_positive_int(n_symbols, "n_symbols", minimum=2)
    return 1.0 - np.eye(n_symbols)


def hamming_rate_distortion(distortion: float, *, n_symbols: int = 2, p: float | None = None) -> float:
    """R(D) under Hamming distortion: binary with P(x=1) = p, or M-ary uniform.

    Examples
    --------
    >>> round(hamming_rate_distortion(0.1, p=0.3), 6)
    0.285781
    >>> round(hamming_rate_distortion(0.2, n_symbols=4), 6)
    0.666169
    """
    n_symbols, p = _check_source(n_symbols, p)
    D = check_nonnegative(distortion, "distortion")
    if p is not None and p != 0.5:
        p_min = min(p, 1.0 - p)
        return binary_entropy(p) - binary_entropy(D) if D < p_min else 0.0
    M = n_symbols
    if D >= (M - 1) / M:
        return 0.0
    return float(np.log(M) - binary_entropy(D) - D * np.log(M - 1))


@dataclass(frozen=True)
class HammingSolution:
    """Optimum of F(lam) = min R + lam D under Hamming distortion.

    Attributes
    ----------
    lam, R, D, F : float
    encoder : numpy.ndarray
        e[x, z] = e(z|x).
    prior : numpy.ndarray
        q(z).
    """

    lam: float
    R: float
    D: float
    F: float
    encoder: np.ndarray
    prior: np.ndarray


def hamming_free_energy(lam: float, *, n_symbols: int = 2, p: float | None = None) -> HammingSolution:
    """F(lam) = min R + lam D, the parametric optimum of the Hamming problem.

    Parameters
    ----------
    lam : float
        Multiplier of the distortion, >= 0.
    n_symbols : int
        Alphabet size M >= 2 (source uniform unless ``p`` is given).
    p : float, optional
        P(x = 1) of a binary source.

    Examples
    --------
    >>> sol = hamming_free_energy(2.0, n_symbols=3)
    >>> round(sol.D, 6), round(sol.F, 6)
    (0.213014, 0.859068)
    """
    lam = check_nonnegative(lam, "lam")
    n_symbols, p = _check_source(n_symbols, p)
    if p is None or p == 0.5:
        M = n_symbols
        p_x = np.full(M, 1.0 / M)
        prior = p_x.copy()
        w = np.exp(-lam)
        D = (M - 1) * w / (1.0 + (M - 1) * w)
        F = float(np.log(M) - np.log1p((M - 1) * w))
        R = F - lam * D
    else:
        p_x = np.array([1.0 - p, p])
        p_min = min(p, 1.0 - p)
        lam_c = float(np.log((1.0 - p_min) / p_min)) if p_min > 0 else np.inf
        if lam <= lam_c:
            prior = np.zeros(2)
            prior[int(p > 0.5)] = 1.0
            D, R = p_min, 0.0
        else:
            D = 1.0 / (1.0 + np.exp(lam))
            q1 = (p - D) / (1.0 - 2.0 * D)
            prior = np.array([1.0 - q1, q1])
            R = binary_entropy(p) - binary_entropy(D)
        F = R + lam * D
    rho = hamming_distortion(p_x.size)
    enc = prior[None, :] * np.exp(-lam * rho)
    enc /= enc.sum(axis=1, keepdims=True)
    return HammingSolution(lam=lam, R=float(max(R, 0.0)), D=float(D), F=float(F), encoder=enc,
                           prior=prior)


@dataclass(frozen=True)
class BottleneckSolution:
    """Optimum of J = R + lam D + gamma C for the binary symmetric source.

    Attributes
    ----------
    lam, gamma, eps : float
    crossover : float
        delta, the flip probability of the optimal encoder.
    R, D, C, F : float
        I(X;Z), H(X|Z), H(Y|Z) and F = R + lam D + gamma C (nats).
    encoder : numpy.ndarray
        e[x, z] = e(z|x) (2 x 2).
    p_xy : numpy.ndarray
        The joint table of (x, y).
    """

    lam: float
    gamma: float
    eps: float
    crossover: float
    R: float
    D: float
    C: float
    F: float
    encoder: np.ndarray
    p_xy: np.ndarray


def _dh(u: float) -> float:
    return float(np.log((1.0 - u) / u))


def binary_symmetric_bottleneck(lam: float, gamma: float, eps: float) -> BottleneckSolution:
    """F(lam, gamma) of a uniform bit x observed through y = x XOR Bernoulli(eps).

    Parameters
    ----------
    lam, gamma : float
        Multipliers of D = H(X|Z) and C = H(Y|Z), >= 0.
    eps : float
        Label noise, in [0, 1/2].

    Examples
    --------
    >>> sol = binary_symmetric_bottleneck(0.2, 3.0, 0.1)
    >>> round(sol.crossover, 6), round(sol.F, 6)
    (0.001422, 1.667279)
    """
    lam = check_nonnegative(lam, "lam")
    gamma = check_nonnegative(gamma, "gamma")
    eps = check_nonnegative(eps, "eps")
    if eps > 0.5:
        raise ValueError(f"eps must be in [0, 1/2] (got {eps}); relabel y to flip it")
    a = 1.0 - 2.0 * eps

    def star(d: float) -> float:
        return eps * (1.0 - d) + d * (1.0 - eps)

    if lam >= 1.0 or (eps == 0.0 and gamma > 1.0 - lam):
        delta = 0.0
    elif gamma * a * a <= 1.0 - lam:
        delta = 0.5
    else:
        def slope(d: float) -> float:
            return -(1.0 - lam) * _dh(d) + gamma * a * _dh(star(d))

        hi = 0.5 - 1e-9
        delta = float(scipy.optimize.brentq(slope, 1e-300, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps,
                                            maxiter=500)) if slope(hi) > 0 else 0.5
    D = binary_entropy(delta)
    C = binary_entropy(star(delta))
    R = float(np.log(2.0)) - D
    encoder = np.array([[1.0 - delta, delta], [delta, 1.0 - delta]])
    p_xy = 0.5 * np.array([[1.0 - eps, eps], [eps, 1.0 - eps]])
    return BottleneckSolution(lam=lam, gamma=gamma, eps=eps, crossover=delta, R=R, D=D, C=C,
                              F=R + lam * D + gamma * C, encoder=encoder, p_xy=p_xy)
