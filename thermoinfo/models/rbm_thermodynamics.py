"""Thermodynamics of restricted Boltzmann machines as pure functions of the
parameters: exact by enumeration, or Monte Carlo by tempered annealed importance
sampling.

With the Boltzmann distribution P(v, h) = exp(-E(v, h) / T) / Z(T) of
:mod:`thermoinfo.models.rbm_exact` (k_B = 1), the thermodynamic functions follow
from log Z(T) and the energy moments <E>_T, Var_T(E), which
:func:`~thermoinfo.models.rbm_exact.energy_moments_exact` sums exactly over the
states of the smaller layer:

    F(T) = -T log Z(T),   U(T) = <E>_T,   S(T) = (U - F) / T = U / T + log Z  (nats),
    C(T) = dU/dT = Var_T(E) / T^2.

Beyond enumeration, :func:`thermodynamics_mc` runs one tempered AIS path from
infinite temperature (uniform units, log Z(0) = (n_visible + n_hidden) log 2)
down to the lowest requested temperature, passing through the others. At each
requested T the runs' log weights w_r give log Z(T) = log Z(0) + log mean_r e^{w_r},
and the weighted particles v_r (hidden units summed out, conditional moments
<E | v_r> and Var(E | v_r) as in :mod:`thermoinfo.models.rbm_exact`) give
U = sum_r p_r <E | v_r> and Var(E) = sum_r p_r [Var(E | v_r) + (<E | v_r> - U)^2],
p_r = e^{w_r} / sum_r' e^{w_r'}.

References: Salakhutdinov & Murray, "On the quantitative analysis of deep
belief networks", ICML 2008; Funai & Giataganas, "Thermodynamics and feature
extraction by machine learning", arXiv:1810.08179 (RBM thermodynamics over
temperature).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from thermoinfo._attrs import thermodynamics_dataset
from thermoinfo._errors import UnreliableEstimateWarning
from thermoinfo._validation import (
    as_rng,
    check_params,
    check_positive_int,
    check_temperatures,
    unit_values,
)
from thermoinfo.models.rbm_exact import (
    ESS_WARNING_FRACTION,
    check_temperature_scale,
    energy_moments_exact,
    unit_variance,
)
from thermoinfo.sampling import gibbs
from thermoinfo.sampling.ais import ais, effective_sample_size, log_mean_exp

__all__ = ["thermodynamics", "thermodynamics_mc"]


def thermodynamics(weights: Any, visible_bias: Any, hidden_bias: Any, units: str = "binary",
                   temperature: Any = 1.0) -> Any:
    """Exact F, U, S, C of an RBM at ``temperature``, as an ``xarray.Dataset``.

    Variables: ``log_partition`` (log Z(T)), ``free_energy`` (F = -T log Z),
    ``energy`` (U = <E>), ``entropy`` (S = (U - F) / T, nats), ``heat_capacity``
    (C = Var(E) / T^2), each with CF ``long_name``/``units``; over a scalar
    ``temperature`` coordinate for a scalar, a ``temperature`` dimension for a 1-D
    array (the layout of the other models' ``thermodynamics``).

    Examples
    --------
    >>> import numpy as np
    >>> ds = thermodynamics(np.zeros((2, 1)), None, None, "binary", [1.0, 2.0])
    >>> ds["entropy"].values.round(6).tolist()   # three free units: log 8 at every T
    [2.079442, 2.079442]
    """
    W, b, c = check_params(weights, visible_bias, hidden_bias)
    unit_values(units)
    ts = check_temperatures(temperature)
    ds = _thermodynamics_exact(W, b, c, units, np.atleast_1d(ts))
    return ds.isel(temperature=0) if ts.ndim == 0 else ds


def _thermodynamics_exact(W: np.ndarray, b: np.ndarray, c: np.ndarray, units: str, ts: np.ndarray) -> Any:
    """:func:`thermodynamics` over the 1-D ``ts`` for checked float64 parameters."""
    rows = [energy_moments_exact(W, b, c, units, float(t)) for t in ts]
    log_z, u, var = (np.array(col) for col in zip(*rows))
    return thermodynamics_dataset(ts, log_z, u, var)


def thermodynamics_mc(weights: Any, visible_bias: Any, hidden_bias: Any, units: str = "binary",
                      temperature: Any = 1.0, rng: Any = None, n_runs: int = 100, n_steps: int = 2000
                      ) -> Any:
    """Monte-Carlo F, U, S, C of an RBM at ``temperature`` by tempered AIS, as an
    ``xarray.Dataset``.

    One AIS path (``n_runs`` runs) starts from uniform units at infinite
    temperature and takes ``n_steps`` steps in beta down to the lowest requested
    temperature, with the requested ones on the path. log Z(T) comes from the log
    weights, U and C = Var(E)/T^2 from the weighted particles with the hidden units
    summed out (see the module docstring).

    Parameters
    ----------
    weights, visible_bias, hidden_bias : array_like
        ``W`` (n_visible, n_hidden) and the biases (``None`` is zero).
    units : {"binary", "spin"}
    temperature : float or 1-D array_like
        Temperatures T > 0.
    rng : seed or Generator
    n_runs : int
        AIS runs.
    n_steps : int
        Points of the uniform beta grid of the path (at least 2; the requested
        temperatures are added to it).

    Returns
    -------
    xarray.Dataset
        The variables of :func:`thermodynamics` plus ``log_partition_se``,
        ``energy_se`` and ``ess`` (the runs' effective sample size at each
        temperature); a scalar ``temperature`` coordinate for a scalar, a
        ``temperature`` dimension for a 1-D array.

    Raises
    ------
    ValueError
        A temperature so low that E/T overflows or the AIS sums are not finite.

    Warns
    -----
    UnreliableEstimateWarning
        An effective sample size below a fifth of the runs at some temperature (the
        error bars there rest on a few runs).

    Examples
    --------
    >>> import numpy as np
    >>> ds = thermodynamics_mc(np.zeros((2, 1)), None, None, "binary", [1.0, 2.0], rng=0, n_steps=10)
    >>> ds["entropy"].values.round(6).tolist()   # three free units: log 8 at every T
    [2.079442, 2.079442]
    """
    W, b, c = check_params(weights, visible_bias, hidden_bias)
    unit_values(units)
    ts = check_temperatures(temperature)
    ds = _thermodynamics_mc(W, b, c, units, np.atleast_1d(ts), rng, n_runs, n_steps, stacklevel=3)
    return ds.isel(temperature=0) if ts.ndim == 0 else ds


def _thermodynamics_mc(W: np.ndarray, b: np.ndarray, c: np.ndarray, units: str, ts: np.ndarray,
                       rng: Any, n_runs: int, n_steps: int, stacklevel: int) -> Any:
    """:func:`thermodynamics_mc` over the 1-D ``ts`` for checked float64 parameters; the
    warning is raised ``stacklevel`` frames up (the caller's caller: the user's call)."""
    check_temperature_scale(float(ts.min()), (W, b, c))
    bs = 1.0 / ts
    top = float(bs.max())
    grid = np.union1d(np.linspace(0.0, 1.0, check_positive_int(n_steps, "n_steps", 2)), bs / top)
    index = np.searchsorted(grid, bs / top)
    with np.errstate(over="ignore", invalid="ignore"):
        res, rec = ais(top * W, top * b, top * c, units, betas=grid,
                       n_runs=check_positive_int(n_runs, "n_runs"), record=list(index), rng=as_rng(rng),
                       base_visible_bias=np.zeros(W.shape[0]), base_hidden_bias=0.0)
        log_z, log_z_se, u, u_se, var, ess = (np.empty(bs.size) for _ in range(6))
        for j, beta in enumerate(bs):
            lw = rec["log_weights"][j]
            ess[j] = effective_sample_size(lw)
            est, se, _, _ = log_mean_exp(lw)
            log_z[j], log_z_se[j] = res.log_z_base + est, se
            v = rec["states"][j].astype(np.float64)
            x = v @ W + c
            mean = gibbs.mean_units(x, units, 1.0 / beta)
            e_cond = -(v @ b) - np.einsum("ij,ij->i", x, mean)
            v_cond = np.einsum("ij,ij->i", x * x, unit_variance(mean, units))
            w = np.exp(lw - lw.max())
            w /= w.sum()
            u[j] = w @ e_cond
            var[j] = w @ (v_cond + (e_cond - u[j]) ** 2)
            u_se[j] = math.sqrt(float(np.sum(w**2 * (e_cond - u[j]) ** 2)))
    if not all(np.all(np.isfinite(x)) for x in (log_z, u, var)):
        raise ValueError(f"temperature {ts.min():.3g} is too low for these parameters: the "
                         "tempered AIS sums are not finite; raise the temperature")
    poor = ess < ESS_WARNING_FRACTION * res.n_runs
    if np.any(poor):
        temps = ", ".join(f"{1.0 / beta:g}" for beta in bs[poor])
        warnings.warn(
            f"tempered AIS effective sample size {ess[poor].min():.1f} of {res.n_runs} runs at "
            f"temperature(s) {temps}: the estimates there rest on a few runs and their error bars "
            "cannot be trusted; use more steps (n_steps) or more runs (n_runs)",
            UnreliableEstimateWarning, stacklevel=stacklevel)
    return thermodynamics_dataset(ts, log_z, u, var, {
        "log_partition_se": (log_z_se, "standard error of log Z(T)", "1"),
        "energy_se": (u_se, "standard error of U", "1"),
        "ess": (ess, "effective sample size of the AIS runs", "1"),
    })
