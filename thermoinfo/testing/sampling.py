"""Statistical checks of samplers against exact enumeration (public API).

A sampler of binary or spin configurations is correct when the counts of its
(independent) samples over all 2^n configurations pass a chi-square test
against the exactly enumerated probabilities. Expected counts below
``min_expected`` are pooled into one bin, so the chi-square approximation of
the statistic stays valid::

    from thermoinfo.testing.sampling import chisquare_pvalue, state_counts

    counts = state_counts(samples, values=(-1, 1))
    assert chisquare_pvalue(counts, exact_probabilities) > 1e-3

Configurations are ordered as :func:`thermoinfo._enumerate.states` enumerates
them (unit 0 the most significant bit).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import chisquare

from thermoinfo._enumerate import state_index

__all__ = ["chisquare_pvalue", "state_counts"]


def state_counts(samples: Any, values: tuple[int, int] = (0, 1)) -> np.ndarray:
    """Counts of each of the 2^n configurations among ``samples`` (rows of n units).

    Parameters
    ----------
    samples : array_like, shape (n_samples, n)
        Configurations with entries in ``values``.
    values : (int, int)
        The two unit values, (0, 1) or (-1, 1).

    Examples
    --------
    >>> state_counts([[0, 1], [0, 1], [1, 1]]).tolist()
    [0, 2, 0, 1]
    """
    arr = np.atleast_2d(np.asarray(samples))
    if not np.all((arr == values[0]) | (arr == values[1])):
        raise ValueError(f"samples must take only the values {values}")
    return np.bincount(state_index(arr, values), minlength=2 ** arr.shape[1])


def chisquare_pvalue(counts: Any, probabilities: Any, *, min_expected: float = 5.0) -> float:
    """Chi-square p-value of ``counts`` against exact ``probabilities``.

    Bins whose expected count ``counts.sum() * probabilities`` is below
    ``min_expected`` are pooled into one bin (dropped if its expectation is 0).

    Examples
    --------
    >>> round(chisquare_pvalue([48, 52], [0.5, 0.5]), 4)
    0.6892
    """
    counts = np.asarray(counts, dtype=np.float64).ravel()
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    if counts.shape != p.shape:
        raise ValueError(f"counts and probabilities must have the same size (got {counts.size} and {p.size})")
    if abs(p.sum() - 1.0) > 1e-9 or np.any(p < 0):
        raise ValueError("probabilities must be non-negative and sum to 1")
    expected = counts.sum() * p
    keep = expected >= min_expected
    obs = np.append(counts[keep], counts[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    if exp[-1] == 0:
        if obs[-1] > 0:
            return 0.0
        obs, exp = obs[:-1], exp[:-1]
    return float(chisquare(obs, exp).pvalue)
