"""Symbolic twin of the closed-form learning free energies (sympy).

Each family states J as a function of its encoder parameter, minimizes it
symbolically (the stationarity condition dJ/d(encoder) = 0 solved by sympy),
substitutes the optimum to get R, D, C and F(lam, gamma), and proves the
thermodynamic identities by ``sympy.simplify`` reducing them to zero:

    envelope theorem     dF/dlam - D = 0,  dF/dgamma - C = 0
    first law            dR/dtheta + lam dD/dtheta + gamma dC/dtheta = 0  (theta = lam, gamma)
    slope of the curve   lam + (dR/dlam) / (dD/dlam) = 0   (lam = -dR/dD along the curve)
    Maxwell relation     dD/dgamma - dC/dlam = 0

Families (the active branch, where the encoder carries information):

* Gaussian source N(0, sigma^2), fixed-variance Gaussian decoder N(w z, s^2):
  encoder parameter kappa = Var(x|z) in (0, sigma^2],
  J = 1/2 log(sigma^2/kappa) + lam (1/2 log(2 pi s^2) + kappa/(2 s^2)), kappa* = s^2/lam.
* M-ary uniform source, Hamming distortion: encoder parameter delta = P(z != x)
  (symmetric channel onto a uniform prior),
  J = log M - h(delta) - delta log(M - 1) + lam delta,
  delta* = (M - 1) e^-lam / (1 + (M - 1) e^-lam).
* Scalar linear-Gaussian model: x ~ N(0, sigma^2), y = b x + eps, Var eps = nu,
  decoder N(w z, s^2), classifier N(v z, t^2): kappa = Var(x|z),
  J = 1/2 log(sigma^2/kappa) + lam (1/2 log(2 pi s^2) + kappa/(2 s^2))
      + gamma (1/2 log(2 pi t^2) + (b^2 kappa + nu)/(2 t^2)),
  kappa* = 1 / (lam/s^2 + gamma b^2/t^2).

``lambdify`` turns every expression into a numpy function, checked against
:mod:`thermoinfo.freeenergy.gaussian` and :mod:`thermoinfo.freeenergy.discrete`.

References: Y. Gao and P. Chaudhari, arXiv:2002.12406; A. A. Alemi and I. Fischer,
arXiv:1807.04162; T. M. Cover and J. A. Thomas, *Elements of Information Theory*,
2nd ed. (2006), ch. 10.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

__all__ = [
    "SymbolicFreeEnergy",
    "gaussian_rate_distortion",
    "hamming",
    "linear_gaussian",
]


@dataclass(frozen=True)
class SymbolicFreeEnergy:
    """A closed-form family: J over its encoder parameter and F at the optimum.

    Attributes
    ----------
    name : str
    parameters : tuple of sympy.Symbol
        The arguments of the lambdified functions, in order (multipliers first).
    encoder : sympy.Symbol
        The encoder parameter J is minimized over.
    J : sympy.Expr
        The objective as a function of ``encoder`` and ``parameters``.
    terms : dict
        ``{"R": ..., "D": ..., "C": ...}`` as functions of ``encoder`` (C = 0 when the
        family has no label).
    optimum : sympy.Expr
        The minimizing encoder parameter.
    R, D, C, F : sympy.Expr
        Their values at the optimum, functions of ``parameters`` only.
    lam, gamma : sympy.Symbol
        The multipliers (``gamma`` is None for rate-distortion families).
    """

    name: str
    parameters: tuple[sp.Symbol, ...]
    encoder: sp.Symbol
    J: sp.Expr
    terms: dict[str, sp.Expr]
    optimum: sp.Expr
    R: sp.Expr
    D: sp.Expr
    C: sp.Expr
    F: sp.Expr
    lam: sp.Symbol
    gamma: sp.Symbol | None = None
    _cache: dict[str, Callable[..., object]] = field(default_factory=dict, repr=False, compare=False)

    def identities(self) -> dict[str, sp.Expr]:
        """The thermodynamic identities of the family, each an expression equal to zero.

        The stationarity of J at ``optimum`` is not among them: the optimum is
        solved from it; nor is F = J at the optimum, which is how F is built. The
        tests check the optimum, F, and the Maxwell relation against an
        independent numeric minimization of J.
        """
        lam, gamma = self.lam, self.gamma
        out = {
            "envelope_lam": sp.diff(self.F, lam) - self.D,
            "first_law_lam": sp.diff(self.R, lam) + lam * sp.diff(self.D, lam)
            + (gamma * sp.diff(self.C, lam) if gamma is not None else 0),
        }
        if gamma is None:
            out["slope_lam_is_minus_dR_dD"] = lam + sp.diff(self.R, lam) / sp.diff(self.D, lam)
        else:
            out["envelope_gamma"] = sp.diff(self.F, gamma) - self.C
            out["first_law_gamma"] = (sp.diff(self.R, gamma) + lam * sp.diff(self.D, gamma)
                                      + gamma * sp.diff(self.C, gamma))
            out["maxwell"] = sp.diff(self.D, gamma) - sp.diff(self.C, lam)
        return out

    def prove(self) -> dict[str, bool]:
        """``{identity: True}`` when ``simplify`` reduces the identity to zero."""
        return {name: _is_zero(expr) for name, expr in self.identities().items()}

    def lambdify(self, name: str) -> Callable[..., object]:
        """A numpy function of ``parameters`` for ``"R"``, ``"D"``, ``"C"``, ``"F"``,
        ``"optimum"`` or any second derivative ``"d2F/dlam2"``, ``"d2F/dlamdgamma"``,
        ``"d2F/dgamma2"``."""
        if name not in self._cache:
            second = {"d2F/dlam2": (self.lam, self.lam), "d2F/dlamdgamma": (self.lam, self.gamma),
                      "d2F/dgamma2": (self.gamma, self.gamma)}
            if name in ("R", "D", "C", "F", "optimum"):
                expr = getattr(self, name)
            elif name in second and None not in second[name]:
                expr = sp.diff(self.F, *second[name])
            else:
                raise ValueError(f"name must be R, D, C, F, optimum or a second derivative of F "
                                 f"(got {name!r})")
            self._cache[name] = sp.lambdify(self.parameters, expr, modules=["numpy"])
        return self._cache[name]


def _is_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` simplifies to 0 (logs expanded first: all symbols are positive)."""
    expanded = sp.expand(sp.expand_log(expr, force=True))
    return bool(sp.simplify(expanded) == 0 or sp.simplify(sp.expand_log(sp.simplify(expanded),
                                                                        force=True)) == 0)


