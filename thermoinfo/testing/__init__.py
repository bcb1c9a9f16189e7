"""Public testing tools: hypothesis strategies for distributions, stochastic
matrices, joint tables, DAGs, model families and Gaussians."""

from thermoinfo._lazy import lazy_module

__all__ = ["strategies"]

__getattr__, __dir__ = lazy_module(__name__, submodules=("strategies",))
