"""Complex phi^4 at finite density: the action, the exact free field, the mean-field
density and the one-variable models against independent references."""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import minimize_scalar

from thermoinfo.systems import phi4
from thermoinfo.testing import raises_named


def _complex_field_action(phi, m, lam, mu):
    """The DESIGN.md definition on the complex field phi = (phi_1 + i phi_2)/sqrt(2)."""
    c = (phi[0] + 1j * phi[1]) / np.sqrt(2.0)
    s = np.sum((4 + m * m) * np.abs(c) ** 2 + lam * np.abs(c) ** 4)
    for axis, sign in ((0, 1.0), (1, 0.0)):  # axis 0 is time
        nxt = np.roll(c, -1, axis=axis)
        s -= np.sum(np.exp(-mu * sign) * np.conj(c) * nxt + np.exp(mu * sign) * np.conj(nxt) * c)
    return s


def _quadratic_form(Lt, Lx, m, mu):
    """K with S = x^T K x / 2 at lam = 0, by polarization of the two-component action."""
    n = 2 * Lt * Lx

    def s(x):
        return complex(phi4.lattice_action(x.reshape(2, Lt, Lx), m, 0.0, mu))

    eye = np.eye(n)
    diag = np.array([s(eye[i]) for i in range(n)])
    K = np.empty((n, n), complex)
    for i in range(n):
        for j in range(n):
            K[i, j] = 2 * diag[i] if i == j else s(eye[i] + eye[j]) - diag[i] - diag[j]
    return K


@pytest.mark.parametrize("mu", [0.0, 0.3, -0.7, 1.2])
def test_two_component_action_is_the_complex_field_action(mu):
    rng = np.random.default_rng(1)
    phi = rng.normal(size=(2, 3, 4))
    lam = 0.7
    got = complex(phi4.lattice_action(phi, 1.3, lam, mu))
    assert got == pytest.approx(_complex_field_action(phi, 1.3, lam, mu), rel=1e-12)
    # phase-quenched part is the mu-even real part; S_I = sinh(mu) sum eps_ab phi_a phi_b(x+0)
    eps = np.sum(phi[0] * np.roll(phi[1], -1, 0) - phi[1] * np.roll(phi[0], -1, 0))
    assert got.imag == pytest.approx(np.sinh(mu) * eps, abs=1e-12)


def test_density_observable_is_minus_mu_derivative_of_the_action():
    rng = np.random.default_rng(2)
    phi = rng.normal(size=(2, 4, 3)) + 0.3j * rng.normal(size=(2, 4, 3))  # complexified fields too
    mu, h = 0.6, 1e-6
    up, down = phi4.lattice_action(phi, 1.0, 1.0, mu + h), phi4.lattice_action(phi, 1.0, 1.0, mu - h)
    fd = -(up - down) / (2 * h) / 12
    assert complex(phi4.number_density(phi, mu)) == pytest.approx(complex(fd), rel=1e-7)


@pytest.mark.parametrize(("Lt", "Lx", "mu"), [(2, 2, 0.5), (4, 4, 0.8), (3, 5, -0.4), (5, 2, 0.9)])
def test_free_field_matches_real_space_determinant(Lt, Lx, mu):
    m = 1.0
    ff = phi4.free_field(Lt, Lx, m, mu)
    K = _quadratic_form(Lt, Lx, m, mu)
    sign, logdet = np.linalg.slogdet(K)
    sign_r, logdet_r = np.linalg.slogdet(K.real)
    assert sign.real > 0 and sign_r > 0          # Z > 0 and the phase-quenched integral exists
    V = Lt * Lx
    assert ff.log_partition == pytest.approx(V * np.log(2 * np.pi) - 0.5 * logdet, rel=1e-12)
    assert ff.log_partition_phase_quenched == pytest.approx(V * np.log(2 * np.pi) - 0.5 * logdet_r, rel=1e-12)
    assert ff.phase_factor == pytest.approx(np.exp(0.5 * (logdet_r - logdet)), rel=1e-10)
    # density = d ln Z / d mu / V, by finite differences of the real-space determinant
    h = 1e-5

    def log_z(mu_, part):
        k = _quadratic_form(Lt, Lx, m, mu_)
        return -0.5 * np.linalg.slogdet(k if part == "full" else k.real)[1]

    fd = (log_z(mu + h, "full") - log_z(mu - h, "full")) / (2 * h * V)
    fd_pq = (log_z(mu + h, "pq") - log_z(mu - h, "pq")) / (2 * h * V)
    assert ff.density == pytest.approx(fd, abs=1e-7)
    assert ff.density_phase_quenched == pytest.approx(fd_pq, abs=1e-7)


