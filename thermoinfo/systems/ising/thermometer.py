"""Reading the temperature of Ising configurations by inverting exact or calibrated curves.

Energy thermometer: the exact finite-lattice energy per spin u_L(T) (Kaufman's
solution in 2D, the transfer matrix in 1D) increases strictly with T, since
du/dT = c_L(T) > 0. A set of configurations with mean energy per spin e_bar
has the temperature T with u_L(T) = e_bar (found by Brent's method), and

    SE(T) = SE(e_bar) / c_L(T),

first-order error propagation with the exact derivative. A single
configuration gets T = 0 at or below the ground-state energy and T = inf at or
above the infinite-temperature energy (0 at H = 0).

Magnetization thermometer: <|m|>_L(T) (decreasing in T) is calibrated once by
Monte Carlo on a temperature grid (exact enumeration for L^dim <= 16) and
inverted by monotone linear interpolation; errors propagate through the local
slope, the calibration error included.

The observables follow the "thermometer" reading of configurations in Iso,
Shiba Funai & Yokoo, Phys. Rev. E 97, 053304 (2018), arXiv:1801.07172.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from thermoinfo._autocorrelation import mcmc_mean
from thermoinfo._validation import as_rng, check_positive_int, is_labelled
from thermoinfo.systems.ising.monte_carlo import _check_dim, _check_field, measure
from thermoinfo.systems.ising.references import configuration_energy, enumerate_exact, exact

__all__ = ["EnergyThermometer", "MagnetizationThermometer", "TemperatureReading", "as_spins"]

_T_LOW = 0.02
_T_HIGH = 1e4


def as_spins(spins: Any, L: int, dim: int, name: str = "spins") -> np.ndarray:
    """Check +-1 configurations of an L^dim lattice; return int8 (n, L) or (n, L, L).

    Accepts one configuration or a stack, flattened (n, L^dim) rows too, and
    labelled arrays (any leading dims are flattened).
    """
    if is_labelled(spins):
        spins = spins.values
    if isinstance(spins, (str, bytes)) or spins is None:
        raise TypeError(f"{name} must be an array of +-1 spins (got {type(spins).__name__})")
    arr = np.asarray(spins)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers (got dtype {arr.dtype})")
    n_sites = L**dim
    shape = (L,) if dim == 1 else (L, L)
    if arr.shape[-dim:] == shape:
        arr = arr.reshape(-1, *shape)
    elif arr.shape[-1] == n_sites:
        arr = arr.reshape(-1, *shape)
    else:
        raise ValueError(
            f"{name} must end in the lattice shape {shape} (or {n_sites} sites) for L = {L}, "
            f"dim = {dim}; got shape {arr.shape}"
        )
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries; spins take the values -1, +1")
    ok = (arr == 1) | (arr == -1)
    if not np.all(ok):
        bad = arr[~ok].ravel()[0]
        raise ValueError(
            f"{name} must hold Ising spins -1, +1 (found {bad!r}); map binary units with s = 2u - 1"
        )
    return arr.astype(np.int8)


@dataclass(frozen=True)
class TemperatureReading:
    """A temperature read from configurations.

    Attributes
    ----------
    temperature : float
    stderr : float
        Standard error (first-order propagation of the observable's error).
    observable : float
        The mean observable the reading inverts (energy per spin or <|m|>).
    observable_se : float
        Its standard error (autocorrelation-aware along the sample axis).
    """

    temperature: float
    stderr: float
    observable: float
    observable_se: float


class EnergyThermometer:
    """Temperature from the energy per spin, inverting the exact u_L(T).

    Parameters
    ----------
    L : int
        Linear size (L >= 2).
    dim : {1, 2}
    H : float
        Field (2D needs H = 0 beyond L = 5).
    J : float
        Coupling (> 0).

    Examples
    --------
    >>> from thermoinfo.systems.ising import exact
    >>> th = EnergyThermometer(16)
    >>> round(th.temperature_of_energy(exact(16, 2.5).u), 10)
    2.5
    """

    def __init__(self, L: int, dim: int = 2, H: float = 0.0, J: float = 1.0):
        self.L = check_positive_int(L, "L", minimum=2)
        self.dim = _check_dim(dim)
        self.H = _check_field(H)
        self.J = float(J)
        exact(self.L, 1.0, self.H, self.dim, self.J)  # validates (and fails early for no solution)
        self._u_low = exact(self.L, _T_LOW, self.H, self.dim, self.J).u
        self._u_high = exact(self.L, _T_HIGH, self.H, self.dim, self.J).u

    def temperature_of_energy(self, u: float) -> float:
        """T with u_L(T) = u (0 below the ground state, inf above the T = inf energy)."""
        u = float(u)
        if not np.isfinite(u):
            raise ValueError(f"u must be finite (got {u})")
        if u <= self._u_low:
            return 0.0
        if u >= self._u_high:
            return float("inf")
        return float(brentq(lambda t: exact(self.L, t, self.H, self.dim, self.J).u - u,
                            _T_LOW, _T_HIGH, xtol=1e-13, rtol=1e-13, maxiter=200))

    def energies(self, spins: Any) -> np.ndarray:
        """Energy per spin of each configuration."""
        arr = as_spins(spins, self.L, self.dim)
        return configuration_energy(arr, self.J, self.H, self.dim) / self.L**self.dim

    def temperatures(self, spins: Any) -> np.ndarray:
        """The temperature of each configuration (its energy inverted), shape (n,)."""
        e = self.energies(spins)
        values, inverse = np.unique(e, return_inverse=True)
        temps = np.array([self.temperature_of_energy(v) for v in values])
        return temps[inverse.ravel()]

    def read(self, spins: Any) -> TemperatureReading:
        """Temperature of a set of configurations from their mean energy, with its error.

        The configurations are treated as a time series (their order is the
        sampling order) for the autocorrelation-aware error of the mean energy.
        """
        e = self.energies(spins)
        if e.size < 2:
            raise ValueError("spins: need at least 2 configurations for an error bar")
        res = mcmc_mean(e, "energy per spin", warn=False)
        T = self.temperature_of_energy(res.value)
        if not 0 < T < np.inf:
            return TemperatureReading(T, float("nan"), res.value, res.stderr)
        c = exact(self.L, T, self.H, self.dim, self.J).c
        return TemperatureReading(T, res.stderr / c, res.value, res.stderr)


class MagnetizationThermometer:
    """Temperature from <|m|>, inverting a calibrated curve <|m|>_L(T).

    Parameters
    ----------
    L : int
    temperatures : sequence of float
        Calibration grid (increasing, > 0).
    dim : {1, 2}
    n_sweeps : int
        Monte Carlo sweeps per calibration temperature (ignored when exact).
    algorithm : str
        Calibration sampler (``"wolff"`` decorrelates |m| fastest near T_c).
    rng : seed or Generator

    Attributes
    ----------
    abs_m_ : ndarray
        Calibrated <|m|> on the grid (after ``fit``).
    abs_m_se_ : ndarray
        Its standard error (0 when exact).

    Examples
    --------
    >>> th = MagnetizationThermometer(3, np.linspace(1.0, 5.0, 41)).fit()
    >>> round(th.temperature_of_abs_m(th.abs_m_[20]), 6)
    3.0
    """

    def __init__(self, L: int, temperatures: Any, dim: int = 2, n_sweeps: int = 2000,
                 algorithm: str = "wolff", rng: Any = None):
        self.L = check_positive_int(L, "L", minimum=2)
        self.dim = _check_dim(dim)
        temps = np.asarray(temperatures, dtype=np.float64)
        if temps.ndim != 1 or temps.size < 2 or np.any(~np.isfinite(temps)) or np.any(temps <= 0):
            raise ValueError("temperatures must be a 1-D grid of at least 2 finite values > 0")
        if np.any(np.diff(temps) <= 0):
            raise ValueError("temperatures must be increasing")
        self.temperatures = temps
        self.n_sweeps = check_positive_int(n_sweeps, "n_sweeps", minimum=2)
        self.algorithm = algorithm
        self.rng = rng

    @classmethod
    def from_calibration(cls, L: int, temperatures: Any, abs_m: Any, abs_m_se: Any = None,
                         dim: int = 2) -> MagnetizationThermometer:
        """A fitted thermometer from a measured curve <|m|>(T) (e.g. of a data set).

        Examples
        --------
        >>> th = MagnetizationThermometer.from_calibration(4, [1.0, 3.0], [0.9, 0.5])
        >>> th.temperature_of_abs_m(0.7)
        2.0
        """
        th = cls(L, temperatures, dim=dim)
        am = np.asarray(abs_m, dtype=np.float64)
        if am.shape != th.temperatures.shape or np.any(~np.isfinite(am)) or np.any((am < 0) | (am > 1)):
            raise ValueError(f"abs_m must hold {th.temperatures.size} values in [0, 1], one per temperature")
        se = np.zeros_like(am) if abs_m_se is None else np.asarray(abs_m_se, dtype=np.float64)
        if se.shape != am.shape or np.any(~np.isfinite(se)) or np.any(se < 0):
            raise ValueError("abs_m_se must hold one finite value >= 0 per temperature")
        th.abs_m_, th.abs_m_se_ = am, se
        return th

    def fit(self) -> MagnetizationThermometer:
        """Calibrate <|m|>(T) on the grid; returns self."""
        n_sites = self.L**self.dim
        if n_sites <= 16:
            self.abs_m_ = np.array([enumerate_exact(self.L, t, dim=self.dim).abs_m
                                    for t in self.temperatures])
            self.abs_m_se_ = np.zeros_like(self.abs_m_)
            return self
        gen = as_rng(self.rng)
        children = gen.spawn(self.temperatures.size)
        vals, ses = [], []
        for t, child in zip(self.temperatures, children):
            r = measure(self.L, t, self.n_sweeps, dim=self.dim, n_chains=16, algorithm=self.algorithm,
                        rng=child)
            vals.append(r.abs_m)
            ses.append(r.abs_m_se)
        self.abs_m_ = np.array(vals)
        self.abs_m_se_ = np.array(ses)
        return self

    def _curve(self) -> np.ndarray:
        if not hasattr(self, "abs_m_"):
            raise ValueError("MagnetizationThermometer is not fitted; call fit() first")
        # monotone (non-increasing) envelope of the calibration, for a unique inverse.
        return np.minimum.accumulate(self.abs_m_)

    def temperature_of_abs_m(self, abs_m: float) -> float:
        """T with <|m|>_L(T) = abs_m, clipped to the calibration grid's ends."""
        curve = self._curve()
        abs_m = float(abs_m)
        if not np.isfinite(abs_m) or not 0 <= abs_m <= 1:
            raise ValueError(f"abs_m must be in [0, 1] (got {abs_m})")
        # np.interp needs increasing x: reverse the decreasing curve.
        return float(np.interp(abs_m, curve[::-1], self.temperatures[::-1]))

    def temperatures_of(self, spins: Any) -> np.ndarray:
        """The temperature of each configuration from its |m|."""
        arr = as_spins(spins, self.L, self.dim)
        am = np.abs(arr.reshape(arr.shape[0], -1).astype(np.float64).mean(axis=1))
        return np.array([self.temperature_of_abs_m(a) for a in am])

    def read(self, spins: Any) -> TemperatureReading:
        """Temperature of a set of configurations from their mean |m|, with its error."""
        arr = as_spins(spins, self.L, self.dim)
        if arr.shape[0] < 2:
            raise ValueError("spins: need at least 2 configurations for an error bar")
        am = np.abs(arr.reshape(arr.shape[0], -1).astype(np.float64).mean(axis=1))
        res = mcmc_mean(am, "|m|", warn=False)
        T = self.temperature_of_abs_m(res.value)
        curve = self._curve()
        k = int(np.clip(np.searchsorted(self.temperatures, T), 1, self.temperatures.size - 1))
        slope = (curve[k] - curve[k - 1]) / (self.temperatures[k] - self.temperatures[k - 1])
        cal_se = float(np.interp(T, self.temperatures, self.abs_m_se_))
        se = float(np.hypot(res.stderr, cal_se) / abs(slope)) if slope != 0 else float("inf")
        return TemperatureReading(T, se, res.value, res.stderr)
