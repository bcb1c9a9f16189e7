"""The symbolic geometry: identities proved by sympy, lambdified values against the numeric layer."""

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

import thermoinfo
from thermoinfo import families
from thermoinfo.symbolic import geometry as sg
from thermoinfo.testing import raises_named


def is_identity_zero(expr):
    """True when expand_log(force=True), log atoms as symbols, and cancel reduce ``expr`` to 0."""
    return sg.vanishes_identically(expr)


def simplex_values(rng, n_params):
    """Random interior values for the free parameters of a probability_table."""
    return rng.dirichlet(np.ones(n_params + 1))[:-1]


@pytest.fixture(scope="module")
def table22():
    return sg.probability_table("p", (2, 2))


@pytest.fixture(scope="module")
def product22():
    r, s = sp.symbols("r s", positive=True)
    return sg.product([r, 1 - r], [s, 1 - s]), (r, s)


# ----------------------------------------------------------------- identities (proofs)

def test_pythagoras_product_family_2x2_is_an_identity(table22, product22):
    p, _ = table22
    q, _ = product22
    split = sg.pythagoras(p, q, families.Product())
    assert is_identity_zero(split.residual)
    assert sp.simplify(sp.expand_log(split.residual, force=True)) == 0
    # the projection is the product of p's marginals
    px, py = sg.marginal(p, 0), sg.marginal(p, 1)
    for i in range(2):
        for j in range(2):
            assert sp.expand(split.q_star[i, j] - px[i] * py[j]) == 0


def test_pythagoras_fails_for_q_outside_the_family(table22):
    """The identity is not vacuous: for q off the product family the residual is non-zero."""
    p, params = table22
    q, qparams = sg.probability_table("q", (2, 2))
    split = sg.pythagoras(p, q, families.Product())
    assert not is_identity_zero(split.residual)
    values = dict(zip(params + qparams, [0.4, 0.1, 0.1, 0.1, 0.2, 0.3]))
    assert abs(float(split.residual.subs(values))) > 1e-3


def test_pythagoras_bayes_net_chain_2x2x2_is_an_identity():
    p, _ = sg.probability_table("p", (2, 2, 2))
    chain = families.BayesNet({1: (0,), 2: (1,)})
    a, b0, b1, c0, c1 = sp.symbols("a b0 b1 c0 c1", positive=True)
    q0 = [a, 1 - a]
    q1 = [[1 - b0, b0], [1 - b1, b1]]
    q2 = [[1 - c0, c0], [1 - c1, c1]]
    q = [[[q0[i] * q1[i][j] * q2[j][k] for k in range(2)] for j in range(2)] for i in range(2)]
    split = sg.pythagoras(p, q, chain)
    assert is_identity_zero(split.residual)


def test_mutual_information_is_kl_to_projection_and_entropy_sum(table22):
    p, _ = table22
    mi = sg.mutual_information(p)
    q_star = sg.m_projection(p, families.Product())
    assert is_identity_zero(mi - sg.kl(p, q_star))
    h = sg.entropy(sg.marginal(p, 0)) + sg.entropy(sg.marginal(p, 1)) - sg.entropy(p)
    assert is_identity_zero(mi - h)
    assert is_identity_zero(sg.conditional_entropy(p, 0, 1) - (sg.entropy(p) - sg.entropy(sg.marginal(p, 1))))


def test_cross_entropy_is_entropy_plus_kl(table22):
    p, _ = table22
    q, _ = sg.probability_table("q", (2, 2))
    assert is_identity_zero(sg.cross_entropy(p, q) - sg.entropy(p) - sg.kl(p, q))


def test_zero_entries_follow_the_numeric_conventions():
    a = sp.Symbol("a", positive=True)
    assert sg.kl([a, 1 - a], [1, 0]) == sp.oo
    assert sg.cross_entropy([a, 1 - a], [1, 0]) == sp.oo
    assert sg.kl([1, 0], [a, 1 - a]) == -sp.log(a)
    assert sg.entropy([1, 0, 0]) == 0
    half = sp.Rational(1, 2)
    assert float(sg.kl([half, half, 0], [half, 0, half])) == thermoinfo.kl([0.5, 0.5, 0], [0.5, 0, 0.5])


