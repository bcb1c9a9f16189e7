"""Exact thermodynamics of the Ising model: the references every sampler is checked against.

Hamiltonian (periodic boundaries, k_B = 1, each nearest-neighbour bond once)

    H(s) = -J sum_<ij> s_i s_j - H sum_i s_i,      s_i = +-1,

with K = beta J. Per spin: log_z = ln Z / N, u = <E> / N = -(d ln Z / d beta) / N,
c = beta^2 Var(E) / N = beta^2 (d^2 ln Z / d beta^2) / N.

* 1D ring of N spins (transfer matrix; Kramers & Wannier 1941):
  Z = lambda_+^N + lambda_-^N,
  lambda_+- = e^K cosh(beta H) +- sqrt(e^{2K} sinh^2(beta H) + e^{-2K}).
* 2D L x L torus, H = 0 (Kaufman, Phys. Rev. 76, 1232 (1949), in the form of
  Ferdinand & Fisher, Phys. Rev. 185, 832 (1969)):
  Z = 1/2 (2 sinh 2K)^{N/2} (Z_1 + Z_2 + Z_3 + Z_4),
  Z_1 = prod_{r=0}^{L-1} 2 cosh(L gamma_{2r+1} / 2),  Z_2 = same with sinh,
  Z_3 = prod_{r=0}^{L-1} 2 cosh(L gamma_{2r} / 2),    Z_4 = same with sinh,
  cosh gamma_l = cosh 2K coth 2K - cos(pi l / L)  (gamma_l > 0, l >= 1),
  gamma_0 = 2K + ln tanh K  (negative above T_c).
  Everything is summed in log space (the products overflow for L of a few
  tens), and u, c come from the analytic K-derivatives of each factor
  (gamma_l' = c'(K) / sinh gamma_l, gamma_l'' = (c'' - cosh gamma_l gamma_l'^2) / sinh gamma_l),
  with the vanishing factor sinh(L gamma_0 / 2) at T_c kept apart so that no
  derivative divides by zero.
* 2D infinite lattice (Onsager, Phys. Rev. 65, 117 (1944); Yang, Phys. Rev. 85,
  808 (1952)): T_c = 2 / ln(1 + sqrt 2),
  u = -coth 2K [1 + (2/pi)(2 tanh^2 2K - 1) K_1(k)],   k = 2 sinh 2K / cosh^2 2K,
  c = (4/pi)(K coth 2K)^2 {K_1(k) - E_1(k) - (1 - tanh^2 2K)[pi/2 + (2 tanh^2 2K - 1) K_1(k)]},
  m_0 = (1 - sinh^{-4} 2K)^{1/8} for T < T_c, 0 above,
  with K_1, E_1 the complete elliptic integrals (scipy.special.ellipk/ellipe, m = k^2).
* Brute-force enumeration of all 2^N configurations (N <= 30) for any J, H, dim.

The finite-L results (Kaufman, transfer matrix) are exact for every L; the
tests compare them with enumeration at L = 2, 3, 4 to 1e-10.
See also Beale, Phys. Rev. Lett. 76, 78 (1996), arXiv:cond-mat/9510070.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.integrate import quad
from scipy.special import ellipe, ellipk, logsumexp

from thermoinfo._enumerate import iter_states
from thermoinfo._validation import check_positive, check_positive_int

__all__ = [
    "CRITICAL_TEMPERATURE",
    "ExactThermodynamics",
    "configuration_energy",
    "density_of_states",
    "enumerate_exact",
    "exact",
    "kaufman",
    "onsager",
    "transfer_matrix",
]

#: Onsager's critical temperature of the square lattice, 2 / ln(1 + sqrt 2) (J = k_B = 1).
CRITICAL_TEMPERATURE = 2.0 / np.log1p(np.sqrt(2.0))

_MAX_ENUMERATED_SPINS = 30


@dataclass(frozen=True)
class ExactThermodynamics:
    """Exact per-spin thermodynamics at one temperature.

    Attributes
    ----------
    log_z : float
        ln Z / N.
    u : float
        <E> / N.
    c : float
        beta^2 Var(E) / N = d u / d T.
    abs_m : float
        <|m|>, m = sum_i s_i / N, where known (enumeration; Onsager's spontaneous
        magnetization for the infinite lattice); NaN otherwise.
    temperature : float
        T.
    """

    log_z: float
    u: float
    c: float
    abs_m: float
    temperature: float


def _check_temperature(T: Any) -> float:
    return check_positive(T, "T")


def _signed_log(x: float) -> tuple[float, float]:
    return (np.log(abs(x)), np.sign(x)) if x != 0 else (-np.inf, 0.0)


def _combine(terms: list[tuple[float, float, float, float]]) -> tuple[float, float, float]:
    """ln S, (ln S)', (ln S)'' of S = sum_i e^{a_i} A0_i with S' = sum e^{a_i} A1_i, S'' alike."""
    scale = max(t[0] for t in terms)
    b = np.zeros(3)
    for a, A0, A1, A2 in terms:
        w = np.exp(a - scale)
        b += w * np.array([A0, A1, A2])
    if b[0] <= 0:
        raise ArithmeticError("partition sum is not positive")  # pragma: no cover
    d1 = b[1] / b[0]
    return scale + np.log(b[0]), d1, b[2] / b[0] - d1 * d1


def _log_cosh(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax)) - np.log(2.0)


def _kaufman_log_z(L: int, K: float) -> tuple[float, float, float]:
    """ln Z and its first two K-derivatives of the L x L torus at J = 1."""
    y = np.sinh(2.0 * K)
    ch = np.cosh(2.0 * K)
    # c(K) = cosh 2K coth 2K = (1 + y^2) / y and its K-derivatives.
    c1 = 2.0 * ch * (1.0 - 1.0 / y**2)
    c2 = 4.0 * (y - 1.0 / y + 2.0 * ch**2 / y**3)
    l_all = np.arange(2 * L)
    theta = np.pi * l_all / L
    # cosh gamma_l = 1 + delta_l, delta_l = (1 - y)^2 / y + 2 sin^2(theta / 2), without cancellation.
    delta = (1.0 - y) ** 2 / y + 2.0 * np.sin(theta / 2.0) ** 2
    gamma = np.log1p(delta + np.sqrt(delta * (delta + 2.0)))
    sinh_g = np.sqrt(delta * (delta + 2.0))
    cosh_g = 1.0 + delta
    with np.errstate(divide="ignore", invalid="ignore"):
        g1 = c1 / sinh_g
        g2 = (c2 - cosh_g * g1**2) / sinh_g
    # gamma_0 with its sign (Ferdinand-Fisher), analytic derivatives.
    gamma[0] = 2.0 * K + np.log(np.tanh(K))
    g1[0] = 2.0 + 2.0 / y
    g2[0] = -4.0 * ch / y**2
    half = 0.5 * L
    x = half * gamma
    x1 = half * g1
    x2 = half * g2
    odd = l_all[1::2]
    even = l_all[0::2]
    terms = []
    # Z_1, Z_3: products of 2 cosh(x); d ln(2 cosh x) = tanh(x) x', d^2 = sech^2 x x'^2 + tanh x x''.
    for idx in (odd, even):
        t = np.tanh(x[idx])
        a = float(np.sum(_log_cosh(x[idx]) + np.log(2.0)))
        s1 = float(np.sum(t * x1[idx]))
        s2 = float(np.sum((1.0 - t * t) * x1[idx] ** 2 + t * x2[idx]))
        terms.append((a, 1.0, s1, s1 * s1 + s2))
    # Z_2: products of 2 sinh(x), every x > 0; d ln sinh = coth x x', d^2 = -csch^2 x x'^2 + coth x x''.
    xo = x[odd]
    ct = 1.0 / np.tanh(xo)
    a = float(np.sum(np.log(2.0 * np.sinh(xo)) if np.all(xo < 300) else
                     xo + np.log1p(-np.exp(-2.0 * xo))))
    s1 = float(np.sum(ct * x1[odd]))
    s2 = float(np.sum((1.0 - ct * ct) * x1[odd] ** 2 + ct * x2[odd]))
    terms.append((a, 1.0, s1, s1 * s1 + s2))
    # Z_4 = 2 sinh(x_0) R, R = prod_{r >= 1} 2 sinh(x_{2r}); x_0 may vanish (T = T_c) or be negative.
    rest = even[1:]
    if rest.size:
        xr = x[rest]
        ct = 1.0 / np.tanh(xr)
        log_r = float(np.sum(xr + np.log1p(-np.exp(-2.0 * xr))))
        r1 = float(np.sum(ct * x1[rest]))
        r2 = float(np.sum((1.0 - ct * ct) * x1[rest] ** 2 + ct * x2[rest]))
    else:
        log_r, r1, r2 = 0.0, 0.0, 0.0
    x0, x01, x02 = x[0], x1[0], x2[0]
    e = np.exp(-2.0 * abs(x0))
    sh = np.sign(x0) * (1.0 - e) / 2.0   # sinh(x0) e^{-|x0|}
    co = (1.0 + e) / 2.0                 # cosh(x0) e^{-|x0|}
    scale = log_r + abs(x0) + np.log(2.0)
    A0 = sh
    A1 = co * x01 + sh * r1
    A2 = sh * x01**2 + co * x02 + 2.0 * co * x01 * r1 + sh * (r1 * r1 + r2)
    terms.append((scale, A0, A1, A2))
    log_s, d1, d2 = _combine(terms)
    n = L * L
    log_z = np.log(0.5) + 0.5 * n * np.log(2.0 * y) + log_s
    dlog = n * ch / y + d1
    d2log = -2.0 * n / y**2 + d2
    return float(log_z), float(dlog), float(d2log)


def kaufman(L: int, T: float, J: float = 1.0) -> ExactThermodynamics:
    """Exact ln Z / N, u and c of the periodic L x L Ising model at H = 0 (Kaufman 1949).

    Parameters
    ----------
    L : int
        Linear size, L >= 2.
    T : float
        Temperature, T > 0.
    J : float
        Coupling, J > 0 (ferromagnet).

    Returns
    -------
    ExactThermodynamics
        ``abs_m`` is NaN (no closed form for finite L).

    Examples
    --------
    >>> r = kaufman(2, 1.0)      # 2 x 2 torus: Z = 2 e^{8 beta} + 12 + 2 e^{-8 beta}
    >>> z = 2 * np.exp(8) + 12 + 2 * np.exp(-8)
    >>> bool(abs(r.log_z - np.log(z) / 4) < 1e-12)
    True
    """
    L = check_positive_int(L, "L", minimum=2)
    T = _check_temperature(T)
    J = check_positive(J, "J")
    beta = 1.0 / T
    K = beta * J
    log_z, d1, d2 = _kaufman_log_z(L, K)
    n = L * L
    # d/d beta = J d/dK.
    u = -J * d1 / n
    c = beta**2 * J**2 * d2 / n
    return ExactThermodynamics(log_z / n, u, c, float("nan"), T)


def transfer_matrix(N: int, T: float, H: float = 0.0, J: float = 1.0) -> ExactThermodynamics:
    """Exact thermodynamics of a periodic Ising ring of N spins in a field (transfer matrix).

    Parameters
    ----------
    N : int
        Number of spins, N >= 2.
    T : float
        Temperature, T > 0.
    H : float
        Field.
    J : float
        Coupling (any sign).

    Returns
    -------
    ExactThermodynamics
        ``abs_m`` is NaN.

    Examples
    --------
    For H = 0, u = -J tanh(K) (1 + tanh^{N-2} K) / (1 + tanh^N K):

    >>> t = np.tanh(1.0 / 1.5)
    >>> r = transfer_matrix(10, 1.5)
    >>> bool(abs(r.u + t * (1 + t**8) / (1 + t**10)) < 1e-14)
    True
    """
    N = check_positive_int(N, "N", minimum=2)
    T = _check_temperature(T)
    beta = 1.0 / T
    # ln lambda_+- as functions of beta, with analytic first and second derivatives.
    # lambda = a +- d, a = e^{beta J} cosh(beta H), d = sqrt(q),
    # q = e^{2 beta J} sinh^2(beta H) + e^{-2 beta J}.
    # Everything is scaled by e^{-beta |J|} to avoid overflow.
    bj, bh = beta * J, beta * H
    eJ = np.exp(bj - abs(bj))
    eJ2 = np.exp(2 * bj - 2 * abs(bj))
    emJ2 = np.exp(-2 * bj - 2 * abs(bj))
    ch, sh = np.cosh(bh), np.sinh(bh)
    a = eJ * ch
    a1 = eJ * (J * ch + H * sh)
    a2 = eJ * ((J * J + H * H) * ch + 2 * J * H * sh)
    q = eJ2 * sh * sh + emJ2
    q1 = eJ2 * (2 * J * sh * sh + 2 * H * sh * ch) - 2 * J * emJ2
    q2 = (eJ2 * (4 * J * J * sh * sh + 8 * J * H * sh * ch + 2 * H * H * (ch * ch + sh * sh))
          + 4 * J * J * emJ2)
    d = np.sqrt(q)
    d1 = q1 / (2 * d)
    d2 = q2 / (2 * d) - q1 * q1 / (4 * d**3)
    terms = []
    for sign in (1.0, -1.0):
        lam = a + sign * d
        lam1 = a1 + sign * d1
        lam2 = a2 + sign * d2
        if lam == 0:
            continue
        log_abs, sgn = _signed_log(lam)
        g1 = lam1 / lam
        g2 = lam2 / lam - g1 * g1
        # lam^N = e^{N ln|lam|} sgn^N; derivatives of lam^N: N g1 lam^N, (N g2 + N^2 g1^2) lam^N.
        s = sgn**N
        terms.append((N * log_abs, s, s * N * g1, s * (N * g2 + (N * g1) ** 2)))
    log_s, dl1, dl2 = _combine(terms)
    # a1, q1, ... are the derivatives of the unscaled functions, scaled alike,
    # so dl1 and dl2 are already the derivatives of ln Z.
    log_z = log_s + N * abs(bj)
    u = -dl1 / N
    c = beta**2 * dl2 / N
    return ExactThermodynamics(float(log_z / N), float(u), float(c), float("nan"), T)


def configuration_energy(spins: np.ndarray, J: float = 1.0, H: float = 0.0, dim: int = 2) -> np.ndarray:
    """Energy of each configuration of a periodic lattice (trusted int8 input).

    Parameters
    ----------
    spins : ndarray, shape (..., L) for dim 1 or (..., L, L) for dim 2
        Entries +-1.
    J, H : float
        Coupling and field.
    dim : {1, 2}
        Lattice dimension.

    Returns
    -------
    ndarray of float64, shape (...)

    Examples
    --------
    >>> float(configuration_energy(np.ones((3, 3), dtype=np.int8)))   # 2 N bonds
    -18.0
    """
    s = spins.astype(np.int32)
    axes = (-1,) if dim == 1 else (-2, -1)
    bonds = sum(np.sum(s * np.roll(s, -1, axis=ax), axis=axes) for ax in axes)
    return -J * bonds.astype(np.float64) - H * np.sum(s, axis=axes).astype(np.float64)


def enumerate_exact(L: int, T: float, H: float = 0.0, dim: int = 2, J: float = 1.0, *,
                    return_probabilities: bool = False) -> Any:
    """Brute-force thermodynamics over all 2^(L^dim) configurations (L^dim <= 30).

    Configurations are numbered as :func:`thermoinfo._enumerate.states`
    enumerates them, the lattice flattened row-major (site (y, x) is unit y L + x).

    Parameters
    ----------
    L : int
        Linear size, L >= 2.
    T : float
        Temperature, T > 0.
    H : float
        Field.
    dim : {1, 2}
        Lattice dimension.
    J : float
        Coupling.
    return_probabilities : bool
        Also return the Boltzmann probability of every configuration.

    Returns
    -------
    ExactThermodynamics or (ExactThermodynamics, ndarray)

    Examples
    --------
    >>> r = enumerate_exact(2, 1.0)
    >>> bool(abs(r.log_z - kaufman(2, 1.0).log_z) < 1e-12)
    True
    """
    L = check_positive_int(L, "L", minimum=2)
    T = _check_temperature(T)
    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2 (got {dim!r})")
    n = L**dim
    if n > _MAX_ENUMERATED_SPINS:
        raise ValueError(f"L: enumeration needs L^dim <= {_MAX_ENUMERATED_SPINS} spins (got {n})")
    beta = 1.0 / T
    if not return_probabilities:
        return _from_density_of_states(L, dim, T, H, J)
    shape = (L,) if dim == 1 else (L, L)
    energies, mags = [], []
    for chunk in iter_states(n, values=(-1, 1), bytes_per_state=16 * n):
        conf = chunk.reshape((-1, *shape))
        energies.append(configuration_energy(conf, J, H, dim))
        mags.append(np.abs(chunk.astype(np.int64).sum(axis=1)) / n)
    e = np.concatenate(energies)
    m = np.concatenate(mags)
    logw = -beta * e
    log_z = logsumexp(logw)
    p = np.exp(logw - log_z)
    mean_e = float(p @ e)
    var_e = float(p @ (e - mean_e) ** 2)
    res = ExactThermodynamics(float(log_z / n), mean_e / n, beta**2 * var_e / n, float(p @ m), T)
    return (res, p) if return_probabilities else res


@lru_cache(maxsize=8)
def density_of_states(L: int, dim: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Joint density of states g(B, M) of the periodic lattice, by enumeration (L^dim <= 30).

    B = sum over bonds s_i s_j and M = sum_i s_i; every (T, H, J) then follows from
    Z = sum_{B,M} g(B, M) exp(beta (J B + H M)) without enumerating again. The
    result is cached per (L, dim).

    Returns
    -------
    bonds, magnetization, counts : ndarray
        The occupied (B, M) pairs (int64) and their numbers of configurations (float64).

    Examples
    --------
    >>> b, m, g = density_of_states(2, dim=1)      # a periodic 2-chain has two bonds
    >>> sorted(zip(b.tolist(), m.tolist(), g.tolist()))
    [(-2, 0, 2.0), (2, -2, 1.0), (2, 2, 1.0)]
    """
    L = check_positive_int(L, "L", minimum=2)
    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2 (got {dim!r})")
    n = L**dim
    if n > _MAX_ENUMERATED_SPINS:
        raise ValueError(f"L: enumeration needs L^dim <= {_MAX_ENUMERATED_SPINS} spins (got {n})")
    shape = (L,) if dim == 1 else (L, L)
    axes = (-1,) if dim == 1 else (-2, -1)
    n_bonds = dim * n
    width = 2 * n + 1
    hist = np.zeros((2 * n_bonds + 1) * width, dtype=np.int64)
    for chunk in iter_states(n, values=(-1, 1), bytes_per_state=16 * n):
        conf = chunk.reshape((-1, *shape))
        bonds = sum(np.sum(conf * np.roll(conf, -1, axis=ax), axis=axes, dtype=np.int64) for ax in axes)
        mag = chunk.sum(axis=1, dtype=np.int64)
        hist += np.bincount((bonds + n_bonds) * width + (mag + n), minlength=hist.size)
    idx = np.flatnonzero(hist)
    return idx // width - n_bonds, idx % width - n, hist[idx].astype(np.float64)


