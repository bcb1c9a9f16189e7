"""Analyses of the RBM flow: the N_h / N_temp scan, a systematics table, the
weight spectrum as images, and the trained RBM's own specific heat.

Builds on :mod:`thermoinfo.experiments.rbm_flow` (same data, training and flow).

1. ``scan`` (Funai, arXiv:2111.11166): training data at the N_temp temperatures
   T = 0, dT, ..., dT (N_temp - 1) (dT = 0.1 in the paper), equal numbers of
   configurations each; an RBM with N_h hidden +-1 units per (N_h, N_temp); the
   flow v -> h -> v from T = 0 (ground states) and from T = infinity (uniform
   random spins); the fixed-point energy per spin e* = mean energy of the last
   quarter of the flow. The paper (N_v = 20^2) finds e* smallest near
   N_h / N_v ~ 1/4, moving to ~0.4^2 = 0.16 as N_temp grows, and
   e* = -2 + a N_temp^b for N_temp >= 100.
2. ``systematics``: the fixed point of one baseline RBM set-up and of changes
   to one hyper-parameter at a time (N_h, epochs, learning rate, biases on/off,
   units {0, 1} vs +-1), over several seeds, read by both thermometers (energy
   through the exact u_L(T), |m| through the data's <|m|>(T)).
3. ``plot_spectrum``: eigenvalues and leading eigenvectors of W W^T as lattice
   images for RBMs trained on low-T data only and on every temperature (Iso,
   Shiba Funai & Yokoo, arXiv:1801.07172, Figs. 5-6).
4. ``heat_capacity``: the trained RBM's own heat capacity
   C(beta) = beta^2 Var_beta(E(v, h)), P_beta(v, h) ∝ exp(-beta E(v, h)),
   beta = 1 the trained model (exact enumeration of the smaller layer when it
   has <= 20 units, else tempered AIS), the inverse temperature beta* of its
   maximum (``heat_capacity_peak``), and the Ising temperature of the RBM's own
   samples at each beta (both thermometers), so that beta* can be set against
   the data's T_c.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from thermoinfo._validation import check_positive, check_positive_int, random_units
from thermoinfo.experiments._common import finalize, resolve_seed, variable_attrs
from thermoinfo.experiments.rbm_flow import STARTS, read_flow, training_data
from thermoinfo.models import RBM
from thermoinfo.systems.ising import CRITICAL_TEMPERATURE, EnergyThermometer, MagnetizationThermometer

__all__ = ["heat_capacity", "heat_capacity_peak", "plot_heat_capacity", "plot_scan", "plot_spectrum",
           "plot_systematics", "scan", "systematics"]

_REFERENCES = ("Iso, Shiba Funai & Yokoo, arXiv:1801.07172; Funai & Giataganas, arXiv:1810.08179; "
               "Funai, arXiv:2111.11166")
_HYPER = ("n_hidden", "n_epochs", "learning_rate", "biases", "units")
BASELINE = {"n_hidden": 64, "n_epochs": 20, "learning_rate": 0.001, "biases": True, "units": "spin"}
_ENERGY_TOLERANCE = 0.05
VARIATIONS = {"n_hidden": (16, 36, 100), "n_epochs": (5, 50), "learning_rate": (0.0003, 0.003, 0.01),
              "biases": (False,), "units": ("binary",)}


def _train(X: np.ndarray, n_hidden: int, *, n_epochs: int, learning_rate: float, biases: bool = True,
           units: str = "spin", batch_size: int = 10, rng: Any = None) -> RBM:
    """CD-1 on +-1 spin data X (binary units see (X + 1) / 2)."""
    data = (X + 1) // 2 if units == "binary" else X
    return RBM(X.shape[1], n_hidden, units=units, method="cd", k=1, learning_rate=learning_rate,
               batch_size=batch_size, n_epochs=n_epochs, use_visible_bias=biases,
               use_hidden_bias=biases, rng=rng).fit(data)


def _thermometers(L: int, temps: np.ndarray, X: np.ndarray, labels: np.ndarray
                  ) -> tuple[EnergyThermometer, MagnetizationThermometer]:
    am = np.abs(X.astype(np.float64).mean(axis=1))
    positive = temps[temps > 0]
    mean = np.array([am[labels == t].mean() for t in positive])
    se = np.array([am[labels == t].std(ddof=1) / np.sqrt(np.sum(labels == t)) for t in positive])
    return EnergyThermometer(L), MagnetizationThermometer.from_calibration(L, positive, mean, se)


def _starts(X: np.ndarray, labels: np.ndarray, n_chains: int, rng: np.random.Generator,
            high: str) -> dict[str, np.ndarray]:
    low = X[labels == labels.min()]
    out = {"low": low[rng.integers(0, low.shape[0], n_chains)]}
    if high == "random":
        out["high"] = -random_units(rng, (n_chains, X.shape[1]), "spin")  # negated: seeds keep their lattices
    else:
        top = X[labels == labels.max()]
        out["high"] = top[rng.integers(0, top.shape[0], n_chains)]
    return out


def scan(L: int = 10, n_hidden: Any = None, n_temperatures: Any = None, *,
         temperature_step: float = 0.1, n_per_temperature: int = 100, n_epochs: int = 20,
         learning_rate: float = 0.001, batch_size: int = 10, n_replicas: int = 2,
         n_flow_steps: int = 60, n_flow_chains: int = 100, rng: Any = None,
         progress: bool = False) -> Any:
    """Fixed-point energy of the RBM flow over N_h / N_v and N_temp (Funai 2021).

    Parameters
    ----------
    L : int
        Square lattice L x L (N_v = L^2; the paper uses L = 20).
    n_hidden : sequence of int, optional
        N_h values (default the squares 2^2 ... L^2).
    n_temperatures : sequence of int, optional
        N_temp values (>= 2): the data hold T = 0, dT, ..., dT (N_temp - 1)
        (default 10, 20, 30, 45, 60). Smaller sets are prefixes of the largest,
        so every N_temp sees the same configurations at a shared temperature.
    temperature_step : float
        dT (0.1 in the paper).
    n_per_temperature, n_epochs, learning_rate, batch_size
        Data per temperature and CD-1 training.
    n_replicas : int
        Independently trained RBMs (and flows) per point.
    n_flow_steps, n_flow_chains : int
        Flow length and chains from each end (T = 0 and uniform random spins).
    rng : seed or Generator
    progress : bool
        Show a progress bar over the trained RBMs.

    Returns
    -------
    xarray.Dataset
        ``end_energy`` and ``end_energy_se`` (n_hidden, n_temperatures, replica,
        start): the mean energy per spin of the flow's last quarter;
        ``fixed_point_energy`` the same where the flow is stationary (NaN
        otherwise); ``end_temperature`` (energy thermometer); ``flows_meet``
        (n_hidden, n_temperatures, replica: both flows stationary and ending
        within 0.05 + 3 SE of each other);
        ``fixed_point_energy_mean`` (mean over replicas and starts) and
        ``energy_minimum_ratio`` (N_h / N_v at its minimum, per N_temp);
        coordinate ``hidden_ratio`` = N_h / N_v.

    Examples
    --------
    >>> ds = scan(L=4, n_hidden=(2, 8), n_temperatures=(4, 8), temperature_step=0.5,
    ...           n_per_temperature=20, n_epochs=2, n_replicas=1, n_flow_steps=8,
    ...           n_flow_chains=4, rng=0)
    >>> ds.end_energy.dims
    ('n_hidden', 'n_temperatures', 'replica', 'start')
    """
    import xarray as xr

    started = time.perf_counter()
    seed = resolve_seed(rng)
    L = check_positive_int(L, "L", minimum=2)
    n_sites = L * L
    n_hidden = tuple(check_positive_int(n, "n_hidden") for n in
                     (n_hidden if n_hidden is not None else [k * k for k in range(2, L + 1)]))
    n_temps = tuple(check_positive_int(n, "n_temperatures", minimum=2) for n in
                    (n_temperatures if n_temperatures is not None else (10, 20, 30, 45, 60)))
    step = check_positive(temperature_step, "temperature_step")
    n_per = check_positive_int(n_per_temperature, "n_per_temperature", minimum=2)
    n_epochs = check_positive_int(n_epochs, "n_epochs")
    learning_rate = check_positive(learning_rate, "learning_rate")
    n_rep = check_positive_int(n_replicas, "n_replicas")
    n_steps = check_positive_int(n_flow_steps, "n_flow_steps", minimum=8)
    n_chains = check_positive_int(n_flow_chains, "n_flow_chains", minimum=2)

    temps = np.round(step * np.arange(max(n_temps)), 12)
    data_rng, train_rng, flow_rng = seed.spawn(3)
    X, labels = training_data(L, temps, n_per, data_rng)
    th_e, th_m = _thermometers(L, temps, X, labels)

    shape = (len(n_hidden), len(n_temps), n_rep, len(STARTS))
    end_e = np.full(shape, np.nan)
    end_e_se = np.full(shape, np.nan)
    end_t = np.full(shape, np.nan)
    stationary = np.zeros(shape, dtype=bool)
    train_seeds = train_rng.integers(0, 2**63, size=shape[:3])
    flow_seeds = flow_rng.integers(0, 2**63, size=shape[:3])
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(np.prod(shape[:3])), unit="RBM", desc="rbm_flow scan")
    for j, nt in enumerate(n_temps):
        keep = labels <= temps[nt - 1]
        for i, nh in enumerate(n_hidden):
            for r in range(n_rep):
                rbm = _train(X[keep], nh, n_epochs=n_epochs, learning_rate=learning_rate,
                             batch_size=batch_size, rng=int(train_seeds[i, j, r]))
                g = np.random.default_rng(int(flow_seeds[i, j, r]))
                starts = _starts(X[keep], labels[keep], n_chains, g, high="random")
                for k, start in enumerate(STARTS):
                    rd = read_flow(rbm, starts[start], n_steps, g, th_e, th_m)
                    end_e[i, j, r, k], end_e_se[i, j, r, k] = rd.end_energy, rd.end_energy_se
                    end_t[i, j, r, k] = rd.end_temperature
                    stationary[i, j, r, k] = rd.stationary
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()
    fixed_e = np.where(stationary, end_e, np.nan)
    meet = (np.all(stationary, axis=-1)
            & (np.abs(end_e[..., 0] - end_e[..., 1]) < _ENERGY_TOLERANCE
               + 3 * np.hypot(end_e_se[..., 0], end_e_se[..., 1])))
    mean_e = end_e.mean(axis=(2, 3))
    ratios = np.array(n_hidden) / n_sites
    minimum = ratios[np.argmin(mean_e, axis=0)]

    dims = ("n_hidden", "n_temperatures", "replica", "start")
    ds = xr.Dataset(
        {
            "end_energy": (dims, end_e, variable_attrs(
                "mean energy per spin of the last quarter of the flow", units="J")),
            "end_energy_se": (dims, end_e_se, variable_attrs(
                "standard error of end_energy (autocorrelation over steps)", units="J")),
            "fixed_point_energy": (dims, fixed_e, variable_attrs(
                "energy per spin of the flow's fixed point; NaN: not stationary", units="J")),
            "end_temperature": (dims, end_t, variable_attrs(
                "energy-thermometer temperature of end_energy", units="J/k_B")),
            "stationary": (dims, stationary.astype(np.int8), variable_attrs(
                "1 where the last two quarters of the flow agree", units="1")),
            "flows_meet": (dims[:3], meet.astype(np.int8), variable_attrs(
                "1 where both flows are stationary and end within 0.05 + 3 SE in energy",
                units="1")),
            "fixed_point_energy_mean": (dims[:2], mean_e, variable_attrs(
                "end_energy averaged over replicas and starts", units="J")),
            "energy_minimum_ratio": (("n_temperatures",), minimum, variable_attrs(
                "N_h / N_v at the minimum of fixed_point_energy_mean", units="1")),
        },
        coords={
            "n_hidden": ("n_hidden", np.array(n_hidden), variable_attrs("hidden units N_h", units="1")),
            "hidden_ratio": ("n_hidden", ratios, variable_attrs("N_h / N_v", units="1")),
            "n_temperatures": ("n_temperatures", np.array(n_temps), variable_attrs(
                "temperatures in the training data, T = 0, dT, ..., dT (N_temp - 1)", units="1")),
            "max_temperature": ("n_temperatures", step * (np.array(n_temps) - 1), variable_attrs(
                "highest training temperature", units="J/k_B")),
            "replica": ("replica", np.arange(n_rep), variable_attrs("independently trained RBM",
                                                                    units="1")),
            "start": ("start", np.array(STARTS, dtype=str), variable_attrs(
                "start of the flow: T = 0 ground states or uniform random spins (T = infinity)",
                units="1")),
        },
    )
    ds.attrs.update({"critical_temperature": float(CRITICAL_TEMPERATURE), "L": L,
                     "temperature_step": step})
    return finalize(ds, experiment="rbm_flow", title="RBM flow: fixed-point energy over N_h and N_temp",
                    references=_REFERENCES, seed=seed, quick=False, started=started,
                    parameters={"n_per_temperature": n_per, "n_epochs": n_epochs,
                                "learning_rate": learning_rate, "batch_size": batch_size,
                                "n_flow_steps": n_steps, "n_flow_chains": n_chains})


def _settings(baseline: dict, variations: dict) -> list[tuple[str, dict]]:
    out = [("baseline", dict(baseline))]
    for name, values in variations.items():
        if name not in _HYPER:
            raise ValueError(f"variations: unknown hyper-parameter {name!r}; expected one of {_HYPER}")
        for value in values:
            if value == baseline[name]:
                continue
            out.append((f"{name}={value}", {**baseline, name: value}))
    return out


def systematics(L: int = 10, *, baseline: dict | None = None, variations: dict | None = None,
                n_replicas: int = 3, temperatures: Any = None, n_per_temperature: int = 100,
                batch_size: int = 10, n_flow_steps: int = 60, n_flow_chains: int = 100,
                rng: Any = None, progress: bool = False) -> Any:
    """Fixed point of the RBM flow for a baseline set-up and one change at a time.

    Every setting trains ``n_replicas`` RBMs on the same data (T = 0, 0.25, ...,
    6 by default); replica r uses the same training and flow seeds in every
    setting, so differences between settings are not seed noise. The flows
    start from the lowest and the highest data temperature, as in
    :func:`thermoinfo.experiments.rbm_flow.run`.

    Parameters
    ----------
    L : int
        Square lattice L x L.
    baseline : dict, optional
        ``n_hidden``, ``n_epochs``, ``learning_rate``, ``biases`` (bool: both
        biases learned or both kept at 0), ``units`` ("spin" or "binary");
        default ``BASELINE``.
    variations : dict, optional
        Hyper-parameter -> values tried instead of the baseline's (default
        ``VARIATIONS``).
    n_replicas : int
        Seeds per setting.
    temperatures : sequence of float, optional
        Data temperatures (default 0, 0.25, ..., 6).
    n_per_temperature, batch_size, n_flow_steps, n_flow_chains
        As in :func:`thermoinfo.experiments.rbm_flow.run`.
    rng : seed or Generator
    progress : bool
        Show a progress bar over the trained RBMs.

    Returns
    -------
    xarray.Dataset
        Over (setting, replica, start): ``fixed_point_temperature`` (energy
        thermometer; NaN where not stationary), ``fixed_point_temperature_abs_m``
        (|m| thermometer), ``end_temperature``, ``end_energy``; per setting the
        hyper-parameters as coordinates and ``fixed_point_mean`` /
        ``fixed_point_spread`` (mean and standard deviation over replicas and
        starts, per thermometer).

    Examples
    --------
    >>> ds = systematics(L=4, baseline={"n_hidden": 4, "n_epochs": 2, "learning_rate": 0.01,
    ...                  "biases": True, "units": "spin"}, variations={"units": ("binary",)},
    ...                  n_replicas=1, temperatures=[0.0, 2.0, 4.0], n_per_temperature=20,
    ...                  n_flow_steps=8, n_flow_chains=4, rng=0)
    >>> [str(s) for s in ds.setting.values]
    ['baseline', 'units=binary']
    """
    import xarray as xr

    started = time.perf_counter()
    seed = resolve_seed(rng)
    L = check_positive_int(L, "L", minimum=2)
    base = dict(BASELINE if baseline is None else baseline)
    missing = set(_HYPER) - set(base)
    if missing:
        raise ValueError(f"baseline must give {_HYPER} (missing {sorted(missing)})")
    settings = _settings(base, VARIATIONS if variations is None else variations)
    for label, s in settings:
        check_positive_int(s["n_hidden"], "n_hidden")
        check_positive_int(s["n_epochs"], "n_epochs")
        check_positive(s["learning_rate"], "learning_rate")
        if s["units"] not in ("spin", "binary"):
            raise ValueError(f"units must be 'spin' or 'binary' (got {s['units']!r} in {label})")
    n_rep = check_positive_int(n_replicas, "n_replicas")
    temps = np.sort(np.asarray(temperatures if temperatures is not None else np.arange(25) * 0.25,
                               dtype=float))
    if temps.ndim != 1 or temps.size < 2 or np.any(~np.isfinite(temps)) or np.any(temps < 0):
        raise ValueError("temperatures must be a 1-D grid of at least 2 finite values >= 0")
    n_per = check_positive_int(n_per_temperature, "n_per_temperature", minimum=2)
    n_steps = check_positive_int(n_flow_steps, "n_flow_steps", minimum=8)
    n_chains = check_positive_int(n_flow_chains, "n_flow_chains", minimum=2)

    data_rng, train_rng, flow_rng = seed.spawn(3)
    X, labels = training_data(L, temps, n_per, data_rng)
    th_e, th_m = _thermometers(L, temps, X, labels)
    train_seeds = train_rng.integers(0, 2**63, size=n_rep)
    flow_seeds = flow_rng.integers(0, 2**63, size=n_rep)

    shape = (len(settings), n_rep, len(STARTS))
    fp = np.full(shape, np.nan)
    fp_m = np.full(shape, np.nan)
    end_t = np.full(shape, np.nan)
    end_e = np.full(shape, np.nan)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(np.prod(shape[:2])), unit="RBM", desc="rbm_flow systematics")
    for i, (_, s) in enumerate(settings):
        for r in range(n_rep):
            rbm = _train(X, int(s["n_hidden"]), n_epochs=int(s["n_epochs"]),
                         learning_rate=float(s["learning_rate"]), biases=bool(s["biases"]),
                         units=s["units"], batch_size=batch_size, rng=int(train_seeds[r]))
            g = np.random.default_rng(int(flow_seeds[r]))
            starts = _starts(X, labels, n_chains, g, high="data")
            for k, start in enumerate(STARTS):
                rd = read_flow(rbm, starts[start], n_steps, g, th_e, th_m)
                end_t[i, r, k], end_e[i, r, k] = rd.end_temperature, rd.end_energy
                if rd.stationary:
                    fp[i, r, k], fp_m[i, r, k] = rd.end_temperature, rd.end_temperature_abs_m
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()

    both = np.stack([fp, fp_m], axis=1)            # (setting, thermometer, replica, start)
    flat = both.reshape(len(settings), 2, -1)
    count = np.sum(np.isfinite(flat), axis=-1)
    with np.errstate(invalid="ignore"):
        mean = np.where(count > 0, np.nansum(flat, axis=-1) / np.maximum(count, 1), np.nan)
        centred = np.where(np.isfinite(flat), flat - mean[..., None], 0.0)
        spread = np.where(count > 1, np.sqrt(np.sum(centred**2, axis=-1) / np.maximum(count - 1, 1)),
                          np.nan)
    dims = ("setting", "replica", "start")
    units = "J/k_B"
    ds = xr.Dataset(
        {
            "fixed_point_temperature": (dims, fp, variable_attrs(
                "fixed-point temperature, energy thermometer; NaN: not stationary", units=units)),
            "fixed_point_temperature_abs_m": (dims, fp_m, variable_attrs(
                "fixed-point temperature, |m| thermometer (data calibration)", units=units)),
            "end_temperature": (dims, end_t, variable_attrs(
                "energy-thermometer temperature of the last quarter, stationary or not", units=units)),
            "end_energy": (dims, end_e, variable_attrs(
                "mean energy per spin of the last quarter of the flow", units="J")),
            "fixed_point_mean": (("setting", "thermometer"), mean, variable_attrs(
                "mean stationary fixed point over replicas and starts", units=units)),
            "fixed_point_spread": (("setting", "thermometer"), spread, variable_attrs(
                "standard deviation of the fixed point over replicas and starts", units=units)),
            "n_stationary": (("setting", "thermometer"), count, variable_attrs(
                "stationary flows (of replicas x starts)", units="1")),
        },
        coords={
            "setting": ("setting", np.array([label for label, _ in settings], dtype=str),
                        variable_attrs("hyper-parameters changed from the baseline", units="1")),
            "thermometer": ("thermometer", np.array(["energy", "abs_m"], dtype=str),
                            variable_attrs("thermometer: exact u_L(T) or the data's <|m|>(T)",
                                           units="1")),
            "replica": ("replica", np.arange(n_rep), variable_attrs("seed", units="1")),
            "start": ("start", np.array(STARTS, dtype=str), variable_attrs("start of the flow",
                                                                           units="1")),
            **{name: ("setting", np.array([s[name] for _, s in settings]),
                      variable_attrs(f"RBM {name}", units="1")) for name in _HYPER},
        },
    )
    ds["biases"] = ds["biases"].astype(np.int8)
    ds.attrs.update({"critical_temperature": float(CRITICAL_TEMPERATURE), "L": L})
    return finalize(ds, experiment="rbm_flow", title="RBM flow: fixed-point systematics",
                    references=_REFERENCES, seed=seed, quick=False, started=started,
                    parameters={"n_per_temperature": n_per, "batch_size": batch_size,
                                "n_flow_steps": n_steps, "n_flow_chains": n_chains})


def heat_capacity(L: int = 10, n_hidden: Any = (16,), training: Any = ("all", "low"), *,
                  rbm_betas: Any = None, temperatures: Any = None, n_per_temperature: int = 100,
                  n_epochs: int = 20, learning_rate: float = 0.01, batch_size: int = 10,
                  n_samples: int = 200, n_gibbs_steps: int = 200, n_ais_runs: int = 50,
                  n_ais_steps: int = 1000, rng: Any = None) -> Any:
    """Heat capacity of trained RBMs against their own beta, and the Ising temperature of
    their samples at each beta.

    Parameters
    ----------
    L : int
        Square lattice L x L.
    n_hidden : sequence of int
        N_h values.
    training : sequence of {"all", "low", "high"}
        Training sets (every temperature, T < T_c only, T > T_c only).
    rbm_betas : sequence of float, optional
        Increasing inverse temperatures of the RBM (default 0.1, 0.2, ..., 2).
    temperatures : sequence of float, optional
        Data temperatures (default 0, 0.25, ..., 6).
    n_per_temperature, n_epochs, learning_rate, batch_size
        Data and CD-1 training (+-1 units).
    n_samples, n_gibbs_steps : int
        Block-Gibbs chains (from uniform random spins) and steps at each beta
        for the Ising thermometers.
    n_ais_runs, n_ais_steps : int
        Tempered AIS when both layers have more than 20 units.
    rng : seed or Generator

    Returns
    -------
    xarray.Dataset
        Over (n_hidden, training, rbm_beta): ``heat_capacity``,
        ``ising_temperature`` (energy thermometer of the samples),
        ``ising_temperature_abs_m``; over (n_hidden, training): ``peak_beta``
        (beta*), ``peak_ising_temperature`` (the energy thermometer at beta*,
        interpolated), ``heat_capacity_at_one`` (C of the trained model).

    Examples
    --------
    >>> ds = heat_capacity(L=3, n_hidden=(2,), training=("all",), rbm_betas=[0.5, 1.0, 1.5],
    ...                    temperatures=[0.0, 2.0, 4.0], n_per_temperature=20, n_epochs=2,
    ...                    n_samples=10, n_gibbs_steps=5, rng=0)
    >>> ds.heat_capacity.dims
    ('n_hidden', 'training', 'rbm_beta')
    """
    import xarray as xr

    from thermoinfo.experiments.rbm_flow import TRAINING_SETS

    started = time.perf_counter()
    seed = resolve_seed(rng)
    L = check_positive_int(L, "L", minimum=2)
    n_hidden = tuple(check_positive_int(n, "n_hidden") for n in n_hidden)
    training = tuple(training)
    for t in training:
        if t not in TRAINING_SETS:
            raise ValueError(f"training must be a sequence of {TRAINING_SETS} (got {t!r})")
    betas = np.asarray(rbm_betas if rbm_betas is not None else np.round(np.arange(1, 21) * 0.1, 10),
                       dtype=np.float64)
    if betas.ndim != 1 or betas.size < 3 or np.any(~np.isfinite(betas)) or np.any(np.diff(betas) <= 0) \
            or betas[0] <= 0:
        raise ValueError("rbm_betas must be an increasing 1-D grid of at least 3 values > 0")
    temps = np.sort(np.asarray(temperatures if temperatures is not None else np.arange(25) * 0.25,
                               dtype=float))
    if temps.ndim != 1 or temps.size < 2 or np.any(~np.isfinite(temps)) or np.any(temps < 0):
        raise ValueError("temperatures must be a 1-D grid of at least 2 finite values >= 0")
    n_per = check_positive_int(n_per_temperature, "n_per_temperature", minimum=2)
    n_epochs = check_positive_int(n_epochs, "n_epochs")
    learning_rate = check_positive(learning_rate, "learning_rate")
    n_samples = check_positive_int(n_samples, "n_samples", minimum=2)
    n_gibbs = check_positive_int(n_gibbs_steps, "n_gibbs_steps")

    data_rng, train_rng, thermo_rng = seed.spawn(3)
    X, labels = training_data(L, temps, n_per, data_rng)
    th_e, th_m = _thermometers(L, temps, X, labels)
    shape = (len(n_hidden), len(training))
    heat = np.full((*shape, betas.size), np.nan)
    t_e = np.full((*shape, betas.size), np.nan)
    t_m = np.full((*shape, betas.size), np.nan)
    train_seeds = train_rng.integers(0, 2**63, size=shape)
    thermo_seeds = thermo_rng.integers(0, 2**63, size=shape)
    keeps = {"all": np.ones(labels.size, bool), "low": labels < CRITICAL_TEMPERATURE,
             "high": labels > CRITICAL_TEMPERATURE}
    for i, nh in enumerate(n_hidden):
        for j, t in enumerate(training):
            rbm = _train(X[keeps[t]], nh, n_epochs=n_epochs, learning_rate=learning_rate,
                         batch_size=batch_size, rng=int(train_seeds[i, j]))
            g = np.random.default_rng(int(thermo_seeds[i, j]))
            method = "exact" if min(L * L, nh) <= 20 else "mc"
            td = rbm.thermodynamics(1.0 / betas, method=method, rng=g, n_runs=n_ais_runs,
                                    n_steps=n_ais_steps)
            heat[i, j] = td.heat_capacity.values
            for k, beta in enumerate(betas):
                v = rbm.sample(n_samples, n_gibbs, temperature=1.0 / beta, rng=g)
                e = th_e.energies(v.reshape(-1, L, L))
                t_e[i, j, k] = th_e.temperature_of_energy(float(e.mean()))
                t_m[i, j, k] = th_m.temperature_of_abs_m(float(np.abs(v.mean(axis=1)).mean()))
    peak = np.array([[heat_capacity_peak(betas, heat[i, j]) for j in range(shape[1])]
                     for i in range(shape[0])])
    peak_t = np.array([[np.interp(peak[i, j], betas, t_e[i, j]) for j in range(shape[1])]
                       for i in range(shape[0])])
    at_one = np.array([[np.interp(1.0, betas, heat[i, j]) for j in range(shape[1])]
                       for i in range(shape[0])])
    dims = ("n_hidden", "training")
    units = "J/k_B"
    ds = xr.Dataset(
        {
            "heat_capacity": ((*dims, "rbm_beta"), heat, variable_attrs(
                "heat capacity beta^2 Var(E(v, h)) of the RBM at its own beta", units="1")),
            "ising_temperature": ((*dims, "rbm_beta"), t_e, variable_attrs(
                "Ising temperature of the RBM's samples at beta (energy thermometer)", units=units)),
            "ising_temperature_abs_m": ((*dims, "rbm_beta"), t_m, variable_attrs(
                "Ising temperature of the RBM's samples at beta (|m| thermometer)", units=units)),
            "peak_beta": (dims, peak, variable_attrs("beta of the maximum of heat_capacity", units="1")),
            "peak_ising_temperature": (dims, peak_t, variable_attrs(
                "ising_temperature interpolated at peak_beta", units=units)),
            "heat_capacity_at_one": (dims, at_one, variable_attrs(
                "heat capacity of the trained model (beta = 1, interpolated)", units="1")),
        },
        coords={
            "n_hidden": ("n_hidden", np.array(n_hidden), variable_attrs("hidden units N_h", units="1")),
            "training": ("training", np.array(training, dtype=str),
                         variable_attrs("training data set", units="1")),
            "rbm_beta": ("rbm_beta", betas, variable_attrs(
                "inverse temperature of the RBM (1: the trained model)", units="1")),
        },
    )
    ds.attrs.update({"critical_temperature": float(CRITICAL_TEMPERATURE), "L": L})
    return finalize(ds, experiment="rbm_flow", title="Heat capacity of RBMs trained on Ising data",
                    references=_REFERENCES, seed=seed, quick=False, started=started,
                    parameters={"n_per_temperature": n_per, "n_epochs": n_epochs,
                                "learning_rate": learning_rate, "batch_size": batch_size,
                                "n_samples": n_samples, "n_gibbs_steps": n_gibbs})


def plot_heat_capacity(ds: Any) -> Any:
    """C(beta) of each trained RBM (left) and the Ising temperature of its samples (right)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4))
    ax, ax2 = fig.subplots(1, 2)
    for nh in ds.n_hidden.values:
        for t in ds.training.values:
            p = ds.sel(n_hidden=nh, training=t)
            (line,) = ax.plot(ds.rbm_beta, p.heat_capacity, "o-", ms=3, label=f"N_h = {int(nh)}, {t} data")
            ax.axvline(float(p.peak_beta), color=line.get_color(), ls=":", lw=0.8)
            ax2.plot(ds.rbm_beta, p.ising_temperature, "o-", ms=3, color=line.get_color())
            ax2.plot(ds.rbm_beta, p.ising_temperature_abs_m, "s--", ms=2, color=line.get_color(), alpha=0.5)
    ax.set_xlabel("beta of the RBM (1: trained)")
    ax.set_ylabel("heat capacity C(beta)")
    ax.legend(fontsize=7)
    ax2.axhline(ds.attrs["critical_temperature"], color="k", ls=":", lw=0.8, label="T_c")
    ax2.set_ylim(0, 8)
    ax2.set_xlabel("beta of the RBM")
    ax2.set_ylabel("Ising temperature of its samples (dashed: |m|)")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def heat_capacity_peak(beta: Any, heat_capacity: Any) -> float:
    """beta* of the maximum of C(beta) on a grid, refined by the parabola through the
    grid maximum and its neighbours (the grid maximum itself at an end of the grid).

    Parameters
    ----------
    beta : 1-D array_like
        Increasing inverse temperatures (at least 3).
    heat_capacity : 1-D array_like
        C at each beta (finite).

    Examples
    --------
    >>> b = np.linspace(0.5, 1.5, 11)
    >>> round(heat_capacity_peak(b, 1 - (b - 0.93) ** 2), 10)
    0.93
    """
    b = np.asarray(beta, dtype=np.float64)
    c = np.asarray(heat_capacity, dtype=np.float64)
    if b.ndim != 1 or b.size < 3 or np.any(np.diff(b) <= 0):
        raise ValueError("beta must be an increasing 1-D grid of at least 3 values")
    if c.shape != b.shape or not np.all(np.isfinite(c)):
        raise ValueError(f"heat_capacity must be finite with the shape of beta {b.shape}")
    k = int(np.argmax(c))
    if k in (0, b.size - 1):
        return float(b[k])
    x, y = b[k - 1:k + 2], c[k - 1:k + 2]
    a2, a1, _ = np.polyfit(x, y, 2)
    return float(-a1 / (2 * a2)) if a2 < 0 else float(b[k])