def test_univariate_gaussian_kl_matches_textbook_form():
    m0, m1 = sp.symbols("m0 m1", real=True)
    s0, s1 = sp.symbols("s0 s1", positive=True)
    textbook = sp.log(s1 / s0) + (s0**2 + (m0 - m1) ** 2) / (2 * s1**2) - sp.Rational(1, 2)
    assert sp.simplify(sg.gaussian_kl(m0, s0**2, m1, s1**2) - textbook) == 0
    assert sp.simplify(sg.gaussian_entropy(s0**2) - sp.log(s0 * sp.sqrt(2 * sp.pi * sp.E))) == 0
    h_cross = sg.gaussian_cross_entropy(m0, s0**2, m1, s1**2)
    assert sp.simplify(h_cross - sg.gaussian_entropy(s0**2) - textbook) == 0
    assert sg.gaussian_kl(m0, s0**2, m0, s0**2) == 0
    # sympy Arrays, Matrices, tuples and 1x1 forms are the same Gaussian
    same = sg.gaussian_kl(sp.Array([m0]), sp.Array([[s0**2]]), (m1,), sp.Matrix([[s1**2]]))
    assert sp.simplify(same - textbook) == 0


def gaussian_symbols():
    s1, s2, t1, t2 = sp.symbols("s1 s2 t1 t2", positive=True)
    c, m1, m2, n1, n2 = sp.symbols("c m1 m2 n1 n2", real=True)
    return (s1, s2, t1, t2, c, m1, m2, n1, n2)


def test_gaussian_2d_pythagoras_product_family_is_an_identity():
    s1, s2, t1, t2, c, m1, m2, n1, n2 = gaussian_symbols()
    cov_p = sp.Matrix([[s1, c], [c, s2]])
    split = sg.gaussian_pythagoras([m1, m2], cov_p, [n1, n2], sp.diag(t1, t2))
    assert sp.simplify(sp.expand(sp.expand_log(split.residual, force=True))) == 0
    mean_star, cov_star = split.q_star
    assert list(mean_star) == [m1, m2]
    assert cov_star == sp.diag(s1, s2)
    # D(p || q*) is the mutual information -(1/2) log(1 - rho^2)
    mi = -sp.log(1 - c**2 / (s1 * s2)) / 2
    assert sp.simplify(split.projection - mi) == 0
    assert sp.simplify(sg.gaussian_mutual_information(cov_p) - mi) == 0
    # not vacuous: a correlated q is outside the family and breaks the identity
    e = sp.Symbol("e", real=True)
    bad = sg.gaussian_pythagoras([m1, m2], cov_p, [n1, n2], sp.Matrix([[t1, e], [e, t2]]))
    vals = {s1: 2.0, s2: 1.0, c: 0.5, t1: 1.5, t2: 0.7, e: 0.4, m1: 0.1, m2: -0.3, n1: 0.2, n2: 0.5}
    assert abs(float(bad.residual.subs(vals))) > 1e-3


def test_gaussian_3d_block_projection_is_an_identity():
    v = sp.symbols("v0:3", positive=True)
    c01, c02, c12 = sp.symbols("c01 c02 c12", real=True)
    w0, w1, w2, d01 = sp.symbols("w0 w1 w2 d01", positive=True)
    cov_p = sp.Matrix([[v[0], c01, c02], [c01, v[1], c12], [c02, c12, v[2]]])
    cov_q = sp.Matrix([[w0, d01, 0], [d01, w1, 0], [0, 0, w2]])
    split = sg.gaussian_pythagoras([0, 0, 0], cov_p, [1, 2, 3], cov_q, blocks=[(0, 1)])
    assert split.q_star[1] == sp.Matrix([[v[0], c01, 0], [c01, v[1], 0], [0, 0, v[2]]])
    assert sp.simplify(sp.expand(sp.expand_log(split.residual, force=True))) == 0


# ----------------------------------------------------------------- lambdified vs numeric

