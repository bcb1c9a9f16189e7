"""Symbolic entropy production: sympy proves sigma_tot = sigma_sys + sigma_bath; numbers match."""

import numpy as np
import pytest
import sympy as sp

import thermoinfo
from thermoinfo.symbolic import thermo as st
from thermoinfo.symbolic.geometry import kl, probability_table, vanishes_identically
from thermoinfo.testing import raises_named


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
    with raises_named(ValueError, "T") as check:
        st.entropy_production([x, 1 - x], [[sp.Rational(1, 2), sp.Rational(1, 3)], [0, 1]])
    assert "row 0 sums to" in str(check.value)
    with raises_named(ValueError, "T") as check:
        st.entropy_production([x, 1 - x, 0], two_state["T"])
    assert "has 2 rows but p_x has 3" in str(check.value)
    with raises_named(ValueError, "T_back") as check:
        st.entropy_production([x, 1 - x], [[1, 0, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]])
    assert "must have shape" in str(check.value)
    with raises_named(ValueError, "T") as check:
        st.entropy_production([x, 1 - x], [[1, 0, 0], [0, 1, 0]])
    assert "default backward kernel" in str(check.value)
    with raises_named(ValueError, "T_back") as check:
        st.entropy_production([x, 1 - x], two_state["T"], [[2, -1], [0, 1]])
    assert "has a negative entry" in str(check.value)
    with raises_named(ValueError, "q_z") as check:
        st.entropy_production([x, 1 - x], two_state["T"]).split([1])
    assert "must have shape" in str(check.value)


# --------------------------------------------------------------------------- subsystems, flows


def _glauber_like_network():
    """Two binary subsystems coupled crosswise, z_0 <- x_1 and z_1 <- x_0 (general flip kernels),
    run backwards by the same kernels: x_0 <- z_1, x_1 <- z_0."""
    p, _ = probability_table("p", (2, 2))
    a, b, c, d = sp.symbols("a b c d", positive=True)
    f, g = st.flip_kernel(a, b), st.flip_kernel(c, d)
    r = st.subsystem_productions(p, [f, g], [(1,), (0,)], [f, g], [(3,), (2,)])
    return r, p, (a, b, c, d), f, g


@pytest.fixture(scope="module")
def glauber_like():
    return _glauber_like_network()


def test_subsystem_sum_rule_and_generalized_second_law_are_identities(glauber_like):
    r = glauber_like[0]
    assert vanishes_identically(r.total - r.system - r.bath)
    assert vanishes_identically(sum(r.subsystem_total) - r.total - r.correlation_change)
    for i in range(2):
        assert vanishes_identically(r.subsystem_total[i] - r.subsystem_system[i] - r.subsystem_bath[i])
        assert vanishes_identically(r.subsystem_total[i] - r.distance[i] - r.transfer[i]
                                    + r.backward_information[i])
    # not vacuous: the subsystems do not add up to the total, nor is a subsystem its distance
    assert not vanishes_identically(sum(r.subsystem_total) - r.total)
    assert not vanishes_identically(r.subsystem_total[0] - r.distance[0])


def test_subsystem_productions_match_the_numeric_ones(glauber_like):
    from thermoinfo.thermo.graphical import network_entropy_production

    r, p, kernel_params, f, g = glauber_like
    params = sorted(p.free_symbols, key=lambda s: s.name) + list(kernel_params)
    values = (0.1, 0.2, 0.3, 0.15, 0.25, 0.35, 0.05)
    fn = st.lambdify(params, [r.total, r.correlation_change, *r.subsystem_total, *r.transfer, *r.distance])
    got = fn(*values)
    sub = dict(zip(params, values))
    num = [np.array(sp.Matrix(m).subs(sub).tolist(), dtype=float) for m in (p.tomatrix(), f, g)]
    ep = network_entropy_production(num[0], [num[1], num[2]], [("x1",), ("x0",)])
    want = [ep.total, ep.correlation_change, *ep.subsystem_total,
            *(ep.subsystem(i).transfer for i in range(2)), *(ep.subsystem(i).distance for i in range(2))]
    assert got == pytest.approx(want, abs=1e-12)


