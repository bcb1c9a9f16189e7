"""Experiments: each module's ``run(..., quick=False, rng=None)`` returns a
labelled ``xarray.Dataset`` and its ``plot(ds)`` draws it.

``thermoinfo list`` prints the registry below; ``thermoinfo run NAME`` runs one
and writes netCDF and PNG files.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["EXPERIMENTS", "get", "list_experiments"]

#: name -> one-line description of every registered experiment.
EXPERIMENTS: dict[str, str] = {
    "entropy_production": "Entropy production of two Glauber spins and of each spin over (beta, J)",
    "hopfield_capacity": "Hopfield retrieval overlap against load alpha = P/N, with the "
                         "Amit-Gutfreund-Sompolinsky replica-symmetric curve",
}


def list_experiments() -> dict[str, str]:
    """The registered experiments, name -> description."""
    return dict(EXPERIMENTS)


def get(name: str) -> Any:
    """The module of experiment ``name``."""
    if name not in EXPERIMENTS:
        raise ValueError(
            f"unknown experiment {name!r}; known experiments: {', '.join(sorted(EXPERIMENTS))}"
        )
    return importlib.import_module(f"thermoinfo.experiments.{name}")


def __getattr__(name: str) -> Any:
    if name in EXPERIMENTS:
        return importlib.import_module(f"thermoinfo.experiments.{name}")
    raise AttributeError(f"module 'thermoinfo.experiments' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(EXPERIMENTS))
