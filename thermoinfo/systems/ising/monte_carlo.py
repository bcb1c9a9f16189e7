"""Ising Monte Carlo: chains, observables with error bars, and labelled samples.

Model (periodic chain or square lattice, spins int8, k_B = 1):

    H(s) = -J sum_<ij> s_i s_j - H sum_i s_i.

A *sweep* is N = L^dim single-spin update attempts (Metropolis, heat bath), or a
fixed number n_c of Wolff clusters chosen once, from the mean cluster size <C>
measured after a warm-up, as n_c = round(N / <C>) (never "clusters until N
spins have flipped", which biases the energy).

Observables per spin, for chains of n sweeps (e = E / N, m = M / N):

    u = <e>,  c = beta^2 N (<e^2> - <e>^2),  <|m|>,  chi = beta N (<m^2> - <|m|>^2).

Errors: u and <|m|> from the integrated autocorrelation time
(:func:`thermoinfo._autocorrelation.mcmc_mean`); c and chi from the spread of the
per-chain estimates over independent chains.

``sample`` picks burn-in and thinning from measured autocorrelation times: a
pilot run doubles until its second half is at least 50 tau_int long (of both e
and |m|); the pilot is the burn-in, and samples are taken every
ceil(tau_int) sweeps (Sokal 1997; Newman & Barkema, Monte Carlo Methods in
Statistical Physics, 1999, ch. 3).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from thermoinfo._attrs import variable_attrs
from thermoinfo._autocorrelation import integrated_time, mcmc_mean
from thermoinfo._errors import ConvergenceWarning
from thermoinfo._validation import as_rng, check_positive, check_positive_int, random_units
from thermoinfo.systems.ising import kernels
from thermoinfo.systems.ising.references import CRITICAL_TEMPERATURE

__all__ = ["ALGORITHMS", "IsingChains", "Measurement", "measure", "sample"]

#: Update algorithms: multi-spin coded Metropolis and heat bath (any H), Wolff clusters (H = 0).
ALGORITHMS = ("metropolis", "heatbath", "wolff")

_WOLFF_WARMUP = 20
_WOLFF_PILOT = 50


def _check_dim(dim: Any) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim not in (1, 2):
        raise ValueError(f"dim must be 1 (chain) or 2 (square lattice), got {dim!r}")
    return int(dim)


def _check_field(H: Any, name: str = "H") -> float:
    if isinstance(H, bool) or not isinstance(H, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number (got {type(H).__name__})")
    H = float(H)
    if not np.isfinite(H):
        raise ValueError(f"{name} must be finite (got {H})")
    return H


def _check_algorithm(algorithm: Any, H: float) -> str:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS} (got {algorithm!r})")
    if algorithm == "wolff" and H != 0.0:
        raise ValueError(f"algorithm 'wolff' needs H = 0 (got H = {H}); use 'metropolis' or 'heatbath'")
    return algorithm


class IsingChains:
    """Independent periodic Ising lattices at one (T, H), advanced in sweeps.

    Parameters
    ----------
    L : int
        Linear size (L >= 2).
    T : float
        Temperature (> 0), in units of J / k_B.
    n_chains : int
        Number of independent chains (multi-spin kernels run them 64 at a time).
    H : float
        Field.
    dim : {1, 2}
        Chain or square lattice.
    algorithm : {"metropolis", "heatbath", "wolff"}
    start : {"auto", "cold", "hot"}
        All up, random, or cold below T_c and hot above.
    rng : seed or Generator
    J : float
        Coupling (> 0).

    Attributes
    ----------
    clusters_per_sweep : int or None
        Wolff clusters in one sweep (None for single-spin algorithms).
    sweeps_done : int

    Examples
    --------
    >>> chains = IsingChains(8, 2.5, n_chains=4, rng=0)
    >>> chains.sweep(10).spins.shape
    (4, 8, 8)
    """

    def __init__(self, L: int, T: float, n_chains: int = 64, H: float = 0.0, dim: int = 2,
                 algorithm: str = "metropolis", start: str = "auto", rng: Any = None,
                 J: float = 1.0):
        self.L = check_positive_int(L, "L", minimum=2)
        self.T = check_positive(T, "T")
        self.n_chains = check_positive_int(n_chains, "n_chains")
        self.H = _check_field(H)
        self.dim = _check_dim(dim)
        self.J = check_positive(J, "J")
        self.algorithm = _check_algorithm(algorithm, self.H)
        if start not in ("auto", "cold", "hot"):
            raise ValueError(f"start must be 'auto', 'cold' or 'hot' (got {start!r})")
        self._rng = as_rng(rng)
        self.beta = 1.0 / self.T
        self.n_sites = self.L**self.dim
        self._shape = (1, self.L) if self.dim == 1 else (self.L, self.L)
        cold = start == "cold" or (start == "auto" and self.T < CRITICAL_TEMPERATURE * self.J)
        if cold:
            sign = np.int8(1) if self.H >= 0 else np.int8(-1)
            spins = np.full((self.n_chains, *self._shape), sign, dtype=np.int8)
        else:
            # a uniform u < 1/2 is spin +1 here (random_units gives -1): the seeded lattices of
            # docs/ising.md
            spins = -random_units(self._rng, (self.n_chains, *self._shape), "spin")
        self.sweeps_done = 0
        self.clusters_per_sweep: int | None = None
        if self.algorithm == "wolff":
            self._spins = spins
            self._streams = kernels.seed_streams(self._rng, (self.n_chains,))
            kernels.wolff_clusters(self._spins, self._streams, self.beta, _WOLFF_WARMUP, self.dim, self.J)
            sizes = kernels.wolff_clusters(self._spins, self._streams, self.beta, _WOLFF_PILOT,
                                           self.dim, self.J)
            self.clusters_per_sweep = max(1, round(self.n_sites / float(sizes.mean())))
        else:
            self._words = kernels.pack(spins)
            self._streams = kernels.seed_streams(self._rng, (self._words.shape[0], self._shape[0]))
            p = kernels.flip_probabilities(self.beta, self.H, self.dim, self.algorithm, self.J)
            self._thr, self._always = kernels.flip_thresholds(p)

    def sweep(self, n_sweeps: int = 1) -> IsingChains:
        """Advance every chain by ``n_sweeps`` sweeps; returns self."""
        n_sweeps = int(n_sweeps)
        if n_sweeps <= 0:
            return self
        if self.algorithm == "wolff":
            kernels.wolff_clusters(self._spins, self._streams, self.beta,
                                   n_sweeps * self.clusters_per_sweep, self.dim, self.J)
        else:
            kernels.multispin_sweeps(self._words, self._streams, self._thr, self._always, self.dim,
                                     self.H != 0.0, n_sweeps)
        self.sweeps_done += n_sweeps
        return self

    @property
    def spins(self) -> np.ndarray:
        """Current configurations, int8 (n_chains, L) or (n_chains, L, L)."""
        s = self._spins.copy() if self.algorithm == "wolff" else kernels.unpack(self._words, self.n_chains)
        return s[:, 0, :] if self.dim == 1 else s

    def energy_magnetization(self) -> tuple[np.ndarray, np.ndarray]:
        """Total energy E and magnetization M of each chain (float64, (n_chains,))."""
        if self.algorithm == "wolff":
            s = self._spins.astype(np.int64)
            M = s.sum(axis=(1, 2)).astype(np.float64)
            bonds = (s * np.roll(s, -1, axis=2)).sum(axis=(1, 2))
            if self.dim == 2:
                bonds = bonds + (s * np.roll(s, -1, axis=1)).sum(axis=(1, 2))
            return -self.J * bonds.astype(np.float64) - self.H * M, M
        return kernels.word_observables(self._words, self.n_chains, self.J, self.H, self.dim)

    def run(self, n_sweeps: int, every: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Run ``n_sweeps`` sweeps recording (e, m) per spin every ``every`` sweeps.

        Returns
        -------
        (ndarray, ndarray), each (n_chains, n_sweeps // every)
        """
        n_rec = n_sweeps // every
        e = np.empty((self.n_chains, n_rec))
        m = np.empty((self.n_chains, n_rec))
        for t in range(n_rec):
            self.sweep(every)
            E, M = self.energy_magnetization()
            e[:, t] = E / self.n_sites
            m[:, t] = M / self.n_sites
        return e, m