def test_lambdified_discrete_quantities_equal_numeric(table22, product22):
    p, params = table22
    q, (r, s) = product22
    args = (*params, r, s)
    fam = families.Product()
    split = sg.pythagoras(p, q, fam)
    f_p, f_q = sg.lambdify(args, p), sg.lambdify(args, q)
    f_qs = sg.lambdify(args, split.q_star)
    f = {name: sg.lambdify(args, expr) for name, expr in {
        "kl": sg.kl(p, q), "entropy": sg.entropy(p), "cross": sg.cross_entropy(p, q),
        "mi": sg.mutual_information(p), "total": split.total, "projection": split.projection,
        "model": split.model}.items()}
    rng = np.random.default_rng(20261123)
    for _ in range(20):
        vals = (*simplex_values(rng, 3), *rng.uniform(0.05, 0.95, 2))
        pn, qn = f_p(*vals), f_q(*vals)
        assert pn.shape == (2, 2)
        ref = thermoinfo.pythagoras(pn, qn, fam)
        np.testing.assert_allclose(f_qs(*vals), ref.q_star, rtol=0, atol=1e-12)
        assert abs(f["kl"](*vals) - thermoinfo.kl(pn, qn)) < 1e-12
        assert abs(f["entropy"](*vals) - thermoinfo.entropy(pn)) < 1e-12
        assert abs(f["cross"](*vals) - thermoinfo.cross_entropy(pn, qn)) < 1e-12
        assert abs(f["mi"](*vals) - thermoinfo.mutual_information(pn)) < 1e-12
        assert abs(f["total"](*vals) - ref.total) < 1e-12
        assert abs(f["projection"](*vals) - ref.projection) < 1e-12
        assert abs(f["model"](*vals) - ref.model) < 1e-12


def test_lambdified_bayes_net_projection_equals_numeric():
    p, params = sg.probability_table("p", (2, 3, 2))
    fam = families.BayesNet({1: (0,), 2: (1,)})
    f_p = sg.lambdify(params, p)
    f_q = sg.lambdify(params, sg.m_projection(p, fam))
    f_mi = sg.lambdify(params, sg.mutual_information(p, (0,), (1, 2)))
    rng = np.random.default_rng(7)
    for _ in range(10):
        vals = simplex_values(rng, len(params))
        pn = f_p(*vals)
        np.testing.assert_allclose(f_q(*vals), thermoinfo.m_projection(pn, fam), rtol=0, atol=1e-12)
        assert abs(f_mi(*vals) - thermoinfo.mutual_information(pn, 0, (1, 2))) < 1e-12


def test_lambdify_broadcasts_tables_over_parameter_arrays(table22):
    p, params = table22
    f = sg.lambdify(params, p)
    a = np.array([0.1, 0.2, 0.3])
    out = f(a, 0.2, 0.3)
    assert out.shape == (2, 2, 3)
    np.testing.assert_allclose(out[1, 1], 1 - a - 0.5, atol=1e-15)
    np.testing.assert_allclose(out.sum(axis=(0, 1)), 1.0, atol=1e-15)


def gaussian_kl_numpy(mp, Sp, mq, Sq):
    """KL of Gaussians by Gauss-Hermite quadrature of log p - log q (scipy logpdfs).

    log p - log q is quadratic, so three nodes per dimension integrate it exactly.
    """
    k = len(mp)
    nodes, weights = np.polynomial.hermite_e.hermegauss(3)
    grid = np.stack(np.meshgrid(*[nodes] * k, indexing="ij"), -1).reshape(-1, k)
    w = np.prod(np.stack(np.meshgrid(*[weights] * k, indexing="ij"), -1).reshape(-1, k), axis=1)
    w = w / w.sum()
    x = mp + grid @ np.linalg.cholesky(Sp).T
    diff = stats.multivariate_normal(mp, Sp).logpdf(x) - stats.multivariate_normal(mq, Sq).logpdf(x)
    return float(w @ diff)