def plot_scan(ds: Any) -> Any:
    """Fixed-point energy against N_h / N_v, one colour per N_temp: solid from T = 0,
    dashed from random spins (mean over replicas; bars: their standard deviation)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.subplots()
    for nt in ds.n_temperatures.values:
        color = None
        for start, ls in (("low", "-"), ("high", "--")):
            e = ds.end_energy.sel(n_temperatures=nt, start=start)
            spread = e.std("replica") if e.sizes["replica"] > 1 else None
            line = ax.errorbar(ds.hidden_ratio, e.mean("replica"), yerr=spread, fmt="o" + ls, ms=3,
                               capsize=2, color=color,
                               label=f"N_temp = {int(nt)}, from {'T = 0' if start == 'low' else 'random'}")
            color = line.lines[0].get_color()
    ax.axvspan(0.16, 0.25, color="0.9", label="0.16-0.25 (Funai 2021)")
    ax.set_xlabel("N_h / N_v")
    ax.set_ylabel("energy per spin at the end of the flow")
    ax.set_title(f"L = {ds.attrs['L']}, T = 0, {ds.attrs['temperature_step']:g}, ..., "
                 f"{ds.attrs['temperature_step']:g} (N_temp - 1)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_systematics(ds: Any) -> Any:
    """Fixed point per setting, both thermometers, with the seed spread."""
    from matplotlib.figure import Figure

    n = ds.sizes["setting"]
    fig = Figure(figsize=(6, 0.35 * n + 1.2))
    ax = fig.subplots()
    y = np.arange(n)
    right = 8.0
    for off, th, marker in ((-0.15, "energy", "o"), (0.15, "abs_m", "s")):
        mean = ds.fixed_point_mean.sel(thermometer=th).values
        inside = mean <= right
        ax.errorbar(mean[inside], y[inside] + off,
                    xerr=ds.fixed_point_spread.sel(thermometer=th).values[inside], fmt=marker, ms=4,
                    capsize=2, label={"energy": "energy thermometer", "abs_m": "|m| thermometer"}[th])
        for k in np.flatnonzero(mean > right):   # beyond the axis: an arrow and the value
            ax.annotate(f"{mean[k]:.3g} →", (right, y[k] + off), ha="right", va="center", fontsize=7)
    ax.set_xlim(0.0, right)
    ax.axvline(ds.attrs["critical_temperature"], color="k", ls=":", lw=0.8, label="T_c")
    ax.set_yticks(y, [str(s) for s in ds.setting.values], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("fixed-point temperature")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_spectrum(ds: Any, n_hidden: int | None = None, replica: int = 0) -> Any:
    """Eigenvalues of W W^T (left) and its leading eigenvectors as lattice images, one
    row per training set, from a :func:`thermoinfo.experiments.rbm_flow.run` Dataset."""
    from matplotlib.figure import Figure

    sel = ds.isel(replica=replica)
    sel = sel.isel(n_hidden=-1) if n_hidden is None else sel.sel(n_hidden=n_hidden)
    trainings = [str(t) for t in ds.training.values]
    n_modes = ds.sizes["leading_mode"]
    fig = Figure(figsize=(3.2 + 1.6 * n_modes, 1.8 * len(trainings) + 0.6))
    grid = fig.add_gridspec(len(trainings), n_modes + 2, width_ratios=[3, 0.3] + [1] * n_modes)
    ax = fig.add_subplot(grid[:, 0])
    rank = min(int(sel.n_hidden), sel.sizes["mode"])
    for t in trainings:
        ev = sel.weight_eigenvalues.sel(training=t).values[:rank]
        ax.semilogy(np.arange(1, rank + 1), ev, "o-", ms=2, label=f"{t} data")
    ax.set_xlabel("mode (the other N_v - N_h are 0)")
    ax.set_ylabel("eigenvalue of W W^T")
    ax.set_title(f"N_h = {int(sel.n_hidden)}", fontsize=9)
    ax.legend(fontsize=7)
    for row, t in enumerate(trainings):
        ev = sel.weight_eigenvalues.sel(training=t).values
        for m in range(n_modes):
            a = fig.add_subplot(grid[row, m + 2])
            img = sel.weight_eigenvectors.sel(training=t).isel(leading_mode=m).values
            if img.ndim == 1:
                img = img[None, :]
            lim = float(np.abs(img).max()) or 1.0
            a.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
            a.set_xticks([])
            a.set_yticks([])
            a.set_title(f"{t}: λ{m + 1} = {ev[m]:.3g}", fontsize=7)
    fig.tight_layout()
    return fig
