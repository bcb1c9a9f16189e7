"""Public testing tools: hypothesis strategies for distributions, stochastic
matrices, joint tables, DAGs, model families and Gaussians; chi-square checks of
samplers against exact enumeration; :class:`~thermoinfo.testing.errors.raises_named`,
the check that bad input raises the expected class with a message that starts
with the argument's name."""

from thermoinfo._lazy import lazy_module

__all__ = ["errors", "raises_named", "sampling", "strategies"]

__getattr__, __dir__ = lazy_module(__name__, submodules=("errors", "sampling", "strategies"),
                                     attributes={"raises_named": "errors"})
