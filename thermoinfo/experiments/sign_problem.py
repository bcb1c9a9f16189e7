"""The sign problem of complex lambda phi^4 at finite density, weakened by a learned
integration path.

For each chemical potential mu, the 2D lattice theory (m = lambda = 1 by default)
is sampled twice with HMC on the real parameters t:

* on the real plane z = t (phase-quenched sampling, reweighted by e^{-i S_I});
* on the neural path z(t) = t + i (alpha f(t) + beta) trained to maximize
  |<e^{i theta}>| (the cost E = |Z| (1/|<e^{i theta}>| - 1) of the papers),
  with S_eff = S(z(t)) - log det(dz/dt) and the residual phase theta = -Im S_eff.

It records the average phase factor |<e^{i theta}>| on both contours with
jackknife errors, the number density n = <n(z) e^{i theta}> / <e^{i theta}> on
both, the phase-quenched density, and the tree-level (mean-field) density
n = sinh mu (2 cosh mu - 2 - m^2) / lambda above mu_c = arccosh(1 + m^2/2).

Training starts at each mu from the network that reproduces, in the linear regime
of tanh, the affine thimble z = t + i B t of the Gaussian approximation
(``Lattice.gaussian_path``: the free action with the zero-momentum mass^2 of the
fluctuations around the tree-level condensate), so that the starting path already
carries the correlation of Im z with Re z on the temporal neighbours that the
papers find on their optimized paths; the network has 2 V hidden units by default,
enough to hold that full-rank B.

References: Y. Mori, K. Kashiwa and A. Ohnishi, Phys. Rev. D 96, 111501(R) (2017),
arXiv:1705.05605; PTEP 2018, 023B04, arXiv:1709.03208 (the same model, m = lambda = 1).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from thermoinfo._validation import check_positive, check_positive_int
from thermoinfo.experiments._common import finalize, resolve_seed, variable_attrs

__all__ = ["plot", "run"]

_CONTOURS = ("real", "optimized")


def _measure(samples: Any, density_fn: Any, couplings: Any, n_blocks: int) -> dict[str, float]:
    from thermoinfo.sampling.path_optimization import reweight

    n_z = np.asarray(density_fn(samples.z, couplings))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # an unresolved phase is recorded, not warned
        r = reweight(samples, n_z, n_blocks=n_blocks)
    return {
        "phase_factor": abs(r.phase_factor), "phase_factor_se": r.phase_factor_stderr,
        "phase_factor_re": r.phase_factor.real, "phase_factor_im": r.phase_factor.imag,
        "density": r.value.real, "density_se": r.stderr,
        "resolved": float(abs(r.phase_factor) > 2 * r.phase_factor_stderr),
        "acceptance_rate": samples.acceptance_rate, "ess": r.ess,
    }


def run(*, Lt: int | None = None, Lx: int | None = None, m: float = 1.0, lam: float = 1.0,
        mu: Sequence[float] | None = None, n_hidden: int | None = None, n_epochs: int | None = None,
        samples_per_epoch: int | None = None, n_samples: int | None = None, learning_rate: float = 1e-4,
        n_leapfrog: int = 10, n_warmup: int | None = None, n_blocks: int = 20,
        checkpoint_dir: str | None = None, quick: bool = False,
        progress: bool = False, rng: Any = None) -> Any:
    """Average phase factor and number density on the real plane and on the learned path.

    Parameters
    ----------
    Lt, Lx : int, optional
        Lattice (default 8 x 8; 4 x 4 when ``quick``).
    m, lam : float
        Mass and quartic coupling (lam > 0: the action is bounded for every mu).
    mu : sequence of float, optional
        Chemical potentials (default 0.2 ... 1.8 in steps of 0.2; (0.6, 1.0, 1.4) when ``quick``).
    n_hidden : int, optional
        Hidden units of the path network (default 2 Lt Lx, the number of variables:
        the starting network then holds the Gaussian thimble's B exactly; fewer
        keep its leading singular directions).
    n_epochs, samples_per_epoch : int, optional
        Training alternations and HMC samples per epoch (default 10, 32).
    n_samples : int, optional
        HMC samples per contour for the measurements (default 1000, as when ``quick``).
    learning_rate : float
        Adam learning rate. Adam's first steps move every weight by about this much
        whatever the size of its gradient; the 2 V x 2 V input layer starts with rows
        of norm 0.1, which 0.01 (sqrt(2 V) 0.01 per row and step, in directions set
        by a noisy gradient) would overturn in one step.
    n_leapfrog : int
        Leapfrog steps per trajectory.
    n_warmup : int, optional
        HMC window-adaptation steps on each contour (default 100).
    n_blocks : int
        Jackknife blocks.
    checkpoint_dir : path, optional
        Folder for one training checkpoint per mu (``path_mu<index>.npz``); a rerun
        with the same seed resumes from them to the same numbers.
    quick : bool
        Small sizes: under three minutes on 2 cores, compilation included.
    progress : bool
        tqdm progress bars over mu and training epochs.
    rng : seed, SeedSequence or Generator, optional

    Returns
    -------
    xarray.Dataset
        ``phase_factor``, ``phase_factor_se``, ``phase_factor_re``, ``phase_factor_im``,
        ``density``, ``density_se``, ``resolved``, ``acceptance_rate``, ``ess`` over
        (``contour``, ``mu``); ``density_phase_quenched`` (+ ``_se``) and
        ``density_mean_field`` over ``mu``; ``training_phase_factor`` over (``mu``, ``epoch``).

    Examples
    --------
    >>> ds = run(quick=True, rng=0)           # doctest: +SKIP
    >>> ds.phase_factor.sel(contour="optimized") > ds.phase_factor.sel(contour="real")  # doctest: +SKIP
    """
    import jax
    import xarray as xr
    from tqdm.auto import tqdm

    from thermoinfo.sampling.hmc import jackknife
    from thermoinfo.sampling.path_optimization import PathOptimization, init_neural_from_affine, sample_path
    from thermoinfo.systems.phi4 import Lattice, mean_field_density, onset_chemical_potential

    started = time.perf_counter()
    seed = resolve_seed(rng)
    Lt = (4 if quick else 8) if Lt is None else Lt
    Lx = (4 if quick else 8) if Lx is None else Lx
    mu_values = (0.6, 1.0, 1.4) if quick else tuple(np.round(np.arange(0.2, 1.81, 0.2), 10))
    mu_values = tuple(mu_values if mu is None else mu)
    if not mu_values:
        raise ValueError("mu must hold at least one chemical potential")
    lam = check_positive(lam, "lam")
    n_epochs = check_positive_int(10 if n_epochs is None else n_epochs, "n_epochs")
    samples_per_epoch = check_positive_int(32 if samples_per_epoch is None
                                           else samples_per_epoch, "samples_per_epoch", minimum=2)
    n_samples = check_positive_int(1000 if n_samples is None else n_samples,
                                   "n_samples", minimum=n_blocks)
    lattices = [Lattice(Lt, Lx, m=m, lam=lam, mu=float(v)) for v in mu_values]   # checks every input
    n_warmup = check_positive_int(100 if n_warmup is None else n_warmup, "n_warmup")
    action, _ = lattices[0].flat_action()
    density_fn = lattices[0].flat_density()
    n = lattices[0].n_variables
    n_hidden = check_positive_int(n if n_hidden is None else n_hidden, "n_hidden")

    rows: dict[str, list[list[float]]] = {}
    pq, pq_se, history = [], [], []
    children = seed.spawn(len(mu_values))
    with jax.enable_x64(True):
        for lat, child in tqdm(list(zip(lattices, children)), disable=not progress, desc="mu"):
            _, couplings = lat.flat_action()
            g_real, g_train, g_sample = child.spawn(3)   # resuming training leaves the others unchanged
            real = sample_path(action, n, n_samples, couplings=couplings, rng=g_real, n_warmup=n_warmup,
                               n_leapfrog=n_leapfrog)
            opt = PathOptimization(action, n, path="neural", n_hidden=n_hidden, n_epochs=n_epochs,
                                   samples_per_epoch=samples_per_epoch, learning_rate=learning_rate,
                                   n_warmup=n_warmup, n_leapfrog=n_leapfrog,
                                   initial_params=init_neural_from_affine(lat.gaussian_path(), n_hidden),
                                   couplings=couplings, progress=progress, rng=g_train,
                                   checkpoint=None if checkpoint_dir is None else
                                   Path(checkpoint_dir) / f"path_mu{len(history)}.npz").fit()
            learned = opt.sample(n_samples, rng=g_sample)
            for contour, samples in zip(_CONTOURS, (real, learned)):
                for key, value in _measure(samples, density_fn, couplings, n_blocks).items():
                    rows.setdefault(key, [[], []])[_CONTOURS.index(contour)].append(value)
            n_real = np.asarray(density_fn(real.z, couplings)).real
            value, se = jackknife(lambda a: a, n_real, n_blocks=n_blocks)
            pq.append(float(value))
            pq_se.append(float(se))
            history.append(opt.history_["phase_factor"])

    coords = {"contour": ("contour", list(_CONTOURS), variable_attrs("integration contour", units="1")),
              "mu": ("mu", np.asarray(mu_values, float), variable_attrs("chemical potential", units="1")),
              "epoch": ("epoch", np.arange(n_epochs), variable_attrs("training epoch", units="1"))}
    names = {
        "phase_factor": "average phase factor |<exp(i theta)>|",
        "phase_factor_se": "standard error of the average phase factor (jackknife)",
        "phase_factor_re": "real part of <exp(i theta)>",
        "phase_factor_im": "imaginary part of <exp(i theta)>",
        "density": "number density n (reweighted)", "density_se": "standard error of n (jackknife)",
        "resolved": "1 where |<exp(i theta)>| exceeds twice its error",
        "acceptance_rate": "HMC acceptance rate",
        "ess": "effective sample size of exp(i theta)",
    }
    data = {k: (("contour", "mu"), np.asarray(v, float), variable_attrs(names[k], units="1"))
            for k, v in rows.items()}
    data["density_phase_quenched"] = ("mu", np.asarray(pq), variable_attrs("number density of the "
                                                                          "phase-quenched theory", units="1"))
    data["density_phase_quenched_se"] = ("mu", np.asarray(pq_se), variable_attrs(
        "standard error of the phase-quenched density", units="1"))
    data["density_mean_field"] = ("mu", np.asarray(mean_field_density(m, lam, np.asarray(mu_values, float))),
                                  variable_attrs("tree-level (mean-field) number density", units="1"))
    data["training_phase_factor"] = (("mu", "epoch"), np.stack(history), variable_attrs(
        "|<exp(i theta)>| of each training epoch's samples", units="1"))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs["onset_chemical_potential"] = onset_chemical_potential(m)
    return finalize(ds, experiment="sign_problem",
                    title="Path optimization for complex lambda phi^4 theory at finite density",
                    references="Y. Mori, K. Kashiwa and A. Ohnishi, Phys. Rev. D 96, 111501(R) (2017), "
                               "arXiv:1705.05605; PTEP 2018, 023B04, arXiv:1709.03208",
                    seed=seed, quick=quick, started=started,
                    parameters={"Lt": Lt, "Lx": Lx, "m": m, "lam": lam, "n_hidden": n_hidden,
                                "n_epochs": n_epochs, "samples_per_epoch": samples_per_epoch,
                                "n_samples": n_samples, "learning_rate": learning_rate,
                                "n_leapfrog": n_leapfrog, "n_warmup": n_warmup, "n_blocks": n_blocks})


def plot(ds: Any) -> Any:
    """Phase factor and number density against mu, on the real plane and the learned path."""
    import matplotlib.pyplot as plt

    from thermoinfo.systems.phi4 import mean_field_density

    fig, (ax_pf, ax_n) = plt.subplots(1, 2, figsize=(10, 4))
    styles = {"real": dict(marker="o", color="tab:blue", label="real plane"),
              "optimized": dict(marker="s", color="tab:red", label="optimized path")}
    for contour in ds.contour.values:
        sel = ds.sel(contour=contour)
        ax_pf.errorbar(ds.mu, sel.phase_factor, yerr=sel.phase_factor_se, linestyle="none", capsize=3,
                       **styles[str(contour)])
        ax_n.errorbar(ds.mu, sel.density, yerr=sel.density_se, linestyle="none", capsize=3,
                      **styles[str(contour)])
    grid = np.linspace(0.0, float(ds.mu.max()) * 1.05, 200)
    m, lam = float(ds.attrs["parameter_m"]), float(ds.attrs["parameter_lam"])
    ax_n.plot(grid, mean_field_density(m, lam, grid), "k--", label="mean field")
    ax_n.errorbar(ds.mu, ds.density_phase_quenched, yerr=ds.density_phase_quenched_se, linestyle="none",
                  marker="^", color="gray", label="phase quenched", capsize=3)
    ax_pf.set_xlabel(r"$\mu$")
    ax_pf.set_ylabel(r"$|\langle e^{i\theta}\rangle|$")
    ax_pf.set_ylim(-0.05, 1.05)
    ax_pf.legend()
    ax_n.set_xlabel(r"$\mu$")
    ax_n.set_ylabel(r"$n$")
    ax_n.legend()
    shape = f"{ds.attrs['parameter_Lt']}x{ds.attrs['parameter_Lx']}"
    fig.suptitle(f"complex $\\lambda\\phi^4$, {shape}, m = {ds.attrs['parameter_m']}, "
                 f"$\\lambda$ = {ds.attrs['parameter_lam']}")
    fig.tight_layout()
    return fig