def test_representation_identity():
    from thermoinfo.thermo.representation import representation_entropy_production

    p, _ = probability_table("p", (2, 2))
    a, b, c, d, u, v, r = sp.symbols("a b c d u v r", positive=True)
    e, dec, cls = st.flip_kernel(a, b), st.flip_kernel(c, d), st.flip_kernel(u, v)
    ri = st.representation_identity(p, e, dec, cls, [r, 1 - r])
    assert vanishes_identically(ri.divergence - (ri.R + ri.D + ri.C - ri.H))
    assert not vanishes_identically(ri.divergence - (ri.R + ri.D - ri.H))
    values = {a: 0.1, b: 0.3, c: 0.2, d: 0.25, u: 0.15, v: 0.4, r: 0.35,
              **dict(zip(sorted(p.free_symbols, key=lambda s: s.name), (0.1, 0.2, 0.3)))}
    tab = lambda m: np.array(sp.Matrix(m).subs(values).tolist(), dtype=float)  # noqa: E731
    ep = representation_entropy_production(tab(p.tomatrix()), tab(e), tab(dec), tab(cls), prior=[0.35, 0.65])
    assert float(ri.divergence.subs(values)) == pytest.approx(ep.with_prior, abs=1e-12)


def test_bipartite_flow_identities():
    p, _ = probability_table("p", (2, 2))
    k = sp.symbols("k0:8", positive=True)
    wx = [[[0, k[0]], [0, k[1]]], [[k[2], 0], [k[3], 0]]]
    wy = [[[0, k[4]], [k[5], 0]], [[0, k[6]], [k[7], 0]]]
    f = st.bipartite_flow(p, wx, wy)
    assert vanishes_identically(f.partial_x - (f.system_x + f.bath_x - f.flow_x))
    assert vanishes_identically(f.partial_y - (f.system_y + f.bath_y - f.flow_y))
    # the two flows add up to dI/dt = sum_xy (dp/dt) log p(x, y) / (p(x) p(y))
    px = [p[0, 0] + p[0, 1], p[1, 0] + p[1, 1]]
    py = [p[0, 0] + p[1, 0], p[0, 1] + p[1, 1]]
    d_mi = sp.Add(*[f.dp[i, j] * sp.log(p[i, j] / (px[i] * py[j])) for i in range(2) for j in range(2)])
    assert vanishes_identically(f.flow_x + f.flow_y - d_mi)
    assert not vanishes_identically(f.flow_x - d_mi)
    # the numbers of the numeric module
    from thermoinfo.thermo.bipartite import information_flow

    values = dict(zip(k, (1.0, 0.5, 0.7, 2.0, 0.3, 1.1, 0.9, 0.4)))
    values.update(dict(zip(sorted(p.free_symbols, key=lambda s: s.name), (0.1, 0.2, 0.3))))
    w = np.zeros((2, 2, 2, 2))
    for x in range(2):
        for y in range(2):
            w[x, y, 1 - x, y] = float(sp.sympify(wx[x][y][1 - x]).subs(values))
            w[x, y, x, 1 - y] = float(sp.sympify(wy[x][y][1 - y]).subs(values))
    pn = np.array(p.subs(values).tolist(), dtype=float)
    g = information_flow(pn, w)
    assert float(f.flow_x.subs(values)) == pytest.approx(g.flow_x, abs=1e-12)
    assert float(f.partial_y.subs(values)) == pytest.approx(g.partial_y, abs=1e-12)


def test_constant_speed_protocol_is_exact():
    # p_0 = cos^2(theta0 + omega t) driven by k01 = (omega sin 2 theta + c sin^2 theta) / cos^2 theta,
    # k10 = c: the master equation holds and the Fisher speed is 2 omega at every time
    t, om, c, th0 = sp.symbols("t omega c theta0", positive=True)
    th = th0 + om * t
    p0, p1 = sp.cos(th) ** 2, sp.sin(th) ** 2
    k01 = (om * sp.sin(2 * th) + c * sp.sin(th) ** 2) / sp.cos(th) ** 2
    assert sp.simplify(sp.diff(p0, t) - (-p0 * k01 + p1 * c)) == 0
    speed2 = sp.diff(p0, t) ** 2 / p0 + sp.diff(p1, t) ** 2 / p1
    assert sp.simplify(speed2 - 4 * om ** 2) == 0
