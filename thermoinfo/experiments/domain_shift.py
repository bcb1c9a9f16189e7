"""Quasi-static domain shift of digit networks: move the data, hold C.

The data move along a path p_t(x, y), t in [0, 1]: either the mixture
p_t = (1 - t) p_source + t p_target of digits 0-4 (source) and 5-9 (target)
(``path="mixture"``), or all digits rotated by t * ``max_angle`` degrees
(``path="rotation"``). A network trained on J = R + lam D + gamma C
(:mod:`thermoinfo.models.encdec`) follows the path in three protocols:

* ``quasistatic``: at each step the network re-equilibrates (warm-started) and
  gamma is moved to hold the classification loss at its initial value C_0 with
  the derivative rule of the equilibrium surface (Gao and Chaudhari,
  arXiv:2002.12406), lam held fixed:

      dC = (dC/dgamma) dgamma + (dC/dt) dt = 0,
      log gamma <- log gamma - (C(t_k, gamma) - C_0) / (dC/dlog gamma),

  where C(t_k, gamma) and dC/dlog gamma come from a three-point stencil in
  log gamma trained at once (one vmapped program) on p_{t_k} and measured on
  held-out data of p_{t_k}; the network is then re-equilibrated at the new gamma;
* ``fixed``: the same path and relaxation with (lam, gamma) fixed;
* ``finetune``: the source network fine-tuned directly on the target (t = 1) with
  the same number of steps as the path so far.

C, accuracy, R and D are measured on held-out data of the current p_t, the
target accuracy on held-out target data; every protocol sees the same data and
the same initial network within a seed, and results are averaged over seeds with
standard errors over seeds (per-seed values in ``*_seeds``).

References: Y. Gao and P. Chaudhari, arXiv:2002.12406; A. A. Alemi and I. Fischer,
arXiv:1807.04162.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from thermoinfo.experiments._common import finalize, resolve_seed, variable_attrs

__all__ = ["PATHS", "PROTOCOLS", "plot", "run"]

PROTOCOLS = ("quasistatic", "fixed", "finetune")
PATHS = ("mixture", "rotation")
_VARIABLES = ("C", "accuracy", "target_accuracy", "R", "D", "gamma")
_LONG = {"C": "classification loss on the current domain", "accuracy": "accuracy on the current domain",
         "target_accuracy": "accuracy on the target domain", "R": "rate on the current domain",
         "D": "distortion on the current domain", "gamma": "multiplier of C"}
_UNITS = {"accuracy": "1", "target_accuracy": "1", "gamma": "1"}


def _domains(path: str, max_angle: float, t: float, X: np.ndarray, y: np.ndarray, gen: np.random.Generator,
             n: int) -> tuple[np.ndarray, np.ndarray]:
    """n examples of p_t from the pool (X float pixels in [0, 1], y labels), binarized."""
    if path == "mixture":
        src = np.flatnonzero(y < 5)
        tgt = np.flatnonzero(y >= 5)
        n_t = round(t * n)
        idx = np.concatenate([gen.choice(src, n - n_t, replace=True), gen.choice(tgt, n_t, replace=True)])
        return (X[idx] > 0.5).astype(np.float64), y[idx]
    import scipy.ndimage

    idx = gen.choice(X.shape[0], n, replace=True)
    imgs = X[idx].reshape(-1, 8, 8)
    angle = t * max_angle
    if angle != 0:
        imgs = scipy.ndimage.rotate(imgs, angle, axes=(1, 2), reshape=False, order=1, mode="constant")
    return (imgs.reshape(n, 64) > 0.5).astype(np.float64), y[idx]


def run(path: str = "mixture", *, n_path_steps: int | None = None, n_seeds: int | None = None,
        lam: float = 1.0, gamma: float = 2.0, n_init: int | None = None, n_relax: int | None = None,
        stencil: float = 0.5, max_angle: float = 90.0, n_latent: int = 4, hidden: int = 32,
        batch_size: int = 128, learning_rate: float = 3e-3, n_train: int = 1200, n_test: int = 500,
        progress: bool = False, quick: bool = False, rng: Any = None) -> Any:
    """Follow a domain shift with three protocols and compare them over seeds.

    Parameters
    ----------
    path : {"mixture", "rotation"}
        Digits 0-4 -> 5-9 as a mixture, or a rotation of all digits by up to
        ``max_angle`` degrees.
    n_path_steps : int, optional
        Points t_k on [0, 1] (default 6; quick 4).
    n_seeds : int, optional
        Independent repetitions (default 4; quick 2).
    lam, gamma : float
        The multipliers at t = 0 (lam is held; gamma moves in the quasi-static protocol).
    n_init, n_relax : int, optional
        Adam steps of the initial training and of each relaxation (default 2000 and
        400; quick 500 and 150).
    stencil : float
        Half-width of the log-gamma stencil of the derivative rule.
    n_train, n_test : int
        Examples of p_t drawn (with replacement) for training and evaluation at each step.
    quick : bool
    rng : seed

    Returns
    -------
    xarray.Dataset
        Over exactly (``protocol``, ``step``): ``C``, ``accuracy``,
        ``target_accuracy``, ``R``, ``D``, ``gamma`` (means over seeds), each with
        ``*_se`` (standard error over seeds) and ``*_seeds`` over (``seed``,
        ``protocol``, ``step``); coordinate ``t`` along ``step``.

    Examples
    --------
    >>> from thermoinfo.experiments import domain_shift
    >>> ds = domain_shift.run(n_path_steps=2, n_seeds=2, n_init=20, n_relax=10, n_train=200,
    ...                       n_test=100, rng=0)
    >>> ds.C.dims, ds.protocol.values.tolist()
    (('protocol', 'step'), ['quasistatic', 'fixed', 'finetune'])
    """
    import xarray as xr

    from thermoinfo._validation import check_positive, check_positive_int
    from thermoinfo.freeenergy.firstlaw import finite_difference
    from thermoinfo.models.encdec import Architecture, check_multipliers, evaluate, fit_grid
    from thermoinfo.systems.datasets import load_digits

    started = time.perf_counter()
    if path not in PATHS:
        raise ValueError(f"path must be one of {PATHS} (got {path!r})")
    n_path_steps = check_positive_int(n_path_steps if n_path_steps is not None else (4 if quick else 6),
                                      "n_path_steps", minimum=2)
    n_seeds = check_positive_int(n_seeds if n_seeds is not None else (2 if quick else 4), "n_seeds",
                                 minimum=2)
    n_init = check_positive_int(n_init if n_init is not None else (500 if quick else 2000), "n_init")
    n_relax = check_positive_int(n_relax if n_relax is not None else (150 if quick else 400), "n_relax")
    lam = float(check_multipliers(lam, "lam")[0])
    gamma0 = float(check_multipliers(gamma, "gamma")[0])
    if gamma0 == 0:
        raise ValueError("gamma must be > 0: the quasi-static protocol moves log gamma")
    stencil = check_positive(stencil, "stencil")
    max_angle = float(max_angle)
    if not np.isfinite(max_angle):
        raise ValueError(f"max_angle must be finite (got {max_angle})")
    n_train = check_positive_int(n_train, "n_train", minimum=2)
    n_test = check_positive_int(n_test, "n_test", minimum=2)
    seed = resolve_seed(rng)
    X, y = load_digits(binarize=False, return_labels=True)
    pool = np.random.default_rng(0).permutation(X.shape[0])
    tr_pool, te_pool = pool[:1300], pool[1300:]
    times = np.linspace(0.0, 1.0, n_path_steps)
    arch = Architecture(n_features=64, n_latent=n_latent, n_classes=10, hidden=(hidden,),
                        decoder_hidden=(hidden,), stochastic_weights=False)
    common = dict(batch_size=batch_size, learning_rate=learning_rate, progress=progress)
    shape = (n_seeds, len(PROTOCOLS), n_path_steps)
    out = {v: np.full(shape, np.nan) for v in _VARIABLES}

    def record(s: int, p: int, k: int, ev: Any, ev_target: Any, g: float) -> None:
        pt = ev.isel(lam=0, gamma=0, sigma=0)
        for v in ("C", "accuracy", "R", "D"):
            out[v][s, p, k] = float(pt[v])
        out["target_accuracy"][s, p, k] = float(ev_target["accuracy"].isel(lam=0, gamma=0, sigma=0))
        out["gamma"][s, p, k] = g

    for s, gen in enumerate(seed.spawn(n_seeds)):
        data_seed = int(gen.integers(0, 2 ** 31 - 1))
        train_rng = np.random.default_rng(gen.integers(0, 2 ** 31 - 1))

        def data(t: float, which: str, k: int, data_seed: int = data_seed) -> tuple[np.ndarray, np.ndarray]:
            g_d = np.random.default_rng([data_seed, int(which == "test"), k])
            idx = tr_pool if which == "train" else te_pool
            return _domains(path, max_angle, t, X[idx], y[idx], g_d, n_train if which == "train" else n_test)

        x_target, y_target = data(1.0, "test", n_path_steps)
        x0, y0 = data(0.0, "train", 0)
        base = fit_grid(arch, x0, y0, lam=lam, gamma=gamma0, n_steps=n_init, rng=train_rng, **common)
        xt0, yt0 = data(0.0, "test", 0)
        ev0 = evaluate(base, xt0, yt0, rng=0)
        ev0_target = evaluate(base, x_target, y_target, rng=0)
        C0 = float(ev0.C.isel(lam=0, gamma=0, sigma=0))
        for p in range(len(PROTOCOLS)):
            record(s, p, 0, ev0, ev0_target, gamma0)
        models = {name: base.point(0) for name in PROTOCOLS}
        gammas = {name: gamma0 for name in PROTOCOLS}
        x_ft, y_ft = data(1.0, "train", n_path_steps)
        for k in range(1, n_path_steps):
            xk, yk = data(times[k], "train", k)
            xtk, ytk = data(times[k], "test", k)
            for p, name in enumerate(PROTOCOLS):
                step_seed = np.random.default_rng([data_seed, k, 7])
                if name == "quasistatic":
                    g = gammas[name]
                    grid = g * np.exp(np.array([-stencil, 0.0, stencil]))
                    st = fit_grid(arch, xk, yk, lam=lam, gamma=grid, init=models[name], n_steps=n_relax,
                                  rng=step_seed, **common)
                    evs = evaluate(st, xtk, ytk, rng=k).isel(lam=0, sigma=0)
                    Cs = evs.C.values
                    slope = finite_difference(Cs, np.log(grid))[1]
                    if slope < 0:
                        move = float(np.clip(-(Cs[1] - C0) / slope, -2 * stencil, 2 * stencil))
                    else:  # the surface is too flat or too noisy here to invert: stay
                        move = 0.0
                    gammas[name] = g * float(np.exp(move))
                    fit = fit_grid(arch, xk, yk, lam=lam, gamma=gammas[name], init=st.point(1),
                                   n_steps=n_relax, rng=np.random.default_rng([data_seed, k, 8]), **common)
                elif name == "fixed":
                    fit = fit_grid(arch, xk, yk, lam=lam, gamma=gamma0, init=models[name], n_steps=n_relax,
                                   rng=step_seed, **common)
                else:
                    fit = fit_grid(arch, x_ft, y_ft, lam=lam, gamma=gamma0, init=models[name],
                                   n_steps=n_relax, rng=step_seed, **common)
                models[name] = fit.point(0)
                record(s, p, k, evaluate(fit, xtk, ytk, rng=k), evaluate(fit, x_target, y_target, rng=k),
                       gammas[name])

    data_vars = {}
    for v, arr in out.items():
        attrs = variable_attrs(_LONG[v], units=_UNITS.get(v, "nat"))
        data_vars[v] = (("protocol", "step"), arr.mean(axis=0), attrs)
        data_vars[f"{v}_se"] = (("protocol", "step"), arr.std(axis=0, ddof=1) / np.sqrt(n_seeds),
                                variable_attrs(f"standard error over seeds of {v}",
                                               units=_UNITS.get(v, "nat")))
        data_vars[f"{v}_seeds"] = (("seed", "protocol", "step"), arr, attrs)
    ds = xr.Dataset(data_vars, coords={
        "protocol": ("protocol", list(PROTOCOLS), variable_attrs("protocol", units="1")),
        "step": ("step", np.arange(n_path_steps), variable_attrs("step along the path", units="1")),
        "t": ("step", times, variable_attrs("path parameter", units="1")),
        "seed": ("seed", np.arange(n_seeds), variable_attrs("repetition", units="1")),
    })
    ds.attrs.update({"path": path, "lam": lam, "gamma_initial": gamma0})
    return finalize(ds, experiment="domain_shift",
                    title=f"Quasi-static domain shift ({path}) holding C, against fixed multipliers and "
                          "fine-tuning",
                    references=("Y. Gao and P. Chaudhari, arXiv:2002.12406; A. A. Alemi and I. Fischer, "
                                "arXiv:1807.04162"),
                    seed=seed, quick=quick, started=started,
                    parameters={"path": path, "n_path_steps": n_path_steps, "n_seeds": n_seeds,
                                "n_init": n_init, "n_relax": n_relax, "stencil": stencil,
                                "max_angle": max_angle, "n_train": n_train, "n_test": n_test})


def plot(ds: Any) -> Any:
    """C, accuracy on the current domain, target accuracy, R and D along the path,
    with error bars over seeds.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    names = ("C", "accuracy", "target_accuracy", "R", "D", "gamma")
    fig = Figure(figsize=(13, 6.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    for ax, v in zip(axes, names):
        for p in ds.protocol.values:
            s = ds.sel(protocol=p)
            ax.errorbar(ds.t.values, s[v].values, yerr=s[f"{v}_se"].values, marker="o", capsize=2, label=p)
        ax.set_xlabel("t")
        ax.set_ylabel(f"{v} ({ds[v].attrs.get('units', '')})")
        ax.set_title(ds[v].attrs.get("long_name", v), fontsize=9)
    axes[0].legend(fontsize=8)
    return fig
