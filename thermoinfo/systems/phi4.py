"""Complex lambda phi^4 theory at finite chemical potential, and one-variable models
with a sign problem, with their exact answers.

Lattice action (d = 2, periodic L_t x L_x lattice, direction nu = 0 is time):

    S = sum_x [ (2d + m^2) |phi_x|^2 + lambda |phi_x|^4
                - sum_nu ( e^{-mu delta_nu0} phi*_x phi_{x+nu} + e^{mu delta_nu0} phi*_{x+nu} phi_x ) ].

With phi = (phi_1 + i phi_2) / sqrt(2) and two real components phi_a (a = 1, 2),

    S = sum_x [ (2d + m^2)/2 phi_a phi_a + lambda/4 (phi_a phi_a)^2
                - sum_{i spatial} phi_{a,x} phi_{a,x+i}
                - (delta_ab cosh mu - i epsilon_ab sinh mu) phi_{a,x} phi_{b,x+0} ],

so S = S_R + i S_I with S_I = sinh mu sum_x epsilon_ab phi_{a,x} phi_{b,x+0}: the
Boltzmann weight is complex for mu != 0 (the sign problem). The number density is

    n = (1/V) d ln Z / d mu
      = (1/V) < sum_x (delta_ab sinh mu - i epsilon_ab cosh mu) phi_{a,x} phi_{b,x+0} >,

V = L_t L_x. The phase-quenched theory keeps only S_R. At lambda = 0 the plane
waves diagonalize the action: S = sum_p M(p) |phi~_p|^2 with

    M(p) = 2d + m^2 - 2 cos p_1 - 2 cosh(mu - i p_0),
    M_pq(p) = 2d + m^2 - 2 cos p_1 - 2 cosh mu cos p_0,

p_nu = 2 pi k_nu / L_nu, so Z = (2 pi)^V / prod_p M(p),
<e^{-i S_I}>_pq = Z / Z_pq = prod_p M_pq(p) / M(p) and
n = (1/V) sum_p 2 sinh(mu - i p_0) / M(p). The Gaussian integral exists only while
M_pq(0) = m^2 - 2 (cosh mu - 1) > 0. Tree-level (mean-field) density: a constant
field minimizes S/V = (m^2 + 2 - 2 cosh mu) |phi|^2 + lambda |phi|^4, so
n = sinh mu (2 cosh mu - 2 - m^2) / lambda above mu_c = arccosh(1 + m^2/2), 0 below.

One-variable models (zero-dimensional, exact by Hermite polynomials and by
arbitrary-precision quadrature with mpmath):

    Z = int dx (x + i alpha)^p e^{-x^2/2} = sqrt(2 pi) i^p He_p(alpha),
    <x> = -i p He_{p-1}(alpha) / He_p(alpha),  <x^2> = 1 - p (p-1) He_{p-2}(alpha) / He_p(alpha),

(Stein's lemma for X ~ N(0, 1)), and the quartic model
S(x) = a x^2 / 2 + lambda x^4 / 4 + h x with complex a, h.

References: Y. Mori, K. Kashiwa and A. Ohnishi, Phys. Rev. D 96, 111501(R) (2017),
arXiv:1705.05605; PTEP 2018, 023B04, arXiv:1709.03208; G. Aarts, Phys. Rev. Lett.
102, 131601 (2009), arXiv:0810.2089 (the lattice action).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from thermoinfo._validation import _check_scalar, check_nonnegative, check_positive, check_positive_int

__all__ = [
    "FreeField",
    "GaussianPowerModel",
    "Lattice",
    "OneVariableExact",
    "QuarticModel",
    "free_field",
    "lattice_action",
    "mean_field_density",
    "number_density",
    "onset_chemical_potential",
]


def _xp(x: Any) -> Any:
    """numpy, or jax.numpy for JAX arrays and tracers (JAX imported only then)."""
    if type(x).__module__.startswith("jax"):
        import jax.numpy as jnp

        return jnp
    return np


def onset_chemical_potential(m: float) -> float:
    """mu_c = arccosh(1 + m^2/2): where M_pq(p = 0) vanishes, the free theory ends
    and the tree-level condensate starts.

    Examples
    --------
    >>> round(onset_chemical_potential(1.0), 6)
    0.962424
    """
    return float(np.arccosh(1.0 + 0.5 * float(m) ** 2))


def _check_lattice(Lt: Any, Lx: Any) -> tuple[int, int]:
    return check_positive_int(Lt, "Lt", minimum=2), check_positive_int(Lx, "Lx", minimum=2)


def _check_bounded(m: Any, lam: float, mu: Any) -> tuple[float, float]:
    m = _check_scalar(m, "m")
    mu = _check_scalar(mu, "mu")
    if lam == 0.0:
        if m == 0.0:
            raise ValueError("m must be nonzero when lam = 0 (the zero mode makes the action unbounded)")
        mu_c = onset_chemical_potential(m)
        if abs(mu) >= mu_c:
            raise ValueError(
                f"mu must satisfy |mu| < arccosh(1 + m^2/2) = {mu_c:.6g} at lam = 0 and m = {m:g} "
                f"(got {mu:g}); beyond it the free action is unbounded below: use lam > 0"
            )
    return m, mu


@dataclass(frozen=True)
class FreeField:
    """Exact free (lambda = 0) complex scalar field on a periodic L_t x L_x lattice.

    Attributes
    ----------
    Lt, Lx : int
    m, mu : float
    log_partition : float
        ln Z = V ln(2 pi) - sum_p ln M(p).
    log_partition_phase_quenched : float
        ln Z_pq = V ln(2 pi) - sum_p ln M_pq(p).
    phase_factor : float
        <e^{-i S_I}>_pq = Z / Z_pq, in (0, 1].
    density : float
        (d ln Z / d mu) / V.
    density_phase_quenched : float
        (d ln Z_pq / d mu) / V.
    """

    Lt: int
    Lx: int
    m: float
    mu: float
    log_partition: float
    log_partition_phase_quenched: float
    phase_factor: float
    density: float
    density_phase_quenched: float


def free_field(Lt: int, Lx: int, m: float, mu: float) -> FreeField:
    """Exact phase factor and number density of the free theory from the
    momentum-space determinant.

    Parameters
    ----------
    Lt, Lx : int
        Lattice extents (>= 2), time and space.
    m : float
        Mass, nonzero.
    mu : float
        Chemical potential, |mu| < arccosh(1 + m^2/2).

    Returns
    -------
    FreeField

    Raises
    ------
    ValueError
        Lattice extents below 2, m = 0, or mu where the action is unbounded.

    Examples
    --------
    >>> ff = free_field(4, 4, 1.0, 0.5)
    >>> round(ff.phase_factor, 6), round(ff.density, 6)
    (0.801779, 0.053744)
    >>> free_field(4, 4, 1.0, 0.0).phase_factor
    1.0
    """
    Lt, Lx = _check_lattice(Lt, Lx)
    m, mu = _check_bounded(m, 0.0, mu)
    p0 = 2.0 * np.pi * np.arange(Lt)[:, None] / Lt
    p1 = 2.0 * np.pi * np.arange(Lx)[None, :] / Lx
    base = 4.0 + m * m - 2.0 * np.cos(p1)
    M = base - 2.0 * np.cosh(mu - 1j * p0)
    M_pq = base - 2.0 * np.cosh(mu) * np.cos(p0)
    V = Lt * Lx
    log_det = float(np.sum(np.log(M)).real)
    log_det_pq = float(np.sum(np.log(M_pq)))
    density = float(np.sum(2.0 * np.sinh(mu - 1j * p0) / M).real) / V
    density_pq = float(np.sum(2.0 * np.sinh(mu) * np.cos(p0) / M_pq)) / V
    log_2pi = V * np.log(2.0 * np.pi)
    return FreeField(Lt, Lx, m, mu, log_2pi - log_det, log_2pi - log_det_pq,
                     float(np.exp(log_det_pq - log_det)), density, density_pq)


def mean_field_density(m: float, lam: float, mu: Any) -> Any:
    """Tree-level number density n = max(0, sinh mu (2 cosh mu - 2 - m^2) / lambda).

    Examples
    --------
    >>> round(float(mean_field_density(1.0, 1.0, 1.2)), 6)
    0.937845
    >>> float(mean_field_density(1.0, 1.0, 0.5))
    0.0
    """
    m = _check_scalar(m, "m")
    lam = _check_scalar(lam, "lam")
    if lam <= 0:
        raise ValueError(f"lam must be > 0 for the mean-field density (got {lam})")
    mu = np.asarray(mu, dtype=np.float64)
    out = np.maximum(0.0, np.sinh(mu) * (2.0 * np.cosh(mu) - 2.0 - m * m) / lam)
    return out if out.ndim else float(out)


def _neighbour_terms(phi: Any) -> tuple[Any, Any, Any, Any]:
    xp = _xp(phi)
    p1, p2 = phi[..., 0, :, :], phi[..., 1, :, :]
    f1, f2 = xp.roll(p1, -1, axis=-2), xp.roll(p2, -1, axis=-2)  # phi_{x+0}
    same = p1 * f1 + p2 * f2            # delta_ab phi_{a,x} phi_{b,x+0}
    eps = p1 * f2 - p2 * f1             # epsilon_ab phi_{a,x} phi_{b,x+0}
    return xp, same, eps, (p1, p2)


def lattice_action(phi: Any, m: Any, lam: Any, mu: Any) -> Any:
    """S(phi) of fields ``(..., 2, Lt, Lx)`` (real or complexified; numpy or JAX),
    summed over the lattice. No input checks: :class:`Lattice` checks.

    Examples
    --------
    >>> phi = np.zeros((2, 2, 2)); phi[1] = 1.0
    >>> complex(lattice_action(phi, 1.0, 0.0, 0.0))   # 4 sites x (5/2 - 1 - 1)
    (2+0j)
    """
    xp, same, eps, (p1, p2) = _neighbour_terms(phi)
    sq = p1 * p1 + p2 * p2
    spatial = p1 * xp.roll(p1, -1, axis=-1) + p2 * xp.roll(p2, -1, axis=-1)
    local = ((4.0 + m * m) / 2.0 * sq + lam / 4.0 * sq * sq - spatial
             - xp.cosh(mu) * same + 1j * xp.sinh(mu) * eps)
    return local.sum(axis=(-2, -1))


def number_density(phi: Any, mu: Any) -> Any:
    """n(phi) = (1/V) sum_x (delta_ab sinh mu - i epsilon_ab cosh mu) phi_{a,x} phi_{b,x+0}."""
    xp, same, eps, _ = _neighbour_terms(phi)
    volume = phi.shape[-1] * phi.shape[-2]
    return (xp.sinh(mu) * same - 1j * xp.cosh(mu) * eps).sum(axis=(-2, -1)) / volume


@functools.cache
def _flat_action(Lt: int, Lx: int) -> Any:
    def action(z: Any, couplings: Any) -> Any:
        return lattice_action(z.reshape(z.shape[:-1] + (2, Lt, Lx)), couplings[0], couplings[1], couplings[2])

    return action


@functools.cache
def _flat_density(Lt: int, Lx: int) -> Any:
    def density(z: Any, couplings: Any) -> Any:
        return number_density(z.reshape(z.shape[:-1] + (2, Lt, Lx)), couplings[2])

    return density


class Lattice:
    """The complex lambda phi^4 action on a periodic L_t x L_x lattice.

    Fields are arrays of shape ``(..., 2, Lt, Lx)``: the two real components
    phi_a, or their complexified values z_a on a deformed contour (the action is
    holomorphic in them). Methods accept numpy or JAX arrays.

    Parameters
    ----------
    Lt, Lx : int
        Lattice extents (>= 2).
    m : float
        Mass; nonzero when ``lam = 0``.
    lam : float
        Quartic coupling lambda >= 0.
    mu : float
        Chemical potential; when ``lam = 0``, |mu| < arccosh(1 + m^2/2).

    Examples
    --------
    >>> lat = Lattice(4, 4, m=1.0, lam=1.0, mu=0.8)
    >>> phi = np.zeros((2, 4, 4)); phi[0] = 0.3
    >>> round(float(lat.action(phi).real), 6)     # 16 (m^2 + 2 - 2 cosh mu) |phi|^2 + lam |phi|^4
    0.266494
    """

    def __init__(self, Lt: int, Lx: int, m: float = 1.0, lam: float = 1.0, mu: float = 0.0):
        self.Lt, self.Lx = _check_lattice(Lt, Lx)
        self.lam = check_nonnegative(lam, "lam")
        self.m, self.mu = _check_bounded(m, self.lam, mu)

    @property
    def volume(self) -> int:
        """V = L_t L_x."""
        return self.Lt * self.Lx

    @property
    def n_variables(self) -> int:
        """2 V real integration variables."""
        return 2 * self.volume

    def action(self, phi: Any) -> Any:
        """S(phi), complex, summed over the lattice (leading axes kept)."""
        return lattice_action(phi, self.m, self.lam, self.mu)

    def action_phase_quenched(self, phi: Any) -> Any:
        """S_R(phi) = Re S for real phi (the phase-quenched action)."""
        return lattice_action(phi, self.m, self.lam, self.mu).real

    def density(self, phi: Any) -> Any:
        """The density observable n(phi) (complex; its average is the number density)."""
        return number_density(phi, self.mu)

    def flat_action(self) -> Any:
        """``(S, couplings)``: S(z, couplings) of a flat complex vector of 2 V entries
        (the layout ``(2, Lt, Lx)``), with ``couplings = [m, lam, mu]``. S is one
        function object per lattice shape, so that sweeps over the couplings reuse
        compiled code."""
        return _flat_action(self.Lt, self.Lx), np.array([self.m, self.lam, self.mu])

    def flat_density(self) -> Any:
        """n(z, couplings) of a flat complex vector, as :meth:`flat_action`."""
        return _flat_density(self.Lt, self.Lx)

    def quadratic_form(self, m: float | None = None) -> np.ndarray:
        """The complex symmetric K with S_free(phi) = phi^T K phi / 2 (lambda = 0) in the
        flat layout ``(2, Lt, Lx)``:

            K = (4 + m^2) 1 - 1_2 (X + X^T) - cosh mu 1_2 (T + T^T) + i sinh mu eps (T - T^T),

        with (T phi)_x = phi_{x+0}, (X phi)_x = phi_{x+1} the periodic shifts and eps the
        2 x 2 antisymmetric symbol.

        Parameters
        ----------
        m : float, optional
            Mass in K (default this lattice's m): an effective mass gives the
            Gaussian approximation of :meth:`gaussian_path`.

        Examples
        --------
        >>> K = Lattice(2, 3, m=1.0, lam=0.0, mu=0.5).quadratic_form()
        >>> K.shape, bool(np.allclose(K, K.T))
        ((12, 12), True)
        """
        mass = self.m if m is None else _check_scalar(m, "m")
        Lt, Lx = self.Lt, self.Lx
        T = np.kron(np.roll(np.eye(Lt), 1, axis=1), np.eye(Lx))
        X = np.kron(np.eye(Lt), np.roll(np.eye(Lx), 1, axis=1))
        eps = np.array([[0.0, 1.0], [-1.0, 0.0]])
        real = ((4.0 + mass * mass) * np.eye(self.volume) - (X + X.T)
                - np.cosh(self.mu) * (T + T.T))
        return np.kron(np.eye(2), real) + 1j * np.sinh(self.mu) * np.kron(eps, T - T.T)

    def gaussian_path(self, margin: float = 0.5) -> dict[str, np.ndarray]:
        """The affine path z = t + i B t through the thimble of the Gaussian
        approximation: :meth:`quadratic_form` at an effective mass.

        At phi = 0 the zero-momentum mode has mass^2 kappa = m^2 + 2 - 2 cosh mu,
        negative beyond the onset. There the tree-level minima form the ring
        phi_a phi_a = -kappa / lambda, around which the radial mode has mass^2
        -2 kappa and the angular one 0; their average, -kappa, does not depend on
        lambda. The zero-momentum mass^2 is set to that average, and to at least
        ``margin`` (near the onset the fluctuations are not Gaussian):

            m_eff^2 = max(m^2, 2 (cosh mu - 1) + max(margin, -kappa)),

        and m_eff = m when lambda = 0, where the path is the exact thimble (phase
        factor 1). ``margin`` = 0.5 is the best of 0.05 ... 1.5 scanned at 8 x 8,
        m = lambda = 1, mu = 1.0 and 1.2.

        Parameters
        ----------
        margin : float
            Smallest zero-momentum mass^2 (> 0).

        Returns
        -------
        dict
            ``{"A": B, "b": 0}``, the affine parameters of
            :func:`thermoinfo.sampling.path_optimization.path`.

        Examples
        --------
        >>> B = Lattice(4, 4, m=1.0, lam=1.0, mu=1.2).gaussian_path()["A"]
        >>> B.shape
        (32, 32)
        """
        from thermoinfo.sampling.path_optimization import affine_thimble

        margin = check_positive(margin, "margin")
        m2 = self.m * self.m
        if self.lam > 0:
            kappa = m2 + 2.0 - 2.0 * np.cosh(self.mu)
            m2 = max(m2, 2.0 * (np.cosh(self.mu) - 1.0) + max(margin, -kappa))
        return affine_thimble(self.quadratic_form(np.sqrt(m2)))

    def free_field(self) -> FreeField:
        """The exact lambda = 0 answers at this lattice's Lt, Lx, m, mu."""
        return free_field(self.Lt, self.Lx, self.m, self.mu)

    def __repr__(self) -> str:
        return f"Lattice(Lt={self.Lt}, Lx={self.Lx}, m={self.m}, lam={self.lam}, mu={self.mu})"


@dataclass(frozen=True)
class OneVariableExact:
    """Exact answers of a one-variable integral Z = int dx e^{-S(x)}.

    Attributes
    ----------
    phase_factor : complex
        Z / Z_pq with Z_pq = int dx |e^{-S(x)}|.
    mean : complex
        <x>.
    second_moment : complex
        <x^2>.
    """

    phase_factor: complex
    mean: complex
    second_moment: complex


class GaussianPowerModel:
    """Z = int dx (x + i alpha)^p e^{-x^2/2}: S(x) = x^2/2 - p log(x + i alpha).

    For large p the phase factor is tiny and He_p(alpha) cancels badly in double
    precision; :meth:`exact` works in mpmath at 60 digits.

    Parameters
    ----------
    p : int
        Power, >= 1.
    alpha : float
        Imaginary shift, > 0.

    Examples
    --------
    >>> ex = GaussianPowerModel(4, 1.0).exact()
    >>> round(ex.phase_factor.real, 6), round(ex.second_moment.real, 6)   # Z/Z_pq = -2/6
    (-0.333333, 1.0)
    """

    def __init__(self, p: int, alpha: float):
        self.p = check_positive_int(p, "p")
        self.alpha = _check_scalar(alpha, "alpha")
        if self.alpha <= 0:
            raise ValueError(f"alpha must be > 0 (got {self.alpha})")

    def action(self, z: Any) -> Any:
        """S(z) = z^2/2 - p log(z + i alpha) (principal log; e^{-S} is single valued)."""
        xp = _xp(z)
        return z * z / 2.0 - self.p * xp.log(z + 1j * self.alpha)

    def exact(self) -> OneVariableExact:
        """Phase factor, <x> and <x^2> in arbitrary precision."""
        import mpmath

        with mpmath.workdps(60):
            p, a = self.p, mpmath.mpf(self.alpha)

            def he(n: int) -> Any:   # probabilists' Hermite He_n(a) = 2^{-n/2} H_n(a / sqrt 2)
                return mpmath.hermite(n, a / mpmath.sqrt(2)) / mpmath.power(2, mpmath.mpf(n) / 2)

            h_p = he(p)
            z = mpmath.sqrt(2 * mpmath.pi) * mpmath.power(1j, p) * h_p
            z_pq = mpmath.quad(lambda x: (x * x + a * a) ** (mpmath.mpf(p) / 2) * mpmath.exp(-x * x / 2),
                               [-mpmath.inf, 0, mpmath.inf])
            mean = -1j * p * he(p - 1) / h_p
            second = 1 - p * (p - 1) * (he(p - 2) if p >= 2 else 0) / h_p
            return OneVariableExact(complex(z / z_pq), complex(mean), complex(second))


class QuarticModel:
    """S(x) = a x^2/2 + lam x^4/4 + h x with complex a and h, lam > 0.

    Parameters
    ----------
    a, h : complex
        Quadratic and linear couplings (Re a may be negative: lam > 0 bounds it).
    lam : float
        Quartic coupling, > 0.

    Examples
    --------
    >>> ex = QuarticModel(a=1.0, lam=1.0, h=2j).exact()
    >>> round(ex.mean.imag, 6)     # <x> is imaginary for imaginary h
    -1.19143
    """

    def __init__(self, a: complex = 1.0, lam: float = 1.0, h: complex = 0.0):
        for name, value in (("a", a), ("h", h)):
            if isinstance(value, bool) or not isinstance(value, (int, float, complex, np.number)):
                raise TypeError(f"{name} must be a complex number (got {type(value).__name__})")
            if not np.isfinite(complex(value)):
                raise ValueError(f"{name} must be finite (got {value})")
        self.a, self.h = complex(a), complex(h)
        self.lam = _check_scalar(lam, "lam")
        if self.lam <= 0:
            raise ValueError(f"lam must be > 0: the quartic term bounds the action (got {self.lam})")

    def action(self, z: Any) -> Any:
        """S(z) = a z^2/2 + lam z^4/4 + h z."""
        return self.a * z * z / 2.0 + self.lam / 4.0 * z ** 4 + self.h * z

    def exact(self) -> OneVariableExact:
        """Phase factor, <x> and <x^2> by 20-digit tanh-sinh quadrature (mpmath) over
        the real line."""
        import mpmath

        with mpmath.workdps(20):
            a, h, lam = mpmath.mpc(self.a), mpmath.mpc(self.h), mpmath.mpf(self.lam)

            def weight(x: Any) -> Any:
                return mpmath.exp(-(a * x * x / 2 + lam * x ** 4 / 4 + h * x))

            cut = [-mpmath.inf, 0, mpmath.inf]
            z = mpmath.quad(weight, cut)
            z_pq = mpmath.quad(lambda x: abs(weight(x)), cut)
            mean = mpmath.quad(lambda x: x * weight(x), cut) / z
            second = mpmath.quad(lambda x: x * x * weight(x), cut) / z
            return OneVariableExact(complex(z / z_pq), complex(mean), complex(second))