def test_lambdified_gaussian_kl_equals_numeric():
    s1, s2, t1, t2, c, m1, m2, n1, n2 = gaussian_symbols()
    e = sp.Symbol("e", real=True)
    cov_p = sp.Matrix([[s1, c], [c, s2]])
    cov_q = sp.Matrix([[t1, e], [e, t2]])
    args = (s1, s2, c, t1, t2, e, m1, m2, n1, n2)
    f_kl = sg.lambdify(args, sg.gaussian_kl([m1, m2], cov_p, [n1, n2], cov_q))
    f_h = sg.lambdify(args, sg.gaussian_entropy(cov_p))
    f_mi = sg.lambdify(args, sg.gaussian_mutual_information(cov_p))
    rng = np.random.default_rng(3)
    for _ in range(10):
        A, B = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
        Sp, Sq = A @ A.T + 0.2 * np.eye(2), B @ B.T + 0.2 * np.eye(2)
        mp, mq = rng.normal(size=2), rng.normal(size=2)
        vals = (Sp[0, 0], Sp[1, 1], Sp[0, 1], Sq[0, 0], Sq[1, 1], Sq[0, 1], *mp, *mq)
        ref = gaussian_kl_numpy(mp, Sp, mq, Sq)
        assert abs(f_kl(*vals) - ref) < 1e-12 * max(1.0, abs(ref))
        assert abs(f_h(*vals) - stats.multivariate_normal(mp, Sp).entropy()) < 1e-12
        rho2 = Sp[0, 1] ** 2 / (Sp[0, 0] * Sp[1, 1])
        assert abs(f_mi(*vals) + 0.5 * np.log1p(-rho2)) < 1e-12


def test_lambdified_gaussians_equal_thermoinfo_geometry_gaussian():
    from thermoinfo.geometry import gaussian as numeric
    m, n = sp.symbols("m0:3", real=True), sp.symbols("n0:3", real=True)
    a = sp.symbols("a0:6", real=True)
    b = sp.symbols("b0:6", real=True)

    def sym_cov(e):
        return sp.Matrix([[e[0], e[1], e[2]], [e[1], e[3], e[4]], [e[2], e[4], e[5]]])

    cov_p, cov_q = sym_cov(a), sym_cov(b)
    args = (*m, *a, *n, *b)
    f_kl = sg.lambdify(args, sg.gaussian_kl(list(m), cov_p, list(n), cov_q))
    f_h = sg.lambdify(args, sg.gaussian_entropy(cov_p))
    f_mi = sg.lambdify(args, sg.gaussian_mutual_information(cov_p, (0, 2), 1))
    upper = np.triu_indices(3)
    rng = np.random.default_rng(17)
    for _ in range(10):
        A, B = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
        Sp, Sq = A @ A.T + 0.3 * np.eye(3), B @ B.T + 0.3 * np.eye(3)
        mp, mq = rng.normal(size=3), rng.normal(size=3)
        vals = (*mp, *Sp[upper], *mq, *Sq[upper])
        ref = numeric.gaussian_kl(mp, Sp, mq, Sq)
        assert abs(f_kl(*vals) - ref) < 1e-12 * max(1.0, abs(ref))
        assert abs(f_h(*vals) - numeric.gaussian_entropy(Sp)) < 1e-12
        assert abs(f_mi(*vals) - numeric.gaussian_mutual_information(Sp, [0, 2], 1)) < 1e-12
    f_uni = sg.lambdify((m[0], a[0], n[0], b[0]), sg.gaussian_kl(m[0], a[0], n[0], b[0]))
    assert abs(f_uni(0.3, 0.5, -0.2, 0.8) - numeric.gaussian_kl(0.3, 0.5, -0.2, 0.8)) < 1e-12


def test_lambdified_univariate_gaussian_kl_equals_quadrature():
    m0, m1 = sp.symbols("m0 m1", real=True)
    v0, v1 = sp.symbols("v0 v1", positive=True)
    f = sg.lambdify((m0, v0, m1, v1), sg.gaussian_kl(m0, v0, m1, v1))
    for args in [(0.0, 1.0, 1.0, 2.0), (0.3, 0.5, -0.2, 0.8), (-1.0, 2.0, 0.5, 1.5)]:
        a, b = stats.norm(args[0], np.sqrt(args[1])), stats.norm(args[2], np.sqrt(args[3]))
        ref, err = integrate.quad(lambda x, a=a, b=b: a.pdf(x) * (a.logpdf(x) - b.logpdf(x)),
                                  -np.inf, np.inf, epsabs=1e-14, epsrel=1e-13)
        assert err < 1e-12
        assert abs(f(*args) - ref) < 1e-12