def _from_density_of_states(L: int, dim: int, T: float, H: float, J: float) -> ExactThermodynamics:
    bonds, mag, counts = density_of_states(L, dim)
    n = L**dim
    beta = 1.0 / T
    e = -J * bonds - H * mag
    logw = np.log(counts) - beta * e
    log_z = logsumexp(logw)
    p = np.exp(logw - log_z)
    mean_e = float(p @ e)
    var_e = float(p @ (e - mean_e) ** 2)
    return ExactThermodynamics(float(log_z / n), mean_e / n, beta**2 * var_e / n,
                               float(p @ np.abs(mag)) / n, T)


def onsager(T: float) -> ExactThermodynamics:
    """Infinite square lattice at H = 0, J = 1 (Onsager 1944, Yang 1952).

    Returns
    -------
    ExactThermodynamics
        ``abs_m`` is the spontaneous magnetization (0 at and above T_c);
        ``c`` is +inf at T_c.

    Examples
    --------
    >>> r = onsager(CRITICAL_TEMPERATURE)
    >>> bool(abs(r.u + np.sqrt(2)) < 1e-12)      # u(T_c) = -sqrt 2
    True
    """
    T = _check_temperature(T)
    K = 1.0 / T
    s2, c2 = np.sinh(2 * K), np.cosh(2 * K)
    t2 = np.tanh(2 * K)
    k = 2 * s2 / c2**2
    m = min(k * k, 1.0)
    K1 = ellipk(m)
    E1 = ellipe(m)
    coth = 1.0 / t2
    f = 2 * t2**2 - 1
    # At T_c, f -> 0 and K1 -> inf logarithmically: the product tends to 0.
    fk = f * K1 if np.isfinite(K1) else 0.0
    u = -coth * (1 + 2 / np.pi * fk)
    if np.isfinite(K1):
        c = 4 / np.pi * (K * coth) ** 2 * (K1 - E1 - (1 - t2**2) * (np.pi / 2 + fk))
    else:
        c = float("inf")
    # ln Z / N = ln(2 cosh 2K) + (1/pi) int_0^{pi/2} ln[(1 + sqrt(1 - k^2 sin^2 phi)) / 2] d phi.
    integral, _ = quad(lambda phi: np.log((1 + np.sqrt(max(1 - m * np.sin(phi) ** 2, 0.0))) / 2),
                       0.0, np.pi / 2, epsabs=1e-13, epsrel=1e-13, limit=200)
    log_z = np.log(2 * c2) + integral / np.pi
    abs_m = (1 - s2**-4) ** 0.125 if T < CRITICAL_TEMPERATURE else 0.0
    return ExactThermodynamics(float(log_z), float(u), float(c), float(abs_m), T)


