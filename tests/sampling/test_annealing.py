"""Simulated annealing: schedules, QUBO encoding, ground states of frustrated
instances against brute force."""

import itertools

import numpy as np
import pytest
from scipy.optimize import brentq

from thermoinfo._enumerate import states as all_states
from thermoinfo.sampling.annealing import (
    Schedule,
    brute_force_minimum,
    from_qubo,
    simulated_annealing,
)
from thermoinfo.sampling.single_site import energy
from thermoinfo.testing import raises_named


@pytest.mark.parametrize("kind", ["geometric", "linear", "logarithmic"])
def test_schedules_cool_from_start_to_end(kind):
    sched = getattr(Schedule, kind)(5.0, 0.1, 40, sweeps_per_step=2)
    t = sched.temperatures()
    assert t.shape == (40,) and len(sched) == 40
    assert t[0] == 5.0 and t[-1] == pytest.approx(0.1, rel=1e-12)
    assert np.all(np.diff(t) < 0)
    assert list(sched) == pytest.approx(t.tolist())


def test_schedule_forms():
    k = np.arange(6)
    np.testing.assert_allclose(Schedule.geometric(8.0, 0.25, 6).temperatures(), 8.0 * 2.0 ** (-k))
    np.testing.assert_allclose(Schedule.linear(6.0, 1.0, 6).temperatures(), 6.0 - k)
    t = Schedule.logarithmic(3.0, 0.5, 30).temperatures()
    # T_k = c / ln(k + k0): recover k0 from T_1 and T_2, then check every step
    k0 = brentq(lambda x: t[1] * np.log(1 + x) - t[2] * np.log(2 + x), 1e-9, 1e6)
    c = t[1] * np.log(1 + k0)
    np.testing.assert_allclose(t * np.log(np.arange(30) + k0), c, rtol=1e-9)