# ----------------------------------------------------------------- backends and bad input

def test_lambdify_numpy_does_not_import_jax():
    code = ("import sys, sympy as sp; from thermoinfo.symbolic import geometry as g; "
            "x = sp.Symbol('x', positive=True); g.lambdify([x], g.entropy([x, 1 - x]))(0.3); "
            "print('jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lambdify_jax_backend():
    jnp = pytest.importorskip("jax.numpy")
    p, params = sg.probability_table("p", 3)
    f = sg.lambdify(params, sg.entropy(p), modules="jax")
    g = sg.lambdify(params, p, modules="jax")
    assert abs(float(f(0.2, 0.3)) - thermoinfo.entropy([0.2, 0.3, 0.5])) < 1e-6
    assert isinstance(g(0.2, 0.3), jnp.ndarray)


def test_lambdify_jax_without_jax_says_so():
    try:
        import jax  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="jax"):
            sg.lambdify([sp.Symbol("x")], sp.Symbol("x"), modules="jax")
    else:
        pytest.skip("jax is installed")


_X = sp.Symbol("x", positive=True)
BAD_INPUT = {
    "modules": (lambda: sg.lambdify([_X], _X, modules="torch"), ValueError, "modules"),
    "kl shapes": (lambda: sg.kl([_X, 1 - _X], [_X, _X, 1 - 2 * _X]), ValueError, "q"),
    "entropy strings": (lambda: sg.entropy(["x", "y"]), TypeError, "p"),
    "entropy None": (lambda: sg.entropy(None), TypeError, "p"),
    "kl q sum": (lambda: sg.kl([_X, 1 - _X], [sp.Rational(1, 2), sp.Rational(1, 3)]), ValueError, "q"),
    "entropy negative": (lambda: sg.entropy([sp.Rational(3, 2), sp.Rational(-1, 2)]), ValueError, "p"),
    "entropy nan": (lambda: sg.entropy([sp.nan, 1]), ValueError, "p"),
    "entropy oo": (lambda: sg.entropy([sp.oo, 1]), ValueError, "p"),
    "entropy all zero": (lambda: sg.entropy([0, 0]), ValueError, "p"),
    "entropy empty": (lambda: sg.entropy([]), ValueError, "p"),
    "cov_q asymmetric": (lambda: sg.gaussian_kl([0, 0], sp.eye(2), [0, 0], sp.Matrix([[1, _X], [0, 1]])),
                         ValueError, "cov_q"),
    "cov_p shape": (lambda: sg.gaussian_kl([0, 0], sp.eye(3), [0, 0], sp.eye(2)), ValueError, "cov_p"),
    "cov_p negative": (lambda: sg.gaussian_kl(0, -1, 0, 1), ValueError, "cov_p"),
    "cov_p indefinite": (lambda: sg.gaussian_kl([0, 0], [[1, 2], [2, 1]], [0, 0], sp.eye(2)), ValueError,
                         "cov_p"),
    "cov not square": (lambda: sg.gaussian_entropy([[1, 0, 0], [0, 1, 0]]), ValueError, "cov"),
    "mean_p string": (lambda: sg.gaussian_kl("0", 1, 0, 1), TypeError, "mean_p"),
    "table shape": (lambda: sg.probability_table("p", (1,)), ValueError, "shape"),
    "table name": (lambda: sg.probability_table("not a name", (2,)), ValueError, "name"),
    "p_xy 3-D": (lambda: sg.mutual_information(sg.probability_table("p", (2, 2, 2))[0]), ValueError, "p_xy"),
    "family": (lambda: sg.m_projection([_X, 1 - _X], "product"), TypeError, "family"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_raises_an_error_that_starts_with_the_argument(case):
    fn, error, name = BAD_INPUT[case]
    with raises_named(error, name):
        fn()
