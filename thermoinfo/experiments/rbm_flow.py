"""The RBM flow of Ising configurations and its fixed point near T_c.

Set-up (Iso, Shiba Funai & Yokoo, Phys. Rev. E 97, 053304 (2018), arXiv:1801.07172;
Funai & Giataganas, Phys. Rev. Research 2, 033415 (2020), arXiv:1810.08179):

1. Data: equilibrium configurations of the periodic L x L Ising model (J = 1,
   H = 0) at T = 0, 0.25, ..., 6 (``thermoinfo.systems.ising.sample``; T = 0 is
   the two ground states; every configuration gets a random global sign, an
   exact symmetry at H = 0).
2. An RBM with N_v = L^2 visible and N_h hidden +-1 units,
   E(v, h) = -v.W.h - b.v - c.h, trained by CD-1 on the mixed-temperature data
   (optionally only on the low-T or only on the high-T half).
3. The flow: starting from configurations at T = 0 ("low") or T = 6 ("high"),
   iterate v -> h -> v', h ~ P(h | v), v' ~ P(v | h) (one block Gibbs step of the
   trained RBM, sampled units, as in the papers).
4. Thermometers along the flow: the energy per spin e of the flowed
   configurations read through the exact finite-L u_L(T) of Kaufman
   (T_E = u_L^{-1}(e), SE = SE(e) / c_L), and <|m|> read through the <|m|>(T)
   curve of the training data (T_m).
5. Fixed point of a flow: the temperature read from the last quarter of the
   steps (autocorrelation-aware error over steps), kept when it agrees with the
   third quarter within 0.1 + 3 SE (a stationary flow); NaN otherwise. The low
   and high flows of one RBM *meet* when their fixed points agree within
   0.1 + 3 SE; ``common_fixed_point_temperature`` is NaN where they do not (the
   flow splits).

The papers report flows from both ends meeting near T_c = 2/ln(1 + sqrt 2)
≈ 2.269 for N_h < N_v, and no such fixed point for RBMs trained on only low-T or
only high-T data. The fixed point moves with N_h, epochs, learning rate and the
thermometer, so the full run reports several RBMs and seeds.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from thermoinfo._autocorrelation import mcmc_mean
from thermoinfo._validation import check_positive, check_positive_int
from thermoinfo.experiments._common import finalize, resolve_seed, variable_attrs
from thermoinfo.models import RBM
from thermoinfo.systems.ising import (
    CRITICAL_TEMPERATURE,
    EnergyThermometer,
    MagnetizationThermometer,
    configuration_energy,
    exact,
    sample,
)

__all__ = ["FlowReading", "fixed_point", "flow", "plot", "read_flow", "run", "specific_heat_peak",
           "training_data"]

TRAINING_SETS = ("all", "low", "high")
STARTS = ("low", "high")
_TOLERANCE = 0.1


def training_data(L: int, temperatures: np.ndarray, n_per_temperature: int, rng: np.random.Generator,
                  dim: int = 2, field: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Configurations (n, L^dim) int8 and their temperature labels; T = 0 gives ground states.

    At H = 0 every configuration gets a random global sign (an exact symmetry)."""
    n_sites = L**dim
    positive = temperatures[temperatures > 0]
    parts, labels = [], []
    if np.any(temperatures == 0):
        ground = np.full((n_per_temperature, n_sites), -1 if field < 0 else 1, dtype=np.int8)
        parts.append(ground)
        labels.append(np.zeros(n_per_temperature))
    if positive.size:
        da = sample(L, positive, n_per_temperature, H=field, dim=dim, rng=rng)
        parts.append(da.values.reshape(-1, n_sites))
        labels.append(np.repeat(positive, n_per_temperature))
    X = np.concatenate(parts)
    if field == 0.0:
        signs = np.where(rng.random(X.shape[0]) < 0.5, np.int8(1), np.int8(-1))
        X = (X * signs[:, None]).astype(np.int8)
    return X, np.concatenate(labels)


def specific_heat_peak(L: int, dim: int = 2, field: float = 0.0) -> float:
    """Temperature of the maximum of the exact finite-L specific heat c_L(T)."""
    from scipy.optimize import minimize_scalar

    grid = np.linspace(0.2, 8.0, 157)
    c = np.array([exact(L, t, field, dim).c for t in grid])
    k = int(np.argmax(c))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = minimize_scalar(lambda t: -exact(L, t, field, dim).c, bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-8})
    return float(res.x)


