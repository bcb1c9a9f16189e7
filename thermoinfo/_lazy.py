"""PEP 562 lazy submodules for subpackages whose members load heavy dependencies."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_module"]


def lazy_module(package: str, submodules: Iterable[str] = (),
                attributes: Mapping[str, str] | None = None
                ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for a package.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    submodules : iterable of str
        Submodules imported on first attribute access.
    attributes : mapping, optional
        ``{name: submodule}``: names re-exported from a submodule on first use.
    """
    subs = set(submodules)
    attrs = dict(attributes or {})

    def __getattr__(name: str) -> Any:
        if name in subs:
            return importlib.import_module(f"{package}.{name}")
        if name in attrs:
            return getattr(importlib.import_module(f"{package}.{attrs[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(subs | set(attrs))

    return __getattr__, __dir__
