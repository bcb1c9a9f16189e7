"""A check of the library's errors for bad input: the expected class, and a message
that starts with the name of the argument at fault.

Every public function of thermoinfo answers malformed input with a ``ValueError``
(a bad value or shape) or a ``TypeError`` (not a number, array or callable at all)
whose message starts with the argument's name, so that a user sees at once which
argument to fix. :class:`raises_named` asserts both in a ``with`` block, without
depending on a test runner.
"""

from __future__ import annotations

import re
from types import TracebackType

__all__ = ["raises_named"]


class raises_named:
    """A context whose block must raise ``error`` (or a subclass) with a message whose
    first word is ``name``; the exception is then kept as ``.value``.

    An exception of another class passes through unchanged (the test fails with the
    real error); none at all, or a message that starts otherwise (``"p_xy ..."`` for
    ``name="p"`` included), raises ``AssertionError``.

    Parameters
    ----------
    error : type
        The expected exception class, e.g. ``ValueError`` or ``TypeError``.
    name : str
        The argument's name, e.g. ``"p_xy"`` or ``"family"`` (``"family[0] ..."``
        starts with it too).

    Examples
    --------
    >>> from thermoinfo.testing.errors import raises_named
    >>> with raises_named(ValueError, "n_z") as check:
    ...     raise ValueError("n_z must be >= 1 (got 0)")
    >>> str(check.value)
    'n_z must be >= 1 (got 0)'
    >>> with raises_named(ValueError, "p"):
    ...     raise ValueError("p_xy must sum to 1")
    Traceback (most recent call last):
    ...
    AssertionError: the ValueError's message does not start with 'p': 'p_xy must sum to 1'
    """

    def __init__(self, error: type[BaseException], name: str) -> None:
        if not (isinstance(error, type) and issubclass(error, BaseException)):
            raise TypeError(f"error must be an exception class (got {error!r})")
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string (got {name!r})")
        self.error = error
        self.name = name
        self.value: BaseException | None = None

    def __enter__(self) -> raises_named:
        return self

    def __exit__(self, typ: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if typ is None:
            raise AssertionError(f"no {self.error.__name__} was raised (expected one naming {self.name!r})")
        if not issubclass(typ, self.error):
            return False  # another class: let it through
        message = str(value)
        if not re.match(re.escape(self.name) + r"(?!\w)", message):
            raise AssertionError(f"the {self.error.__name__}'s message does not start with "
                                 f"{self.name!r}: {message!r}")
        self.value = value
        return True