def flow(rbm: RBM, v0: np.ndarray, n_steps: int, rng: np.random.Generator) -> np.ndarray:
    """Configurations along the RBM flow, (n_steps + 1, n_chains, n_visible) int8 (step 0 = v0).

    Configurations are +-1 spins in and out; an RBM with binary {0, 1} units
    sees (s + 1) / 2 and its samples are mapped back to s = 2 v - 1.

    Raises
    ------
    ValueError
        ``v0`` is not (n_chains, n_visible) of +-1 spins for this RBM (e.g. a
        lattice of another size than the one the RBM was trained on).
    """
    v0 = np.asarray(v0)
    if v0.ndim != 2 or v0.shape[1] != rbm.n_visible:
        raise ValueError(f"v0 must be (n_chains, {rbm.n_visible}) configurations for an RBM with "
                         f"n_visible = {rbm.n_visible} (got shape {v0.shape}); a lattice of "
                         f"{rbm.n_visible} sites is needed")
    if not np.all((v0 == 1) | (v0 == -1)):
        raise ValueError("v0 must hold spins -1, +1")
    v0 = v0.astype(np.int8)
    binary = rbm.units == "binary"
    out = np.empty((n_steps + 1, *v0.shape), dtype=np.int8)
    out[0] = v0
    v = (v0 + 1) // 2 if binary else v0
    for t in range(n_steps):
        v = rbm.sample(v.shape[0], n_steps=1, init=v, rng=rng)
        out[t + 1] = 2 * v - 1 if binary else v
    return out


@dataclasses.dataclass(frozen=True)
class FlowReading:
    """One flow read by both thermometers (series over steps 0..n_steps)."""

    energy: np.ndarray
    """Mean energy per spin at each step."""
    abs_m: np.ndarray
    """Mean |m| at each step."""
    temperature: np.ndarray
    """Energy-thermometer temperature at each step."""
    temperature_abs_m: np.ndarray
    """|m|-thermometer temperature at each step."""
    end_temperature: float
    """Energy-thermometer temperature of the last quarter (stationary or not)."""
    end_temperature_se: float
    end_energy: float
    """Mean energy per spin of the last quarter."""
    end_energy_se: float
    end_temperature_abs_m: float
    """|m|-thermometer temperature of the last quarter's mean |m|."""
    stationary: bool
    """Whether the last two quarters agree (a fixed point)."""


