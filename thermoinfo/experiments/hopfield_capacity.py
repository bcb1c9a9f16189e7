"""Storage capacity of the Hopfield network against the replica-symmetric theory.

A Hebbian network of N spins stores P = alpha N random patterns; each run starts
at a stored pattern, relaxes with asynchronous random-order T = 0 dynamics to a
fixed point, and records the retrieval overlap m = (1/N) xi . s.

Theory (Amit, Gutfreund & Sompolinsky 1987, Ann. Phys. 173, 30; T = 0, q = 1):

    m = erf(y),   y = m / sqrt(2 alpha r),
    C = sqrt(2 / (pi alpha r)) exp(-y^2),   r = 1 / (1 - C)^2.

Eliminating C and r (sqrt(r) = 1 + sqrt(2/(pi alpha)) exp(-y^2)) leaves one
equation in y,

    erf(y) = y (sqrt(2 alpha) + (2/sqrt(pi)) exp(-y^2)),

equivalently alpha(y) = [(erf(y) - 2 y exp(-y^2)/sqrt(pi)) / (sqrt(2) y)]^2. The
retrieval solution exists while alpha <= alpha_c = max_y alpha(y) ≈ 0.138 (where
m jumps from ≈ 0.967 to the m = 0 spin-glass solution); below alpha_c the
retrieval overlap is erf of the larger root y.

The same run compares, at one size N_model, the classical network with the
Krotov–Hopfield dense associative memory (F(x) = x^3, arXiv:1606.01164) and the
modern continuous Hopfield network (arXiv:2008.02217), both of which keep m = 1
far beyond alpha_c.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf

from thermoinfo._validation import check_positive, check_positive_int, random_units
from thermoinfo.experiments._common import finalize, resolve_seed, variable_attrs

__all__ = ["capacity_point", "critical_load", "model_point", "plot", "replica_symmetric_overlap", "run"]

_SQRT_PI = np.sqrt(np.pi)


def _alpha_of_y(y: float) -> float:
    return float(((erf(y) - 2.0 * y * np.exp(-y * y) / _SQRT_PI) / (np.sqrt(2.0) * y)) ** 2)


def critical_load() -> tuple[float, float]:
    """``(alpha_c, m_c)``: the largest load with a retrieval solution and its overlap.

    Examples
    --------
    >>> a_c, m_c = critical_load()
    >>> round(a_c, 4), round(m_c, 4)
    (0.1379, 0.9674)
    """
    res = minimize_scalar(lambda y: -_alpha_of_y(y), bounds=(0.5, 3.0), method="bounded",
                          options={"xatol": 1e-12})
    y_c = float(res.x)
    return _alpha_of_y(y_c), float(erf(y_c))


def _y_critical() -> float:
    res = minimize_scalar(lambda y: -_alpha_of_y(y), bounds=(0.5, 3.0), method="bounded",
                          options={"xatol": 1e-12})
    return float(res.x)


def replica_symmetric_overlap(alpha: Any) -> np.ndarray | float:
    """Retrieval overlap m(alpha) of the T = 0 replica-symmetric theory.

    Zero above alpha_c (no retrieval solution); 1 at alpha = 0.

    Examples
    --------
    >>> round(replica_symmetric_overlap(0.1), 5)
    0.998
    """
    a = np.asarray(alpha, dtype=np.float64)
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError("alpha must be finite and >= 0")
    y_c = _y_critical()
    alpha_c = _alpha_of_y(y_c)
    out = np.zeros(a.shape)
    for idx, value in np.ndenumerate(a):
        if value == 0:
            out[idx] = 1.0
        elif value <= alpha_c:
            def g(y: float, value: float = value) -> float:
                return float(erf(y) - y * (np.sqrt(2.0 * value) + 2.0 / _SQRT_PI * np.exp(-y * y)))
            hi = 1.0 / np.sqrt(2.0 * value) + 1.0
            y = brentq(g, y_c, hi, xtol=1e-14, rtol=1e-15) if g(y_c) > 0 else y_c
            out[idx] = erf(y)
    return float(out) if out.ndim == 0 else out


def _random_patterns(rng: np.random.Generator, n_patterns: int, n_units: int) -> np.ndarray:
    return random_units(rng, (n_patterns, n_units), "spin")


def _hopfield_point(n_units: int, alpha: float, n_probes: int, rng: np.random.Generator) -> float:
    """Mean overlap of ``n_probes`` stored patterns after relaxing from them."""
    from thermoinfo.sampling.single_site import relax

    n_patterns = max(1, round(alpha * n_units))
    xi = _random_patterns(rng, n_patterns, n_units)
    xf = xi.astype(np.float32)
    # integer Hebbian couplings N w_ij: same T = 0 dynamics, exact float32 arithmetic
    w = xf.T @ xf
    np.fill_diagonal(w, 0.0)
    probes = xi[: min(n_probes, n_patterns)]
    out = relax(probes, w, rng=rng)
    m = np.einsum("ni,ni->n", out.states.astype(np.float64), probes.astype(np.float64)) / n_units
    return float(m.mean())


def _model_point(model: str, n_units: int, alpha: float, n_probes: int, degree: int, temperature: float,
                 rng: np.random.Generator) -> float:
    from thermoinfo.models.hopfield import DenseAssociativeMemory, ModernHopfield

    n_patterns = max(1, round(alpha * n_units))
    if model == "hopfield":
        return _hopfield_point(n_units, alpha, n_probes, rng)
    xi = _random_patterns(rng, n_patterns, n_units)
    probes = xi[: min(n_probes, n_patterns)]
    if model == "dense_associative_memory":
        net = DenseAssociativeMemory(n_units, degree=degree).fit(xi)
        final = net.recall(probes, rng=rng)
        m = np.einsum("ni,ni->n", final.astype(np.float64), probes.astype(np.float64)) / n_units
    else:
        net = ModernHopfield(temperature=temperature).fit(xi.astype(np.float64))
        final = net.recall(probes.astype(np.float64))
        m = np.einsum("ni,ni->n", np.sign(final), probes.astype(np.float64)) / n_units
    return float(m.mean())


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    mean = float(np.mean(values))
    se = float(np.std(values, ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")
    return mean, se


MODELS = ("hopfield", "dense_associative_memory", "modern_hopfield")


def capacity_point(N: int, alpha: float, *, n_realizations: int, n_probes: int,
                   rng: np.random.Generator) -> dict[str, float]:
    """One point of the N x alpha sweep: mean retrieval overlap over
    ``n_realizations`` pattern sets drawn from ``rng``, and its standard error.

    Examples
    --------
    >>> point = capacity_point(200, 0.05, n_realizations=2, n_probes=3, rng=np.random.default_rng(0))
    >>> point["overlap"]
    1.0
    """
    values = np.array([_hopfield_point(int(N), float(alpha), n_probes, rng) for _ in range(n_realizations)])
    mean, se = _mean_se(values)
    return {"overlap": mean, "overlap_se": se}


def model_point(model: str, alpha_model: float, *, n_units: int, n_realizations: int, n_probes: int,
                degree: int, temperature: float, rng: np.random.Generator) -> dict[str, float]:
    """One point of the model x alpha_model sweep (classical, dense and modern networks)."""
    values = np.array([_model_point(str(model), n_units, float(alpha_model), n_probes, degree,
                                    temperature, rng) for _ in range(n_realizations)])
    mean, se = _mean_se(values)
    return {"overlap_model": mean, "overlap_model_se": se}


def _sweep_seeds(seed: Any) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """Two independent seed sequences (the N x alpha sweep, the model sweep)."""
    if seed.sequence is None:  # a Generator: its seed cannot be recorded, draw fresh entropy from it
        base = np.random.SeedSequence(int(seed.generator.integers(0, 2**63)))
    else:
        base = seed.sequence
    return tuple(np.random.SeedSequence(base.entropy, spawn_key=(*base.spawn_key, i),
                                        pool_size=base.pool_size) for i in (0, 1))


def run(n_units: Any = None, alpha: Any = None, *, n_realizations: int | None = None,
        n_probes: int | None = None, model_units: int | None = None, alpha_model: Any = None,
        degree: int = 3, temperature: float = 1.0, quick: bool = False, rng: Any = None,
        scheduler: Any = "serial", checkpoint: Any = None, resume: bool = False,
        progress: bool = False, timeout: float = 10.0) -> Any:
    """Retrieval overlap against load, with the replica-symmetric curve.

    The N x alpha grid and the model x alpha_model grid are two
    :func:`thermoinfo.experiments.sweep` runs: each point has its own spawned
    seed, so any ``scheduler`` gives the same numbers, and with ``checkpoint``
    an interrupted run continues with ``resume=True``.

    Parameters
    ----------
    n_units : sequence of int, optional
        Network sizes N (default 1000, 2000, 4000; quick: 500, 1000, 2000).
    alpha : sequence of float, optional
        Loads alpha = P/N of the classical network.
    n_realizations : int, optional
        Independent pattern sets per (alpha, N). The standard error is that of
        the mean over realizations.
    n_probes : int, optional
        Stored patterns used as starting points in each realization.
    model_units : int, optional
        N of the comparison of the classical, dense and modern networks.
    alpha_model : sequence of float, optional
        Loads of that comparison (reaching well beyond alpha_c).
    degree : int
        Power n of the dense associative memory's F(x) = x^n.
    temperature : float
        Temperature T > 0 of the modern Hopfield network (its softmax has inverse temperature 1/T).
    quick : bool
        A smaller run (well under a minute on 2 cores).
    rng : seed, SeedSequence or Generator
    scheduler : None, "serial" or a Dask scheduler address
        Where the grid points run (see :func:`thermoinfo.experiments.sweep`);
        None uses local processes on all cores.
    checkpoint : path, optional
        Run directory: finished points are written there as they complete.
    resume : bool
        Continue the run in ``checkpoint``.
    progress : bool
        Show a tqdm progress bar.
    timeout : float
        Seconds to wait for a Dask scheduler.

    Returns
    -------
    xarray.Dataset
        ``overlap``, ``overlap_se`` over (``alpha``, ``N``); ``overlap_theory`` over
        ``alpha``; ``overlap_model``, ``overlap_model_se`` over (``model``,
        ``alpha_model``). Attrs hold alpha_c and the seed.

    Examples
    --------
    >>> ds = run(n_units=(100,), alpha=(0.05,), n_realizations=2, n_probes=2, model_units=50,
    ...          alpha_model=(0.1,), rng=0)
    >>> ds.overlap.dims, ds.attrs["seed"]
    (('alpha', 'N'), '0')
    """
    import xarray as xr

    from thermoinfo.experiments.sweeping import sweep

    started = time.perf_counter()
    if quick:
        defaults = dict(n_units=(500, 1000, 2000),
                        alpha=(0.04, 0.08, 0.1, 0.12, 0.13, 0.14, 0.16, 0.2, 0.3),
                        n_realizations=6, n_probes=20, model_units=400,
                        alpha_model=(0.1, 0.2, 0.5, 1.0))
    else:
        defaults = dict(n_units=(1000, 2000, 4000),
                        alpha=(0.02, 0.04, 0.06, 0.08, 0.1, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16,
                               0.18, 0.2, 0.25, 0.3),
                        n_realizations=8, n_probes=20, model_units=500,
                        alpha_model=(0.05, 0.1, 0.14, 0.2, 0.3, 0.5, 0.75, 1.0))
    n_units = defaults["n_units"] if n_units is None else n_units
    alpha = defaults["alpha"] if alpha is None else alpha
    n_realizations = check_positive_int(
        defaults["n_realizations"] if n_realizations is None else n_realizations, "n_realizations")
    n_probes = check_positive_int(defaults["n_probes"] if n_probes is None else n_probes, "n_probes")
    model_units = check_positive_int(
        defaults["model_units"] if model_units is None else model_units, "model_units")
    alpha_model = defaults["alpha_model"] if alpha_model is None else alpha_model
    degree = check_positive_int(degree, "degree", minimum=2)
    temperature = check_positive(temperature, "temperature")
    sizes = np.array([check_positive_int(n, "n_units") for n in np.atleast_1d(n_units)], dtype=np.int64)
    alphas = np.asarray(alpha, dtype=np.float64).ravel()
    alphas_model = np.asarray(alpha_model, dtype=np.float64).ravel()
    for name, arr in (("alpha", alphas), ("alpha_model", alphas_model)):
        if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
            raise ValueError(f"{name} must be a non-empty sequence of loads > 0 (got {arr})")
    if sizes.size == 0:
        raise ValueError("n_units must be a non-empty sequence of sizes")

    seed = resolve_seed(rng)
    main_seed, model_seed = _sweep_seeds(seed)
    ckpt = None if checkpoint is None else Path(checkpoint)
    common = dict(scheduler=scheduler, resume=resume, progress=progress, timeout=timeout)
    main = sweep(partial(capacity_point, n_realizations=n_realizations, n_probes=n_probes),
                 {"alpha": alphas, "N": sizes}, seed=main_seed,
                 checkpoint=None if ckpt is None else ckpt / "capacity",
                 coord_attrs={"alpha": variable_attrs("load P/N", "1"),
                              "N": variable_attrs("number of units", "1")}, **common)
    side = sweep(partial(model_point, n_units=model_units, n_realizations=n_realizations,
                         n_probes=n_probes, degree=degree, temperature=temperature),
                 {"model": list(MODELS), "alpha_model": alphas_model}, seed=model_seed,
                 checkpoint=None if ckpt is None else ckpt / "models",
                 coord_attrs={"model": variable_attrs("associative memory model", "1"),
                              "alpha_model": variable_attrs("load P/N of the model comparison", "1")},
                 **common)

    alpha_c, m_c = critical_load()
    ds = xr.merge([main, side], combine_attrs="drop_conflicts")
    ds.attrs = {"resumed_points": int(main.attrs["sweep_points_resumed"]
                                      + side.attrs["sweep_points_resumed"])}
    ds["overlap"].attrs = variable_attrs("retrieval overlap m after T=0 relaxation from a stored pattern",
                                         "1")
    ds["overlap_se"].attrs = variable_attrs("standard error of the overlap over realizations", "1")
    ds["overlap_theory"] = ("alpha", np.atleast_1d(replica_symmetric_overlap(alphas)),
                            variable_attrs("replica-symmetric T=0 retrieval overlap "
                                           "(Amit-Gutfreund-Sompolinsky)", "1"))
    ds["overlap_model"].attrs = variable_attrs(f"retrieval overlap at N = {model_units}", "1")
    ds["overlap_model_se"].attrs = variable_attrs("standard error of overlap_model over realizations", "1")
    ds = ds[["overlap", "overlap_se", "overlap_theory", "overlap_model", "overlap_model_se"]]
    ds.attrs["alpha_c"] = alpha_c
    ds.attrs["overlap_at_alpha_c"] = m_c
    ds.attrs["model_units"] = int(model_units)
    ds.attrs["dense_degree"] = int(degree)
    ds.attrs["modern_temperature"] = float(temperature)
    return finalize(
        ds, experiment="hopfield_capacity",
        title="Hopfield network retrieval overlap against load",
        references=("Amit, Gutfreund & Sompolinsky, Ann. Phys. 173, 30 (1987); "
                    "Krotov & Hopfield arXiv:1606.01164; Ramsauer et al. arXiv:2008.02217"),
        seed=seed, quick=quick, started=started,
        parameters={"n_units": sizes.tolist(), "alpha": alphas.tolist(),
                    "n_realizations": n_realizations, "n_probes": n_probes,
                    "model_units": model_units, "alpha_model": alphas_model.tolist(),
                    "degree": degree, "temperature": temperature},
    )


def plot(ds: Any) -> Any:
    """Overlap against load for each N with the replica-symmetric curve, and the
    model comparison; returns a matplotlib Figure."""
    from matplotlib.figure import Figure  # no pyplot: no backend or global state needed

    fig = Figure(figsize=(10, 4))
    ax, ax2 = fig.subplots(1, 2)
    grid = np.linspace(1e-3, float(max(ds.alpha.max(), 0.2)), 400)
    theory = replica_symmetric_overlap(grid)
    alpha_c = float(ds.attrs.get("alpha_c", critical_load()[0]))
    ax.plot(grid, np.where(grid <= alpha_c, theory, np.nan), "k-", label="RS theory (AGS)")
    ax.axvline(alpha_c, color="k", ls=":", lw=0.8)
    for n in ds.N.values:
        sel = ds.sel(N=n)
        ax.errorbar(ds.alpha, sel.overlap, yerr=sel.overlap_se, fmt="o", ms=3, capsize=2,
                    label=f"N = {int(n)}")
    ax.set_xlabel("load α = P/N")
    ax.set_ylabel("overlap m")
    ax.set_title(f"Hopfield retrieval (α_c = {alpha_c:.4f})")
    ax.legend(fontsize=8)
    for model in ds.model.values:
        sel = ds.sel(model=model)
        ax2.errorbar(ds.alpha_model, sel.overlap_model, yerr=sel.overlap_model_se, fmt="o-", ms=3,
                     capsize=2, label=str(model).replace("_", " "))
    ax2.axvline(alpha_c, color="k", ls=":", lw=0.8)
    ax2.set_xlabel("load α = P/N")
    ax2.set_ylabel("overlap m")
    ax2.set_title(f"N = {ds.attrs.get('model_units', '')}")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig
