"""Entropy production of two coupled Glauber spins over a grid of beta and coupling J.

Two Ising spins, E = -J s_0 s_1 - h_0 s_0 - h_1 s_1, start from p_x and take one
heat-bath step at inverse temperature beta, as one of two Bayesian networks:

* ``parallel``: z_0 <- x_1, z_1 <- x_0 (both spins at once); the backward
  network returns x_0 <- z_1, x_1 <- z_0 with the same kernels;
* ``sequential``: z_0 <- x_1, then z_1 <- z_0 (spin 0, then spin 1 in the
  new field); the backward network undoes the last update first,
  x_1 <- z_0, then x_0 <- x_1.

For each network (Ito, Oizumi & Amari, arXiv:1810.09545):

    sigma_tot = D(p || q*_B) = sigma_sys + sigma_bath,
    sigma^i_tot = [H(Z_i) - H(X_i)] + E log T_i / T^B_i       (subsystem i's own),
    sum_i sigma^i_tot = sigma_tot + (I(Z_0; Z_1) - I(X_0; X_1)),
    sigma^i_tot = D(p(x_i, z_i, W) || T^B_i p(z_i, W)) + I(Z_i; U | X_i) - I(X_i; W | Z_i),
    sigma^i = D(p || M_B^i)                       (the projection-based partial production),

and the stochastic interaction SI = sum_i H(Z_i | X_i) - H(Z | X) of the
forward step. From the stationary state of each step (Little's Boltzmann
distribution for the parallel step, Ising's for the sweep) both steps are in
detailed balance with their backward networks: sigma_tot = 0, while SI > 0 for
J != 0. For the parallel step (backward kernels conditioned on z's only) every
partial production is then 0 too; the sweep's backward kernel of spin 0 reads
the restored x_1, its one-kernel families do not contain M_B, and its
projection-based sigma^0 stays positive although sigma_tot = 0. Everything is
exact (enumeration of the 16 paths).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from thermoinfo._validation import as_distribution, check_positive
from thermoinfo.experiments._common import finalize, resolve_seed, variable_attrs

__all__ = ["PROCESSES", "network", "plot", "run", "stationary_state"]

PROCESSES = ("parallel", "sequential")
_DEFAULT_P_X = ((0.1, 0.1), (0.1, 0.7))


def network(process: str, beta: float, J: float, h: Any = (0.2, -0.1), p_x: Any = None) -> Any:
    """The :class:`~thermoinfo.thermo.graphical.NetworkEntropyProduction` of one step.

    Examples
    --------
    >>> from thermoinfo.experiments.entropy_production import network
    >>> ep = network("sequential", 1.0, 0.5)
    >>> bool(abs(ep.total - ep.system - ep.bath) < 1e-12)
    True
    """
    from thermoinfo.systems.glauber import spin_kernels, two_spin_glauber
    from thermoinfo.thermo.graphical import network_entropy_production

    if p_x is None:
        p_x = np.array(_DEFAULT_P_X)
    if process == "parallel":
        return two_spin_glauber(beta, J, h, p_x)
    if process == "sequential":
        K0, K1 = spin_kernels(beta, J, h)
        T0 = K0[0]  # T_0(z_0 | x_1): the field on spin 0 does not depend on spin 0
        T1 = K1[:, 0]  # T_1(z_1 | s_0)
        return network_entropy_production(p_x, [T0, T1], [("x1",), ("z0",)],
                                          back_kernels=[T0, T1], back_parents=[("x1",), ("z0",)])
    raise ValueError(f"process must be one of {PROCESSES} (got {process!r})")


def stationary_state(ep: Any) -> np.ndarray:
    """The stationary distribution (2, 2) of the step whose network result is ``ep``.

    Examples
    --------
    >>> from thermoinfo.experiments.entropy_production import network, stationary_state
    >>> pi = stationary_state(network("parallel", 1.0, 0.5))
    >>> round(network("parallel", 1.0, 0.5, p_x=pi).total, 12)
    0.0
    """
    from thermoinfo.thermo.markov import stationary_distribution

    joint = np.asarray(ep.p_joint)
    px = joint.sum(axis=(2, 3)).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        T = joint.reshape(4, 4) / px[:, None]
    if np.any(px <= 0):
        raise ValueError("ep must come from a positive initial distribution to read off its kernel")
    return stationary_distribution(T).reshape(2, 2)


def run(beta: Any = None, J: Any = None, *, h: Any = (0.2, -0.1), p_x: Any = None,
        quick: bool = False, rng: Any = None) -> Any:
    """Total, system, bath, subsystem and partial entropy productions over (beta, J).

    Parameters
    ----------
    beta : sequence of float, optional
        Inverse temperatures (default 0.1..3 in 30 steps; quick: 0.5, 1, 2).
    J : sequence of float, optional
        Couplings (default -2..2 in 41 steps; quick: 0, 0.5, 1, 2).
    h : (float, float)
        Fields on the two spins.
    p_x : array_like, shape (2, 2), optional
        Initial distribution (default p(up, up) = 0.7, the other states 0.1).
    quick : bool
        The small grid.
    rng : seed, optional
        Recorded in the attrs; the computation is exact and uses no randomness.

    Returns
    -------
    xarray.Dataset
        Over (``process``, ``beta``, ``J``): ``sigma_tot``, ``sigma_sys``,
        ``sigma_bath``, ``correlation_change``, ``stochastic_interaction``;
        over (``process``, ``subsystem``, ``beta``, ``J``): ``sigma_subsystem``,
        ``sigma_subsystem_sys``, ``sigma_subsystem_bath``, ``information``,
        ``transfer_entropy``, ``sigma_partial``.

    Examples
    --------
    >>> from thermoinfo.experiments import entropy_production as exp
    >>> ds = exp.run(beta=[1.0], J=[0.5], rng=0)
    >>> bool(abs(ds.sigma_subsystem.sum("subsystem") - ds.sigma_tot - ds.correlation_change).max() < 1e-12)
    True
    """
    import xarray as xr

    started = time.perf_counter()
    if beta is None:
        beta = (0.5, 1.0, 2.0) if quick else np.round(np.linspace(0.1, 3.0, 30), 10)
    if J is None:
        J = (0.0, 0.5, 1.0, 2.0) if quick else np.round(np.linspace(-2.0, 2.0, 41), 10)
    betas = np.atleast_1d(np.asarray(beta, dtype=np.float64))
    Js = np.atleast_1d(np.asarray(J, dtype=np.float64))
    if betas.ndim != 1 or betas.size == 0:
        raise ValueError(f"beta must be a non-empty sequence of inverse temperatures (got {beta!r})")
    for b in betas:
        check_positive(float(b), "beta")
    if Js.ndim != 1 or Js.size == 0 or not np.all(np.isfinite(Js)):
        raise ValueError(f"J must be a non-empty sequence of finite couplings (got {J!r})")
    hv = np.asarray(h, dtype=np.float64)
    if hv.shape != (2,) or not np.all(np.isfinite(hv)):
        raise ValueError(f"h must hold two finite fields (h_0, h_1) (got {h!r})")
    px = as_distribution(np.array(_DEFAULT_P_X) if p_x is None else p_x, "p_x")
    if px.shape != (2, 2):
        raise ValueError(f"p_x must have shape (2, 2), p_x[a, b] for (s_0, s_1) (got {px.shape})")
    seed = resolve_seed(rng)

    shape = (len(PROCESSES), betas.size, Js.size)
    scalars = {k: np.empty(shape) for k in ("sigma_tot", "sigma_sys", "sigma_bath",
                                             "correlation_change", "stochastic_interaction",
                                             "sigma_tot_stationary", "sigma_partial_stationary",
                                             "stochastic_interaction_stationary")}
    per = {k: np.empty((len(PROCESSES), 2, betas.size, Js.size))
           for k in ("sigma_subsystem", "sigma_subsystem_sys", "sigma_subsystem_bath", "information",
                     "transfer_entropy", "sigma_partial")}
    for a, process in enumerate(PROCESSES):
        for b, be in enumerate(betas):
            for c, j in enumerate(Js):
                ep = network(process, float(be), float(j), tuple(hv), px)
                scalars["sigma_tot"][a, b, c] = ep.total
                scalars["sigma_sys"][a, b, c] = ep.system
                scalars["sigma_bath"][a, b, c] = ep.bath
                scalars["correlation_change"][a, b, c] = ep.correlation_change
                scalars["stochastic_interaction"][a, b, c] = ep.stochastic_interaction
                for i in range(2):
                    sub = ep.subsystem(i)
                    per["sigma_subsystem"][a, i, b, c] = sub.total
                    per["sigma_subsystem_sys"][a, i, b, c] = sub.system
                    per["sigma_subsystem_bath"][a, i, b, c] = sub.bath
                    per["information"][a, i, b, c] = sub.information
                    per["transfer_entropy"][a, i, b, c] = ep.transfer_entropies[i]
                    per["sigma_partial"][a, i, b, c] = ep.partial[i]
                st = network(process, float(be), float(j), tuple(hv), stationary_state(ep))
                scalars["sigma_tot_stationary"][a, b, c] = st.total
                scalars["sigma_partial_stationary"][a, b, c] = max(st.partial)
                scalars["stochastic_interaction_stationary"][a, b, c] = st.stochastic_interaction

    dims3 = ("process", "beta", "J")
    dims4 = ("process", "subsystem", "beta", "J")
    names = {
        "sigma_tot": "total entropy production D(p||q*_B) = sigma_sys + sigma_bath",
        "sigma_sys": "system entropy change H(Z) - H(X)",
        "sigma_bath": "bath entropy change E log T/T_B",
        "correlation_change": "change of mutual information I(Z_0;Z_1) - I(X_0;X_1) "
                              "= sum_i sigma^i_tot - sigma_tot",
        "stochastic_interaction": "stochastic interaction sum_i H(Z_i|X_i) - H(Z|X) of the forward step",
        "sigma_subsystem": "subsystem entropy production sigma^i_tot = sigma^i_sys + sigma^i_bath",
        "sigma_subsystem_sys": "subsystem entropy change H(Z_i) - H(X_i)",
        "sigma_subsystem_bath": "subsystem bath term E log T_i/T^B_i",
        "information": "information term I(Z_i;U|X_i) - I(X_i;W|Z_i), a lower bound of sigma^i_tot",
        "transfer_entropy": "one-step transfer entropy I(Z_i; X_other | X_i)",
        "sigma_partial": "projection-based partial entropy production D(p||M_B^i)",
        "sigma_tot_stationary": "total entropy production from the stationary state of the step",
        "sigma_partial_stationary": "largest projection-based partial production from the "
                                    "stationary state",
        "stochastic_interaction_stationary": "stochastic interaction of the step from its "
                                             "stationary state",
    }
    data = {k: (dims3, v, variable_attrs(names[k])) for k, v in scalars.items()}
    data.update({k: (dims4, v, variable_attrs(names[k])) for k, v in per.items()})
    ds = xr.Dataset(
        data,
        coords={
            "process": ("process", list(PROCESSES),
                        variable_attrs("Glauber update of the two spins as a Bayesian network", "1")),
            "subsystem": ("subsystem", np.array([0, 1]), variable_attrs("spin index", "1")),
            "beta": ("beta", betas, variable_attrs("inverse temperature", "1")),
            "J": ("J", Js, variable_attrs("coupling", "1")),
        },
    )
    ds.attrs["h"] = hv
    ds.attrs["p_x"] = px.ravel()
    return finalize(
        ds, experiment="entropy_production",
        title="Entropy production of two coupled Glauber spins and of their subsystems",
        references=("S. Ito, M. Oizumi and S. Amari, Phys. Rev. Research 2, 033048 (2020), "
                    "arXiv:1810.09545; S. Ito and T. Sagawa, Phys. Rev. Lett. 111, 180603 (2013), "
                    "arXiv:1306.2756"),
        seed=seed, quick=quick, started=started,
        parameters={"h": str(tuple(float(v) for v in hv)), "n_beta": int(betas.size),
                    "n_J": int(Js.size)},
    )


def plot(ds: Any) -> Any:
    """Productions against J at the middle beta, and sigma_tot over (beta, J); a matplotlib Figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(17, 4))
    axes = fig.subplots(1, 4)
    beta = float(ds.beta.values[len(ds.beta) // 2])
    sel = ds.sel(beta=beta)
    styles = {"parallel": "-", "sequential": "--"}
    ax = axes[0]
    for process in ds.process.values:
        s = sel.sel(process=process)
        ls = styles.get(str(process), "-")
        ax.plot(ds.J, s.sigma_tot, "k" + ls, label=f"σ_tot ({process})")
        ax.plot(ds.J, s.sigma_sys, "C0" + ls, label=f"σ_sys ({process})")
        ax.plot(ds.J, s.sigma_bath, "C1" + ls, label=f"σ_bath ({process})")
    ax.set_xlabel("coupling J")
    ax.set_ylabel("nats")
    ax.set_title(f"one Glauber step, β = {beta:g}")
    ax.legend(fontsize=7)
    ax = axes[1]
    s = sel.sel(process="parallel")
    for i in ds.subsystem.values:
        si = s.sel(subsystem=i)
        ax.plot(ds.J, si.sigma_subsystem, f"C{i}-", label=f"σ^{i}_tot (own thermodynamics)")
        ax.plot(ds.J, si.information, f"C{i}:", label=f"information term of spin {i}")
        ax.plot(ds.J, si.sigma_partial, f"C{i}--", label=f"σ^{i} = D(p||M_B^{i})")
    ax.plot(ds.J, s.correlation_change, "k-.", label="Σσ^i_tot − σ_tot = ΔI")
    ax.set_xlabel("coupling J")
    ax.set_title("subsystems (parallel step)")
    ax.legend(fontsize=7)
    ax = axes[2]
    tot = ds.sigma_tot.sel(process="parallel")
    mesh = ax.pcolormesh(ds.J, ds.beta, tot.values, shading="auto")
    fig.colorbar(mesh, ax=ax, label="σ_tot (nat)")
    ax.set_xlabel("coupling J")
    ax.set_ylabel("β")
    ax.set_title("σ_tot, parallel step")
    ax = axes[3]
    for process in ds.process.values:
        s = sel.sel(process=process)
        ls = styles.get(str(process), "-")
        ax.plot(ds.J, s.stochastic_interaction_stationary, "C2" + ls, label=f"SI ({process})")
        ax.plot(ds.J, s.sigma_tot_stationary, "k" + ls, label=f"σ_tot ({process})")
        ax.plot(ds.J, s.sigma_partial_stationary, "C3" + ls, label=f"max_i D(p||M_B^i) ({process})")
    ax.set_xlabel("coupling J")
    ax.set_title(f"from the stationary state, β = {beta:g}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
