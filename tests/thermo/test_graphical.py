"""Forward Bayesian networks: total and partial entropy productions, additivity, stochastic interaction."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import thermoinfo
from thermoinfo.geometry.families import BayesNet
from thermoinfo.testing import raises_named
from thermoinfo.testing import strategies as ts
from thermoinfo.thermo.graphical import (
    FixedKernelFamily,
    network_entropy_production,
    stochastic_interaction,
)

H = thermoinfo.conditional_entropy


def _kernel(rng, shape, floor=0.05):
    K = rng.random(shape) + floor
    return K / K.sum(axis=-1, keepdims=True)


def _coupled_network(rng, k=(2, 3)):
    """z_0 <- (x_0, x_1), z_1 <- (x_1, x_0); z_i takes the values of x_i."""
    p_x = _kernel(rng, k[0] * k[1]).reshape(k)
    K0 = _kernel(rng, (k[0], k[1], k[0]))
    K1 = _kernel(rng, (k[1], k[0], k[1]))
    return p_x, [K0, K1], [("x0", "x1"), ("x1", "x0")]


@st.composite
def networks(draw):
    """Two subsystems of 2 or 3 states, coupled forward kernels, optional zeros."""
    k0, k1 = draw(st.integers(2, 3)), draw(st.integers(2, 3))
    positive = draw(st.booleans())
    p_x = draw(ts.distributions(shape=(k0, k1), positive=positive))
    K0 = draw(ts.conditionals(k0 * k1, k0, positive=True)).reshape(k0, k1, k0)
    K1 = draw(ts.conditionals(k1 * k0, k1, positive=True)).reshape(k1, k0, k1)
    return p_x, [K0, K1], [("x0", "x1"), ("x1", "x0")]


def test_total_equals_flattened_one_step_production():
    rng = np.random.default_rng(0)
    p_x, Ks, pa = _coupled_network(rng)
    ep = network_entropy_production(p_x, Ks, pa)
    # the same process as one kernel on the joint state space (x0, x1) -> (z0, z1)
    T = np.einsum("abc,bad->abcd", Ks[0], Ks[1]).reshape(6, 6)
    flat = thermoinfo.entropy_production(p_x.ravel(), T)
    assert ep.total == pytest.approx(flat.total, abs=1e-13)
    assert ep.system == pytest.approx(flat.system, abs=1e-13)
    assert ep.bath == pytest.approx(flat.bath, abs=1e-13)
    assert sum(ep.bath_terms) == pytest.approx(ep.bath, abs=1e-14)
    np.testing.assert_allclose(ep.q_star.reshape(6, 6), flat.q_star, atol=1e-15)


def test_backward_projection_bruteforce_over_q_z():
    from scipy.optimize import minimize
    from scipy.special import softmax

    rng = np.random.default_rng(3)
    p_x, Ks, pa = _coupled_network(rng, k=(2, 2))
    ep = network_entropy_production(p_x, Ks, pa)
    back = ep.q_star / ep.q_star.sum(axis=(0, 1), keepdims=True)  # prod_i T^B_i(x_i|z)

    def objective(theta):
        return thermoinfo.kl(ep.p_joint, back * softmax(theta).reshape(1, 1, 2, 2))

    res = min((minimize(objective, rng.normal(size=4), method="Nelder-Mead",
                        options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000}) for _ in range(3)),
              key=lambda r: r.fun)
    np.testing.assert_allclose(softmax(res.x).reshape(2, 2), ep.p_joint.sum(axis=(0, 1)), atol=2e-5)
    assert res.fun == pytest.approx(ep.total, abs=1e-10)


@settings(max_examples=40)
@given(networks())
def test_partial_productions_and_additivity(net):
    p_x, Ks, pa = net
    ep = network_entropy_production(p_x, Ks, pa)
    p = ep.p_joint
    assert ep.total >= 0 and all(s >= 0 for s in ep.partial) and all(s >= 0 for s in ep.marginal_partial)
    assert ep.interaction >= 0 and ep.stochastic_interaction >= 0
    assert ep.total == pytest.approx(ep.system + ep.bath, abs=1e-10)
    # the partial productions exceed the total by I(X_0; X_1 | Z)
    cmi = thermoinfo.conditional_mutual_information(p, [0], [1], [2, 3])
    assert sum(ep.partial) - ep.total == pytest.approx(cmi, abs=1e-10)
    assert ep.additivity_excess == pytest.approx(cmi, abs=1e-10)
    # the marginal productions fall short of it by D(p || M_G) = sum_i H(X_i | pa_B(i)) - H(X | Z)
    assert ep.total == pytest.approx(sum(ep.marginal_partial) + ep.interaction, abs=1e-10)
    defect = H(p, [0], [2, 3]) + H(p, [1], [3, 2]) - H(p, [0, 1], [2, 3])
    assert ep.interaction == pytest.approx(defect, abs=1e-10)
    # SI = sum_i H(Z_i | X_i) - H(Z | X)
    si = H(p, [2], [0]) + H(p, [3], [1]) - H(p, [2, 3], [0, 1])
    assert ep.stochastic_interaction == pytest.approx(si, abs=1e-10)
    # sigma^i is the distance to the nested backward family M_B^i (which holds M_B):
    # sigma^i_m <= sigma^i <= sigma^{0,1} = sigma_tot
    for i in range(2):
        fam = ep.partial_family(i)
        assert thermoinfo.kl(p, thermoinfo.m_projection(p, fam)) == pytest.approx(ep.partial[i], abs=1e-10)
        assert fam.contains(ep.q_star, atol=1e-12)
        assert ep.marginal_partial[i] <= ep.partial[i] + 1e-12
        assert ep.partial[i] <= ep.total + 1e-12
    assert ep.partial_production([0, 1]) == pytest.approx(ep.total, abs=1e-10)
    assert ep.partial_production(()) == 0.0


@settings(max_examples=30)
@given(networks(), st.integers(0, 2**32 - 1))
def test_pythagoras_in_the_nested_backward_families(net, seed):
    p_x, Ks, pa = net
    ep = network_entropy_production(p_x, Ks, pa)
    p = ep.p_joint
    rng = np.random.default_rng(seed)
    graph = BayesNet({2: (), 3: (2,), 0: (2, 3), 1: (3, 2)})
    # M_B inside the free-kernel backward graph M_G: D(p||q*_B) = D(p||q*_G) + D(q*_G||q*_B)
    r = thermoinfo.pythagoras(p, ep.q_star, graph)
    assert r.total == pytest.approx(ep.total, abs=1e-10)
    assert r.projection == pytest.approx(ep.interaction, abs=1e-10)
    assert r.model == pytest.approx(sum(ep.marginal_partial), abs=1e-10)
    # M_B inside M_B^0: sigma_tot = sigma^0 + D(q*_0 || q*_B)
    fam = ep.partial_family(0)
    q0 = thermoinfo.m_projection(p, fam)
    assert ep.total == pytest.approx(ep.partial[0] + thermoinfo.kl(q0, ep.q_star), abs=1e-10)
    # any member of M_B^0 splits through q*_0, so q*_0 is the minimizer
    member = fam.project_array(_kernel(rng, int(np.prod(p.shape))).reshape(p.shape))
    assert thermoinfo.kl(p, member) == pytest.approx(ep.partial[0] + thermoinfo.kl(q0, member), abs=1e-9)


def test_three_subsystems_nested_partial_productions():
    rng = np.random.default_rng(9)
    p_x = _kernel(rng, 8).reshape(2, 2, 2)
    Ks = [_kernel(rng, (2, 2, 2)) for _ in range(3)]
    pa = [("x0", "x1"), ("x1", "x2"), ("x2", "x0")]
    ep = network_entropy_production(p_x, Ks, pa)
    p = ep.p_joint
    z = [3, 4, 5]
    excess = H(p, [0, 1, 2], z) - sum(H(p, [i], [j for j in range(6) if j != i]) for i in range(3))
    assert ep.additivity_excess == pytest.approx(excess, abs=1e-12)
    assert excess > 1e-4
    # nested families: sigma^A grows with A up to sigma_tot
    for A in [(0,), (1,), (2,)]:
        for B in [(0, 1), (0, 2), (1, 2)]:
            if set(A) <= set(B):
                assert ep.partial_production(A) <= ep.partial_production(B) + 1e-12
                assert ep.partial_family(B).project_array(p).sum() == pytest.approx(1.0)
                assert ep.partial_family(A).contains(ep.partial_family(B).project_array(p), atol=1e-12)
    assert ep.partial_production([0, 1, 2]) == pytest.approx(ep.total, abs=1e-12)
    assert ep.total == pytest.approx(sum(ep.marginal_partial) + ep.interaction, abs=1e-12)


def test_additivity_holds_for_independent_subsystems_and_fails_for_coupled_ones():
    rng = np.random.default_rng(11)
    # independent: product initial state, local kernels
    a, b = _kernel(rng, 3), _kernel(rng, 2)
    K0, K1 = _kernel(rng, (3, 3)), _kernel(rng, (2, 2))
    ep = network_entropy_production(np.outer(a, b), [K0, K1], [("x0",), ("x1",)])
    assert ep.interaction == pytest.approx(0.0, abs=1e-13)
    assert ep.stochastic_interaction == pytest.approx(0.0, abs=1e-13)
    assert ep.additivity_excess == pytest.approx(0.0, abs=1e-13)
    assert ep.total == pytest.approx(sum(ep.partial), abs=1e-12)
    for i, (p_i, K) in enumerate(((a, K0), (b, K1))):
        one = thermoinfo.entropy_production(p_i, K).total
        assert ep.partial[i] == pytest.approx(one, abs=1e-12)
        assert ep.marginal_partial[i] == pytest.approx(one, abs=1e-12)
    # coupled: both defects are strictly positive
    p_x, Ks, pa = _coupled_network(rng)
    ep = network_entropy_production(p_x, Ks, pa)
    assert ep.interaction > 1e-3 and ep.additivity_excess > 1e-3
    assert sum(ep.marginal_partial) + 1e-3 < ep.total < sum(ep.partial) - 1e-3


def test_defect_is_the_stochastic_interaction_at_stationarity_for_local_backward_kernels():
    from thermoinfo.thermo.markov import stationary_distribution

    rng = np.random.default_rng(5)
    K0 = _kernel(rng, (2, 2, 2))  # z0 <- (x0, x1)
    K1 = _kernel(rng, (2, 2, 2))  # z1 <- (x0, x1)
    B0, B1 = _kernel(rng, (2, 2)), _kernel(rng, (2, 2))  # local backward kernels x_i <- z_i
    T = np.einsum("abc,abd->abcd", K0, K1).reshape(4, 4)
    args = ([K0, K1], [("x0", "x1"), ("x0", "x1")], [B0, B1], [("z0",), ("z1",)])
    # away from stationarity: D(p||M_G) = SI + sigma_sys - sum_i (H(Z_i) - H(X_i))
    p_x = _kernel(rng, 4).reshape(2, 2)
    ep = network_entropy_production(p_x, *args)
    p = ep.p_joint
    dh = sum(thermoinfo.entropy(p.sum(axis=tuple(j for j in range(4) if j != ax)))
             - thermoinfo.entropy(p.sum(axis=tuple(j for j in range(4) if j != ax - 2)))
             for ax in (2, 3))
    assert ep.interaction == pytest.approx(ep.stochastic_interaction + ep.system - dh, abs=1e-12)
    # at stationarity: sigma_tot = sum_i sigma^i + SI
    pi = stationary_distribution(T).reshape(2, 2)
    ep = network_entropy_production(pi, *args)
    assert ep.system == pytest.approx(0.0, abs=1e-12)
    assert ep.total == pytest.approx(sum(ep.marginal_partial) + ep.stochastic_interaction, abs=1e-12)
    assert ep.stochastic_interaction > 1e-3


def test_stochastic_interaction_is_distance_to_disconnected_family():
    rng = np.random.default_rng(2)
    p_x, Ks, pa = _coupled_network(rng)
    p = network_entropy_production(p_x, Ks, pa).p_joint
    dis = BayesNet({1: (0,), 2: (0,), 3: (1,)})
    full = BayesNet({1: (0,), 2: (0, 1), 3: (0, 1, 2)})
    d_dis = thermoinfo.kl(p, thermoinfo.m_projection(p, dis))
    d_full = thermoinfo.kl(p, thermoinfo.m_projection(p, full))
    assert d_full == pytest.approx(0.0, abs=1e-14)
    assert stochastic_interaction(p) == pytest.approx(d_dis - d_full, abs=1e-13)
    # brute force over members of the disconnected family: none is closer than q*
    best = min(thermoinfo.kl(p, dis.project_array(_kernel(rng, 36).reshape(2, 3, 2, 3)))
               for _ in range(200))
    assert best >= stochastic_interaction(p) - 1e-12
    # a crosswise copy of two independent fair bits: SI = 2 log 2
    q = np.zeros((2, 2, 2, 2))
    for x0, x1 in itertools.product(range(2), repeat=2):
        q[x0, x1, x1, x0] = 0.25
    assert stochastic_interaction(q) == pytest.approx(2 * np.log(2), abs=1e-14)


def test_networks_with_z_parents_need_explicit_backward_kernels():
    rng = np.random.default_rng(4)
    p_x = _kernel(rng, 4).reshape(2, 2)
    K0, K1 = _kernel(rng, (2, 2)), _kernel(rng, (2, 2, 2))  # z0 <- x1; z1 <- (z0, x0): a sweep
    with raises_named(ValueError, "parents") as check:
        network_entropy_production(p_x, [K0, K1], [("x1",), ("z0", "x0")])
    assert "back_kernels" in str(check.value)
    # the backward sweep: x1 <- z0 first, then x0 <- (z1... ) as given
    B0, B1 = _kernel(rng, (2, 2, 2)), _kernel(rng, (2, 2))
    ep = network_entropy_production(p_x, [K0, K1], [("x1",), ("z0", "x0")],
                                    back_kernels=[B0, B1], back_parents=[("z1", "x1"), ("z0",)])
    T = np.einsum("bc,cad->abcd", K0, K1).reshape(4, 4)
    Tb = np.einsum("dba,cb->cdab", B0, B1).reshape(4, 4)
    flat = thermoinfo.entropy_production(p_x.ravel(), T, Tb)
    assert ep.total == pytest.approx(flat.total, abs=1e-13)
    assert ep.total == pytest.approx(sum(ep.marginal_partial) + ep.interaction, abs=1e-12)


def test_fixed_kernel_family_projection_keeps_free_parts():
    rng = np.random.default_rng(8)
    K = _kernel(rng, (3, 2))  # K[s1, s0]
    fam = FixedKernelFamily([(K, 0, (1,))], ndim=3)
    p = _kernel(rng, 12).reshape(2, 3, 2)
    q = thermoinfo.m_projection(p, fam)
    np.testing.assert_allclose(q.sum(axis=0), p.sum(axis=0), atol=1e-15)  # p(s1, s2) kept
    np.testing.assert_allclose(q / q.sum(axis=0, keepdims=True), np.broadcast_to(K.T[:, :, None], q.shape),
                               atol=1e-14)  # q(s0 | s1, s2) = K(s0 | s1)
    expected = -H(p, [0], [1, 2]) - np.sum(p.sum(axis=2) * np.log(K.T))
    assert thermoinfo.kl(p, q) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "kwargs, name, detail",
    [
        ({"kernels": [np.eye(2)], "parents": [("x0",), ("x1",)]}, "kernels", ""),
        ({"kernels": [np.eye(2), np.eye(2)], "parents": [("x0",)]}, "parents", ""),
        ({"kernels": [np.eye(2), [[0.5, 0.6], [0, 1]]], "parents": [("x0",), ("x1",)]}, "kernels[1]", ""),
        ({"kernels": [np.eye(2), [[np.nan, 1], [0, 1]]], "parents": [("x0",), ("x1",)]}, "kernels[1]", ""),
        ({"kernels": [np.eye(2), np.full((3, 2), 0.5)], "parents": [("x0",), ("x1",)]}, "kernels[1]", ""),
        ({"kernels": [np.eye(2), np.eye(2)], "parents": [("x0",), ("y1",)]}, "parents[1]", ""),
        ({"kernels": [np.full((2, 2, 2), 0.5), np.full((2, 2, 2), 0.5)],
          "parents": [("x0", "z1"), ("x1", "z0")]}, "parents", "cycle"),
        ({"kernels": [np.eye(2), np.eye(2)], "parents": [("x0",), ("x1",)],
          "back_kernels": [np.eye(2), np.eye(2)], "back_parents": [("x1",), ("x0",)]},
         "back_parents", "cycle"),
        ({"kernels": [np.eye(2), np.eye(2)], "parents": [("x0",), ("x1",)],
          "back_kernels": [np.eye(2), [[0.2, 0.2], [0.5, 0.5]]], "back_parents": [("z0",), ("z1",)]},
         "back_kernels[1]", ""),
    ],
)
def test_network_bad_input_names_the_argument(kwargs, name, detail):
    p_x = np.full((2, 2), 0.25)
    with raises_named(ValueError, name) as check:
        network_entropy_production(p_x, **kwargs)
    assert detail in str(check.value)


def test_network_bad_initial_distribution():
    with pytest.raises(ValueError, match=r"^p_x"):
        network_entropy_production(np.full((2, 2), 0.3), [np.eye(2), np.eye(2)], [("x0",), ("x1",)])
