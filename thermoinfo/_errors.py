"""Error and warning classes of thermoinfo.

Every error the library raises for bad input is a ``ValueError`` or a
``TypeError`` (or a subclass of one of them) whose message names the argument,
what was received, and what is expected.
"""

__all__ = [
    "ConvergenceWarning",
    "DistributionError",
    "MemoryBudgetError",
    "NonFiniteParameterError",
    "UnreliableEstimateWarning",
]


class DistributionError(ValueError):
    """A table that should be a probability distribution (or a conditional
    table) is not one: negative or non-finite entries, wrong normalization."""


class MemoryBudgetError(ValueError):
    """A request (an enumeration, a table) would exceed the memory budget.

    Raise the budget with :func:`thermoinfo.set_memory_budget` or the
    :func:`thermoinfo.memory_budget` context manager if the machine has room.
    """


class NonFiniteParameterError(ValueError):
    """Training produced non-finite parameters; the message says at which step."""


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped before its tolerance was reached."""


class UnreliableEstimateWarning(UserWarning):
    """A sampling estimate whose own diagnostics say its error bar cannot be
    trusted: a small effective sample size, or forward and reverse annealed
    importance sampling estimates that do not bracket the value."""
