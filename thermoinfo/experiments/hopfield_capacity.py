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
from typing import Any

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf

from thermoinfo._validation import check_positive, check_positive_int, random_units
from thermoinfo.experiments._common import finalize, resolve_seed, variable_attrs

__all__ = ["critical_load", "plot", "replica_symmetric_overlap", "run"]

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


def _model_point(model: str, n_units: int, alpha: float, n_probes: int, degree: int, beta: float,
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
        net = ModernHopfield(temperature=1.0 / beta).fit(xi.astype(np.float64))
        final = net.recall(probes.astype(np.float64))
        m = np.einsum("ni,ni->n", np.sign(final), probes.astype(np.float64)) / n_units
    return float(m.mean())


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    mean = float(np.mean(values))
    se = float(np.std(values, ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")
    return mean, se


MODELS = ("hopfield", "dense_associative_memory", "modern_hopfield")


def run(n_units: Any = None, alpha: Any = None, *, n_realizations: int | None = None,
        n_probes: int | None = None, model_units: int | None = None, alpha_model: Any = None,
        degree: int = 3, beta: float = 1.0, quick: bool = False, rng: Any = None,
        progress: bool = False) -> Any:
    """Retrieval overlap against load, with the replica-symmetric curve.

    Parameters
    ----------
    n_units : sequence of int, optional
        Network sizes N (default 1000, 2000, 4000; quick: 500, 1000).
    alpha : sequence of float, optional
        Loads alpha = P/N of the classical network.
    n_realizations : int, optional
        Independent pattern sets per (alpha, N); each has its own spawned seed.
        The standard error is that of the mean over realizations.
    n_probes : int, optional
        Stored patterns used as starting points in each realization.
    model_units : int, optional
        N of the comparison of the classical, dense and modern networks.
    alpha_model : sequence of float, optional
        Loads of that comparison (reaching well beyond alpha_c).
    degree : int
        Power n of the dense associative memory's F(x) = x^n.
    beta : float
        Inverse temperature of the modern Hopfield network.
    quick : bool
        A smaller run (well under a minute on 2 cores).
    rng : seed, SeedSequence or Generator
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    xarray.Dataset
        ``overlap``, ``overlap_se`` over (``alpha``, ``N``); ``overlap_theory`` over
        ``alpha``; ``overlap_model``, ``overlap_model_se`` over (``model``,
        ``alpha_model``). Attrs hold alpha_c and the seed.
    """
    import xarray as xr

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
    beta = check_positive(beta, "beta")
    sizes = np.array([check_positive_int(n, "n_units") for n in np.atleast_1d(n_units)], dtype=np.int64)
    alphas = np.asarray(alpha, dtype=np.float64).ravel()
    alphas_model = np.asarray(alpha_model, dtype=np.float64).ravel()
    for name, arr in (("alpha", alphas), ("alpha_model", alphas_model)):
        if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
            raise ValueError(f"{name} must be a non-empty sequence of loads > 0 (got {arr})")

    seed = resolve_seed(rng)
    n_main = alphas.size * sizes.size * n_realizations
    n_side = len(MODELS) * alphas_model.size * n_realizations
    children = seed.spawn(n_main + n_side)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_main + n_side, desc="hopfield_capacity")

    values = np.empty((alphas.size, sizes.size, n_realizations))
    k = 0
    for a, al in enumerate(alphas):
        for b, n in enumerate(sizes):
            for r in range(n_realizations):
                values[a, b, r] = _hopfield_point(int(n), float(al), n_probes, children[k])
                k += 1
                if bar is not None:
                    bar.update()
    model_values = np.empty((len(MODELS), alphas_model.size, n_realizations))
    for i, model in enumerate(MODELS):
        for a, al in enumerate(alphas_model):
            for r in range(n_realizations):
                model_values[i, a, r] = _model_point(model, model_units, float(al), n_probes, degree,
                                                     beta, children[k])
                k += 1
                if bar is not None:
                    bar.update()
    if bar is not None:
        bar.close()

    overlap = values.mean(axis=2)
    overlap_se = (values.std(axis=2, ddof=1) / np.sqrt(n_realizations) if n_realizations > 1
                  else np.full(overlap.shape, np.nan))
    model_overlap = model_values.mean(axis=2)
    model_se = (model_values.std(axis=2, ddof=1) / np.sqrt(n_realizations) if n_realizations > 1
                else np.full(model_overlap.shape, np.nan))
    alpha_c, m_c = critical_load()
    ds = xr.Dataset(
        {
            "overlap": (("alpha", "N"), overlap,
                        variable_attrs("retrieval overlap m after T=0 relaxation from a stored pattern",
                                       "1")),
            "overlap_se": (("alpha", "N"), overlap_se,
                           variable_attrs("standard error of the overlap over realizations", "1")),
            "overlap_theory": (("alpha",), np.atleast_1d(replica_symmetric_overlap(alphas)),
                               variable_attrs("replica-symmetric T=0 retrieval overlap "
                                              "(Amit-Gutfreund-Sompolinsky)", "1")),
            "overlap_model": (("model", "alpha_model"), model_overlap,
                              variable_attrs(f"retrieval overlap at N = {model_units}", "1")),
            "overlap_model_se": (("model", "alpha_model"), model_se,
                                 variable_attrs("standard error of overlap_model over realizations",
                                                "1")),
        },
        coords={
            "alpha": ("alpha", alphas, variable_attrs("load P/N", "1")),
            "N": ("N", sizes, variable_attrs("number of units", "1")),
            "model": ("model", list(MODELS), {"long_name": "associative memory model"}),
            "alpha_model": ("alpha_model", alphas_model,
                            variable_attrs("load P/N of the model comparison", "1")),
        },
    )
    ds.attrs["alpha_c"] = alpha_c
    ds.attrs["overlap_at_alpha_c"] = m_c
    ds.attrs["model_units"] = int(model_units)
    ds.attrs["dense_degree"] = int(degree)
    ds.attrs["modern_beta"] = float(beta)
    return finalize(
        ds, experiment="hopfield_capacity",
        title="Hopfield network retrieval overlap against load",
        references=("Amit, Gutfreund & Sompolinsky, Ann. Phys. 173, 30 (1987); "
                    "Krotov & Hopfield arXiv:1606.01164; Ramsauer et al. arXiv:2008.02217"),
        seed=seed, quick=quick, started=started,
        parameters={"n_realizations": n_realizations, "n_probes": n_probes},
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
