"""CF attributes of labelled results, shared by every layer.

A data variable or coordinate carries ``long_name`` and ``units`` (CF-1.10);
information quantities are in nats unless a ``base=`` argument says otherwise.
"""

from __future__ import annotations

from typing import Any

__all__ = ["variable_attrs"]


def variable_attrs(long_name: str, units: str = "nat", **extra: Any) -> dict[str, Any]:
    """CF attributes of a data variable or coordinate.

    >>> variable_attrs("rate", units="nat")
    {'long_name': 'rate', 'units': 'nat'}
    """
    return {"long_name": long_name, "units": units, **extra}
