"""Symbolic entropy production: sympy proves sigma_tot = sigma_sys + sigma_bath; numbers match."""

import numpy as np
import pytest
import sympy as sp

import thermoinfo
from thermoinfo.symbolic import thermo as st
from thermoinfo.symbolic.geometry import kl, probability_table, vanishes_identically


@pytest.fixture(scope="module")
def two_state():
    x, a, b, c, d, r = sp.symbols("x a b c d r", positive=True)
    return {"p_x": [x, 1 - x], "T": st.flip_kernel(a, b), "T_back": st.flip_kernel(c, d),
            "symbols": (x, a, b, c, d, r)}


def test_two_state_default_backward_is_an_identity(two_state):
    ep = st.entropy_production(two_state["p_x"], two_state["T"])
    residual = ep.total - ep.system - ep.bath
    assert vanishes_identically(residual)
    assert sp.simplify(sp.expand_log(residual, force=True)) == 0
    # not vacuous: the bath term alone does not account for sigma_tot
    assert not vanishes_identically(ep.total - ep.bath)


def test_two_state_other_backward_kernel_is_an_identity(two_state):
    ep = st.entropy_production(two_state["p_x"], two_state["T"], two_state["T_back"])
    assert vanishes_identically(ep.total - ep.system - ep.bath)
    assert sp.simplify(sp.expand_log(ep.total - ep.system - ep.bath, force=True)) == 0


def test_split_for_other_members_of_the_backward_family(two_state):
    r = two_state["symbols"][-1]
    ep = st.entropy_production(two_state["p_x"], two_state["T"], two_state["T_back"])
    split = ep.split([r, 1 - r])
    assert vanishes_identically(split.residual)
    # D(q* || q) = D(p_Z || q_Z)
    assert vanishes_identically(split.model - kl(ep.q_star_z, [r, 1 - r]))
    assert split.projection == ep.total


def test_three_state_general_kernels_are_an_identity():
    p_x, _ = probability_table("p", 3)
    rows = [probability_table(f"t{i}", 3)[0] for i in range(3)]
    back = [probability_table(f"b{i}", 3)[0] for i in range(3)]
    ep = st.entropy_production(p_x, [list(r) for r in rows], [list(b) for b in back])
    assert vanishes_identically(ep.total - ep.system - ep.bath)


def test_lambdified_entropy_production_equals_numeric(two_state):
    x, a, b, c, d, _ = two_state["symbols"]
    args = (x, a, b, c, d)
    for T_back in (None, two_state["T_back"]):
        ep = st.entropy_production(two_state["p_x"], two_state["T"], T_back)
        f = {name: st.lambdify(args, getattr(ep, name))
             for name in ("total", "system", "bath", "q_star", "p_joint")}
        rng = np.random.default_rng(11)
        for _ in range(20):
            vals = rng.uniform(0.02, 0.98, size=5)
            Tn = np.array([[1 - vals[1], vals[1]], [vals[2], 1 - vals[2]]])
            Tb = None if T_back is None else np.array([[1 - vals[3], vals[3]], [vals[4], 1 - vals[4]]])
            ref = thermoinfo.entropy_production([vals[0], 1 - vals[0]], Tn, Tb)
            for name in ("total", "system", "bath"):
                assert abs(f[name](*vals) - getattr(ref, name)) < 1e-12, name
            np.testing.assert_allclose(f["q_star"](*vals), ref.q_star, rtol=0, atol=1e-12)
            np.testing.assert_allclose(f["p_joint"](*vals), ref.p_joint, rtol=0, atol=1e-12)


def test_lambdified_split_equals_numeric(two_state):
    x, a, b, c, d, r = two_state["symbols"]
    ep = st.entropy_production(two_state["p_x"], two_state["T"], two_state["T_back"])
    split = ep.split([r, 1 - r])
    args = (x, a, b, c, d, r)
    f_total, f_model = st.lambdify(args, split.total), st.lambdify(args, split.model)
    rng = np.random.default_rng(5)
    for _ in range(10):
        v = rng.uniform(0.02, 0.98, size=6)
        ref = thermoinfo.entropy_production(
            [v[0], 1 - v[0]], [[1 - v[1], v[1]], [v[2], 1 - v[2]]], [[1 - v[3], v[3]], [v[4], 1 - v[4]]]
        ).split([v[5], 1 - v[5]])
        assert abs(f_total(*v) - ref.total) < 1e-12
        assert abs(f_model(*v) - ref.model) < 1e-12


def test_known_value_symmetric_flip():
    ep = st.entropy_production([sp.Rational(4, 5), sp.Rational(1, 5)],
                               st.flip_kernel(sp.Rational(1, 10), sp.Rational(1, 10)))
    ref = thermoinfo.entropy_production([0.8, 0.2], [[0.9, 0.1], [0.1, 0.9]])
    assert abs(float(ep.total) - ref.total) < 1e-14
    # symmetric kernel: the bath term vanishes exactly, sigma_tot = H(Z) - H(X)
    assert sp.simplify(ep.bath) == 0


def test_irreversible_transition_gives_infinite_production():
    a = sp.Symbol("a", positive=True)
    half = sp.Rational(1, 2)
    ep = st.entropy_production([half, half], st.flip_kernel(a, 0), st.flip_kernel(0, 0))
    ref = thermoinfo.entropy_production([0.5, 0.5], [[0.7, 0.3], [0, 1]], [[1, 0], [0, 1]])
    assert ep.total == sp.oo and ep.bath == sp.oo
    assert ref.total == float("inf") and ref.bath == float("inf")


def test_bad_input_names_the_argument(two_state):
    x = two_state["symbols"][0]
    with pytest.raises(ValueError, match="T row 0 sums to"):
        st.entropy_production([x, 1 - x], [[sp.Rational(1, 2), sp.Rational(1, 3)], [0, 1]])
    with pytest.raises(ValueError, match="T has 2 rows but p_x has 3"):
        st.entropy_production([x, 1 - x, 0], two_state["T"])
    with pytest.raises(ValueError, match="T_back must have shape"):
        st.entropy_production([x, 1 - x], [[1, 0, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="default backward kernel"):
        st.entropy_production([x, 1 - x], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="T_back has a negative entry"):
        st.entropy_production([x, 1 - x], two_state["T"], [[2, -1], [0, 1]])
    with pytest.raises(ValueError, match="q_z must have shape"):
        st.entropy_production([x, 1 - x], two_state["T"]).split([1])
