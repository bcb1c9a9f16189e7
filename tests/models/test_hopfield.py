"""Hopfield networks, dense associative memories and modern Hopfield networks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thermoinfo._enumerate import states as all_states
from thermoinfo.models import DenseAssociativeMemory, Hopfield, ModernHopfield
from thermoinfo.models.hopfield import storkey_weights
from thermoinfo.testing import raises_named
from thermoinfo.testing.sampling import chisquare_pvalue, state_counts


def spins(rng, p, n):
    return np.where(rng.random((p, n)) < 0.5, -1, 1).astype(np.int8)


def flip(rng, s, fraction):
    out = s.copy()
    idx = rng.choice(s.shape[-1], size=int(fraction * s.shape[-1]), replace=False)
    out[..., idx] *= -1
    return out


def test_hebbian_weights_follow_the_rule_for_both_unit_sets():
    rng = np.random.default_rng(0)
    xi = spins(rng, 4, 12)
    net = Hopfield(12).fit(xi)
    ref = sum(np.outer(x, x) for x in xi.astype(float)) / 12
    np.fill_diagonal(ref, 0)
    np.testing.assert_allclose(net.weights_, ref, atol=1e-15)
    u = (xi + 1) // 2
    netb = Hopfield(12, units="binary").fit(u)
    ref_b = sum(4 * np.outer(x - 0.5, x - 0.5) for x in u.astype(float)) / 12
    np.fill_diagonal(ref_b, 0)
    np.testing.assert_allclose(netb.weights_, ref_b, atol=1e-15)
    np.testing.assert_allclose(netb.thresholds_, 0.5 * ref_b.sum(axis=1), atol=1e-15)
    assert netb.patterns_.dtype == np.int8 and set(np.unique(netb.patterns_)) <= {0, 1}


def test_storkey_rule_matches_its_definition():
    rng = np.random.default_rng(1)
    n = 9
    xi = spins(rng, 4, n).astype(float)
    w = np.zeros((n, n))
    for x in xi:  # literal form: h_ij = sum_{k != i, j} w_ik x_k
        new = w.copy()
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                h_ij = sum(w[i, k] * x[k] for k in range(n) if k not in (i, j))
                h_ji = sum(w[j, k] * x[k] for k in range(n) if k not in (i, j))
                new[i, j] = w[i, j] + (x[i] * x[j] - x[i] * h_ji - h_ij * x[j]) / n
        w = new
    np.testing.assert_allclose(storkey_weights(xi), w, atol=1e-12)
    net = Hopfield(n, rule="storkey").fit(xi)
    np.testing.assert_allclose(net.weights_, net.weights_.T)
    assert np.all(np.diagonal(net.weights_) == 0)


def test_storkey_stores_more_fixed_points_than_hebb():
    rng = np.random.default_rng(2)
    xi = spins(rng, 25, 100)
    hebb = Hopfield(100).fit(xi).is_fixed_point(xi).mean()
    storkey = Hopfield(100, rule="storkey").fit(xi).is_fixed_point(xi).mean()
    assert storkey == 1.0 and hebb < 0.5


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(60, 150), units=st.sampled_from(["spin", "binary"]),
       rule=st.sampled_from(["hebb", "storkey"]))
def test_stored_patterns_are_fixed_points_at_low_load(seed, n, units, rule):
    rng = np.random.default_rng(seed)
    xi = spins(rng, max(1, n // 40), n)
    pats = xi if units == "spin" else (xi + 1) // 2
    net = Hopfield(n, units=units, rule=rule).fit(pats)
    assert np.all(net.is_fixed_point(pats))
    info = net.recall(pats, rng=seed, return_info=True)
    np.testing.assert_array_equal(info.states, pats)
    assert info.fixed_point.all() and np.all(info.sweeps == 1)
    np.testing.assert_allclose(np.diagonal(info.overlaps), 1.0)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 40), p=st.integers(1, 6),
       dynamics=st.sampled_from(["asynchronous", "synchronous"]))
def test_binary_and_spin_networks_agree_under_s_equals_2u_minus_1(seed, n, p, dynamics):
    rng = np.random.default_rng(seed)
    xi = spins(rng, p, n)
    start = spins(rng, 3, n)
    spin = Hopfield(n).fit(xi)
    binary = Hopfield(n, units="binary").fit((xi + 1) // 2)
    out_s = spin.recall(start, rng=seed, dynamics=dynamics, return_info=True)
    out_b = binary.recall((start + 1) // 2, rng=seed, dynamics=dynamics, return_info=True)
    np.testing.assert_array_equal(2 * out_b.states - 1, out_s.states)
    np.testing.assert_array_equal(out_b.two_cycle, out_s.two_cycle)
    np.testing.assert_allclose(out_b.overlaps, out_s.overlaps)
    # E(u) = E(s)/4 + const
    e_s = spin.energy(start) - spin.energy(out_s.states)
    e_b = binary.energy((start + 1) // 2) - binary.energy(out_b.states)
    np.testing.assert_allclose(e_b, e_s / 4, atol=1e-10)


def test_binary_network_at_t_is_spin_network_at_4t():
    rng = np.random.default_rng(4)
    xi = spins(rng, 2, 6)
    spin, binary = Hopfield(6).fit(xi), Hopfield(6, units="binary").fit((xi + 1) // 2)
    s, u = all_states(6, values=(-1, 1)), all_states(6)
    for t in (0.2, 1.0):
        ps = np.exp(-spin.energy(s) / (4 * t))
        pb = np.exp(-binary.energy(u) / t)
        np.testing.assert_allclose(pb / pb.sum(), ps / ps.sum(), rtol=1e-12)


def test_energy_is_the_quadratic_form():
    rng = np.random.default_rng(5)
    net = Hopfield(8, units="binary").fit((spins(rng, 3, 8) + 1) // 2)
    u = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    ref = -0.5 * sum(net.weights_[i, j] * u[i] * u[j] for i in range(8) for j in range(8))
    ref += float(net.thresholds_ @ u)
    assert net.energy(u) == pytest.approx(ref, abs=1e-12)


def test_recall_from_noisy_and_partial_patterns():
    rng = np.random.default_rng(6)
    n = 200
    xi = spins(rng, 8, n)
    net = Hopfield(n).fit(xi)
    noisy = np.stack([flip(rng, x, 0.2) for x in xi])
    np.testing.assert_array_equal(net.recall(noisy, rng=1), xi)
    partial = xi.copy()
    partial[:, n // 2:] = spins(rng, 8, n - n // 2)  # the second half unknown (random)
    out = net.recall(partial, rng=2, dynamics="synchronous", return_info=True)
    assert np.mean(np.diagonal(out.overlaps)) > 0.99
    assert np.all(out.fixed_point | out.two_cycle)


def test_synchronous_dynamics_reports_two_cycles():
    net = Hopfield(2).fit([[1, 1]])
    out = net.recall([1, -1], dynamics="synchronous", return_info=True)
    assert out.two_cycle and not out.fixed_point
    out = net.recall([1, -1], rng=0, return_info=True)
    assert out.fixed_point and abs(int(out.states.sum())) == 2


def test_single_state_round_trip_shapes():
    rng = np.random.default_rng(7)
    xi = spins(rng, 2, 30)
    net = Hopfield(30).fit(xi)
    assert net.recall(xi[0], rng=0).shape == (30,)
    assert isinstance(net.energy(xi[0]), float)
    assert net.overlap(xi[0]).shape == (2,)
    assert net.recall(xi, random_state=0).shape == (2, 30)


@pytest.mark.parametrize("units", ["spin", "binary"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_glauber_recall_samples_the_boltzmann_distribution(seed, units):
    rng = np.random.default_rng(10 + seed)
    n, t = 5, 0.4
    xi = spins(rng, 2, n)
    lo = -1 if units == "spin" else 0
    t = t if units == "spin" else t / 4  # the {0, 1} network at T is the spin network at 4T
    net = Hopfield(n, units=units).fit(xi if units == "spin" else (xi + 1) // 2)
    all_s = all_states(n, values=(lo, 1))
    p = np.exp(-(net.energy(all_s) - net.energy(all_s).min()) / t)
    p /= p.sum()
    n_chains = 2000
    start = all_s[rng.integers(0, 2**n, size=n_chains)]
    final = net.recall(start, rng=seed, temperature=t, n_sweeps=20)
    counts = state_counts(final, (lo, 1))
    assert chisquare_pvalue(counts, p) > 1e-3


def test_dense_memory_of_degree_two_is_the_hopfield_energy():
    rng = np.random.default_rng(8)
    xi = spins(rng, 5, 20)
    s = spins(rng, 10, 20)
    dam = DenseAssociativeMemory(20, degree=2).fit(xi)
    hop = Hopfield(20).fit(xi)
    # -sum_mu (xi.s)^2 = -(N s.W.s + P N) = 2 N E_hopfield - P N
    np.testing.assert_allclose(dam.energy(s), 2 * 20 * hop.energy(s) - 5 * 20, atol=1e-9)


@given(seed=st.integers(0, 2**32 - 1), degree=st.integers(2, 5))
def test_dense_memory_recall_lowers_the_energy(seed, degree):
    rng = np.random.default_rng(seed)
    xi = spins(rng, 6, 24)
    dam = DenseAssociativeMemory(24, degree=degree).fit(xi)
    s = spins(rng, 4, 24)
    out = dam.recall(s, rng=seed, return_info=True)
    assert np.all(dam.energy(out.states) <= dam.energy(s) + 1e-9)
    assert out.fixed_point.all()


def test_dense_memory_retrieves_where_the_hopfield_network_fails():
    rng = np.random.default_rng(9)
    n, p = 200, 60  # load 0.3, far beyond alpha_c = 0.138
    xi = spins(rng, p, n)
    probes = xi[:20]
    m_hop = np.diagonal(Hopfield(n).fit(xi).recall(probes, rng=0, return_info=True).overlaps)
    dam = DenseAssociativeMemory(n, degree=3).fit(xi)
    m_dam = np.diagonal(dam.recall(probes, rng=0, return_info=True).overlaps[:, :20])
    assert np.mean(m_hop) < 0.7
    assert np.all(m_dam == 1.0)
    noisy = np.stack([flip(rng, x, 0.1) for x in probes])
    np.testing.assert_array_equal(dam.recall(noisy, rng=1), probes)
    binary = DenseAssociativeMemory(n, degree=3, units="binary").fit((xi + 1) // 2)
    np.testing.assert_array_equal(binary.recall((noisy + 1) // 2, rng=1), (probes + 1) // 2)


@given(seed=st.integers(0, 2**32 - 1), temperature=st.floats(0.2, 20.0), d=st.integers(2, 12),
       p=st.integers(1, 10))
def test_modern_hopfield_update_never_raises_the_energy(seed, temperature, d, p):
    rng = np.random.default_rng(seed)
    net = ModernHopfield(temperature=temperature).fit(rng.normal(size=(p, d)))
    q = rng.normal(size=(5, d)) * 2
    e0 = net.energy(q)
    e1 = net.energy(net.update(q))
    assert np.all(e1 <= e0 + 1e-9 * (1 + np.abs(e0)))
    assert np.all(e0 >= -1e-9)


@pytest.mark.parametrize("temperature", [0.3, 1.0, 4.0])
def test_modern_hopfield_energy_gradient_is_state_minus_update(temperature):
    # E = -T lse(X^T xi / T) + xi.xi/2 + const, so grad E = xi - X softmax(X^T xi / T) = xi - update(xi)
    rng = np.random.default_rng(12)
    net = ModernHopfield(temperature=temperature).fit(rng.normal(size=(4, 3)))
    q = rng.normal(size=3)
    h = 1e-5
    grad = [(net.energy(q + h * e) - net.energy(q - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(grad, q - net.update(q), atol=1e-8)


def test_modern_hopfield_temperature_interpolates_between_nearest_pattern_and_mean():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    q = np.array([0.9, 0.2])  # overlaps 0.9, 0.2, -1.1: pattern 0 is the nearest
    np.testing.assert_allclose(ModernHopfield(temperature=0.01).fit(x).update(q), x[0], atol=1e-12)
    np.testing.assert_allclose(ModernHopfield(temperature=1e6).fit(x).update(q), x.mean(axis=0), atol=1e-5)
    # one spelling: temperature
    with pytest.raises(TypeError,
                       match=r"^ModernHopfield\.__init__\(\) got an unexpected keyword argument 'beta'"):
        ModernHopfield(beta=1.0)


def test_modern_hopfield_retrieves_far_beyond_classical_capacity():
    rng = np.random.default_rng(11)
    n, p = 100, 100  # load 1.0
    xi = spins(rng, p, n).astype(float)
    net = ModernHopfield(temperature=1.0).fit(xi)
    noisy = np.stack([flip(rng, x, 0.2) for x in xi[:10]])
    out = net.recall(noisy)
    np.testing.assert_allclose(out, xi[:10], atol=1e-8)
    np.testing.assert_allclose(np.diagonal(net.overlap(out)), 1.0)


_FITTED = [[1, -1, 1, -1]]
BAD_CALLS = {
    "recall -0.5 temperature": (lambda: Hopfield(4).fit(_FITTED).recall([1, 1, 1, 1], temperature=-0.5),
                                ValueError, "temperature"),
    "recall NaN temperature": (lambda: Hopfield(4).fit(_FITTED).recall([1, 1, 1, 1], temperature=np.nan),
                               ValueError, "temperature"),
    "recall T > 0 without n_sweeps": (lambda: Hopfield(4).fit(_FITTED).recall([1, 1, 1, 1], temperature=1.0),
                                      ValueError, "n_sweeps"),
    "recall dynamics": (lambda: Hopfield(4).fit(_FITTED).recall([1, 1, 1, 1], dynamics="parallel"),
                        ValueError, "dynamics"),
    "recall max_sweeps": (lambda: Hopfield(4).fit(_FITTED).recall([1, 1, 1, 1], max_sweeps=0),
                          ValueError, "max_sweeps"),
    "recall rng": (lambda: Hopfield(4).fit(_FITTED).recall([1, 1, 1, 1], rng="seed"), TypeError, "rng"),
    "recall rng and random_state": (lambda: Hopfield(4).fit(_FITTED).recall([1, 1, 1, 1], rng=0,
                                                                             random_state=0),
                                    ValueError, "rng"),
    "n_units 0": (lambda: Hopfield(0).fit(np.ones((1, 0))), ValueError, "n_units"),
    "n_units 2.5": (lambda: Hopfield(2.5).fit([[1, 1]]), TypeError, "n_units"),
    "rule": (lambda: Hopfield(2, rule="oja").fit([[1, 1]]), ValueError, "rule"),
    "units": (lambda: Hopfield(2, units="ternary").fit([[1, 1]]), ValueError, "units"),
    "not fitted": (lambda: Hopfield(2).recall([1, 1]), ValueError, "this Hopfield is not fitted"),
    "degree 1": (lambda: DenseAssociativeMemory(4, degree=1).fit(_FITTED), ValueError, "degree"),
    "degree 2.0": (lambda: DenseAssociativeMemory(4, degree=2.0).fit(_FITTED), TypeError, "degree"),
    "modern max_steps": (lambda: ModernHopfield().fit([[1.0, 2.0]]).recall([1.0, 2.0], max_steps=0),
                         ValueError, "max_steps"),
    "modern tol": (lambda: ModernHopfield().fit([[1.0, 2.0]]).recall([1.0, 2.0], tol=-1.0),
                   ValueError, "tol"),
}


@pytest.mark.parametrize("call", sorted(BAD_CALLS))
def test_bad_arguments_raise_errors_that_start_with_their_name(call):
    fn, error, name = BAD_CALLS[call]
    with raises_named(error, name):
        fn()


def test_thermodynamics_is_the_boltzmann_distribution_of_the_energy():
    rng = np.random.default_rng(13)
    xi = spins(rng, 3, 7)
    net = Hopfield(7).fit(xi)
    s = all_states(7, values=(-1, 1))
    e = net.energy(s)
    for t in (0.3, 1.0):
        p = np.exp(-(e - e.min()) / t)
        log_z = np.log(p.sum()) - e.min() / t
        p /= p.sum()
        th = net.thermodynamics(t)
        assert th.log_partition.item() == pytest.approx(log_z, abs=1e-12)
        assert th.energy.item() == pytest.approx(p @ e, abs=1e-12)
        assert th.heat_capacity.item() == pytest.approx(p @ (e - p @ e) ** 2 / t**2, abs=1e-10)
        np.testing.assert_allclose(th.means.values, p @ s, atol=1e-12)
    # the {0, 1} network at T is the spin network at 4T: <u> = (1 + <s>)/2
    binary = Hopfield(7, units="binary").fit((xi + 1) // 2)
    ts = [0.1, 0.25]
    np.testing.assert_allclose(binary.thermodynamics(ts).means.values,
                               (1 + net.thermodynamics([4 * t for t in ts]).means.values) / 2, atol=1e-12)
    assert {"long_name", "units"} <= set(binary.thermodynamics(0.5).entropy.attrs)
