"""Experiments: each module's ``run(..., quick=False, rng=None)`` returns a
labelled ``xarray.Dataset`` and its ``plot(ds)`` draws it.

``thermoinfo list`` prints the registry below; ``thermoinfo run NAME`` runs one
and writes netCDF and PNG files. An experiment whose ``run`` accepts
``scheduler``, ``checkpoint`` and ``resume`` is a sweep (see :func:`sweep`): it
runs on local processes or a Dask cluster and continues after an interruption.

To add an experiment, add a module ``thermoinfo/experiments/NAME.py`` with
``run`` and ``plot`` and one line to :data:`EXPERIMENTS`.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

__all__ = ["EXPERIMENTS", "canonical_name", "get", "list_experiments", "parameters", "sweep"]

#: name -> one-line description of every registered experiment.
EXPERIMENTS: dict[str, str] = {
    "sign_problem": "average phase factor and number density of complex phi^4 at finite density, "
                    "on the real plane and on a learned integration path",
    "domain_shift": "Quasi-static domain shift of digit networks holding C, against fixed (lam, gamma) "
                    "and fine-tuning",
    "entropy_production": "Entropy production of two Glauber spins and of each spin over (beta, J)",
    "first_law": "First law of learning on a (lam, gamma) grid of networks trained on the digits",
    "hopfield_capacity": "Hopfield retrieval overlap against load alpha = P/N, with the "
                         "Amit-Gutfreund-Sompolinsky replica-symmetric curve",
    "rbm_flow": "RBMs trained on Ising configurations: the flow v -> h -> v from low and high T "
                "and its fixed point near T_c",
}

#: Keywords of ``run`` that the command line sets itself (not experiment parameters).
RUN_KEYWORDS = frozenset({"quick", "rng", "scheduler", "checkpoint", "resume", "progress", "timeout"})


def list_experiments() -> dict[str, str]:
    """The registered experiments, name -> description.

    Examples
    --------
    >>> "hopfield_capacity" in list_experiments()
    True
    """
    return dict(EXPERIMENTS)


def canonical_name(name: str) -> str:
    """The registered spelling of an experiment name: hyphens and underscores
    are the same (``hopfield-capacity`` is ``hopfield_capacity``).

    Raises
    ------
    ValueError
        ``name`` is not a registered experiment; the message lists the known ones.

    Examples
    --------
    >>> canonical_name("hopfield-capacity")
    'hopfield_capacity'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (got {type(name).__name__})")
    key = name.strip().replace("-", "_")
    if key not in EXPERIMENTS:
        raise ValueError(
            f"name {name!r} is not a known experiment; known experiments: {', '.join(sorted(EXPERIMENTS))}"
        )
    return key


def get(name: str) -> Any:
    """The module of experiment ``name`` (hyphens or underscores)."""
    return importlib.import_module(f"thermoinfo.experiments.{canonical_name(name)}")


def parameters(name: str) -> dict[str, Any]:
    """The parameters of experiment ``name``'s ``run`` and their defaults
    (``inspect.Parameter.empty`` when there is none), without the keywords the
    command line sets itself (quick, rng, scheduler, checkpoint, resume, progress,
    timeout).

    Examples
    --------
    >>> "n_realizations" in parameters("hopfield-capacity")
    True
    """
    sig = inspect.signature(get(name).run)
    return {p.name: p.default for p in sig.parameters.values()
            if p.name not in RUN_KEYWORDS and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def __getattr__(name: str) -> Any:
    if name == "sweep":
        from thermoinfo.experiments.sweeping import sweep

        return sweep
    if name == "sweeping":
        return importlib.import_module("thermoinfo.experiments.sweeping")
    if name in EXPERIMENTS:
        return importlib.import_module(f"thermoinfo.experiments.{name}")
    raise AttributeError(f"module 'thermoinfo.experiments' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(EXPERIMENTS) | {"sweep", "sweeping"})
