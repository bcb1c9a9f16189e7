"""The public hypothesis strategies draw what they promise, independently of the
projections they are used to test."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import thermoinfo
from thermoinfo._errors import DistributionError
from thermoinfo.geometry.families import BayesNet, ExponentialFamily, Product
from thermoinfo.testing import strategies as ts


@st.composite
def _family_and_member(draw):
    shape = draw(ts.shapes(min_dims=2, max_dims=3, max_side=3))
    fam = draw(ts.families(len(shape), shape, e_flat=draw(st.booleans())))
    return shape, fam, draw(ts.family_members(fam, shape))


@settings(max_examples=60)
@given(_family_and_member())
def test_family_members_are_positive_distributions_in_their_family(case):
    shape, fam, q = case
    assert q.shape == shape and np.all(q > 0) and abs(q.sum() - 1) < 1e-12
    # the library's m-projection (closed form or moment matching) returns a member unchanged
    np.testing.assert_allclose(thermoinfo.m_projection(q, fam), q, atol=1e-9)


@settings(max_examples=30)
@given(st.data())
def test_product_members_factorize_over_their_blocks(data):
    shape = data.draw(ts.shapes(min_dims=3, max_dims=3, max_side=3))
    q = data.draw(ts.family_members(Product([(0, 2)]), shape))
    # q(a, b, c) = q(a, c) q(b): every 2x2 minor across the split vanishes
    m = np.moveaxis(q, 1, -1).reshape(-1, shape[1])
    assert np.linalg.matrix_rank(m, tol=1e-12) == 1


@settings(max_examples=30)
@given(st.data())
def test_bayes_net_members_are_markov_chains(data):
    shape = data.draw(ts.shapes(min_dims=3, max_dims=3, max_side=3))
    q = data.draw(ts.family_members(BayesNet({1: (0,), 2: (1,)}), shape))
    # X0 -> X1 -> X2: X0 and X2 are independent given X1
    for b in range(shape[1]):
        assert np.linalg.matrix_rank(q[:, b, :], tol=1e-12) == 1


@settings(max_examples=30)
@given(st.data())
def test_exponential_family_members_are_log_linear_in_the_statistics(data):
    stats = np.array([[[0.0, 1.0, 2.0], [1.0, 0.0, -1.0]]])        # one statistic on a 2x3 table
    base = np.array([[1.0, 0.5, 0.0], [2.0, 1.0, 1.0]])            # one cell outside every member
    q = data.draw(ts.family_members(ExponentialFamily(stats, base), (2, 3)))
    assert q[0, 2] == 0 and abs(q.sum() - 1) < 1e-12
    support = base > 0
    y = np.log(q[support] / base[support])
    design = np.stack([stats[0][support], np.ones(support.sum())], axis=1)
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    assert np.max(np.abs(residual)) < 1e-10


def test_family_members_are_not_drawn_through_the_projections(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a projection was called")

    for cls in (Product, BayesNet, ExponentialFamily):
        monkeypatch.setattr(cls, "project_array", refuse)
    monkeypatch.setattr(ExponentialFamily, "member", refuse)

    @settings(max_examples=10)
    @given(_family_and_member())
    def draw_some(case):
        assert case[2].sum() == pytest.approx(1.0)

    draw_some()


@pytest.mark.parametrize("kind", ts.MALFORMED_KINDS)
@settings(max_examples=15)
@given(data=st.data())
def test_malformed_tables_have_the_defect_asked_for(kind, data):
    p = data.draw(ts.malformed_tables(shape=(2, 3), kinds=[kind]))
    check = {"negative": np.any(p < 0), "nan": np.any(np.isnan(p)), "+inf": np.any(p == np.inf),
             "-inf": np.any(p == -np.inf), "all_zero": np.all(p == 0),
             "wrong_sum": np.all(p >= 0) and abs(p.sum() - 1) > 1e-9 and p.sum() > 0}
    assert check[kind]
    with pytest.raises(DistributionError):
        thermoinfo.entropy(p)


def test_malformed_tables_refuse_unknown_kinds():
    @given(ts.malformed_tables(kinds=["huge"]))
    def draw(p):
        pass  # pragma: no cover - the strategy raises before drawing

    with pytest.raises(ValueError) as info:
        draw()
    assert str(info.value).startswith("kinds ")
