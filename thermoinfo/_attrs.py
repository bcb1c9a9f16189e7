"""CF attributes of labelled results, shared by every layer.

A data variable or coordinate carries ``long_name`` and ``units`` (CF-1.10);
information quantities are in nats unless a ``base=`` argument says otherwise.
:func:`thermodynamics_dataset` is the one layout of a model's thermodynamics
(F = -T log Z, S = log Z + U/T, C = Var(E)/T^2 with k_B = 1) used by every model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["thermodynamics_dataset", "variable_attrs"]


def variable_attrs(long_name: str, units: str | None = "nat", **extra: Any) -> dict[str, Any]:
    """CF attributes of a data variable or coordinate.

    ``units=None`` leaves ``units`` out (flags and counts without a unit);
    keyword arguments add further attributes (e.g. ``description``).

    >>> variable_attrs("rate", units="nat")
    {'long_name': 'rate', 'units': 'nat'}
    >>> variable_attrs("solver converged", units=None)
    {'long_name': 'solver converged'}
    """
    attrs: dict[str, Any] = {"long_name": long_name}
    if units is not None:
        attrs["units"] = units
    return {**attrs, **extra}


#: The entropy S = log Z + U/T is refused where its float64 rounding, taken as this many
#: units in the last place of |log Z| + |U/T|, could exceed :data:`ENTROPY_TOLERANCE` nats
ENTROPY_ROUNDING_ULPS = 64
ENTROPY_TOLERANCE = 1e-6


def thermodynamics_dataset(temperatures: Any, log_z: Any, energy: Any, variance: Any,
                           extra: dict[str, tuple] | None = None, coords: dict | None = None) -> Any:
    """Label log Z(T), U(T) = <E> and Var_T(E) over a ``temperature`` dimension.

    Adds ``free_energy`` F = -T log Z, ``entropy`` S = log Z + U/T (nats) and
    ``heat_capacity`` C = Var(E)/T^2. ``extra`` maps a variable name to
    ``(values, long_name, units)`` (over ``temperature``) or
    ``(values, dims, long_name, units)`` (``dims`` after ``temperature``);
    ``coords`` adds coordinates for those dims. Callers select a scalar
    temperature with ``.isel(temperature=0)``.

    >>> ds = thermodynamics_dataset([1.0, 2.0], [2.0, 2.5], [-1.0, -0.5], [0.5, 0.5])
    >>> [round(float(x), 3) for x in ds.entropy]
    [1.0, 2.25]
    """
    import xarray as xr

    ts = np.asarray(temperatures, dtype=np.float64)
    log_z, energy, variance = (np.asarray(a, dtype=np.float64) for a in (log_z, energy, variance))
    with np.errstate(over="ignore", invalid="ignore"):
        entries = {
            "log_partition": (log_z, (), "log partition function log Z", "1"),
            "free_energy": (-ts * log_z, (), "free energy F = -T log Z", "1"),
            "energy": (energy, (), "internal energy U = <E>", "1"),
            "entropy": (log_z + energy / ts, (), "entropy S = log Z + U/T", "nat"),
            "heat_capacity": (variance / ts / ts, (), "heat capacity C = Var(E)/T^2", "1"),
        }
    bad = ~np.all([np.isfinite(v) for v, *_ in entries.values()], axis=0)
    if np.any(bad):
        raise ValueError(f"temperature {np.min(ts[bad] if ts.ndim else ts):.3g} is too low for "
                         "these parameters: log Z, U or C = Var(E)/T^2 is not finite in float64; "
                         "raise the temperature")
    # S = log Z + U/T cancels two terms of size |U|/T: their rounding must stay far below a nat
    rounding = ENTROPY_ROUNDING_ULPS * np.finfo(np.float64).eps * (np.abs(log_z) + np.abs(energy / ts))
    lost = rounding > ENTROPY_TOLERANCE
    if np.any(lost):
        raise ValueError(f"temperature {np.min(ts[lost] if ts.ndim else ts):.3g} is too low for "
                         f"these parameters: the entropy S = log Z + U/T cancels terms of size "
                         f"{np.max(np.abs(energy / ts)):.3g} and would carry a rounding error up to "
                         f"{np.max(rounding):.3g} nat; raise the temperature")
    for name, entry in (extra or {}).items():
        entries[name] = (entry[0], (), *entry[1:]) if len(entry) == 3 else entry
    return xr.Dataset(
        {k: (("temperature", *dims), np.asarray(v), variable_attrs(long_name, units))
         for k, (v, dims, long_name, units) in entries.items()},
        coords={"temperature": ("temperature", ts, variable_attrs("temperature T (k_B = 1)", "1")),
                **(coords or {})},
    )
