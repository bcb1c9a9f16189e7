"""One-step entropy production: the backward family, its m-projection, labelled inputs, bad input."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.optimize import minimize
from scipy.special import softmax

import thermoinfo
from thermoinfo.testing import raises_named
from thermoinfo.testing import strategies as ts


def _random_kernel(rng, n_x, n_z):
    T = rng.random((n_x, n_z)) + 0.05
    return T / T.sum(axis=1, keepdims=True)


def test_m_projection_onto_backward_family_is_forward_marginal_bruteforce():
    # minimize D(p || T_B(x|z) q(z)) over q(z) on the simplex (softmax coordinates)
    rng = np.random.default_rng(7)
    p_x = np.array([0.5, 0.3, 0.2])
    T = _random_kernel(rng, 3, 4)
    T_back = _random_kernel(rng, 4, 3)
    ep = thermoinfo.entropy_production(p_x, T, T_back)

    def objective(theta):
        return thermoinfo.kl(ep.p_joint, T_back.T * softmax(theta)[None, :])

    best = min((minimize(objective, rng.normal(size=4), method="Nelder-Mead",
                         options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000})
                for _ in range(3)), key=lambda r: r.fun)
    np.testing.assert_allclose(softmax(best.x), ep.q_star_z, atol=2e-5)
    np.testing.assert_allclose(ep.q_star_z, p_x @ T, atol=1e-15)
    assert best.fun == pytest.approx(ep.total, abs=1e-10)
    assert ep.total == pytest.approx(ep.system + ep.bath, abs=1e-12)


@settings(max_examples=40)
@given(st.integers(2, 4).flatmap(lambda n: st.tuples(
    ts.distributions(shape=(n,)), ts.conditionals(n, n), ts.conditionals(n, n, positive=True),
    ts.distributions(shape=(n,), positive=True))))
def test_sigma_properties(args):
    p_x, T, T_back, q_z = args
    ep = thermoinfo.entropy_production(p_x, T, T_back)
    assert ep.total >= 0
    assert ep.total == pytest.approx(ep.system + ep.bath, abs=1e-10)
    assert ep.system == pytest.approx(thermoinfo.entropy(p_x @ T) - thermoinfo.entropy(p_x), abs=1e-12)
    # sigma_tot = D(p || q*), and the Pythagorean split for any other member of M_B
    assert ep.total == pytest.approx(thermoinfo.kl(ep.p_joint, ep.q_star), abs=1e-12)
    r = ep.split(q_z)
    assert r.total == pytest.approx(thermoinfo.kl(ep.p_joint, T_back.T * q_z[None, :]), abs=1e-12)
    assert abs(r.residual) < 1e-10
    assert r.total >= ep.total - 1e-12


@settings(max_examples=40)
@given(st.integers(2, 4).flatmap(lambda n: st.tuples(ts.distributions(shape=(n,)),
                                                       ts.conditionals(n, n))))
def test_default_backward_kernel_is_the_forward_one(args):
    p_x, T = args
    a = thermoinfo.entropy_production(p_x, T)
    b = thermoinfo.entropy_production(p_x, T, T)
    assert (a.total, a.bath) == (b.total, b.bath)
    assert a.total >= 0
    joint = p_x[:, None] * T
    if np.any((joint > 0) & (T.T <= 0)):
        assert a.bath == np.inf and a.total == np.inf
        return
    mask = joint > 0
    bath = np.sum(joint[mask] * (np.log(T[mask]) - np.log(T.T[mask])))
    assert a.bath == pytest.approx(bath, abs=1e-12)
    assert a.total == pytest.approx(a.system + a.bath, abs=1e-10)


def test_bath_is_infinite_where_backward_forbids_a_forward_transition():
    T = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])  # a ring, one way only
    ep = thermoinfo.entropy_production([0.2, 0.3, 0.5], T)
    assert ep.bath == np.inf and ep.total == np.inf
    # an explicit backward kernel that allows the reverse of every forward step is finite
    ep2 = thermoinfo.entropy_production([0.2, 0.3, 0.5], T, T_back=np.full((3, 3), 1 / 3))
    assert np.isfinite(ep2.bath) and ep2.total == pytest.approx(ep2.system + ep2.bath, abs=1e-12)
    # a forward transition with zero probability does not count, even if T_B forbids its reverse
    T3 = np.array([[1.0, 0.0], [0.5, 0.5]])
    Tb3 = np.array([[0.5, 0.5], [0.0, 1.0]])  # T_B(x=0 | z=1) = 0, but 0 -> 1 never happens
    ep3 = thermoinfo.entropy_production([0.5, 0.5], T3, Tb3)
    assert np.isfinite(ep3.bath)
    assert ep3.bath == pytest.approx(0.5 * np.log(1 / 0.5) + 0.25 * np.log(0.5 / 0.5)
                                     + 0.25 * np.log(0.5 / 1.0), abs=1e-14)


def test_labelled_inputs_are_matched_by_dim_name():
    rng = np.random.default_rng(1)
    T = _random_kernel(rng, 3, 2)
    Tb = _random_kernel(rng, 2, 3)
    p_x = np.array([0.2, 0.5, 0.3])
    ref = thermoinfo.entropy_production(p_x, T, Tb)
    px_l = xr.DataArray(p_x, dims=["x"], coords={"x": ["a", "b", "c"]})
    T_l = xr.DataArray(T.T, dims=["z", "x"], coords={"x": ["a", "b", "c"], "z": ["u", "v"]})  # transposed
    Tb_l = xr.DataArray(Tb.T, dims=["x", "z"])  # transposed too; matched by name
    ep = thermoinfo.entropy_production(px_l, T_l, Tb_l)
    assert ep.total == pytest.approx(ref.total, abs=1e-15)
    assert ep.bath == pytest.approx(ref.bath, abs=1e-15)
    assert ep.p_joint.dims == ("x", "z") and list(ep.q_star_z.coords["z"].values) == ["u", "v"]
    np.testing.assert_allclose(ep.q_star.values, ref.q_star)
    r = ep.split(xr.DataArray([0.4, 0.6], dims=["z"]))
    assert abs(r.residual) < 1e-12
    with raises_named(ValueError, "T_back") as check:
        thermoinfo.entropy_production(px_l, T_l, xr.DataArray(Tb, dims=["z", "y"]))
    assert "dims" in str(check.value)
    with raises_named(ValueError, "p_x") as check:
        thermoinfo.entropy_production(xr.DataArray(p_x, dims=["w"]), T_l)
    assert "dim" in str(check.value)


@pytest.mark.parametrize(
    "kwargs, name, detail",
    [
        ({"p_x": [0.5, 0.6], "T": np.eye(2)}, "p_x", ""),
        ({"p_x": [0.5, np.nan], "T": np.eye(2)}, "p_x", ""),
        ({"p_x": [0.5, 0.5], "T": [[0.5, 0.4], [0.0, 1.0]]}, "T", ""),
        ({"p_x": [0.5, 0.5], "T": [[np.nan, 1.0], [0.0, 1.0]]}, "T", ""),
        ({"p_x": [0.5, 0.5], "T": [[1.2, -0.2], [0.0, 1.0]]}, "T", ""),
        ({"p_x": [0.5, 0.5], "T": np.full((3, 3), 1 / 3)}, "T", "rows but p_x"),
        # a non-square T has no default backward kernel: the message says to pass T_back
        ({"p_x": [0.5, 0.5], "T": np.full((2, 3), 1 / 3)}, "T", "T_back"),
        ({"p_x": [0.5, 0.5], "T": np.eye(2), "T_back": np.full((3, 2), 0.5)}, "T_back", ""),
        ({"p_x": [0.5, 0.5], "T": np.eye(2), "T_back": [[0.5, 0.6], [0.5, 0.5]]}, "T_back", ""),
    ],
)
def test_bad_input_names_the_argument(kwargs, name, detail):
    with raises_named(ValueError, name) as check:
        thermoinfo.entropy_production(**kwargs)
    assert detail in str(check.value)


def _sigma_tot_reference(p_x, T):
    """sum_xz p(x) T(z|x) log[p(x) T(z|x) / (T(x|z) p(z))], the same kernel run backwards."""
    joint = p_x[:, None] * T
    p_z = joint.sum(axis=0)
    backward = T.T * p_z[None, :]
    if np.any((joint > 0) & (backward == 0)):
        return np.inf
    mask = joint > 0
    return float(np.sum(joint[mask] * np.log(joint[mask] / backward[mask])))


@settings(max_examples=80)
@given(st.one_of(
    hnp.arrays(np.float64, (3, 3), elements=st.one_of(
        st.floats(-1, 2), st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0, 1 / 3]))),
    ts.conditionals(3, 3),
    ts.malformed_tables((3, 3)),
))
def test_any_kernel_is_refused_naming_t_or_gives_the_exact_production(T):
    """Validity is decided here, independently: finite, non-negative rows summing to one."""
    p_x = np.array([0.2, 0.3, 0.5])
    valid = (np.all(np.isfinite(T)) and np.all(T >= 0)
             and np.all(np.abs(T.sum(axis=1) - 1.0) <= 1e-9))
    if not valid:
        with raises_named(ValueError, "T"):
            thermoinfo.entropy_production(p_x, T)
        return
    ep = thermoinfo.entropy_production(p_x, T)
    expected = _sigma_tot_reference(p_x, T)
    if np.isinf(expected):
        assert ep.total == np.inf
    else:
        np.testing.assert_allclose(ep.total, expected, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ep.system + ep.bath, ep.total, rtol=1e-10, atol=1e-12)
