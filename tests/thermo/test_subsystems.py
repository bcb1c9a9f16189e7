"""Subsystem entropy production sigma^S_tot = sigma^S_sys + sigma^S_bath: its sum rule,
its generalized second law, order dependence, and the stochastic-interaction case."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import thermoinfo
from thermoinfo.systems.glauber import glauber_kernel, little_energy, two_spin_glauber
from thermoinfo.testing import strategies as ts
from thermoinfo.thermo.graphical import network_entropy_production, subsystem_entropy_production

H = thermoinfo.entropy
MI = thermoinfo.mutual_information
CMI = thermoinfo.conditional_mutual_information


def _kernel(rng, shape, floor=0.05):
    K = rng.random(shape) + floor
    return K / K.sum(axis=-1, keepdims=True)


def _marg(p, keep):
    return p.sum(axis=tuple(j for j in range(p.ndim) if j not in keep))


@st.composite
def networks(draw):
    k0, k1 = draw(st.integers(2, 3)), draw(st.integers(2, 3))
    p_x = draw(ts.distributions(shape=(k0, k1), positive=draw(st.booleans())))
    K0 = draw(ts.conditionals(k0 * k1, k0, positive=True)).reshape(k0, k1, k0)
    K1 = draw(ts.conditionals(k1 * k0, k1, positive=True)).reshape(k1, k0, k1)
    return p_x, [K0, K1], [("x0", "x1"), ("x1", "x0")]


@settings(max_examples=40)
@given(networks())
def test_subsystem_production_by_enumeration(net):
    p_x, Ks, pa = net
    ep = network_entropy_production(p_x, Ks, pa)
    p = ep.p_joint
    # by hand, from the path table: sigma^0_sys = H(Z_0) - H(X_0), sigma^0_bath = E log T_0 / T^B_0
    fwd0 = Ks[0][:, :, :, None]  # T_0(z0 | x0, x1) on axes (x0, x1, z0, .)
    # T^B_0(x0 | z0, z1) = T_0(x0 | z0, z1): the kernel with x and z swapped, on axes (x0, ., z0, z1)
    back0 = np.transpose(Ks[0], (2, 0, 1))[:, None, :, :]
    mask = p > 0
    bath0 = np.sum(p[mask] * (np.log(np.broadcast_to(fwd0, p.shape)[mask])
                              - np.log(np.broadcast_to(back0, p.shape)[mask])))
    s0 = ep.subsystem(0)
    assert s0.system == pytest.approx(H(_marg(p, [2])) - H(_marg(p, [0])), abs=1e-12)
    assert s0.bath == pytest.approx(bath0, abs=1e-10)
    assert s0.total == pytest.approx(s0.system + s0.bath, abs=1e-12)
    # the sum over subsystems misses sigma_tot by the change of the mutual information
    d_info = MI(_marg(p, [2, 3])) - MI(_marg(p, [0, 1]))
    assert sum(ep.subsystem_total) == pytest.approx(ep.total + d_info, abs=1e-10)
    assert ep.correlation_change == pytest.approx(d_info, abs=1e-10)
    # generalized second law: sigma^0 = D(p(x0, z0, z1) || T^B_0 p(z0, z1)) + I(Z0; X1 | X0) - I(X0; Z1 | Z0)
    p_xzz = _marg(p, [0, 2, 3])
    q = Ks[0].transpose(2, 0, 1) * _marg(p, [2, 3])[None]
    dist = thermoinfo.kl(p_xzz, q)
    transfer = CMI(p, [2], [1], [0])
    back_info = CMI(p, [0], [3], [2])
    assert s0.distance == pytest.approx(dist, abs=1e-10)
    assert s0.transfer == pytest.approx(transfer, abs=1e-10)
    assert s0.backward_information == pytest.approx(back_info, abs=1e-10)
    assert s0.total == pytest.approx(dist + transfer - back_info, abs=1e-10)
    assert s0.total >= s0.information - 1e-12
    # the whole system is one subsystem: no information term, sigma_tot back
    both = ep.subsystem([0, 1])
    assert both.total == pytest.approx(ep.total, abs=1e-10)
    assert both.information == 0.0


def test_sum_rule_fails_when_it_should_and_holds_for_independent_parts():
    rng = np.random.default_rng(3)
    # independent product state, local kernels: additive, nothing exchanged
    a, b = _kernel(rng, 3), _kernel(rng, 2)
    K0, K1 = _kernel(rng, (3, 3)), _kernel(rng, (2, 2))
    ep = network_entropy_production(np.outer(a, b), [K0, K1], [("x0",), ("x1",)])
    assert ep.correlation_change == pytest.approx(0.0, abs=1e-14)
    for i, (p_i, K) in enumerate(((a, K0), (b, K1))):
        one = thermoinfo.entropy_production(p_i, K)
        assert ep.subsystem(i).total == pytest.approx(one.total, abs=1e-12)
        assert ep.subsystem(i).system == pytest.approx(one.system, abs=1e-12)
    # a correlated start erased by local kernels: the sum falls short by I(X0; X1) > 0
    p_x = np.array([[0.45, 0.05], [0.05, 0.45]])
    ep = network_entropy_production(p_x, [np.full((2, 2), 0.5)] * 2, [("x0",), ("x1",)])
    assert ep.correlation_change == pytest.approx(-MI(p_x), abs=1e-13)
    assert sum(ep.subsystem_total) == pytest.approx(ep.total - MI(p_x), abs=1e-12)
    assert MI(p_x) > 0.3


def test_a_subsystem_can_produce_negative_entropy_by_using_information():
    # x1 holds a copy of x0 (a measurement); z0 <- (x0, x1) resets bit 0 to 0 by feedback:
    # flip it when the memory reads 1. The bath sees no heat (a permutation), the
    # bit's entropy falls by log 2, and the information term pays for it.
    p_x = np.array([[0.5, 0.0], [0.0, 0.5]])
    flip_if = np.zeros((2, 2, 2))
    flip_if[0, 0, 0] = flip_if[1, 1, 0] = 1.0  # x0 = x1 -> z0 = 0
    flip_if[0, 1, 1] = flip_if[1, 0, 1] = 1.0
    keep = np.eye(2)
    back0 = np.zeros((2, 2, 2))  # T^B_0(x0 | z0, z1): undo the feedback given the memory
    back0[0, 0, 0] = back0[0, 1, 1] = back0[1, 0, 1] = back0[1, 1, 0] = 1.0
    ep = network_entropy_production(p_x, [flip_if, keep], [("x0", "x1"), ("x1",)],
                                    back_kernels=[back0, keep], back_parents=[("z0", "z1"), ("z1",)])
    s0 = ep.subsystem(0)
    assert s0.system == pytest.approx(-np.log(2), abs=1e-14)
    assert s0.bath == pytest.approx(0.0, abs=1e-14)
    assert s0.total == pytest.approx(-np.log(2), abs=1e-14)
    assert s0.transfer == pytest.approx(0.0, abs=1e-14)  # z0 = 0 always: learns nothing
    assert s0.backward_information == pytest.approx(np.log(2), abs=1e-14)  # I(X0; Z1 | Z0)
    assert s0.distance == pytest.approx(0.0, abs=1e-14)


def test_subsystem_set_with_an_intermediate_outside_z_is_refused():
    rng = np.random.default_rng(4)
    p_x = _kernel(rng, 8).reshape(2, 2, 2)
    K0 = _kernel(rng, (2, 2))  # z0 <- x0
    K1 = _kernel(rng, (2, 2, 2))  # z1 <- (x1, z0)
    K2 = _kernel(rng, (2, 2, 2))  # z2 <- (x2, z1)
    B = [_kernel(rng, (2, 2)) for _ in range(3)]
    ep = network_entropy_production(p_x, [K0, K1, K2], [("x0",), ("x1", "z0"), ("x2", "z1")],
                                    back_kernels=B, back_parents=[("z0",), ("z1",), ("z2",)])
    with pytest.raises(ValueError, match=r"^subsystems \(0, 2\): z1"):
        ep.subsystem([0, 2])
    s = ep.subsystem([0, 1])
    assert s.total == pytest.approx(s.distance + s.information, abs=1e-12)
    with pytest.raises(ValueError, match=r"^subsystems"):
        ep.subsystem([])


# --------------------------------------------------------------------------- joint kernels, order

def test_joint_kernel_factorizing_needs_no_order_and_matches_the_network():
    rng = np.random.default_rng(5)
    p_x = _kernel(rng, 6).reshape(2, 3)
    K0, K1 = _kernel(rng, (2, 3, 2)), _kernel(rng, (2, 3, 3))  # both see (x0, x1)
    T = np.einsum("abc,abd->abcd", K0, K1)
    ep = subsystem_entropy_production(p_x, T)
    net = network_entropy_production(p_x, [K0, K1], [("x0", "x1"), ("x0", "x1")])
    assert ep.total == pytest.approx(net.total, abs=1e-13)
    assert ep.subsystem_total == pytest.approx(net.subsystem_total, abs=1e-12)
    again = subsystem_entropy_production(p_x, T, order=(1, 0))
    assert again.subsystem_total == pytest.approx(ep.subsystem_total, abs=1e-12)
    # SI is the sum of the one-step transfer entropies for conditionally independent updates
    assert sum(ep.transfer_entropies) == pytest.approx(ep.stochastic_interaction, abs=1e-12)
    assert ep.stochastic_interaction > 1e-3


def test_joint_kernel_that_does_not_factorize_needs_an_order_and_depends_on_it():
    rng = np.random.default_rng(6)
    p_x = _kernel(rng, 12).reshape(2, 3, 2)
    T = _kernel(rng, (12, 12)).reshape(2, 3, 2, 2, 3, 2)
    with pytest.raises(ValueError, match=r"^order"):
        subsystem_entropy_production(p_x, T)
    flat = thermoinfo.entropy_production(p_x.ravel(), T.reshape(12, 12))
    results = [subsystem_entropy_production(p_x, T, order=o) for o in [(0, 1, 2), (2, 1, 0)]]
    for ep in results:
        assert ep.total == pytest.approx(flat.total, abs=1e-12)
        assert ep.system == pytest.approx(flat.system, abs=1e-12)
        assert sum(ep.subsystem_total) == pytest.approx(ep.total + ep.correlation_change, abs=1e-12)
        # the chain-rule bath terms depend on the order
    assert abs(results[0].subsystem_total[0] - results[1].subsystem_total[0]) > 1e-3
    # the system terms do not
    for i in range(3):
        assert results[0].subsystem(i).system == pytest.approx(results[1].subsystem(i).system, abs=1e-13)
    # grouping axes 0 and 2 into one subsystem
    grouped = subsystem_entropy_production(p_x, T, subsystems=[(0, 2), (1,)], order=(1, 0))
    assert grouped.total == pytest.approx(flat.total, abs=1e-12)
    p = grouped.p_joint
    assert grouped.subsystem(0).system == pytest.approx(H(_marg(p, [2])) - H(p_x.sum(axis=1)), abs=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"subsystems": [(0,), (1,)]}, "^subsystems do not cover the state"),
        ({"subsystems": [(0, 1), (1, 2)]}, "^subsystems overlap"),
        ({"subsystems": [(0,), (1,), (7,)]}, "^subsystems name axes outside"),
        ({"subsystems": [(0, 1, 2), ()]}, r"^subsystems\[1\] is empty"),
        ({"order": (0, 0, 1)}, "^order must be a permutation"),
    ],
)
def test_bad_split_or_order(kwargs, match):
    p_x = np.full((2, 2, 2), 1 / 8)
    T = np.full((2, 2, 2, 2, 2, 2), 1 / 8)
    with pytest.raises(ValueError, match=match):
        subsystem_entropy_production(p_x, T, **kwargs)


def test_bad_kernels():
    p_x = np.full((2, 2), 0.25)
    T = np.full((2, 2, 2, 2), 0.25)
    bad = T.copy()
    bad[0, 0, 0, 0] = 0.5
    with pytest.raises(ValueError, match=r"^T\b"):
        subsystem_entropy_production(p_x, bad)
    with pytest.raises(ValueError, match=r"^T_back\b"):
        subsystem_entropy_production(p_x, T, bad)
    with pytest.raises(ValueError, match=r"^T must have"):
        subsystem_entropy_production(p_x, T[0])
    with pytest.raises(ValueError, match=r"^T_back must have"):
        subsystem_entropy_production(p_x, T, T[0])


# --------------------------------------------------------------------------- the stochastic interaction

@pytest.mark.parametrize("J", [0.4, 1.0, -1.5])
def test_parallel_glauber_at_stationarity_produces_nothing_while_si_is_positive(J):
    beta, h = 0.9, (0.3, -0.2)
    T = glauber_kernel(beta, J, h)
    E = little_energy(beta, J, h)
    pi = np.exp(-beta * E) / np.exp(-beta * E).sum()
    np.testing.assert_allclose(pi @ T, pi, atol=1e-15)
    ep = two_spin_glauber(beta, J, h, pi.reshape(2, 2))
    assert ep.total == pytest.approx(0.0, abs=1e-14)
    assert ep.system == pytest.approx(0.0, abs=1e-14)
    for i in range(2):
        assert ep.partial[i] == pytest.approx(0.0, abs=1e-14)
        assert ep.marginal_partial[i] == pytest.approx(0.0, abs=1e-14)
        assert ep.subsystem_total[i] == pytest.approx(0.0, abs=1e-14)
    assert ep.correlation_change == pytest.approx(0.0, abs=1e-14)
    # ... while the stochastic interaction is strictly positive: it is the transfer entropy
    assert ep.stochastic_interaction > 0.01
    assert ep.stochastic_interaction == pytest.approx(sum(ep.transfer_entropies), abs=1e-13)
    # so the identity sigma_tot = sum_i sigma^i_m + SI (local backward kernels) does not apply
    assert ep.total < sum(ep.marginal_partial) + ep.stochastic_interaction - 0.01


def test_local_backward_kernels_tie_the_graph_defect_to_si():
    rng = np.random.default_rng(5)
    K0, K1 = _kernel(rng, (2, 2, 2)), _kernel(rng, (2, 2, 2))  # z_i <- (x0, x1)
    B0, B1 = _kernel(rng, (2, 2)), _kernel(rng, (2, 2))  # local backward kernels x_i <- z_i
    args = ([K0, K1], [("x0", "x1"), ("x0", "x1")], [B0, B1], [("z0",), ("z1",)])
    ep = network_entropy_production(_kernel(rng, 4).reshape(2, 2), *args)
    assert ep.interaction == pytest.approx(ep.stochastic_interaction - ep.correlation_change, abs=1e-12)
    # with non-local backward kernels the relation fails
    B0n = _kernel(rng, (2, 2, 2))
    ep = network_entropy_production(_kernel(rng, 4).reshape(2, 2), [K0, K1], [("x0", "x1"), ("x0", "x1")],
                                    [B0n, B1], [("z0", "z1"), ("z1",)])
    assert abs(ep.interaction - ep.stochastic_interaction + ep.correlation_change) > 1e-3


def test_joint_kernel_with_its_own_backward_kernel_and_other_outcome_spaces():
    rng = np.random.default_rng(12)
    p_x = _kernel(rng, 6).reshape(2, 3)
    K0, K1 = _kernel(rng, (2, 3, 4)), _kernel(rng, (2, 3, 2))  # z0 has 4 states, z1 has 2
    T = np.einsum("abc,abd->abcd", K0, K1)
    B0, B1 = _kernel(rng, (4, 2, 2)), _kernel(rng, (4, 2, 3))  # T_B(x0 | z), T_B(x1 | z)
    T_back = np.einsum("cda,cdb->cdab", B0, B1)
    ep = subsystem_entropy_production(p_x, T, T_back)
    flat = thermoinfo.entropy_production(p_x.ravel(), T.reshape(6, 8), T_back.reshape(8, 6))
    assert ep.total == pytest.approx(flat.total, abs=1e-12)
    assert ep.bath == pytest.approx(flat.bath, abs=1e-12)
    assert sum(ep.subsystem_total) == pytest.approx(ep.total + ep.correlation_change, abs=1e-12)
    # a backward kernel that does not factorize needs an order even when T does
    T_back_joint = _kernel(rng, (8, 6)).reshape(4, 2, 2, 3)
    with pytest.raises(ValueError, match=r"^order: the kernel T_back"):
        subsystem_entropy_production(p_x, T, T_back_joint)
    ep = subsystem_entropy_production(p_x, T, T_back_joint, order=(0, 1))
    flat = thermoinfo.entropy_production(p_x.ravel(), T.reshape(6, 8), T_back_joint.reshape(8, 6))
    assert ep.total == pytest.approx(flat.total, abs=1e-12)


def test_labelled_and_non_numeric_joint_kernels():
    import xarray as xr

    p_x = np.full((2, 2), 0.25)
    f = np.array([[0.9, 0.1], [0.2, 0.8]])
    T = np.einsum("ac,bd->abcd", f, f)
    labelled = xr.DataArray(T, dims=("x0", "x1", "z0", "z1"))
    assert subsystem_entropy_production(p_x, labelled).total == pytest.approx(
        subsystem_entropy_production(p_x, T).total, abs=1e-15)
    with pytest.raises(TypeError, match=r"^T must be an array"):
        subsystem_entropy_production(p_x, "T")
    with pytest.raises(TypeError, match=r"^T_back must be an array"):
        subsystem_entropy_production(p_x, T, [["a"]])