@dataclass(frozen=True)
class Measurement:
    """Per-spin observables of a Monte Carlo run, with standard errors.

    ``tau_energy`` and ``tau_abs_m`` are integrated autocorrelation times in sweeps.
    """

    u: float
    u_se: float
    abs_m: float
    abs_m_se: float
    c: float
    c_se: float
    chi: float
    chi_se: float
    tau_energy: float
    tau_abs_m: float
    n_sweeps: int
    n_chains: int


def measure(L: int, T: float, n_sweeps: int, H: float = 0.0, dim: int = 2, *, n_chains: int = 64,
            burn_in: int | None = None, algorithm: str = "metropolis", rng: Any = None,
            J: float = 1.0) -> Measurement:
    """Energy, |m|, specific heat and susceptibility per spin, with errors.

    Parameters
    ----------
    L, T, H, dim, algorithm, J
        As :class:`IsingChains`.
    n_sweeps : int
        Measured sweeps per chain (one measurement per sweep).
    n_chains : int
        Independent chains (>= 2: c and chi errors come from their spread).
    burn_in : int, optional
        Sweeps discarded first; default n_sweeps // 4.
    rng : seed or Generator

    Returns
    -------
    Measurement

    Examples
    --------
    >>> r = measure(8, 3.0, 400, n_chains=64, rng=1)
    >>> from thermoinfo.systems.ising import exact
    >>> bool(abs(r.u - exact(8, 3.0).u) < 4 * r.u_se)
    True
    """
    n_sweeps = check_positive_int(n_sweeps, "n_sweeps", minimum=2)
    n_chains = check_positive_int(n_chains, "n_chains", minimum=2)
    chains = IsingChains(L, T, n_chains, H, dim, algorithm, rng=rng, J=J)
    burn = n_sweeps // 4 if burn_in is None else check_positive_int(burn_in, "burn_in", minimum=0)
    chains.sweep(burn)
    e, m = chains.run(n_sweeps)
    am = np.abs(m)
    ru = mcmc_mean(e, "energy")
    rm = mcmc_mean(am, "|m|")
    N, beta = chains.n_sites, chains.beta
    c_chain = beta**2 * N * e.var(axis=1)
    chi_chain = beta * N * ((m * m).mean(axis=1) - am.mean(axis=1) ** 2)
    # The specific heat and susceptibility of the pooled series (chains share the mean).
    c = beta**2 * N * float(e.var())
    chi = beta * N * (float((m * m).mean()) - float(am.mean()) ** 2)
    se = math.sqrt(1.0 / n_chains)
    return Measurement(ru.value, ru.stderr, rm.value, rm.stderr, c, float(c_chain.std(ddof=1)) * se,
                       chi, float(chi_chain.std(ddof=1)) * se, ru.tau, rm.tau, n_sweeps, n_chains)


