"""Exact tabular solver of the learning free energy.

For a discrete joint table p(x, y), an encoder e(z|x), a prior q(z), a decoder
d(x|z) and a classifier c(y|z), the learning objective (nats) is

    J(lam, gamma) = R + lam D + gamma C,
    R = sum_x p(x) sum_z e(z|x) log e(z|x)/q(z)          (rate)
    D = -sum_x p(x) sum_z e(z|x) log d(x|z)              (distortion)
    C = -sum_{x,y} p(x,y) sum_z e(z|x) log c(y|z)        (classification loss)

and the free energy is F(lam, gamma) = min over (e, q, d, c) of J. Each block
minimization has a closed form (alternating minimization, all in log space):

    q(z)   = sum_x p(x) e(z|x)
    d(x|z) = p(x) e(z|x) / q(z)
    c(y|z) = sum_x p(x, y) e(z|x) / q(z)
    e(z|x) ∝ q(z) exp(lam log d(x|z) + gamma sum_y p(y|x) log c(y|z))

The encoder sees x only, so the classifier enters through the conditional
expectation over y given x. Substituting d gives the update used here,

    log e'(z|x) = (1 - lam) log q(z) + lam log e(z|x) + gamma sum_y p(y|x) log c(y|z) - log Z(x),

each step of which cannot increase J (block-coordinate descent on a function
that is convex in each block). At the optimal q, d and c,
R = I(X;Z), D = H(X|Z), C = H(Y|Z), so lam = 0, gamma = beta is Tishby's
information bottleneck min I(X;Z) - beta I(Z;Y) (up to the constant beta H(Y)).

A restricted decoder: with ``decoder=`` a fixed noisy channel d(x|z) (every
entry > 0) is kept, the update is e'(z|x) ∝ q(z) d(x|z)^lam exp(gamma sum_y
p(y|x) log c(y|z)), D = E[-log d(x|z)] >= H(X|Z) and R + D > H(X) in general:
D and C then move independently and the first law is not degenerate
(:mod:`thermoinfo.freeenergy.firstlaw`). At gamma = 0 this is Blahut-Arimoto
(:func:`thermoinfo.freeenergy.rate_distortion`).

The iteration stops when max |Delta log e| < ``xtol`` (1e-10) over the entries
of e that are not zero and |Delta J| < ``tol`` (1e-12); columns z whose prior
mass falls below 1e-15 are dropped (their mass decays geometrically to zero).
J is not convex jointly, so :func:`solve` runs several random restarts and
:func:`thermoinfo.freeenergy.sweep` follows branches by continuation in both
directions of the grid, keeping the lower F.

References: Y. Gao and P. Chaudhari, "A free-energy principle for
representation learning", arXiv:2002.12406; A. A. Alemi and I. Fischer,
"TherML", arXiv:1807.04162; N. Tishby, F. C. Pereira and W. Bialek, "The
information bottleneck method", arXiv:physics/0004057; R. Blahut, IEEE Trans.
Inf. Theory 18, 460 (1972).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from thermoinfo._errors import ConvergenceWarning
from thermoinfo._validation import as_conditional, as_rng, check_positive_int
from thermoinfo.freeenergy._core import (
    Problem,
    check_multiplier,
    check_n_z,
    check_tolerance,
    iterate,
    objective,
)

__all__ = ["FreeEnergySolution", "solve"]


@dataclass(frozen=True)
class FreeEnergySolution:
    """An equilibrium of J = R + lam D + gamma C on a tabular problem.

    Attributes
    ----------
    R, D, C, S, J, F, H : float
        Rate I(X;Z), distortion (H(X|Z) with the free decoder, E[-log d(x|z)]
        with a fixed one), classification loss H(Y|Z), weight information (0
        for the tabular solver), the objective at the returned point, the free
        energy (the minimum of J found) and H(X, Y), in nats.
    encoder : ndarray (n_x, n_z)
        e(z|x), indexed [x, z].
    prior : ndarray (n_z,)
        q(z).
    decoder : ndarray (n_z, n_x)
        d(x|z), indexed [z, x] (the fixed decoder when one was given).
    classifier : ndarray (n_z, n_y)
        c(y|z), indexed [z, y].
    lam, gamma : float
        The multipliers.
    converged : bool
        Whether the stopping rule was met.
    n_iter : int
        Iterations of the accepted run.
    fixed_decoder : bool
        Whether the decoder was fixed.
    """

    R: float
    D: float
    C: float
    J: float
    F: float
    H: float
    encoder: np.ndarray = field(repr=False)
    prior: np.ndarray = field(repr=False)
    decoder: np.ndarray = field(repr=False)
    classifier: np.ndarray = field(repr=False)
    lam: float
    gamma: float
    converged: bool
    n_iter: int
    S: float = 0.0
    sigma: float = 0.0
    fixed_decoder: bool = False


def _random_log_encoder(rng: np.random.Generator, n_x: int, n_z: int) -> np.ndarray:
    # sparse, nearly hard assignments reach the global branch far more often
    # than flat random encoders (they seed distinct clusters)
    e = 0.999 * rng.dirichlet(np.full(n_z, 0.1), size=n_x) + 0.001 / n_z
    with np.errstate(divide="ignore"):
        return np.log(e)


def _check_init(init: Any, prob: Problem, n_z: int) -> np.ndarray | None:
    """The warm-start encoder on the full x range, or None."""
    if init is None:
        return None
    if isinstance(init, FreeEnergySolution):
        enc = init.encoder
    else:
        try:
            enc = as_conditional(init, "init")
        except ValueError as exc:
            msg = str(exc)
            raise type(exc)(msg if msg.startswith("init") else f"init: {msg}") from None
    if enc.shape != (prob.n_x, n_z):
        raise ValueError(
            f"init must be an encoder table of shape (n_x, n_z) = {(prob.n_x, n_z)} "
            f"or a FreeEnergySolution with that encoder (got shape {enc.shape})"
        )
    return enc


def _initial_encoders(enc: np.ndarray | None, prob: Problem, n_z: int, restarts: int,
                      jitter: float, rng: np.random.Generator) -> list[np.ndarray]:
    n_x = prob.px.size
    starts = []
    if enc is not None:
        enc = enc[prob.sx]
        if jitter > 0:
            enc = (1.0 - jitter) * enc + jitter * rng.dirichlet(np.ones(n_z), size=n_x)
        with np.errstate(divide="ignore"):
            starts.append(np.log(enc))
    n_random = restarts if enc is not None else max(restarts, 1)
    for _ in range(n_random):
        starts.append(_random_log_encoder(rng, n_x, n_z))
    return starts


def _assemble(prob: Problem, log_e: np.ndarray, cols: np.ndarray, n_z: int, lam: float,
              gamma: float, n_iter: int, converged: bool) -> FreeEnergySolution:
    J, R, D, C = objective(log_e, prob.px, prob.pxy, np.ascontiguousarray(prob.rho[:, cols])
                           if prob.fixed else prob.rho, prob.fixed, lam, gamma)
    n_x, n_y = prob.p_xy.shape
    e_live = np.exp(log_e)
    q = np.zeros(n_z)
    q[cols] = prob.px @ e_live
    encoder = np.tile(q, (n_x, 1))
    block = np.zeros((prob.px.size, n_z))
    block[:, cols] = e_live
    encoder[prob.sx] = block
    if prob.fixed:
        decoder = prob.decoder.copy()
    else:
        decoder = np.tile(prob.p_x, (n_z, 1))
        m = prob.px[:, None] * e_live
        dec = np.zeros((cols.size, n_x))
        dec[:, prob.sx] = (m / m.sum(axis=0)).T
        decoder[cols] = dec
    classifier = np.tile(prob.p_y, (n_z, 1))
    cls = np.zeros((cols.size, n_y))
    nyz = prob.pxy.T @ e_live
    cls[:, prob.sy] = (nyz / nyz.sum(axis=0)).T
    classifier[cols] = cls
    return FreeEnergySolution(
        R=float(R), D=float(D), C=float(C), J=float(J), F=float(J), H=prob.H, encoder=encoder,
        prior=q, decoder=decoder, classifier=classifier, lam=lam, gamma=gamma,
        converged=converged, n_iter=n_iter, fixed_decoder=prob.fixed,
    )


def _solve(prob: Problem, lam: float, gamma: float, n_z: int, init: np.ndarray | None,
           tol: float, xtol: float, max_iter: int, restarts: int, jitter: float,
           rng: np.random.Generator) -> FreeEnergySolution:
    """The solver on checked arguments (``init`` an encoder table or None)."""
    best = None
    for log_e0 in _initial_encoders(init, prob, n_z, restarts, jitter, rng):
        out = iterate(np.ascontiguousarray(log_e0, dtype=np.float64), prob.px, prob.pxy, prob.pyx,
                      prob.rho, prob.fixed, float(lam), float(gamma), float(tol), float(xtol),
                      int(max_iter))
        if best is None or out[4] < best[4] - 1e-13 or (out[3] and not best[3] and out[4] <= best[4] + 1e-13):
            best = out
    log_e, alive, n_iter, converged, _ = best
    cols = np.flatnonzero(alive)
    return _assemble(prob, log_e[:, cols], cols, n_z, lam, gamma, int(n_iter), bool(converged))


def solve(p_xy: Any, lam: float, gamma: float, n_z: int | None = None, *, decoder: Any = None,
          init: Any = None, tol: float = 1e-12, xtol: float = 1e-10, max_iter: int = 50_000,
          restarts: int | None = None, jitter: float = 1e-3, rng: Any = None,
          warn: bool = True) -> FreeEnergySolution:
    """Minimize J = R + lam D + gamma C over encoder, prior, decoder and classifier.

    Parameters
    ----------
    p_xy : array_like (n_x, n_y)
        Joint table p(x, y), indexed [x, y].
    lam, gamma : float
        Non-negative multipliers of the distortion and the classification loss.
    n_z : int
        Number of latent states (>= 1); with ``decoder`` it defaults to the
        decoder's number of rows.
    decoder : array_like (n_z, n_x), optional
        A fixed decoder d(x|z), indexed [z, x], every entry > 0. Without it the
        decoder is optimized (d = p(x) e(z|x) / q(z)).
    init : FreeEnergySolution or array_like (n_x, n_z), optional
        Warm start: a previous solution or an encoder table e(z|x). It is mixed
        with a random encoder of weight ``jitter`` so that unused latent states
        can come back and symmetric columns can split.
    tol : float
        Stop when |Delta J| < tol (together with ``xtol``).
    xtol : float
        Stop when max |Delta log e| < xtol over the non-zero entries.
    max_iter : int
        Iterations per start; a :class:`~thermoinfo.ConvergenceWarning` is
        issued if the accepted start did not converge.
    restarts : int, optional
        Random starts besides ``init``; default 4 without ``init``, 0 with it.
        The start with the lowest J wins.
    jitter : float
        Weight of the random encoder mixed into ``init``, in [0, 1).
    rng : seed or Generator, optional
        Source of the random starts.
    warn : bool
        Issue the ConvergenceWarning.

    Returns
    -------
    FreeEnergySolution

    Raises
    ------
    ValueError
        ``p_xy`` not a 2-D distribution (negative, NaN, inf, all-zero, off
        sum), ``lam`` or ``gamma`` negative or not finite, ``n_z`` < 1, a
        malformed ``decoder`` or ``init``, a tolerance <= 0; each message starts
        with the argument's name.
    TypeError
        An argument that is not a number (or an array of numbers).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy import solve
    >>> p = np.array([[0.4, 0.1], [0.1, 0.4]])
    >>> sol = solve(p, lam=0.0, gamma=10.0, n_z=2, rng=0)
    >>> round(sol.R, 6), round(sol.C, 6), sol.converged
    (0.690862, 0.500607, True)

    This is the binary symmetric bottleneck (crossover 0.2), whose optimum is
    known in closed form:

    >>> from thermoinfo.freeenergy.discrete import binary_symmetric_bottleneck
    >>> bool(abs(sol.F - binary_symmetric_bottleneck(0.0, 10.0, 0.2).F) < 1e-10)
    True

    A fixed noisy decoder: D is a cross-entropy and R + D exceeds H(X).

    >>> d = np.array([[0.8, 0.2], [0.3, 0.7]])
    >>> sol = solve(p, lam=2.0, gamma=1.0, decoder=d, rng=0)
    >>> bool(sol.R + sol.D > np.log(2))
    True
    """
    prob = Problem(p_xy, decoder)
    lam = check_multiplier(lam, "lam")
    gamma = check_multiplier(gamma, "gamma")
    if n_z is None:
        if not prob.fixed:
            raise TypeError("n_z must be given (an integer >= 1) unless a decoder fixes it")
        n_z = prob.decoder.shape[0]
    if restarts is None:
        restarts = 0 if init is not None else 4
    restarts = check_positive_int(restarts, "restarts", minimum=0)
    n_z = check_n_z(n_z, prob.n_x, prob.p_y.size, restarts + 4)
    if prob.fixed and prob.decoder.shape[0] != n_z:
        raise ValueError(f"decoder must have n_z = {n_z} rows (got shape {prob.decoder.shape})")
    tol = check_tolerance(tol, "tol")
    xtol = check_tolerance(xtol, "xtol")
    max_iter = check_positive_int(max_iter, "max_iter")
    jitter = check_multiplier(jitter, "jitter")
    if jitter >= 1.0:
        raise ValueError(f"jitter must be in [0, 1) (got {jitter})")
    enc = _check_init(init, prob, n_z)
    sol = _solve(prob, lam, gamma, n_z, enc, tol, xtol, max_iter, restarts, jitter, as_rng(rng))
    if not sol.converged and warn:
        warnings.warn(
            f"solve(lam={lam}, gamma={gamma}) stopped after {max_iter} iterations without "
            f"max|dlog e| < {xtol} and |dJ| < {tol}; raise max_iter or check for a phase "
            "transition near this point",
            ConvergenceWarning, stacklevel=2,
        )
    return sol
