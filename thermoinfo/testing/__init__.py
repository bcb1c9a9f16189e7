"""Public testing helpers: hypothesis strategies and exact references."""

from thermoinfo._lazy import lazy_module

__all__ = ["references", "strategies"]

__getattr__, __dir__ = lazy_module(__name__, submodules=("references", "strategies"))