def _h(p: sp.Expr) -> sp.Expr:
    return -p * sp.log(p) - (1 - p) * sp.log(1 - p)


def _build(name: str, parameters: tuple[sp.Symbol, ...], encoder: sp.Symbol,
           terms: dict[str, sp.Expr], lam: sp.Symbol, gamma: sp.Symbol | None) -> SymbolicFreeEnergy:
    J = terms["R"] + lam * terms["D"] + (gamma * terms["C"] if gamma is not None else 0)
    roots = sp.solve(sp.diff(J, encoder), encoder)
    if len(roots) != 1:
        raise RuntimeError(f"{name}: expected one stationary point, sympy found {roots}")
    opt = sp.simplify(roots[0])

    def tidy(expr: sp.Expr) -> sp.Expr:
        return sp.expand_log(sp.simplify(expr.subs(encoder, opt)), force=True)

    at = {k: tidy(v) for k, v in terms.items()}
    F = tidy(J)
    return SymbolicFreeEnergy(name=name, parameters=parameters, encoder=encoder, J=J, terms=terms,
                              optimum=opt, R=at["R"], D=at["D"], C=at["C"], F=F, lam=lam,
                              gamma=gamma)


def gaussian_rate_distortion() -> SymbolicFreeEnergy:
    """Gaussian source N(0, sigma2) with a fixed-variance Gaussian decoder (variance s2).

    ``parameters = (lam, sigma2, s2)``; valid on the active branch lam > s2/sigma2.

    Examples
    --------
    >>> model = gaussian_rate_distortion()
    >>> model.optimum
    s2/lam
    >>> all(model.prove().values())
    True
    """
    lam, sigma2, s2, kappa = sp.symbols("lam sigma2 s2 kappa", positive=True)
    terms = {"R": sp.log(sigma2 / kappa) / 2,
             "D": sp.log(2 * sp.pi * s2) / 2 + kappa / (2 * s2),
             "C": sp.Integer(0)}
    return _build("gaussian_rate_distortion", (lam, sigma2, s2), kappa, terms, lam, None)


def hamming() -> SymbolicFreeEnergy:
    """M-ary uniform source with Hamming distortion; ``parameters = (lam, M)``.

    Examples
    --------
    >>> model = hamming()
    >>> sp.simplify(model.F - (sp.log(model.parameters[1])
    ...             - sp.log(1 + (model.parameters[1] - 1) * sp.exp(-model.lam)))) == 0
    True
    """
    lam, M, delta = sp.symbols("lam M delta", positive=True)
    terms = {"R": sp.log(M) - _h(delta) - delta * sp.log(M - 1), "D": delta, "C": sp.Integer(0)}
    return _build("hamming", (lam, M), delta, terms, lam, None)


def linear_gaussian() -> SymbolicFreeEnergy:
    """Scalar linear-Gaussian encoder/decoder/classifier.

    ``parameters = (lam, gamma, sigma2, b, nu, s2, t2)``; valid on the active branch
    sigma2 (lam/s2 + gamma b^2/t2) > 1.

    Examples
    --------
    >>> model = linear_gaussian()
    >>> model.prove()["maxwell"]
    True
    """
    lam, gamma, sigma2, b, nu, s2, t2, kappa = sp.symbols("lam gamma sigma2 b nu s2 t2 kappa",
                                                          positive=True)
    terms = {"R": sp.log(sigma2 / kappa) / 2,
             "D": sp.log(2 * sp.pi * s2) / 2 + kappa / (2 * s2),
             "C": sp.log(2 * sp.pi * t2) / 2 + (b**2 * kappa + nu) / (2 * t2)}
    return _build("linear_gaussian", (lam, gamma, sigma2, b, nu, s2, t2), kappa, terms, lam, gamma)