def read_flow(rbm: RBM, v0: np.ndarray, n_steps: int, rng: np.random.Generator,
              energy_thermometer: EnergyThermometer,
              abs_m_thermometer: MagnetizationThermometer) -> FlowReading:
    """Run :func:`flow` from ``v0`` and read it with both thermometers.

    The lattice (L, dim, field) is the energy thermometer's."""
    th = energy_thermometer
    n_sites = th.L**th.dim
    lattice = (th.L,) * th.dim
    path = flow(rbm, v0, n_steps, rng)
    e = configuration_energy(path.reshape(-1, *lattice), th.J, th.H, th.dim)
    e_chains = e.reshape(n_steps + 1, -1).T / n_sites          # (n_chains, n_steps + 1)
    e = e_chains.mean(axis=0)
    am = np.abs(path.astype(np.float64).mean(axis=2)).mean(axis=1)
    t_end, se, stationary = fixed_point(e_chains, th)
    q = max(2, n_steps // 4)
    last = mcmc_mean(e_chains[:, -q:], "flow energy", warn=False)
    return FlowReading(
        energy=e, abs_m=am,
        temperature=np.array([th.temperature_of_energy(x) for x in e]),
        temperature_abs_m=np.array([abs_m_thermometer.temperature_of_abs_m(x) for x in am]),
        end_temperature=t_end, end_temperature_se=se, end_energy=last.value, end_energy_se=last.stderr,
        end_temperature_abs_m=abs_m_thermometer.temperature_of_abs_m(float(am[-q:].mean())),
        stationary=stationary)


def fixed_point(series: np.ndarray, th: EnergyThermometer) -> tuple[float, float, bool]:
    """(T, SE, stationary) of a flow from its energy per spin: ``series`` is (n_steps + 1,)
    (the mean over chains) or (n_chains, n_steps + 1) (each chain; a better error bar,
    since the autocorrelation is then averaged over chains)."""
    series = np.asarray(series, dtype=np.float64)
    n = series.shape[-1]
    q = max(2, n // 4)
    last = mcmc_mean(series[..., -q:], "flow energy", warn=False)
    prev = mcmc_mean(series[..., -2 * q:-q], "flow energy", warn=False)
    readings = []
    for r in (prev, last):
        T = th.temperature_of_energy(r.value)
        se = r.stderr / exact(th.L, T, th.H, th.dim, th.J).c if 0 < T < np.inf else float("nan")
        readings.append((T, se))
    (t_prev, se_prev), (t_last, se_last) = readings
    stationary = bool(np.isfinite(t_last) and np.isfinite(t_prev)
                      and abs(t_last - t_prev) < _TOLERANCE + 3 * np.hypot(se_prev, se_last))
    return t_last, se_last, stationary


def run(L: int = 10, n_hidden: Any = None, training: Any = None, *, dim: int = 2, field: float = 0.0,
        temperatures: Any = None,
        n_per_temperature: int | None = None, n_epochs: int | None = None,
        learning_rate: float = 0.001, batch_size: int = 10, n_replicas: int | None = None,
        n_flow_steps: int | None = None, n_flow_chains: int | None = None,
        rbm_betas: Any = None, quick: bool = False, rng: Any = None, progress: bool = False) -> Any:
    """Train RBMs on Ising data, run the flow from both ends, find its fixed point.

    Parameters
    ----------
    L : int
        Lattice size (N_v = L^dim; the papers use 10 x 10).
    dim : {1, 2}
        Square lattice or chain.
    field : float
        Magnetic field H of the data (a chain, or 2D with L <= 5, where the
        exact energy thermometer exists); ``specific_heat_peak_temperature`` in
        the attrs is the maximum of the exact c_L(T) to compare the fixed point with.
    n_hidden : sequence of int, optional
        N_h values (default 16, 36, 64, 81, 100; quick: 64).
    training : sequence of {"all", "low", "high"}, optional
        Training sets: every temperature, only T < T_c, only T > T_c
        (default all three; quick: "all").
    temperatures : sequence of float, optional
        Data temperatures (default 0, 0.25, ..., 6).
    n_per_temperature : int, optional
        Configurations per temperature (default 1000, the papers'; quick 100).
    n_epochs : int, optional
        CD-1 epochs (default 100; quick 20).
    learning_rate, batch_size
        CD-1 step size (on the minibatch-mean gradient) and minibatch size.
    n_replicas : int, optional
        Independently trained RBMs per setting (default 3; quick 1).
    n_flow_steps : int, optional
        Steps of the flow (default 200; quick 60).
    n_flow_chains : int, optional
        Configurations flowed from each end (default 200; quick 100).
    rbm_betas : sequence of float, optional
        Inverse temperatures beta of each trained RBM's own Boltzmann
        distribution exp(-beta E(v, h)) (beta = 1 is the trained model) at which
        its heat capacity C = beta^2 Var(E) is computed (exact for a layer of
        <= 20 units, else tempered AIS). Default 0.2, 0.3, ..., 2.0; quick: none.
    quick : bool
        Small sizes: under three minutes on 2 cores, and still a fixed point.
    rng : seed or Generator
    progress : bool
        Show a progress bar over the trained RBMs.

    Returns
    -------
    xarray.Dataset
        ``fixed_point_temperature`` (n_hidden, training, replica, start; NaN where
        a flow is not stationary), its ``_se``, the |m|-thermometer version,
        ``common_fixed_point_temperature`` (NaN where the two flows do not meet),
        the flows (``flow_temperature``, ``flow_temperature_abs_m``,
        ``flow_energy``, ``flow_abs_m`` over ``step``), the spectrum of W W^T
        (``weight_eigenvalues``, ``weight_eigenvectors``) and the data check
        (``data_energy`` against the exact ``exact_energy`` per temperature).

    Examples
    --------
    >>> ds = run(quick=True, rng=0)                       # doctest: +SKIP
    >>> float(ds.fixed_point_temperature.mean())          # doctest: +SKIP
    2.26
    """
    import xarray as xr

    started = time.perf_counter()
    seed = resolve_seed(rng)
    L = check_positive_int(L, "L", minimum=2)
    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2 (got {dim!r})")
    field = float(field)
    if not np.isfinite(field):
        raise ValueError(f"field must be finite (got {field})")
    if dim == 2 and field != 0.0 and L > 5:
        raise ValueError(f"field: the 2D energy thermometer in a field needs L <= 5 (got L = {L}); "
                         "use dim=1 for a chain in a field")
    n_sites = L**dim
    lattice = (L,) if dim == 1 else (L, L)
    n_hidden = tuple(int(check_positive_int(n, "n_hidden")) for n in
                     (n_hidden if n_hidden is not None else ((64,) if quick else (16, 36, 64, 81, 100))))
    training = tuple(training if training is not None else (("all",) if quick else TRAINING_SETS))
    for t in training:
        if t not in TRAINING_SETS:
            raise ValueError(f"training must be a sequence of {TRAINING_SETS} (got {t!r})")
    temps = np.asarray(temperatures if temperatures is not None else np.arange(25) * 0.25, dtype=float)
    if temps.ndim != 1 or temps.size < 2 or np.any(~np.isfinite(temps)) or np.any(temps < 0):
        raise ValueError("temperatures must be a 1-D grid of at least 2 finite values >= 0")
    temps = np.sort(temps)
    n_per = check_positive_int(n_per_temperature if n_per_temperature is not None
                               else (100 if quick else 1000), "n_per_temperature", minimum=2)
    n_epochs = check_positive_int(n_epochs if n_epochs is not None else (20 if quick else 100), "n_epochs")
    learning_rate = check_positive(learning_rate, "learning_rate")
    n_rep = check_positive_int(n_replicas if n_replicas is not None else (1 if quick else 3), "n_replicas")
    n_steps = check_positive_int(n_flow_steps if n_flow_steps is not None else (60 if quick else 200),
                                 "n_flow_steps", minimum=8)
    n_chains = check_positive_int(n_flow_chains if n_flow_chains is not None else (100 if quick else 200),
                                  "n_flow_chains", minimum=2)

    betas = (np.asarray(rbm_betas, dtype=np.float64) if rbm_betas is not None
             else (np.empty(0) if quick else np.round(np.arange(0.2, 2.05, 0.1), 10)))
    if betas.ndim != 1 or np.any(~np.isfinite(betas)) or np.any(betas <= 0):
        raise ValueError("rbm_betas must be a 1-D sequence of finite values > 0")
    data_rng, train_seed, flow_seed = seed.spawn(3)
    X, labels = training_data(L, temps, n_per, data_rng, dim, field)
    spins = X.reshape(-1, *lattice)
    e_data = configuration_energy(spins, 1.0, field, dim) / n_sites
    am_data = np.abs(X.astype(np.float64).mean(axis=1))
    data_energy = np.array([e_data[labels == t].mean() for t in temps])
    data_abs_m = np.array([am_data[labels == t].mean() for t in temps])
    data_abs_m_se = np.array([am_data[labels == t].std(ddof=1) / np.sqrt(n_per) for t in temps])
    exact_energy = np.array([exact(L, t, field, dim).u if t > 0 else -dim - abs(field) for t in temps])
    th_e = EnergyThermometer(L, dim, field)
    positive = temps > 0
    th_m = MagnetizationThermometer.from_calibration(L, temps[positive], data_abs_m[positive],
                                                     data_abs_m_se[positive], dim=dim)
    starts = {"low": X[labels == temps.min()], "high": X[labels == temps.max()]}

    shape = (len(n_hidden), len(training), n_rep, len(STARTS))
    fp = np.full(shape, np.nan)
    fp_se = np.full(shape, np.nan)
    fp_m = np.full(shape, np.nan)
    end_t = np.full(shape, np.nan)
    common = np.full(shape[:3], np.nan)
    flow_t = np.full((*shape, n_steps + 1), np.nan)
    flow_tm = np.full((*shape, n_steps + 1), np.nan)
    flow_e = np.full((*shape, n_steps + 1), np.nan)
    flow_am = np.full((*shape, n_steps + 1), np.nan)
    n_modes = 4
    heat = np.full((*shape[:3], betas.size), np.nan)
    thermo_rngs = iter(seed.spawn(int(np.prod(shape[:3])))) if betas.size else None
    eigenvalues = np.full((*shape[:3], n_sites), np.nan)
    eigenvectors = np.full((*shape[:3], n_modes, *lattice), np.nan)
    train_rngs = iter(train_seed.spawn(int(np.prod(shape[:3]))))
    flow_rngs = iter(flow_seed.spawn(int(np.prod(shape))))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(np.prod(shape[:3])), unit="RBM", desc="rbm_flow")
    for i, nh in enumerate(n_hidden):
        for j, subset in enumerate(training):
            keep = {"all": np.ones(labels.size, bool), "low": labels < CRITICAL_TEMPERATURE,
                    "high": labels > CRITICAL_TEMPERATURE}[subset]
            for r in range(n_rep):
                rbm = RBM(n_sites, nh, units="spin", method="cd", k=1, learning_rate=learning_rate,
                          batch_size=batch_size, n_epochs=n_epochs, rng=next(train_rngs)).fit(X[keep])
                spectrum = rbm.weight_spectrum()
                eigenvalues[i, j, r] = spectrum.eigenvalues
                eigenvectors[i, j, r] = spectrum.images(lattice, n_modes)
                if betas.size:
                    method = "exact" if min(n_sites, nh) <= 20 else "mc"
                    td = rbm.thermodynamics(1.0 / betas, method=method, rng=next(thermo_rngs),
                                            n_runs=50, n_steps=1000)
                    heat[i, j, r] = td.heat_capacity.values
                for k, start in enumerate(STARTS):
                    g = next(flow_rngs)
                    pool = starts[start]
                    v0 = pool[g.integers(0, pool.shape[0], n_chains)]
                    rd = read_flow(rbm, v0, n_steps, g, th_e, th_m)
                    flow_e[i, j, r, k] = rd.energy
                    flow_am[i, j, r, k] = rd.abs_m
                    flow_t[i, j, r, k] = rd.temperature
                    flow_tm[i, j, r, k] = rd.temperature_abs_m
                    end_t[i, j, r, k] = rd.end_temperature
                    if rd.stationary:
                        fp[i, j, r, k], fp_se[i, j, r, k] = rd.end_temperature, rd.end_temperature_se
                        fp_m[i, j, r, k] = rd.end_temperature_abs_m
                lo, hi = fp[i, j, r]
                if np.isfinite(lo) and np.isfinite(hi) and abs(lo - hi) < _TOLERANCE + 3 * np.hypot(
                        fp_se[i, j, r, 0], fp_se[i, j, r, 1]):
                    common[i, j, r] = 0.5 * (lo + hi)
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()

    dims = ("n_hidden", "training", "replica", "start")
    temp_units = "J/k_B"
    ds = xr.Dataset(
        {
            "fixed_point_temperature": (dims, fp, variable_attrs(
                "temperature of the flow's fixed point (energy thermometer); NaN: not stationary",
                units=temp_units)),
            "fixed_point_temperature_se": (dims, fp_se, variable_attrs(
                "standard error of fixed_point_temperature", units=temp_units)),
            "fixed_point_temperature_abs_m": (dims, fp_m, variable_attrs(
                "temperature of the fixed point read from <|m|> (data calibration)", units=temp_units)),
            "end_temperature": (dims, end_t, variable_attrs(
                "temperature read from the last quarter of the flow, stationary or not",
                units=temp_units)),
            "common_fixed_point_temperature": (dims[:3], common, variable_attrs(
                "mean fixed point of the low and high flows where they meet; NaN where the flow splits",
                units=temp_units)),
            "flow_temperature": ((*dims, "step"), flow_t, variable_attrs(
                "energy-thermometer temperature along the flow", units=temp_units)),
            "flow_temperature_abs_m": ((*dims, "step"), flow_tm, variable_attrs(
                "|m|-thermometer temperature along the flow", units=temp_units)),
            "flow_energy": ((*dims, "step"), flow_e, variable_attrs(
                "mean energy per spin along the flow", units="J")),
            "flow_abs_m": ((*dims, "step"), flow_am, variable_attrs(
                "mean |m| along the flow", units="1")),
            "weight_eigenvalues": (("n_hidden", "training", "replica", "mode"), eigenvalues,
                                   variable_attrs("eigenvalues of W W^T, descending", units="1")),
            "weight_eigenvectors": (("n_hidden", "training", "replica", "leading_mode",
                                     *(("x",) if dim == 1 else ("y", "x"))),
                                    eigenvectors, variable_attrs(
                                        "leading eigenvectors of W W^T as lattice images", units="1")),
            "rbm_heat_capacity": (("n_hidden", "training", "replica", "rbm_beta"), heat,
                                  variable_attrs("heat capacity beta^2 Var(E) of the trained RBM at "
                                                 "its own inverse temperature beta", units="1")),
            "data_energy": (("temperature",), data_energy, variable_attrs(
                "mean energy per spin of the training data", units="J")),
            "exact_energy": (("temperature",), exact_energy, variable_attrs(
                "exact energy per spin u_L(T) (Kaufman)", units="J")),
            "data_abs_m": (("temperature",), data_abs_m, variable_attrs(
                "mean |m| of the training data", units="1")),
        },
        coords={
            "n_hidden": ("n_hidden", np.array(n_hidden), variable_attrs("hidden units N_h", units="1")),
            "training": ("training", np.array(training, dtype=str),
                         variable_attrs("training data set", units="1")),
            "replica": ("replica", np.arange(n_rep), variable_attrs("independently trained RBM", units="1")),
            "start": ("start", np.array(STARTS, dtype=str), variable_attrs("start of the flow", units="1")),
            "step": ("step", np.arange(n_steps + 1), variable_attrs("flow step", units="1")),
            "temperature": ("temperature", temps, variable_attrs("data temperature", units=temp_units)),
            "mode": ("mode", np.arange(n_sites), variable_attrs("eigenmode of W W^T", units="1")),
            "rbm_beta": ("rbm_beta", betas, variable_attrs("inverse temperature of the RBM "
                                                           "(1: the trained model)", units="1")),
            "leading_mode": ("leading_mode", np.arange(n_modes),
                             variable_attrs("leading eigenmode of W W^T", units="1")),
        },
    )
    ds.attrs["critical_temperature"] = float(CRITICAL_TEMPERATURE)
    ds.attrs["L"] = L
    ds.attrs["dim"] = dim
    ds.attrs["field"] = field
    ds.attrs["specific_heat_peak_temperature"] = specific_heat_peak(L, dim, field)
    return finalize(
        ds, experiment="rbm_flow", title="RBM flow of Ising configurations",
        references="Iso, Shiba Funai & Yokoo, arXiv:1801.07172; Funai & Giataganas, arXiv:1810.08179; "
                   "Funai, arXiv:2111.11166",
        seed=seed, quick=quick, started=started,
        parameters={"n_per_temperature": n_per, "n_epochs": n_epochs, "learning_rate": learning_rate,
                    "batch_size": batch_size, "n_flow_steps": n_steps, "n_flow_chains": n_chains},
    )


def plot(ds: Any) -> Any:
    """Temperature along the flows (both thermometers), the fixed points against N_h, and
    the spectrum of W W^T of each training set."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 4))
    ax, ax2, ax3 = fig.subplots(1, 3)
    tc = float(ds.attrs.get("critical_temperature", CRITICAL_TEMPERATURE))
    sel = ds.isel(training=0, replica=0)
    for nh in ds.n_hidden.values:
        for start, ls in (("low", "-"), ("high", "--")):
            s = sel.sel(n_hidden=nh, start=start)
            (line,) = ax.plot(ds.step, s.flow_temperature, ls, label=f"N_h = {int(nh)}, from {start} T")
            ax.plot(ds.step, s.flow_temperature_abs_m, ls, color=line.get_color(), alpha=0.4, lw=0.8)
    ax.axhline(tc, color="k", ls=":", lw=0.8, label="T_c")
    ax.set_xlabel("flow step")
    ax.set_ylabel("temperature (faint: |m| thermometer)")
    ax.set_title(f"RBM flow, training set '{ds.training.values[0]}'")
    ax.legend(fontsize=7)
    for t in ds.training.values:
        for start, marker in (("low", "o"), ("high", "s")):
            v = ds.fixed_point_temperature.sel(training=t, start=start)
            ax2.errorbar(ds.n_hidden, v.mean("replica"),
                         yerr=v.std("replica") if ds.sizes["replica"] > 1 else None,
                         fmt=marker + "-", ms=4, capsize=2, label=f"{t} data, from {start}")
    ax2.axhline(tc, color="k", ls=":", lw=0.8)
    ax2.set_xlabel("hidden units N_h")
    ax2.set_ylabel("fixed-point temperature")
    ax2.legend(fontsize=7)
    for t in ds.training.values:
        ev = ds.weight_eigenvalues.sel(training=t).isel(n_hidden=-1, replica=0)
        ax3.semilogy(ds.mode[:20], ev[:20], "o-", ms=3, label=f"{t} data")
    ax3.set_xlabel("mode")
    ax3.set_ylabel("eigenvalue of W W^T")
    ax3.set_title(f"N_h = {int(ds.n_hidden[-1])}")
    ax3.legend(fontsize=7)
    fig.tight_layout()
    return fig