def _as_grid(x: Any, name: str, positive: bool) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(x.values if hasattr(x, "values") and hasattr(x, "dims") else x))
    if arr.dtype.kind not in "biuf" or arr.ndim != 1 or arr.size == 0:
        raise TypeError(f"{name} must be a number or a 1-D sequence of numbers (got {x!r})")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (got {arr.tolist()})")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 (got {arr.tolist()})")
    return arr


def _autocorrelation_pilot(chains: IsingChains, start: int, max_sweeps: int) -> tuple[int, float]:
    """Run a doubling pilot until its second half spans >= 50 tau_int; return (sweeps, tau)."""
    n = start
    e_all, m_all = chains.run(n)
    while True:
        half = e_all.shape[1] // 2
        tau = max(integrated_time(e_all[:, half:]), integrated_time(np.abs(m_all[:, half:])))
        if e_all.shape[1] - half >= 50 * tau:
            return e_all.shape[1], tau
        if e_all.shape[1] >= max_sweeps:
            warnings.warn(
                f"burn_in: the autocorrelation pilot reached max_pilot_sweeps={max_sweeps} "
                f"with tau_int = {tau:.3g} sweeps at T = {chains.T:g}, H = {chains.H:g}; the "
                "chains may not be equilibrated. Raise max_pilot_sweeps or use algorithm='wolff'",
                ConvergenceWarning, stacklevel=3,
            )
            return e_all.shape[1], tau
        e, m = chains.run(e_all.shape[1])
        e_all = np.concatenate([e_all, e], axis=1)
        m_all = np.concatenate([m_all, m], axis=1)


