"""Public testing tools: hypothesis strategies for distributions, stochastic
matrices, joint tables, DAGs, model families and Gaussians; chi-square checks of
samplers against exact enumeration."""

from thermoinfo._lazy import lazy_module

__all__ = ["sampling", "strategies"]

__getattr__, __dir__ = lazy_module(__name__, submodules=("sampling", "strategies"))
