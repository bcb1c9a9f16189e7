"""Shared plumbing of experiments: seeds, CF attributes, netCDF output.

Every experiment's ``run(..., quick=False, rng=None)`` returns an
``xarray.Dataset`` whose data variables depend only on the seed; time stamps,
durations and host names live in attrs only.
"""

from __future__ import annotations

import datetime as _dt
import platform
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from thermoinfo._attrs import variable_attrs

__all__ = ["Seed", "finalize", "resolve_seed", "variable_attrs", "write_netcdf"]


class Seed:
    """A run's seed: the generator to use and how to record it in attrs.

    ``rng`` may be None (fresh entropy, recorded), an int, a SeedSequence or a
    Generator (recorded as "Generator", since its seed cannot be recovered).
    """

    def __init__(self, rng: Any = None):
        if isinstance(rng, np.random.Generator):
            self.sequence = None
            self.generator = rng
            self.record = "Generator"
            return
        if isinstance(rng, np.random.SeedSequence):
            seq = rng
        elif rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
            if rng is not None and rng < 0:
                raise ValueError(f"rng seed must be >= 0 (got {rng})")
            seq = np.random.SeedSequence(None if rng is None else int(rng))
        else:
            raise TypeError(
                "rng must be None, a non-negative int, a SeedSequence or a Generator "
                f"(got {type(rng).__name__})"
            )
        self.sequence = seq
        self.generator = np.random.default_rng(seq)
        self.record = str(seq.entropy) if not seq.spawn_key else f"{seq.entropy}:{seq.spawn_key}"

    def spawn(self, n: int) -> list[np.random.Generator]:
        """``n`` independent child generators."""
        if self.sequence is not None:
            return [np.random.default_rng(s) for s in self.sequence.spawn(n)]
        return list(self.generator.spawn(n))


def resolve_seed(rng: Any) -> Seed:
    """Wrap ``rng`` as a :class:`Seed`."""
    return rng if isinstance(rng, Seed) else Seed(rng)


def finalize(ds: Any, *, experiment: str, title: str, references: str, seed: Seed,
             quick: bool, started: float, parameters: Mapping[str, Any] | None = None) -> Any:
    """Add the global CF attributes (title, history, references, seed, ...) to ``ds``."""
    from thermoinfo import __version__

    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ds.attrs.update(
        {
            "title": title,
            "Conventions": "CF-1.10",
            "source": f"thermoinfo {__version__}, experiment {experiment}",
            "thermoinfo_version": __version__,
            "history": f"{now} thermoinfo.experiments.{experiment}.run(quick={quick})",
            "references": references,
            "seed": seed.record,
            "quick": int(bool(quick)),
            "experiment": experiment,
            "duration_s": round(time.perf_counter() - started, 3),
            "host": platform.node(),
        }
    )
    for key, value in (parameters or {}).items():
        if isinstance(value, (bool, np.bool_)):
            value = int(value)
        elif isinstance(value, np.generic):
            value = value.item()
        ds.attrs[f"parameter_{key}"] = value if isinstance(value, (int, float, str)) else str(value)
    return ds


def write_netcdf(ds: Any, path: str | Path) -> Path:
    """Write ``ds`` to netCDF-4 (h5netcdf engine) atomically: a partial file never
    replaces a complete one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    ds.to_netcdf(tmp, engine="h5netcdf")
    tmp.replace(path)
    return path