def exact(L: int, T: float, H: float = 0.0, dim: int = 2, J: float = 1.0) -> ExactThermodynamics:
    """Exact per-spin thermodynamics of the periodic Ising model.

    2D, H = 0: Kaufman's finite-L solution; 1D: the transfer matrix (any H);
    2D with a field: enumeration (L <= 5).

    Parameters
    ----------
    L : int
        Linear size, L >= 2.
    T : float
        Temperature, T > 0.
    H : float
        Field.
    dim : {1, 2}
        Lattice dimension.
    J : float
        Coupling, J > 0.

    Returns
    -------
    ExactThermodynamics
        ``.log_z`` = ln Z / L^dim, ``.u`` = <E> / L^dim, ``.c`` = beta^2 Var(E) / L^dim.

    Examples
    --------
    >>> r = exact(64, CRITICAL_TEMPERATURE)
    >>> round(r.u, 6), round(r.c, 4)
    (-1.423938, 2.1922)
    """
    L = check_positive_int(L, "L", minimum=2)
    T = _check_temperature(T)
    if not isinstance(dim, (int, np.integer)) or dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2 (got {dim!r})")
    H = float(H)
    if not np.isfinite(H):
        raise ValueError(f"H must be finite (got {H})")
    if dim == 1:
        return transfer_matrix(L, T, H, J)
    if H == 0.0:
        return kaufman(L, T, J)
    if L * L <= 25:
        return enumerate_exact(L, T, H, 2, J)
    raise ValueError(
        f"H: no exact solution of the 2D model in a field for L = {L} (enumeration needs L <= 5)"
    )
