"""Integrated autocorrelation times against AR(1) closed forms and short series."""

import numpy as np
import pytest

from thermoinfo._autocorrelation import integrated_time, mcmc_mean
from thermoinfo._errors import ConvergenceWarning


def _ar1(a: float, n_chains: int = 8, n_time: int = 20000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(n_chains, n_time))
    x = np.empty_like(noise)
    x[:, 0] = noise[:, 0] / np.sqrt(1 - a * a)
    for t in range(1, n_time):
        x[:, t] = a * x[:, t - 1] + noise[:, t]
    return x


@pytest.mark.parametrize("a", [0.8, 0.3, -0.3, -0.5, -0.8])
def test_ar1_integrated_time_matches_closed_form(a):
    # tau_int = 1 + 2 sum_t a^t = (1 + a) / (1 - a), for correlated and anticorrelated chains
    exact = (1 + a) / (1 - a)
    assert integrated_time(_ar1(a)) == pytest.approx(exact, rel=0.1)


def test_anticorrelated_series_standard_error_matches_the_spread_of_means():
    a = -0.5
    means = np.array([_ar1(a, n_chains=1, n_time=2000, seed=s).mean() for s in range(200)])
    se = mcmc_mean(_ar1(a, n_chains=1, n_time=2000, seed=999), warn=False).stderr
    # the spread of independent means is the truth; tau_int = 1/3 shrinks it below iid
    assert se == pytest.approx(means.std(ddof=1), rel=0.2)


def test_short_trending_series_is_not_reported_uncorrelated():
    # a trend is one long correlation: over n steps tau_int grows like n / 3 (the
    # partial sums of the window); a window running to the end of the series sums
    # the centred autocorrelation towards 0 and would report about half of that
    rng = np.random.default_rng(0)
    for n in (10, 40):
        trend = np.linspace(0.0, 1.0, n)[None, :] + 0.05 * rng.normal(size=(5, n))
        assert integrated_time(trend) > n / 5
    x = np.linspace(0.0, 1.0, 10)[None, :] + 0.01 * rng.normal(size=(5, 10))
    with pytest.warns(ConvergenceWarning, match="x: the series"):
        res = mcmc_mean(x)
    # the naive iid error would be far below the spread of the trend
    assert res.stderr > np.sqrt(x.var() / x.size)