def sample(L: int, T: Any, n_samples: int, H: Any = 0.0, dim: int = 2, burn_in: int | None = None,
           sweeps_between: int | None = None, rng: Any = None, *, algorithm: str = "metropolis",
           n_chains: int | None = None, J: float = 1.0, max_pilot_sweeps: int = 20000,
           progress: bool = False) -> Any:
    """Equilibrium +-1 configurations of the periodic Ising model on a grid of (T, H).

    Parameters
    ----------
    L : int
        Linear size (L >= 2).
    T : float or sequence of float
        Temperatures (> 0).
    n_samples : int
        Configurations per grid point.
    H : float or sequence of float
        Fields.
    dim : {1, 2}
        Chain (sites ``x``) or square lattice (sites ``y``, ``x``).
    burn_in : int, optional
        Sweeps (of L^dim update attempts) before the first sample. None: the
        length of an autocorrelation pilot (at least 100 tau_int).
    sweeps_between : int, optional
        Sweeps between samples of one chain. None: ceil(tau_int) of the slower of
        e and |m|, measured by the pilot. No pilot runs when both are given.
    rng : seed or Generator
        Each grid point runs on its own spawned child generator.
    algorithm : {"metropolis", "heatbath", "wolff"}
        Multi-spin coded single-spin flips (the fastest exact CPU kernel, 64
        chains a word) or Wolff clusters (H = 0 only).
    n_chains : int, optional
        Independent chains per grid point (default min(n_samples, 64)).
    J : float
        Coupling (> 0).
    max_pilot_sweeps : int
        Longest autocorrelation pilot (a ``ConvergenceWarning`` when reached).
    progress : bool
        Show a tqdm progress bar over the grid.

    Returns
    -------
    xarray.DataArray of int8
        Dims (temperature, field, sample, y, x) (no ``y`` for dim = 1), with the
        burn-in, thinning and autocorrelation times per grid point as
        coordinates and CF attributes.

    Examples
    --------
    >>> da = sample(8, [2.0, 3.0], 10, burn_in=100, sweeps_between=5, rng=0)
    >>> da.dims, da.dtype.name
    (('temperature', 'field', 'sample', 'y', 'x'), 'int8')
    """
    import xarray as xr

    L = check_positive_int(L, "L", minimum=2)
    temps = _as_grid(T, "T", positive=True)
    fields = _as_grid(H, "H", positive=False)
    n_samples = check_positive_int(n_samples, "n_samples")
    dim = _check_dim(dim)
    J = check_positive(J, "J")
    if burn_in is not None:
        burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
    if sweeps_between is not None:
        sweeps_between = check_positive_int(sweeps_between, "sweeps_between", minimum=1)
    for h in fields:
        _check_algorithm(algorithm, float(h))
    if n_chains is None:
        n_chains = min(n_samples, 64)
    n_chains = check_positive_int(n_chains, "n_chains")
    max_pilot_sweeps = check_positive_int(max_pilot_sweeps, "max_pilot_sweeps", minimum=2)
    seed_record = int(rng) if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) else None
    gen = as_rng(rng)
    children = gen.spawn(temps.size * fields.size)
    per_chain = -(-n_samples // n_chains)
    shape = (L,) if dim == 1 else (L, L)
    out = np.empty((temps.size, fields.size, n_samples, *shape), dtype=np.int8)
    burn_arr = np.zeros((temps.size, fields.size), dtype=np.int64)
    between_arr = np.zeros((temps.size, fields.size), dtype=np.int64)
    tau_arr = np.full((temps.size, fields.size), np.nan)
    points = [(i, j) for i in range(temps.size) for j in range(fields.size)]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(points), unit="point", desc="ising.sample")
    for k, (i, j) in enumerate(points):
        chains = IsingChains(L, temps[i], n_chains, fields[j], dim, algorithm, rng=children[k], J=J)
        burn = burn_in if burn_in is not None else 0
        chains.sweep(burn)
        between = sweeps_between
        if burn_in is None or sweeps_between is None:
            pilot, tau = _autocorrelation_pilot(chains, 100, max_pilot_sweeps)
            tau_arr[i, j] = tau
            burn += pilot
            if between is None:
                between = max(1, math.ceil(tau))
        samples = np.empty((per_chain, n_chains, *shape), dtype=np.int8)
        for t in range(per_chain):
            if t > 0:
                chains.sweep(between)
            samples[t] = chains.spins
        # sample index runs chain-fastest: consecutive samples come from different chains.
        out[i, j] = samples.reshape(-1, *shape)[:n_samples]
        burn_arr[i, j] = burn
        between_arr[i, j] = between
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    space_dims = ("x",) if dim == 1 else ("y", "x")
    attrs = variable_attrs(
        "Ising spin", units="1", flag_values=[-1, 1], flag_meanings="down up",
        coupling_J=J, dim=dim, algorithm=algorithm, boundary="periodic",
        references="Metropolis et al., J. Chem. Phys. 21, 1087 (1953); "
                   "Wolff, Phys. Rev. Lett. 62, 361 (1989)",
    )
    if seed_record is not None:
        attrs["seed"] = seed_record
    return xr.DataArray(
        out,
        dims=("temperature", "field", "sample", *space_dims),
        coords={
            "temperature": ("temperature", temps, variable_attrs("temperature", units="J/k_B")),
            "field": ("field", fields, variable_attrs("magnetic field H", units="J")),
            "burn_in": (("temperature", "field"), burn_arr,
                        variable_attrs("sweeps before the first sample", units="sweep")),
            "sweeps_between": (("temperature", "field"), between_arr,
                               variable_attrs("sweeps between samples of one chain", units="sweep")),
            "tau_int": (("temperature", "field"), tau_arr,
                        variable_attrs("integrated autocorrelation time of the pilot (slower "
                                       "of e and |m|; NaN without a pilot)", units="sweep")),
        },
        name="spin",
        attrs=attrs,
    )
