"""The first law of learning on trained networks (digits).

A grid of encoder/decoder/classifier networks (:mod:`thermoinfo.models.encdec`)
is trained at once over (lam, gamma) on the binarized 8x8 digits, minimizing
J = R + lam D + gamma C, and R, D, C are measured on held-out digits. On the
equilibrium surface F(lam, gamma) = min J (Gao and Chaudhari, arXiv:2002.12406):

    dF/dlam = D,   dF/dgamma = C                        (envelope theorem)
    dR + lam dD + gamma dC = 0                          (first law)
    lam = -(dR/dD)_C,   gamma = -(dR/dC)_D              (partials)

The residuals dF/dlam - D and dF/dgamma - C (equal, example by example, to the
first-law combinations dR/dp + lam dD/dp + gamma dC/dp) come from finite
differences along the grid of per-example integrands; every grid point is
evaluated with the same draws, so the standard errors are those of paired
differences over held-out examples. The implied multipliers of
:func:`thermoinfo.freeenergy.firstlaw.partials` get blocked-jackknife errors over
held-out examples.

Equilibration. F is a minimum over a non-convex landscape: networks trained
separately from one initialization at neighbouring (lam, gamma) end in different
local minima, and a finite difference across the grid then measures a jump
between minima, not dF/dlam (at 800 independent steps the residuals reached 9
paired errors, and with longer training they scatter by +-1 nat). The grid is
therefore equilibrated by continuation: one network is trained at the centre of
the grid (``warm_steps`` Adam steps, cosine-decayed ``learning_rate``), and every
grid point starts from it and relaxes for ``n_steps`` more at the smaller
``fine_tune_rate`` (cosine-decayed to 0). All points then lie on one smooth branch
of minima. A trained network is still only approximately at the minimum of J:
nonzero residuals measure how far, and are reported, not hidden.

References: Y. Gao and P. Chaudhari, arXiv:2002.12406; A. A. Alemi and I. Fischer,
arXiv:1807.04162.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from thermoinfo._validation import check_positive, check_positive_int
from thermoinfo.experiments._common import finalize, resolve_seed, variable_attrs

__all__ = ["plot", "run"]

_REFERENCES = ("Y. Gao and P. Chaudhari, arXiv:2002.12406; A. A. Alemi and I. Fischer, "
               "arXiv:1807.04162")


def _digits(n_train: int | None) -> tuple[np.ndarray, ...]:
    from thermoinfo.systems.datasets import load_digits

    X, y = load_digits(return_labels=True)
    X = X.astype(np.float64)
    n = 1300 if n_train is None else n_train
    return X[:n], y[:n], X[1300:], y[1300:]


def _partials(R: np.ndarray, D: np.ndarray, C: np.ndarray, F: np.ndarray, lam: np.ndarray,
              gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import xarray as xr

    from thermoinfo.freeenergy.firstlaw import partials

    dims = ("lam", "gamma")
    ds = xr.Dataset({k: (dims, v) for k, v in (("R", R), ("D", D), ("C", C), ("F", F))},
                    coords={"lam": lam, "gamma": gamma})
    p = partials(ds, method="fd")
    return p["implied_lam"].values, p["implied_gamma"].values, p["jacobian_rank"].values


def run(lam: Any = None, gamma: Any = None, *, n_steps: int | None = None,
        warm_steps: int | None = None, n_latent: int = 4, hidden: int = 32, batch_size: int = 128,
        learning_rate: float = 3e-3, fine_tune_rate: float = 1e-3, n_draws: int = 8,
        n_blocks: int = 20, dtype: str = "float32", progress: bool = False, quick: bool = False,
        rng: Any = None) -> Any:
    """Train a (lam, gamma) grid of networks on the digits and test the first law.

    Parameters
    ----------
    lam, gamma : sequence of float, optional
        The grid (default lam 0.5..1.5 in 6 steps and gamma 0.5, 1, 2, 4; quick:
        lam 0.6..1.4 in 5 steps and gamma 1, 2, 4). Finite differences need at
        least 3 values of each.
    n_steps : int, optional
        Adam steps of every grid point from the warm start, at ``fine_tune_rate``
        (default 3000; quick 1000).
    warm_steps : int, optional
        Adam steps of the warm-start network at the centre of the grid (median lam,
        median gamma), at ``learning_rate`` (default 6000; quick 2000; 0: every
        point starts from the random initialization).
    learning_rate, fine_tune_rate : float
        Initial learning rates of the warm start and of the grid (both decay to 0).
    n_latent, hidden : int
        Latent dimension and hidden width of the MLP encoder and decoder.
    n_draws : int
        (theta, z) draws per held-out example.
    n_blocks : int
        Jackknife blocks of held-out examples for the implied multipliers.
    dtype : {"float32", "float64"}
    progress : bool
        Progress bar of the training.
    quick : bool
    rng : seed

    Returns
    -------
    xarray.Dataset
        Over (lam, gamma): ``R``, ``D``, ``C``, ``F`` with ``*_se``, ``accuracy``,
        ``dF_dlam``, ``dF_dgamma``, the residuals ``envelope_lam`` = dF/dlam - D and
        ``envelope_gamma`` = dF/dgamma - C (each with ``*_se``), ``implied_lam``,
        ``implied_gamma`` (with ``*_se``) and ``jacobian_rank``.

    Examples
    --------
    >>> from thermoinfo.experiments import first_law
    >>> ds = first_law.run(lam=[0.8, 1.0, 1.2], gamma=[1.0, 2.0, 3.0], n_steps=50, warm_steps=50,
    ...                   rng=0)
    >>> sorted(ds.R.dims), ds.sizes["lam"]
    (['gamma', 'lam'], 3)
    """
    import xarray as xr

    from thermoinfo.freeenergy.firstlaw import finite_difference
    from thermoinfo.models.encdec import Architecture, check_multipliers, evaluate, fit_grid

    started = time.perf_counter()
    if lam is None:
        lam = np.round(np.linspace(0.6, 1.4, 5), 10) if quick else np.round(np.linspace(0.5, 1.5, 6), 10)
    if gamma is None:
        gamma = (1.0, 2.0, 4.0) if quick else (0.5, 1.0, 2.0, 4.0)
    lam = check_multipliers(lam, "lam")
    gamma = check_multipliers(gamma, "gamma")
    for name, v in (("lam", lam), ("gamma", gamma)):
        if v.size < 3 or np.any(np.diff(v) <= 0):
            raise ValueError(f"{name} must hold at least 3 increasing values for finite differences "
                             f"(got {v.tolist()})")
    if n_steps is None:
        n_steps = 1000 if quick else 3000
    if warm_steps is None:
        warm_steps = 2000 if quick else 6000
    warm_steps = check_positive_int(warm_steps, "warm_steps", minimum=0)
    fine_tune_rate = check_positive(fine_tune_rate, "fine_tune_rate")
    seed = resolve_seed(rng)
    g_warm, g_train, g_eval = seed.spawn(3)
    x_tr, y_tr, x_te, y_te = _digits(None)
    arch = Architecture(n_features=64, n_latent=n_latent, n_classes=10, hidden=(hidden,),
                        decoder_hidden=(hidden,), stochastic_weights=False)
    init = None
    if warm_steps:
        warm = fit_grid(arch, x_tr, y_tr, lam=float(np.median(lam)), gamma=float(np.median(gamma)),
                        n_steps=warm_steps, batch_size=batch_size, learning_rate=learning_rate,
                        rng=g_warm, progress=progress, dtype=dtype, decay=True)
        init = warm.point(0)
    fit = fit_grid(arch, x_tr, y_tr, lam=lam, gamma=gamma, sigma=0.0, n_steps=n_steps,
                   batch_size=batch_size, learning_rate=fine_tune_rate if warm_steps else learning_rate,
                   rng=g_train, init=init, progress=progress, dtype=dtype, decay=True)
    ev = evaluate(fit, x_te, y_te, n_draws=n_draws, rng=g_eval, per_example=True).isel(sigma=0, drop=True)
    Ri, Di, Ci = (ev[f"{n}_example"].values for n in ("R", "D", "C"))  # (lam, gamma, example)
    L, G = np.meshgrid(lam, gamma, indexing="ij")
    Fi = Ri + L[..., None] * Di + G[..., None] * Ci
    n_ex = Fi.shape[-1]

    def mean_se(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return a.mean(axis=-1), a.std(axis=-1, ddof=1) / np.sqrt(n_ex)

    dF_dlam = finite_difference(Fi, lam, axis=0)
    dF_dgamma = finite_difference(Fi, gamma, axis=1)
    results = {"dF_dlam": mean_se(dF_dlam), "dF_dgamma": mean_se(dF_dgamma),
               "envelope_lam": mean_se(dF_dlam - Di), "envelope_gamma": mean_se(dF_dgamma - Ci)}
    # implied multipliers and their blocked jackknife over held-out examples
    means = [a.mean(axis=-1) for a in (Ri, Di, Ci, Fi)]
    imp_lam, imp_gamma, rank = _partials(*means, lam, gamma)
    blocks = np.array_split(np.arange(n_ex), n_blocks)
    jk_lam, jk_gamma = [], []
    for b in blocks:
        keep = np.setdiff1d(np.arange(n_ex), b)
        parts = _partials(*[a[..., keep].mean(axis=-1) for a in (Ri, Di, Ci, Fi)], lam, gamma)
        jk_lam.append(parts[0])
        jk_gamma.append(parts[1])

    def jk_se(values: list[np.ndarray]) -> np.ndarray:
        v = np.stack(values)
        return np.sqrt((n_blocks - 1) / n_blocks * np.sum((v - v.mean(axis=0)) ** 2, axis=0))

    dims = ("lam", "gamma")
    data = {}
    for n in ("R", "D", "C", "F", "accuracy"):
        data[n] = ev[n]
        data[f"{n}_se"] = ev[f"{n}_se"]
    long = {"dF_dlam": "finite-difference dF/dlam", "dF_dgamma": "finite-difference dF/dgamma",
            "envelope_lam": "first-law residual dF/dlam - D = dR/dlam + lam dD/dlam + gamma dC/dlam",
            "envelope_gamma": "first-law residual dF/dgamma - C "
                              "= dR/dgamma + lam dD/dgamma + gamma dC/dgamma"}
    for n, (v, se) in results.items():
        data[n] = (dims, v, variable_attrs(long[n]))
        data[f"{n}_se"] = (dims, se, variable_attrs(f"standard error of {n} (paired over examples)"))
    data["implied_lam"] = (dims, imp_lam, variable_attrs("implied lam = -(dR/dD)_C", units="1"))
    data["implied_lam_se"] = (dims, jk_se(jk_lam),
                              variable_attrs("jackknife error of implied_lam", units="1"))
    data["implied_gamma"] = (dims, imp_gamma, variable_attrs("implied gamma = -(dR/dC)_D", units="1"))
    data["implied_gamma_se"] = (dims, jk_se(jk_gamma),
                                variable_attrs("jackknife error of implied_gamma", units="1"))
    data["jacobian_rank"] = (dims, rank, variable_attrs("rank of d(D, C)/d(lam, gamma)", units="1"))
    ds = xr.Dataset(data, coords={"lam": ("lam", lam, variable_attrs("multiplier of D", units="1")),
                                  "gamma": ("gamma", gamma, variable_attrs("multiplier of C", units="1"))})
    ds.attrs.update({"n_train": int(x_tr.shape[0]), "n_test": int(x_te.shape[0])})
    return finalize(ds, experiment="first_law",
                    title="First law of learning on encoder/decoder/classifier networks (digits)",
                    references=_REFERENCES, seed=seed, quick=quick, started=started,
                    parameters={"n_steps": int(n_steps), "warm_steps": int(warm_steps),
                                "n_latent": n_latent, "hidden": hidden, "batch_size": batch_size,
                                "learning_rate": learning_rate, "fine_tune_rate": fine_tune_rate,
                                "n_draws": n_draws, "dtype": dtype})


def plot(ds: Any) -> Any:
    """The (D, C, R) surface (one curve per gamma) and the first-law residuals.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    for g in ds.gamma.values:
        s = ds.sel(gamma=g)
        ax.plot(s.D.values, s.C.values, s.R.values, marker="o", label=f"gamma = {g:g}")
    ax.set_xlabel("D (nat)")
    ax.set_ylabel("C (nat)")
    ax.set_zlabel("R (nat)")
    ax.set_title("equilibrium surface (held-out)")
    ax.legend(fontsize=7)
    ax2 = fig.add_subplot(1, 2, 2)
    for g in ds.gamma.values:
        s = ds.sel(gamma=g)
        ax2.errorbar(s.lam.values, s.envelope_lam.values, yerr=s.envelope_lam_se.values, marker="o",
                     capsize=2, label=f"gamma = {g:g}")
    ax2.axhline(0.0, color="k", lw=0.8)
    ax2.set_xlabel("lam")
    ax2.set_ylabel("dF/dlam - D (nat)")
    ax2.set_title("first-law residual")
    ax2.legend(fontsize=7)
    return fig
