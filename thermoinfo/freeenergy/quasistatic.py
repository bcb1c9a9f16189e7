"""Quasi-static processes: move the data distribution, hold the classification loss.

Along a path of data distributions p_t(x, y), t in [t_0, t_1] (for instance the
domain shift p_t = (1 - t) p_source + t p_target), and a schedule lam(t), the
equilibrium C(lam, gamma, t) of F(lam, gamma; p_t) = min J changes. A quasi-static
protocol moves gamma with t so that C stays at its initial value C_0:

    dC = (dC/dlam) dlam + (dC/dgamma) dgamma + (dC/dt) dt = 0
    =>  dgamma/dt = -((dC/dlam) lam'(t) + dC/dt) / (dC/dgamma),

where dC/dlam = d^2F/dlam dgamma and dC/dgamma = d^2F/dgamma^2 < 0 are second
derivatives of F (F is concave). Each step takes an explicit Euler predictor from
these partials and then a corrector: a root search on gamma for
C(lam(t), gamma, t) = C_0, re-solving the equilibrium at every trial gamma (warm
started from the previous one), so that C drifts by no more than the solver's
tolerance over the whole path. The naive protocol keeps gamma fixed.

Two backends: the exact tabular solver :func:`thermoinfo.freeenergy.tabular.solve`
(partials by central differences of warm-started equilibria) and the
linear-Gaussian closed form :func:`thermoinfo.freeenergy.gaussian.linear_gaussian`
(exact partials from :func:`~thermoinfo.freeenergy.gaussian.linear_gaussian_differential`,
Newton corrector).

References: Y. Gao and P. Chaudhari, "A free-energy principle for representation
learning", arXiv:2002.12406 (the first law and quasi-static transfer); A. A. Alemi
and I. Fischer, "TherML", arXiv:1807.04162.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import scipy.optimize

from thermoinfo._attrs import variable_attrs
from thermoinfo._errors import ConvergenceWarning
from thermoinfo._validation import as_distribution, as_rng, check_nonnegative, check_positive_int

__all__ = ["PROTOCOLS", "gaussian_process", "mixture_path", "process"]

#: the protocols understood by :func:`process` and :func:`gaussian_process`
PROTOCOLS = ("quasistatic", "fixed")

_REFERENCES = ("Y. Gao and P. Chaudhari, arXiv:2002.12406; A. A. Alemi and I. Fischer, "
               "arXiv:1807.04162")


def mixture_path(source: Any, target: Any) -> Callable[[float], np.ndarray]:
    """The mixture p_t = (1 - t) source + t target of two joint tables p(x, y).

    Examples
    --------
    >>> path = mixture_path([[0.5, 0.0], [0.0, 0.5]], [[0.25, 0.25], [0.25, 0.25]])
    >>> path(0.5).tolist()
    [[0.375, 0.125], [0.125, 0.375]]
    """
    src = as_distribution(source, "source", ndim=2)
    tgt = as_distribution(target, "target", ndim=2)
    if src.shape != tgt.shape:
        raise ValueError(f"target must have the shape of source {src.shape} (got {tgt.shape})")

    def path(t: float) -> np.ndarray:
        t = float(t)
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"t must be in [0, 1] for a mixture path (got {t})")
        return (1.0 - t) * src + t * tgt

    return path


def _times(t: Any) -> np.ndarray:
    times = np.linspace(0.0, 1.0, 21) if t is None else np.asarray(t, dtype=np.float64)
    if times.ndim != 1 or times.size < 2 or not np.all(np.isfinite(times)):
        raise ValueError("t must be a 1-D array of at least two finite times")
    if np.any(np.diff(times) <= 0):
        raise ValueError("t must be strictly increasing")
    return times


def _schedule(lam: Any) -> Callable[[float], float]:
    if callable(lam):
        def schedule(t: float) -> float:
            return check_nonnegative(lam(t), f"lam({t:g})")
        return schedule
    value = check_nonnegative(lam, "lam")
    return lambda t: value


def _slope(fn: Callable[[float], float], t: float, lo: float, hi: float, h: float = 1e-6) -> float:
    a, b = max(lo, t - h), min(hi, t + h)
    return (fn(b) - fn(a)) / (b - a)


def _central(fn: Callable[[float], float], x: float, lo: float, hi: float) -> float:
    """Central difference of ``fn`` at ``x`` with step 1e-5 max(1, |x|), kept in [lo, hi]."""
    h = 1e-5 * max(1.0, abs(x))
    return _slope(fn, x, lo, hi, h)


def _check_protocol(protocol: str) -> str:
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS} (got {protocol!r})")
    return protocol


def _dataset(times: np.ndarray, rows: list[dict[str, float]], protocol: str, title: str,
             attrs: Mapping[str, Any]) -> Any:
    import xarray as xr

    names = {"R": "rate", "D": "distortion", "C": "classification loss", "F": "free energy"}
    data = {}
    for key, long_name in names.items():
        data[key] = ("t", np.array([r[key] for r in rows]), variable_attrs(long_name))
    data["lam"] = ("t", np.array([r["lam"] for r in rows]), variable_attrs("multiplier of D", "1"))
    data["gamma"] = ("t", np.array([r["gamma"] for r in rows]), variable_attrs("multiplier of C", "1"))
    c = data["C"][1]
    data["C_drift"] = ("t", c - c[0], variable_attrs("C(t) - C(t_0)"))
    ds = xr.Dataset(data, coords={"t": ("t", times, variable_attrs("path parameter", "1"))})
    ds.attrs.update({"title": title, "Conventions": "CF-1.10", "references": _REFERENCES,
                     "protocol": protocol, **attrs})
    return ds


def _corrector(C_of: Callable[[float], float], C0: float, gamma_pred: float, dC_dgamma: float,
               fprime: Callable[[float], float] | None, t: float, C_tol: float) -> float:
    """Root of C(gamma) = C0 near gamma_pred (Newton with fprime, else secant)."""
    def f(g: float) -> float:
        if g < 0:
            raise ValueError(
                f"C cannot be held at {C0:.6g} at t={t:g}: it needs gamma < 0; shorten the path "
                "or start from a larger C")
        return C_of(g) - C0

    f0 = f(gamma_pred)
    if abs(f0) <= C_tol:
        return gamma_pred
    step = -f0 / dC_dgamma
    with warnings.catch_warnings():
        # scipy warns when it stops on a tolerance; the residual is checked below
        warnings.simplefilter("ignore", RuntimeWarning)
        if fprime is not None:
            res = scipy.optimize.root_scalar(f, x0=gamma_pred, fprime=fprime, method="newton",
                                             xtol=1e-14, rtol=1e-13, maxiter=50)
        else:
            res = scipy.optimize.root_scalar(f, x0=gamma_pred, x1=gamma_pred + step, method="secant",
                                             xtol=1e-13, rtol=1e-12, maxiter=50)
    if not res.converged or abs(f(res.root)) > C_tol:
        raise RuntimeError(f"the corrector did not put C back on {C0:.6g} at t={t:g} ({res.flag})")
    return float(res.root)


def _tabular_step(eq: Callable[..., Any], sol: Any, schedule: Callable[[float], float], prev_t: float,
                  tk: float, lo: float, hi: float, C0: float, C_tol: float) -> Any:
    """One predictor-corrector step of the tabular quasi-static protocol."""
    lam_prev, lam_k, gamma = schedule(prev_t), schedule(tk), sol.gamma
    # predictor: partials of C at the previous equilibrium (central differences)
    dC_dg = _central(lambda g: eq(prev_t, lam_prev, g, sol).C, gamma, 0.0, np.inf)
    if not dC_dg < 0:
        raise ValueError(
            f"C does not respond to gamma at t={prev_t:g} (dC/dgamma = {dC_dg:.3g}); "
            "the encoder is trivial there and C cannot be held")
    dC_dl = _central(lambda lm: eq(prev_t, lm, gamma, sol).C, lam_prev, 0.0, np.inf)
    dC_dt = _central(lambda tt: eq(tt, lam_prev, gamma, sol).C, prev_t, lo, hi)
    dgamma_dt = -(dC_dl * _slope(schedule, prev_t, lo, hi) + dC_dt) / dC_dg
    gamma_pred = max(gamma + dgamma_dt * (tk - prev_t), 0.0)
    # corrector: re-solve at trial gammas (warm started) until C(t_k) = C_0
    trial: dict[float, Any] = {}

    def C_of(g: float) -> float:
        trial[g] = eq(tk, lam_k, g, sol)
        return trial[g].C

    gamma = _corrector(C_of, C0, gamma_pred, dC_dg, None, tk, C_tol)
    return trial[gamma] if gamma in trial else eq(tk, lam_k, gamma, sol)


def process(path: Any, lam: Any, gamma: float, n_z: int, *, t: Any = None,
            protocol: str = "quasistatic", C_tol: float = 1e-9, rng: Any = None,
            tol: float = 1e-12, max_iter: int = 50_000) -> Any:
    """Follow the tabular equilibrium along a path of data distributions.

    Parameters
    ----------
    path : callable or (source, target)
        ``t -> p_t(x, y)`` (a 2-D joint table), or two tables for
        :func:`mixture_path`.
    lam : float or callable
        The schedule lam(t) (a constant or ``t -> lam``).
    gamma : float
        gamma at the first time; it fixes the held value C_0 = C(t_0).
    n_z : int
        Number of latent states.
    t : array_like, optional
        Increasing times, default 21 points on [0, 1].
    protocol : {"quasistatic", "fixed"}
        "quasistatic" moves gamma to hold C; "fixed" keeps gamma.
    C_tol : float
        Largest |C(t) - C_0| the corrector accepts at each step.
    rng : seed or Generator
        Source of the solver's random starts (t_0) and warm-start jitter.
    tol, max_iter : float, int
        Passed to :func:`~thermoinfo.freeenergy.tabular.solve`.

    Returns
    -------
    xarray.Dataset
        R, D, C, F (nats), lam, gamma and C_drift = C - C(t_0) over coord ``t``.

    Examples
    --------
    >>> src = [[0.36, 0.04], [0.09, 0.21], [0.06, 0.24]]
    >>> tgt = [[0.08, 0.02], [0.12, 0.28], [0.05, 0.45]]
    >>> ds = process((src, tgt), 0.5, 2.0, 2, t=[0.0, 0.5, 1.0], rng=0)
    >>> bool(abs(ds.C_drift).max() < 1e-6), [round(float(g), 3) for g in ds.gamma]
    (True, [2.0, 2.406, 3.555])
    """
    from thermoinfo.freeenergy._core import Problem, check_n_z, check_tolerance
    from thermoinfo.freeenergy.tabular import _solve

    protocol = _check_protocol(protocol)
    if isinstance(path, tuple) and len(path) == 2:
        path = mixture_path(*path)
    if not callable(path):
        raise TypeError("path must be a callable t -> p_t(x, y) or a (source, target) pair of tables")
    schedule = _schedule(lam)
    gamma = check_nonnegative(gamma, "gamma")
    n_z = check_positive_int(n_z, "n_z")
    tol = check_tolerance(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")
    times = _times(t)
    gen = as_rng(rng)
    problems: dict[float, Problem] = {}

    def problem(tt: float) -> Problem:
        # each table is checked once, however often the corrector solves on it
        if tt not in problems:
            problems[tt] = Problem(as_distribution(path(tt), f"path({tt:g})", ndim=2))
        return problems[tt]

    def eq(tt: float, lam_: float, gamma_: float, init: Any) -> Any:
        sol = _solve(problem(tt), lam_, gamma_, n_z, None if init is None else init.encoder, tol, 1e-10,
                     max_iter, 4 if init is None else 0, 1e-3, gen)
        if not sol.converged:
            warnings.warn(f"process: the equilibrium at t={tt:g}, lam={lam_:g}, gamma={gamma_:g} "
                          f"did not converge within max_iter={max_iter}", ConvergenceWarning, stacklevel=3)
        return sol

    first = problem(times[0])
    n_z = check_n_z(n_z, first.n_x, first.p_y.size, 8 + len(times))
    sol = eq(times[0], schedule(times[0]), gamma, None)
    C0 = sol.C
    rows = []
    lo, hi = times[0], times[-1]
    for k, tk in enumerate(times):
        if k > 0 and protocol == "fixed":
            sol = eq(tk, schedule(tk), gamma, sol)
        elif k > 0:
            sol = _tabular_step(eq, sol, schedule, times[k - 1], tk, lo, hi, C0, C_tol)
            gamma = sol.gamma
        rows.append({"R": sol.R, "D": sol.D, "C": sol.C, "F": sol.F, "lam": sol.lam,
                     "gamma": sol.gamma})
    return _dataset(times, rows, protocol, f"{protocol} process, tabular equilibrium",
                    {"n_z": n_z})


# ------------------------------------------------------------------------- Gaussian

_GAUSSIAN_KEYS = ("cov_x", "label_weights", "label_noise")


def _gaussian_params(p: Mapping[str, Any], name: str) -> dict[str, np.ndarray]:
    if not isinstance(p, Mapping) or "cov_x" not in p or "label_weights" not in p:
        raise TypeError(f"{name} must be a mapping with keys cov_x, label_weights (and label_noise)")
    unknown = set(p) - set(_GAUSSIAN_KEYS)
    if unknown:
        raise ValueError(f"{name} has unknown keys {sorted(unknown)}; expected {_GAUSSIAN_KEYS}")
    cov = np.atleast_2d(np.asarray(p["cov_x"], dtype=np.float64))
    B = np.atleast_2d(np.asarray(p["label_weights"], dtype=np.float64))
    noise = p.get("label_noise")
    noise = np.zeros((B.shape[0], B.shape[0])) if noise is None else np.atleast_2d(
        np.asarray(noise, dtype=np.float64))
    return {"cov_x": cov, "label_weights": B, "label_noise": noise}


def gaussian_process(path: Any, lam: Any, gamma: float, *, t: Any = None,
                     protocol: str = "quasistatic", decoder_variance: float = 1.0,
                     classifier_variance: float = 1.0, C_tol: float = 1e-12) -> Any:
    """Follow the linear-Gaussian equilibrium along a path of Gaussian data models.

    Parameters
    ----------
    path : callable or (source, target)
        ``t -> {"cov_x": ..., "label_weights": ..., "label_noise": ...}`` (the model
        y = B x + eps of :func:`~thermoinfo.freeenergy.gaussian.linear_gaussian`), or two
        such mappings, interpolated linearly in their parameters.
    lam : float or callable
        The schedule lam(t).
    gamma : float
        gamma at the first time.
    t : array_like, optional
        Increasing times, default 21 points on [0, 1].
    protocol : {"quasistatic", "fixed"}
    decoder_variance, classifier_variance : float
        s^2 and t^2 of the Gaussian decoder and classifier.
    C_tol : float
        Largest |C(t) - C_0| accepted from the Newton corrector.

    Returns
    -------
    xarray.Dataset
        As :func:`process`.

    Examples
    --------
    >>> src = {"cov_x": [[2.0, 0.0], [0.0, 1.0]], "label_weights": [[1.0, 0.5]]}
    >>> tgt = {"cov_x": [[1.0, 0.3], [0.3, 2.0]], "label_weights": [[0.5, 1.0]]}
    >>> ds = gaussian_process((src, tgt), 2.0, 3.0, t=[0.0, 0.5, 1.0])
    >>> bool(abs(ds.C_drift).max() < 1e-10)
    True
    """
    from thermoinfo.freeenergy.gaussian import linear_gaussian, linear_gaussian_differential

    protocol = _check_protocol(protocol)
    if isinstance(path, tuple) and len(path) == 2:
        a = _gaussian_params(path[0], "source")
        b = _gaussian_params(path[1], "target")
        if any(a[k].shape != b[k].shape for k in a):
            raise ValueError("source and target must have parameters of the same shapes")

        def params(tt: float) -> dict[str, np.ndarray]:
            return {k: (1.0 - tt) * a[k] + tt * b[k] for k in a}

        def velocity(tt: float, lo: float, hi: float) -> dict[str, np.ndarray]:
            return {k: b[k] - a[k] for k in a}
    elif callable(path):
        def params(tt: float) -> dict[str, np.ndarray]:
            return _gaussian_params(path(tt), f"path({tt:g})")

        def velocity(tt: float, lo: float, hi: float, h: float = 1e-6) -> dict[str, np.ndarray]:
            ta, tb = max(lo, tt - h), min(hi, tt + h)
            pa, pb = params(ta), params(tb)
            return {k: (pb[k] - pa[k]) / (tb - ta) for k in pa}
    else:
        raise TypeError("path must be a callable t -> model parameters or a (source, target) pair")
    schedule = _schedule(lam)
    gamma = check_nonnegative(gamma, "gamma")
    times = _times(t)
    lo, hi = times[0], times[-1]
    var = {"decoder_variance": decoder_variance, "classifier_variance": classifier_variance}

    def eq(tt: float, lam_: float, gamma_: float) -> Any:
        return linear_gaussian(lam=lam_, gamma=gamma_, **params(tt), **var)

    def dC(tt: float, lam_: float, gamma_: float, **direction: Any) -> float:
        return linear_gaussian_differential(lam=lam_, gamma=gamma_, **params(tt), **var,
                                            **direction)["dC"]

    C0 = eq(times[0], schedule(times[0]), gamma).C
    rows = []
    for k, tk in enumerate(times):
        lam_k = schedule(tk)
        if k > 0 and protocol == "quasistatic":
            prev_t = times[k - 1]
            lam_prev = schedule(prev_t)
            v = velocity(prev_t, lo, hi)
            dC_dg = dC(prev_t, lam_prev, gamma, d_gamma=1.0)
            if not dC_dg < 0:
                raise ValueError(f"C does not respond to gamma at t={prev_t:g}; it cannot be held")
            total = dC(prev_t, lam_prev, gamma, d_lam=_slope(schedule, prev_t, lo, hi),
                       d_cov_x=v["cov_x"], d_label_weights=v["label_weights"],
                       d_label_noise=v["label_noise"])
            gamma_pred = max(gamma - total / dC_dg * (tk - prev_t), 0.0)
            gamma = _corrector(lambda g, tk=tk, lam_k=lam_k: eq(tk, lam_k, g).C, C0, gamma_pred,
                               dC_dg, lambda g, tk=tk, lam_k=lam_k: dC(tk, lam_k, g, d_gamma=1.0),
                               tk, C_tol)
        sol = eq(tk, lam_k, gamma)
        rows.append({"R": sol.R, "D": sol.D, "C": sol.C, "F": sol.F, "lam": sol.lam,
                     "gamma": sol.gamma})
    return _dataset(times, rows, protocol, f"{protocol} process, linear-Gaussian equilibrium",
                    {"decoder_variance": float(decoder_variance),
                     "classifier_variance": float(classifier_variance)})