@settings(max_examples=25)
@given(Lt=st.integers(2, 7), Lx=st.integers(2, 7), m=st.floats(0.3, 2.0), frac=st.floats(-0.95, 0.95))
def test_free_field_properties(Lt, Lx, m, frac):
    mu = frac * phi4.onset_chemical_potential(m)
    ff = phi4.free_field(Lt, Lx, m, mu)
    mirror = phi4.free_field(Lt, Lx, m, -mu)
    assert 0 < ff.phase_factor <= 1 + 1e-12
    assert mirror.phase_factor == pytest.approx(ff.phase_factor, rel=1e-10)
    assert mirror.density == pytest.approx(-ff.density, abs=1e-12)
    assert np.sign(ff.density) == np.sign(mu) or abs(mu) < 1e-6
    # the phase-quenched theory overestimates the density (|n_pq| >= |n|) and Z <= Z_pq
    assert abs(ff.density_phase_quenched) >= abs(ff.density) - 1e-12
    assert ff.log_partition <= ff.log_partition_phase_quenched + 1e-12


def test_free_field_at_zero_mu_has_no_sign_problem():
    ff = phi4.free_field(4, 6, 0.5, 0.0)
    assert ff.phase_factor == 1.0 and ff.density == 0.0


@pytest.mark.parametrize("mu", [0.2, 0.9, 1.2, 1.6])
def test_mean_field_density_minimizes_the_constant_field_action(mu):
    m, lam = 1.0, 1.0
    # S/V for a constant field of modulus r = |phi|^2
    res = minimize_scalar(lambda r: (m * m + 2 - 2 * np.cosh(mu)) * r + lam * r * r, bounds=(0, 10),
                          method="bounded", options={"xatol": 1e-12})
    expected = 2 * np.sinh(mu) * res.x                  # n = -d(S/V)/d mu at fixed r
    assert phi4.mean_field_density(m, lam, mu) == pytest.approx(expected, abs=1e-6)
    below = mu < phi4.onset_chemical_potential(m)
    assert (phi4.mean_field_density(m, lam, mu) == 0.0) == below


def _moments_by_quadrature(weight, dps=30):
    with mpmath.workdps(dps):
        cut = [-mpmath.inf, -3, 0, 3, mpmath.inf]
        z = mpmath.quad(weight, cut)
        z_pq = mpmath.quad(lambda x: abs(weight(x)), cut)
        m1 = mpmath.quad(lambda x: x * weight(x), cut) / z
        m2 = mpmath.quad(lambda x: x * x * weight(x), cut) / z
        return complex(z / z_pq), complex(m1), complex(m2)


@pytest.mark.parametrize(("p", "alpha"), [(1, 0.5), (6, 2.0), (30, 12.0)])
def test_gaussian_power_model_hermite_answers_match_quadrature(p, alpha):
    ex = phi4.GaussianPowerModel(p, alpha).exact()
    a = mpmath.mpf(alpha)
    pf, m1, m2 = _moments_by_quadrature(lambda x: (x + 1j * a) ** p * mpmath.exp(-x * x / 2))
    assert ex.phase_factor == pytest.approx(pf, rel=1e-12)
    assert ex.mean == pytest.approx(m1, rel=1e-12)
    assert ex.second_moment == pytest.approx(m2, rel=1e-12)