BAD_INPUT = {
    "t_end above t_start": (lambda: Schedule.geometric(1.0, 2.0, 10), ValueError, "t_end"),
    "t_end 0": (lambda: Schedule.linear(1.0, 0.0, 10), ValueError, "t_end"),
    "t_start NaN": (lambda: Schedule.linear(np.nan, 0.5, 10), ValueError, "t_start"),
    "n_steps 1": (lambda: Schedule.linear(1.0, 0.5, 1), ValueError, "n_steps"),
    "sweeps_per_step 0": (lambda: Schedule.linear(1.0, 0.5, 5, 0), ValueError, "sweeps_per_step"),
    "kind": (lambda: Schedule("exponential", 1.0, 0.5, 10), ValueError, "kind"),
    "schedule list": (lambda: simulated_annealing(np.zeros((2, 2)), schedule=[1.0, 0.5]), TypeError,
                      "schedule"),
    "weights NaN": (lambda: simulated_annealing(np.full((2, 2), np.nan)), ValueError, "weights"),
    "init values": (lambda: simulated_annealing(np.zeros((2, 2)), init=[[1, 0]]), ValueError, "init"),
    "n_restarts 0": (lambda: simulated_annealing(np.zeros((2, 2)), n_restarts=0), ValueError, "n_restarts"),
    "units": (lambda: simulated_annealing(np.zeros((2, 2)), units="ising"), ValueError, "units"),
    "q not square": (lambda: from_qubo(np.zeros((2, 3))), ValueError, "q"),
    "q inf": (lambda: from_qubo(np.array([[np.inf, 0.0], [0.0, 0.0]])), ValueError, "q"),
    "linear length": (lambda: from_qubo(np.zeros((2, 2)), [1.0]), ValueError, "linear"),
    "brute force weights": (lambda: brute_force_minimum([[0.0, 1.0], [0.0, 0.0]]), ValueError, "weights"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_raises_an_error_that_starts_with_the_argument(case):
    fn, error, name = BAD_INPUT[case]
    with raises_named(error, name):
        fn()


def test_from_qubo_reproduces_the_quadratic_form():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(5, 5))
    c = rng.normal(size=5)
    w, b = from_qubo(q, c)
    x = all_states(5)
    xf = x.astype(float)
    np.testing.assert_allclose(energy(x, w, b), np.einsum("ni,ij,nj->n", xf, q, xf) + xf @ c, atol=1e-12)


def test_max_cut_on_a_random_graph_matches_brute_force():
    rng = np.random.default_rng(1)
    n = 12
    a = np.triu((rng.random((n, n)) < 0.5) * rng.integers(1, 4, size=(n, n)), 1).astype(float)
    a = a + a.T
    w = -a  # E(s) = sum_{i<j} a_ij s_i s_j; cut = (sum_{i<j} a_ij - E)/2
    e_min, argmin = brute_force_minimum(w)
    out = simulated_annealing(w, schedule=Schedule.geometric(5.0, 0.05, 150), n_restarts=8, rng=2)
    assert out.best_energy == pytest.approx(e_min, abs=1e-9)
    total = a.sum() / 2
    s = out.best_state.astype(float)
    cut = sum(a[i, j] for i in range(n) for j in range(i + 1, n) if s[i] != s[j])
    assert cut == pytest.approx((total - e_min) / 2)
    assert any(np.array_equal(out.best_state, m) for m in argmin)


@pytest.mark.parametrize("kind", ["geometric", "linear", "logarithmic"])
def test_spin_glass_ground_state_matches_brute_force(kind):
    rng = np.random.default_rng(3)
    n = 10
    j = np.triu(rng.normal(size=(n, n)), 1)
    w = j + j.T
    h = 0.3 * rng.normal(size=n)
    e_min, _ = brute_force_minimum(w, h)
    sched = getattr(Schedule, kind)(4.0, 0.05, 150)
    out = simulated_annealing(w, h, sched, n_restarts=8, rng=4)
    assert out.best_energy == pytest.approx(e_min, abs=1e-9)
    assert out.mean_energy.shape == (150,) and out.mean_energy[-1] < out.mean_energy[0]


def tsp_qubo(d, penalty):
    """x[c, t] = 1 when city c is visited at step t (index c * n + t)."""
    n = d.shape[0]
    q = np.zeros((n * n, n * n))
    c = np.zeros(n * n)
    offset = 0.0
    groups = [[ci * n + t for t in range(n)] for ci in range(n)]
    groups += [[ci * n + t for ci in range(n)] for t in range(n)]
    for g in groups:  # penalty (1 - sum x)^2 = 1 - sum x + 2 sum_{a<b} x_a x_b
        offset += penalty
        for a in g:
            c[a] -= penalty
            for b in g:
                if a != b:
                    q[a, b] += penalty
    for c1 in range(n):
        for c2 in range(n):
            if c1 != c2:
                for t in range(n):
                    q[c1 * n + t, c2 * n + (t + 1) % n] += d[c1, c2]
    return q, c, offset


def test_small_tsp_as_qubo_matches_brute_force():
    rng = np.random.default_rng(5)
    n = 4
    pts = rng.random((n, 2))
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    best_tour = min(sum(d[p[t], p[(t + 1) % n]] for t in range(n)) for p in itertools.permutations(range(n)))
    q, c, offset = tsp_qubo(d, penalty=2.0 * d.max() * n)
    w, b = from_qubo(q, c)
    e_min, _ = brute_force_minimum(w, b, units="binary")
    assert e_min + offset == pytest.approx(best_tour, abs=1e-9)
    out = simulated_annealing(w, b, Schedule.geometric(3.0, 0.02, 300), units="binary", n_restarts=16,
                              rng=6)
    assert out.best_energy + offset == pytest.approx(best_tour, abs=1e-9)
    x = out.best_state.reshape(n, n)
    assert np.all(x.sum(axis=0) == 1) and np.all(x.sum(axis=1) == 1)
    tour = np.argmax(x, axis=0)  # city at each step
    assert sum(d[tour[t], tour[(t + 1) % n]] for t in range(n)) == pytest.approx(best_tour)


def test_annealing_is_reproducible_and_calls_back():
    rng = np.random.default_rng(7)
    j = np.triu(rng.normal(size=(6, 6)), 1)
    w = j + j.T
    seen = []
    a = simulated_annealing(w, schedule=Schedule.linear(2.0, 0.1, 10), rng=3,
                            callbacks=[lambda st: seen.append((st.step, st.temperature, st.mean_energy))])
    b = simulated_annealing(w, schedule=Schedule.linear(2.0, 0.1, 10), rng=3)
    np.testing.assert_array_equal(a.states, b.states)
    assert [k for k, _, _ in seen] == list(range(10)) and seen[0][1] == 2.0
    np.testing.assert_array_equal([e for _, _, e in seen], b.mean_energy)


def test_a_callback_returning_true_ends_the_cooling_and_the_quench_still_runs():
    rng = np.random.default_rng(8)
    j = np.triu(rng.normal(size=(8, 8)), 1)
    w = j + j.T
    steps = []

    def stop_at_three(state):
        steps.append(state.step)
        return state.step == 3

    out = simulated_annealing(w, schedule=Schedule.geometric(2.0, 0.05, 40), rng=1, n_restarts=5,
                              callbacks=[stop_at_three])
    assert steps == [0, 1, 2, 3] and out.mean_energy.shape == (4,)
    # the quench leaves every restart at a T = 0 fixed point: no single flip lowers E
    for s in out.states.astype(float):
        gaps = 2 * s * (w @ s)  # E(s with s_i flipped) - E(s) for spins
        assert np.all(gaps >= -1e-12)
    with raises_named(TypeError, "callbacks"):
        simulated_annealing(w, callbacks=stop_at_three)
