import numpy as np
import pytest

import thermoinfo


def test_bit_flip_closed_form():
    eps, a = 0.1, 0.8
    T = np.array([[1 - eps, eps], [eps, 1 - eps]])
    ep = thermoinfo.entropy_production([a, 1 - a], T)
    b = a * (1 - eps) + (1 - a) * eps
    h = lambda x: -x * np.log(x) - (1 - x) * np.log(1 - x)  # noqa: E731
    # symmetric kernel: sigma_bath = 0 and sigma_tot = H(Z) - H(X)
    assert ep.bath == pytest.approx(0.0, abs=1e-15)
    assert ep.system == pytest.approx(h(b) - h(a), abs=1e-14)
    assert ep.total == pytest.approx(ep.system + ep.bath, abs=1e-14)


def test_split_for_other_backward_members():
    rng = np.random.default_rng(3)
    T = rng.random((3, 3))
    T /= T.sum(axis=1, keepdims=True)
    ep = thermoinfo.entropy_production([0.2, 0.3, 0.5], T)
    r = ep.split([0.1, 0.6, 0.3])
    assert abs(r.residual) < 1e-13
    assert r.model == pytest.approx(thermoinfo.kl(ep.q_star_z, [0.1, 0.6, 0.3]))


def test_irreversible_step_is_infinite():
    T = np.array([[0.0, 1.0], [0.0, 1.0]])  # erase to state 1; cannot be undone by T
    ep = thermoinfo.entropy_production([0.5, 0.5], T)
    assert ep.total == np.inf and ep.bath == np.inf