def test_gaussian_power_model_where_double_precision_fails():
    # p = 80, alpha = 16: Z / Z_pq ~ 5e-11 is a cancellation that double-precision
    # quadrature (even of the rescaled integrand (x/alpha + i)^p) misses by percents
    p, alpha = 80, 16.0
    ex = phi4.GaussianPowerModel(p, alpha).exact()
    z_pq = quad(lambda x: (x * x / alpha ** 2 + 1) ** (p / 2) * np.exp(-x * x / 2), -np.inf, np.inf)[0]
    re = quad(lambda x: ((x / alpha + 1j) ** p * np.exp(-x * x / 2)).real, -np.inf, np.inf, limit=200)[0]
    assert abs(ex.phase_factor) < 1e-10
    assert abs(re / z_pq - ex.phase_factor.real) > 0.01 * abs(ex.phase_factor)
    with mpmath.workdps(80):
        a = mpmath.mpf(alpha)
        line = [-mpmath.inf, 0, mpmath.inf]
        z = mpmath.quad(lambda x: ((x + 1j * a) ** p * mpmath.exp(-x * x / 2)).real, line)
        pq = mpmath.quad(lambda x: (x * x + a * a) ** (p // 2) * mpmath.exp(-x * x / 2), line)
        assert ex.phase_factor.real == pytest.approx(float(z / pq), rel=1e-10)


@pytest.mark.parametrize(("a", "h"), [(1.0, 2j), (1 + 1j, 0.3)])
def test_quartic_model_matches_double_quadrature(a, h):
    ex = phi4.QuarticModel(a, 1.0, h).exact()

    def w(x):
        return np.exp(-(a * x * x / 2 + x ** 4 / 4 + h * x))

    def integral(f):
        return complex(quad(lambda x: f(x).real, -np.inf, np.inf, epsabs=1e-13)[0],
                       quad(lambda x: f(x).imag, -np.inf, np.inf, epsabs=1e-13)[0])

    z = integral(w)
    assert ex.phase_factor == pytest.approx(z / quad(lambda x: abs(w(x)), -np.inf, np.inf)[0], abs=1e-9)
    assert ex.mean == pytest.approx(integral(lambda x: x * w(x)) / z, abs=1e-8)
    assert ex.second_moment == pytest.approx(integral(lambda x: x * x * w(x)) / z, abs=1e-8)


def test_quartic_model_without_field_is_real():
    ex = phi4.QuarticModel(1.0, 1.0, 0.0).exact()
    assert ex.phase_factor == pytest.approx(1.0) and abs(ex.mean) < 1e-30


@pytest.mark.parametrize(("Lt", "Lx", "mu"), [(2, 2, 0.5), (3, 4, -0.7), (4, 2, 1.3)])
def test_quadratic_form_is_the_polarized_free_action(Lt, Lx, mu):
    lat = phi4.Lattice(Lt, Lx, m=1.0, lam=1.0, mu=mu)
    np.testing.assert_allclose(lat.quadratic_form(), _quadratic_form(Lt, Lx, 1.0, mu), atol=1e-12)
    np.testing.assert_allclose(lat.quadratic_form(m=1.7), _quadratic_form(Lt, Lx, 1.7, mu), atol=1e-12)


def _is_thimble(B, K):
    P = np.eye(len(B)) + 1j * B
    C = P.T @ K @ P                    # the action restricted to z = t + i B t
    return np.abs(C.imag).max() < 1e-10 * np.abs(C.real).max() and np.all(np.linalg.eigvalsh(C.real) > 0)


def test_gaussian_path_is_the_thimble_of_the_gaussian_approximation():
    free = phi4.Lattice(4, 4, m=1.0, lam=0.0, mu=0.8)      # exact thimble of the free theory
    assert _is_thimble(free.gaussian_path()["A"], free.quadratic_form())
    for mu, m_eff2 in [(0.5, 1.0),                                    # below the onset: m itself
                       (1.0, 2 * (np.cosh(1.0) - 1) + 0.5),           # near it: the margin
                       (1.8, 4 * (np.cosh(1.8) - 1) - 1.0)]:          # the ring average -kappa
        lat = phi4.Lattice(4, 4, m=1.0, lam=1.0, mu=mu)
        B = lat.gaussian_path()["A"]
        assert _is_thimble(B, lat.quadratic_form(m=np.sqrt(m_eff2)))
        assert not _is_thimble(B, lat.quadratic_form(m=np.sqrt(m_eff2 + 0.1)))


@pytest.mark.parametrize(("call", "name", "error"), [
    (lambda: phi4.Lattice(4, 4, m=1.0, lam=1.0, mu=1.0).gaussian_path(margin=0.0), "margin", ValueError),
    (lambda: phi4.Lattice(4, 4, m=1.0, lam=1.0, mu=1.0).quadratic_form(m="1"), "m", TypeError),
    (lambda: phi4.free_field(1, 4, 1.0, 0.1), "Lt", ValueError),
    (lambda: phi4.free_field(4, 1, 1.0, 0.1), "Lx", ValueError),
    (lambda: phi4.free_field(4.0, 4, 1.0, 0.1), "Lt", TypeError),
    (lambda: phi4.free_field(4, 4, 1.0, 0.97), "mu", ValueError),
    (lambda: phi4.free_field(4, 4, 1.0, -1.5), "mu", ValueError),
    (lambda: phi4.free_field(4, 4, 0.0, 0.0), "m", ValueError),
    (lambda: phi4.free_field(4, 4, float("nan"), 0.0), "m", ValueError),
    (lambda: phi4.free_field(4, 4, 1.0, "0.1"), "mu", TypeError),
    (lambda: phi4.Lattice(4, 4, m=1.0, lam=-0.1, mu=0.5), "lam", ValueError),
    (lambda: phi4.Lattice(4, 4, m=1.0, lam=0.0, mu=1.0), "mu", ValueError),
    (lambda: phi4.Lattice(2, 1, m=1.0, lam=1.0, mu=0.5), "Lx", ValueError),
    (lambda: phi4.mean_field_density(1.0, 0.0, 1.0), "lam", ValueError),
    (lambda: phi4.GaussianPowerModel(0, 1.0), "p", ValueError),
    (lambda: phi4.GaussianPowerModel(3, 0.0), "alpha", ValueError),
    (lambda: phi4.QuarticModel(1.0, 0.0, 1j), "lam", ValueError),
    (lambda: phi4.QuarticModel("1", 1.0, 1j), "a", TypeError),
    (lambda: phi4.QuarticModel(1.0, 1.0, complex("nan")), "h", ValueError),
])
def test_bad_input_names_the_argument(call, name, error):
    with raises_named(error, name):
        call()


def test_lattice_with_interaction_is_bounded_beyond_the_free_onset():
    lat = phi4.Lattice(4, 4, m=1.0, lam=1.0, mu=1.5)        # lam > 0 bounds any mu
    assert lat.n_variables == 32 and lat.volume == 16
    action, couplings = lat.flat_action()
    assert action is phi4.Lattice(4, 4, m=2.0, lam=0.5, mu=0.1).flat_action()[0]  # one function per shape
    z = np.random.default_rng(0).normal(size=32)
    assert complex(action(z, couplings)) == pytest.approx(complex(lat.action(z.reshape(2, 4, 4))))
    density = lat.flat_density()
    assert complex(density(z, couplings)) == pytest.approx(complex(lat.density(z.reshape(2, 4, 4))))


def test_docs_code_blocks_run_and_print_the_exact_numbers(capsys):
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "sign_problem.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 3
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/sign_problem.md block {i}", "exec"), {})
    out = capsys.readouterr().out
    assert "phase factor 0.5485, n = 0.3002, n_pq = 0.4026" in out
    assert "Z/Z_pq = 0.07903" in out
