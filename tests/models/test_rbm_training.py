"""RBM training: PCD chains against enumeration, the CD gradient against the exact
gradient, momentum and weight decay, AIS on a trained model, callbacks."""

import numpy as np
import pytest
from scipy import stats

from thermoinfo._enumerate import states
from thermoinfo._errors import NonFiniteParameterError
from thermoinfo.models import RBM
from thermoinfo.models.rbm import EpochState, sample_exact
from thermoinfo.sampling import contrastive_divergence
from thermoinfo.testing import raises_named

UNITS = ["binary", "spin"]
#: the numba driver (products in numba) and the numpy-BLAS driver of the training kernels
DRIVERS = ["train_minibatches", "train_minibatches_blas"]


def _force_driver(rbm, driver):
    """Make ``rbm`` train with ``driver`` whatever its sizes."""
    rbm._blas_min_work = 0 if driver == "train_minibatches_blas" else np.inf
    return rbm


def _random_params(nv, nh, seed, scale=0.5):
    r = np.random.default_rng(seed)
    return r.normal(0, scale, (nv, nh)), r.normal(0, 0.5, nv), r.normal(0, 0.5, nh)


def _digits(n):
    from thermoinfo.systems.datasets import load_digits

    return load_digits(binarize=True)[:n]


def _exact_hidden_marginal(W, b, c, units):
    vals = (0, 1) if units == "binary" else (-1, 1)
    V = states(W.shape[0], values=vals).astype(float)
    H = states(W.shape[1], values=vals).astype(float)
    log_p = V @ W @ H.T + (V @ b)[:, None] + (H @ c)[None, :]
    p = np.exp(log_p - log_p.max()).sum(axis=0)
    return p / p.sum()


@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize(("seed", "driver"), [(21, DRIVERS[0]), (22, DRIVERS[0]), (23, DRIVERS[1])])
def test_pcd_persistent_chains_match_enumeration(units, seed, driver):
    # a vanishing learning rate freezes the model; the persistent chains then run
    # block Gibbs on it and must reach its exact hidden marginal
    W, b, c = _random_params(4, 3, seed)
    n_chains = 1500
    rbm = _force_driver(RBM.from_params(W, b, c, units=units, method="pcd", batch_size=n_chains,
                                        learning_rate=1e-300, rng=seed), driver)
    lo, hi = (0, 1) if units == "binary" else (-1, 1)
    X = np.full((n_chains, 4), hi, dtype=np.int8)
    for _ in range(25):
        rbm.partial_fit(X)
    np.testing.assert_allclose(rbm.weights_, W, rtol=1e-7)  # training runs in float32
    h = rbm.persistent_chains_
    assert h.shape == (n_chains, 3) and set(np.unique(h)) <= {lo, hi}
    idx = (h > 0).astype(int) @ np.array([4, 2, 1])
    counts = np.bincount(idx, minlength=8)
    p = _exact_hidden_marginal(W, b, c, units)
    assert stats.chisquare(counts, n_chains * p).pvalue > 1e-3


def _exact_gradient(W, b, c, units, X):
    """The log-likelihood gradient (data term minus model term, by enumeration) and the
    standard deviation under the model of each sampled model-term summand."""
    vals = (0, 1) if units == "binary" else (-1, 1)
    V = states(W.shape[0], values=vals).astype(float)
    rbm = RBM.from_params(W, b, c, units=units)
    p_v = np.exp(rbm.score_samples(V))
    hm_model = rbm.transform(V)
    hm_data = rbm.transform(X)
    Xf = X.astype(float)
    vh = V[:, :, None] * hm_model[:, None, :]
    model = (np.tensordot(p_v, vh, axes=1), p_v @ V, p_v @ hm_model)
    grad = (Xf.T @ hm_data / len(X) - model[0], Xf.mean(0) - model[1], hm_data.mean(0) - model[2])
    sd = tuple(np.sqrt(np.tensordot(p_v, term**2, axes=1) - m**2)
               for term, m in zip((vh, V, hm_model), model))
    return grad, sd


def _matches(estimate, exact, sd, n, z=4.5):
    """Every entry within z standard errors (sd / sqrt(n)) of the exact gradient."""
    return all(np.all(np.abs(e - x) <= z * s / np.sqrt(n) + 1e-4) for e, x, s in zip(estimate, exact, sd))


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("units", UNITS)
def test_cd_update_estimates_the_exact_gradient(units, driver):
    # CD-25 with one minibatch holding all the data: the data term is exact (hidden
    # means), the model term an average over n chains that have mixed (4 x 3 units);
    # the update divided by the learning rate must match the exact gradient within
    # 4.5 standard errors of that average, entry by entry
    W, b, c = _random_params(4, 3, 31)
    n = 4000
    X, _ = sample_exact(W + 0.3, b - 0.5, c + 1.0, units, n, rng=1)  # data from another model
    lr = 1e-3
    rbm = _force_driver(RBM.from_params(W, b, c, units=units, method="cd", k=25, batch_size=n,
                                        learning_rate=lr, rng=2), driver)
    rbm.partial_fit(X)
    exact, sd = _exact_gradient(W, b, c, units, X)
    W, b, c = (a.astype(np.float32).astype(float) for a in (W, b, c))  # float32 training
    update = ((rbm.weights_ - W) / lr, (rbm.visible_bias_ - b) / lr, (rbm.hidden_bias_ - c) / lr)
    assert _matches(update, exact, sd, n)
    # controls: the same check rejects an update that changes nothing and one whose
    # hidden-bias gradient has the wrong sign
    assert not _matches(tuple(np.zeros_like(g) for g in update), exact, sd, n)
    assert not _matches((update[0], update[1], -update[2]), exact, sd, n)
    # the tolerance is well below the largest gradient entry of each parameter
    for g, s in zip(exact, sd):
        assert np.max(np.abs(g)) > 2 * (4.5 * np.max(s) / np.sqrt(n) + 1e-4)


@pytest.mark.parametrize("method", ["pcd", "cd"])
def test_momentum_and_weight_decay_follow_the_update_rule(method):
    W, b, c = _random_params(5, 3, 41)
    X, _ = sample_exact(W, b, c, "binary", 8, rng=0)

    def two_steps(**kw):
        rbm = RBM.from_params(W, b, c, method=method, batch_size=8, learning_rate=0.3, rng=7, **kw)
        rbm.partial_fit(X)
        w1 = rbm.weights_.copy()
        rbm.partial_fit(X)
        return w1, rbm.weights_.copy()

    plain1, plain2 = two_steps()
    mom1, mom2 = two_steps(momentum=0.8)
    W = W.astype(np.float32).astype(float)  # training runs in float32
    # the first step with momentum is the plain step (to rounding: the compiler may fuse
    # the plain step's multiply and add)
    np.testing.assert_allclose(mom1, plain1, rtol=0, atol=1e-6)
    np.testing.assert_allclose(mom2 - mom1, 0.8 * (mom1 - W) + (plain2 - plain1), atol=1e-6)
    dec1, _ = two_steps(weight_decay=0.1)
    np.testing.assert_allclose(dec1 - W, (plain1 - W) - 0.3 * 0.1 * W, atol=1e-6)
    assert np.max(np.abs(0.3 * 0.1 * W)) > 1e-3  # the decay term is resolved


def test_fixed_biases_stay_fixed():
    X = _digits(50)
    rbm = RBM(64, 8, use_visible_bias=False, use_hidden_bias=False, n_epochs=2, rng=0).fit(X)
    assert np.all(rbm.visible_bias_ == 0) and np.all(rbm.hidden_bias_ == 0)
    assert np.any(rbm.weights_ != 0)


def test_training_on_digits_beats_independent_units_and_ais_agrees():
    X = _digits(300)
    rbm = RBM(64, 20, learning_rate=0.1, batch_size=10, n_epochs=10, rng=0)
    states_seen = list(rbm.iter_fit(X))
    assert [s.epoch for s in states_seen] == list(range(1, 11))
    assert states_seen[-1].n_steps == 10 * 30 and isinstance(states_seen[0], EpochState)
    after = rbm.log_likelihood(X)
    # the best model of independent pixels (the empirical marginals) is a lower mark
    p = X.mean(0)
    log_p, log_q = np.log(np.where(p > 0, p, 1)), np.log(np.where(p < 1, 1 - p, 1))
    independent = float(np.mean(X @ log_p + (1 - X) @ log_q))
    assert after > independent
    # AIS (base rates from the data, a short Salakhutdinov-Murray schedule) within
    # 3 standard errors of the exact log Z of this trained 64 x 20 RBM
    exact = rbm.log_partition("exact")
    betas = np.concatenate([np.linspace(0, 0.5, 100, endpoint=False),
                            np.linspace(0.5, 0.9, 400, endpoint=False), np.linspace(0.9, 1, 1000)])
    res = rbm.log_partition("ais", rng=1, n_runs=100, betas=betas, data=X)
    assert abs(res.log_z - exact) <= 3 * res.stderr
    assert res.lower <= exact <= res.upper
    rev = rbm.log_partition("reverse_ais", rng=2, n_runs=100, betas=betas, data=X)
    assert res.lower <= exact <= rev.upper
    ll = rbm.log_likelihood(X, method="ais", rng=1, n_runs=100, betas=betas, data=X)
    assert ll.value == pytest.approx(after - (res.log_z - exact), abs=1e-9)
    assert ll.lower <= after <= ll.upper


def test_same_seed_same_model_and_random_state_alias():
    X = _digits(40)
    a = RBM(64, 5, n_epochs=2, rng=3).fit(X)
    b = RBM(64, 5, n_epochs=2, random_state=3).fit(X)
    c = RBM(64, 5, n_epochs=2, rng=4).fit(X)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert not np.array_equal(a.weights_, c.weights_)
    with raises_named(ValueError, "rng") as check:
        RBM(64, 5, rng=1, random_state=1)
    assert "random_state" in str(check.value)


@pytest.mark.parametrize("units", UNITS)
def test_training_data_of_any_dtype_gives_the_same_model_and_is_not_modified(units):
    # training reads int8 rows (the caller's own array when it is C-contiguous int8)
    # and converts them as it gathers them: any dtype of the same values, either driver
    X = _digits(60)
    if units == "spin":
        X = 2 * X - 1
    for driver in DRIVERS:
        models = []
        for data in (X.astype(np.int8), X.astype(np.float64), X.astype(np.float32), X.tolist()):
            before = np.array(data, copy=True)
            rbm = _force_driver(RBM(64, 6, units=units, batch_size=7, n_epochs=2, rng=2), driver)
            models.append(rbm.fit(data))
            np.testing.assert_array_equal(np.asarray(data), before)
        for other in models[1:]:
            np.testing.assert_array_equal(other.weights_, models[0].weights_)


def test_callbacks_stop_and_progress(capsys):
    X = _digits(30)
    seen = []

    def stop_after_two(state):
        seen.append(state.epoch)
        return state.epoch >= 2

    rbm = RBM(64, 4, n_epochs=10, rng=0, callbacks=[stop_after_two], progress=True).fit(X)
    assert seen == [1, 2] and rbm.n_iter_ == 2


def test_spin_training_runs_and_learns_a_bias():
    X = np.where(np.random.default_rng(0).random((200, 6)) < 0.8, 1, -1).astype(np.int8)
    rbm = RBM(6, 3, units="spin", method="cd", n_epochs=20, learning_rate=0.05, rng=0).fit(X)
    assert np.all(rbm.visible_bias_ > 0)
    assert rbm.log_likelihood(X) > 6 * np.log(0.5)


@pytest.mark.parametrize("driver", DRIVERS)
def test_non_finite_parameters_stop_training_with_the_step(driver):
    X = np.random.default_rng(0).integers(0, 2, (40, 4)).astype(np.int8)
    # learning_rate * weight_decay = 3 makes every step multiply the weights by -2
    rbm = _force_driver(RBM(4, 2, learning_rate=10.0, weight_decay=0.3, batch_size=10, n_epochs=400,
                            rng=0), driver)
    with pytest.raises(NonFiniteParameterError, match=r"step (\d+)") as info:
        rbm.fit(X)
    assert "learning_rate" in str(info.value)
    for arr in (rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_):
        assert np.all(np.isfinite(arr))
    step = int(str(info.value).split("step ")[1].split()[0])
    assert rbm.n_steps_ == step - 1


@pytest.mark.parametrize("update_b", [True, False])
def test_update_bounds_stay_above_the_parameters_and_the_single_pass_equals_the_checked_one(update_b):
    # _update steps in one pass while its running bounds on |parameter| and |velocity|
    # rule out overflow; the bounds must stay above the true magnitudes (a velocity
    # left out of the update keeps its size), and the one-pass step must equal the
    # checked two-pass one (forced by a bound near overflow), both equal to numpy's
    from thermoinfo.sampling.contrastive_divergence import _magnitudes, _update

    r = np.random.default_rng(13)
    nv, nh, lr, mom, decay, gmax = 30, 12, 0.3, 0.5, 0.02, 1.7
    arrays = [r.normal(0, 1, (nv, nh)), r.normal(0, 1, nv), r.normal(0, 1, nh)]
    params = [a.astype(np.float32) for a in arrays]
    vels = [np.zeros((nv, nh), np.float32), np.full(nv, 5.0, np.float32), np.zeros(nh, np.float32)]
    bounds = np.empty(2)
    _magnitudes(*params, *vels, bounds)
    for _ in range(60):
        grads = [r.uniform(-gmax, gmax, a.shape).astype(np.float32) for a in params]
        expected = []
        for j, (prm, vel, grad) in enumerate(zip(params, vels, grads)):
            if j == 1 and not update_b:
                expected.append((prm.copy(), vel.copy()))
                continue
            v = np.float32(mom) * vel + np.float32(lr) * (grad - np.float32(decay if j == 0 else 0) * prm)
            expected.append((prm + v, v))
        checked = [a.copy() for a in (*params, *vels)]
        near_overflow = np.array([1e36, bounds[1]])
        assert _update(*checked[:3], *checked[3:], *grads, lr, mom, decay, update_b, True, near_overflow,
                       gmax)
        assert _update(*params, *vels, *grads, lr, mom, decay, update_b, True, bounds, gmax)
        for j, (prm, vel) in enumerate(expected):
            np.testing.assert_allclose(params[j], prm, rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(vels[j], vel, rtol=1e-6, atol=1e-6)
            np.testing.assert_array_equal(params[j], checked[j])
            np.testing.assert_array_equal(vels[j], checked[3 + j])
        assert bounds[0] >= max(np.abs(a).max() for a in params)
        assert bounds[1] >= max(np.abs(a).max() for a in vels)


def test_training_state_is_converted_once():
    # a float64 model is converted to float32 on its first epoch; later epochs update
    # the same arrays in place (no conversion per epoch), the chains' states too; the
    # chains read as int8
    W, b, c = _random_params(64, 8, 51, scale=0.05)
    rbm = RBM.from_params(W, b, c, batch_size=10, rng=0)
    assert rbm.weights_.dtype == np.float64
    X = _digits(40)
    rbm.partial_fit(X)
    arrays = (rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_, rbm._chain_states)
    assert [a.dtype for a in arrays] == [np.float32] * 4
    assert rbm.persistent_chains_.dtype == np.int8
    before = rbm.weights_.copy()
    chains_before = rbm.persistent_chains_
    rbm.partial_fit(X)
    assert all(new is old for new, old in zip(
        (rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_, rbm._chain_states), arrays))
    assert not np.array_equal(rbm.weights_, before)
    assert not np.array_equal(rbm.persistent_chains_, chains_before)
    np.testing.assert_array_equal(rbm.persistent_chains_, rbm._chain_states)
    # exact computations still run in float64
    assert isinstance(rbm.log_likelihood(X), float)


@pytest.mark.parametrize("driver", DRIVERS)
def test_pcd_minibatches_follow_scikit_learns_algorithm(driver):
    # scikit-learn's BernoulliRBM._fit written out in numpy, fed the same U(0, 1)
    # numbers: hidden means of the data; v drawn from the persistent hidden chains;
    # hidden means of that v for the negative statistics; the chains resampled
    # from those means; learning rate times the statistics summed over the
    # minibatch minus those summed over the chains, over the minibatch's size (the
    # last minibatch has 4 rows and 7 chains)
    from scipy.special import expit

    from thermoinfo.sampling.contrastive_divergence import uniforms_needed

    train_minibatches = getattr(contrastive_divergence, driver)

    r = np.random.default_rng(5)
    nv, nh, batch, n_batches = 16, 9, 7, 12
    X = r.integers(0, 2, (batch * n_batches - 3, nv)).astype(np.float32)
    order = r.permutation(X.shape[0]).astype(np.int64)
    per_batch = uniforms_needed(batch, nv, nh, 1, True)
    uniforms = r.random(n_batches * per_batch, dtype=np.float32)
    W0 = r.normal(0, 0.3, (nv, nh)).astype(np.float32)
    chains0 = r.integers(0, 2, (batch, nh)).astype(np.float32)
    W, b, c = W0.copy(), np.zeros(nv, np.float32), np.zeros(nh, np.float32)
    vel = (np.zeros_like(W), np.zeros_like(b), np.zeros_like(c))
    chains = chains0.copy()
    assert train_minibatches(X, order, 0, n_batches, batch, W, b, c, *vel, chains, True, 1, 0.1, 0.0,
                             0.0, False, True, True, uniforms) == -1

    rW, rb, rc = W0.astype(np.float64), np.zeros(nv), np.zeros(nh)
    h = chains0.astype(np.float64)
    for t in range(n_batches):
        v_pos = X[order[t * batch:(t + 1) * batch]].astype(np.float64)
        u = uniforms[t * per_batch:(t + 1) * per_batch].astype(np.float64)
        h_pos = expit(v_pos @ rW + rc)
        v_neg = (u[:batch * nv].reshape(batch, nv) < expit(h @ rW.T + rb)).astype(np.float64)
        h_neg = expit(v_neg @ rW + rc)
        lr = 0.1 / len(v_pos)
        rW += lr * (v_pos.T @ h_pos - v_neg.T @ h_neg)
        rb += lr * (v_pos.sum(0) - v_neg.sum(0))
        rc += lr * (h_pos.sum(0) - h_neg.sum(0))
        h = (u[batch * nv:].reshape(batch, nh) < h_neg).astype(np.float64)
    assert np.max(np.abs(rW - W0)) > 0.05  # the updates are resolved
    np.testing.assert_allclose(W, rW, atol=1e-5)
    np.testing.assert_allclose(b, rb, atol=1e-5)
    np.testing.assert_allclose(c, rc, atol=1e-5)
    np.testing.assert_array_equal(chains, h)


@pytest.mark.parametrize("units", UNITS)
def test_draw_returns_the_conditional_means_it_draws_from(units):
    from scipy.special import expit

    from thermoinfo.sampling.gibbs import draw_units

    r = np.random.default_rng(2)
    field = r.normal(0, 3, 4000).astype(np.float32)
    u = r.random(4000, dtype=np.float32)
    out = np.empty(4000, np.int8)
    means = np.empty(4000, np.float32)
    draw_units(field, np.float32(0.7), units == "spin", u, out, means)
    x = 0.7 * field.astype(np.float64)
    expected = expit(x) if units == "binary" else np.tanh(x)
    np.testing.assert_allclose(means, expected, atol=2e-7)
    p_on = expit(x if units == "binary" else 2 * x)
    clear = np.abs(u - p_on) > 1e-6
    np.testing.assert_array_equal((out == 1)[clear], (u < p_on)[clear])


@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize(("method", "k"), [("pcd", 1), ("pcd", 3), ("cd", 2)])
def test_blas_driver_reproduces_the_numba_driver(units, method, k):
    # the two drivers run the same steps on the same uniforms: the same parameters
    # (to float32 rounding), velocities and chains; 33 rows in minibatches of 7 leave
    # a last minibatch of 5; momentum and weight decay are on
    from thermoinfo.sampling.contrastive_divergence import uniforms_needed

    r = np.random.default_rng(8)
    nv, nh, batch, n_batches = 12, 6, 7, 5
    lo = 0 if units == "binary" else -1
    X = np.where(r.random((33, nv)) < 0.4, 1, lo).astype(np.float32)
    order = r.permutation(33).astype(np.int64)
    per_batch = uniforms_needed(batch, nv, nh, k, method == "pcd")
    uniforms = r.random(n_batches * per_batch, dtype=np.float32)
    start = (r.normal(0, 0.5, (nv, nh)).astype(np.float32), r.normal(0, 0.5, nv).astype(np.float32),
             r.normal(0, 0.5, nh).astype(np.float32))
    chains0 = np.where(r.random((batch, nh)) < 0.5, 1, lo).astype(np.float32)
    results = []
    for driver in DRIVERS:
        W, b, c = (a.copy() for a in start)
        vel = (np.zeros_like(W), np.zeros_like(b), np.zeros_like(c))
        chains = chains0.copy()
        failed = getattr(contrastive_divergence, driver)(
            X, order, 0, n_batches, batch, W, b, c, *vel, chains, method == "pcd", k, 0.2, 0.5, 0.01,
            units == "spin", True, True, uniforms)
        assert failed == -1
        results.append((W, b, c, *vel, chains))
    assert np.max(np.abs(results[0][0] - start[0])) > 0.05  # the updates are resolved
    for numba_arr, blas_arr in zip(*results):
        np.testing.assert_allclose(blas_arr, numba_arr, rtol=0, atol=2e-5)
    np.testing.assert_array_equal(results[1][-1], results[0][-1])


def test_training_does_not_depend_on_threads_draws_ahead_or_driver():
    # the same seed gives the same model whether the random numbers are drawn ahead
    # in a thread or in turn, whichever driver runs, with one BLAS thread or two
    from threadpoolctl import threadpool_limits

    X = (np.random.default_rng(4).random((300, 256)) < 0.3).astype(np.int8)

    def fit(threads, ahead, driver):
        rbm = _force_driver(RBM(256, 64, batch_size=50, n_epochs=2, rng=3), driver)
        rbm._draw_ahead = ahead
        with threadpool_limits(threads):
            return rbm.fit(X)

    ref = fit(1, False, DRIVERS[0])
    for threads, ahead, driver in [(2, True, DRIVERS[0]), (1, True, DRIVERS[1]),
                                   (2, True, DRIVERS[1])]:
        other = fit(threads, ahead, driver)
        np.testing.assert_array_equal(other.persistent_chains_, ref.persistent_chains_)
        for name in ("weights_", "visible_bias_", "hidden_bias_"):
            np.testing.assert_allclose(getattr(other, name), getattr(ref, name), rtol=0, atol=2e-5)


@pytest.mark.parametrize("ahead", [False, True])
def test_training_draws_cover_every_minibatch_in_order(ahead, monkeypatch):
    from thermoinfo.models import rbm as rbm_module

    monkeypatch.setattr(rbm_module, "_BLOCK_UNIFORMS", 1000 * 300 // 3 + 7)  # three blocks an epoch
    rng = np.random.default_rng(6)
    draws = rbm_module._TrainingDraws(rng, 9995, True, 1000, 300, 2, ahead)
    blocks = []
    with pytest.raises(StopIteration):
        while True:
            blocks.append(draws.next())
    draws.close()
    ref = np.random.default_rng(6)
    assert len(blocks) == 6
    for epoch in range(2):
        part = blocks[3 * epoch:3 * epoch + 3]
        np.testing.assert_array_equal(part[0][0], ref.permutation(9995))
        assert all(order is part[0][0] for order, *_ in part)
        assert [(first, last) for _, first, last, _ in part] == [(0, 334), (334, 668), (668, 1000)]
        np.testing.assert_array_equal(np.concatenate([u for *_, u in part]),
                                      ref.random(300_000, dtype=np.float32))
    assert rng.bit_generator.state == ref.bit_generator.state  # nothing drawn beyond


def test_training_draws_closed_early_leave_the_generator_as_if_drawn_in_turn():
    from thermoinfo.models import rbm as rbm_module

    rng = np.random.default_rng(7)
    draws = rbm_module._TrainingDraws(rng, 100, False, 10, 50, 3, True)
    draws.next()  # the first epoch's block handed out, the second's drawn ahead
    draws.close()
    ref = np.random.default_rng(7)
    ref.random(500, dtype=np.float32)
    assert rng.bit_generator.state == ref.bit_generator.state


def test_stopping_early_leaves_the_generator_where_the_epochs_run_left_it():
    # a callback that stops after epoch 2 gives the model that 2 epochs give, and the
    # generator in the same state, so that training on continues the same way
    X = (np.random.default_rng(5).random((200, 64)) < 0.3).astype(np.int8)
    stopped = RBM(64, 16, n_epochs=5, rng=2, callbacks=[lambda s: s.epoch == 2]).fit(X)
    two = RBM(64, 16, n_epochs=2, rng=2).fit(X)
    np.testing.assert_array_equal(stopped.weights_, two.weights_)
    assert stopped._rng_.bit_generator.state == two._rng_.bit_generator.state
    stopped.partial_fit(X)
    two.partial_fit(X)
    np.testing.assert_array_equal(stopped.weights_, two.weights_)


def _fit_weights(X):
    return RBM(64, 8, batch_size=5, n_epochs=1, rng=1).fit(X).weights_


# JAX, when another test of the process imported it, warns at any fork; the child
# here runs numpy and numba only
@pytest.mark.filterwarnings(r"ignore:os\.fork\(\) was called:RuntimeWarning")
def test_training_in_a_forked_child_after_the_parent_trained():
    # the background thread that draws uniforms does not survive a fork: the child
    # starts its own instead of waiting on the parent's forever
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method on this platform")
    X = _digits(400)  # 80 minibatches of 5: more than one block of uniforms
    expected = _fit_weights(X)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        weights = pool.apply_async(_fit_weights, (X,)).get(timeout=60)
    np.testing.assert_array_equal(weights, expected)


def test_small_training_leaves_the_blas_threads_as_they_were():
    # the numba driver runs its products on one BLAS thread and restores the setting
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    with threadpool_limits(2):
        before = blas_threads()
        RBM(64, 5, n_epochs=1, rng=0).fit(_digits(30))
        assert blas_threads() == before


def test_blas_driver_takes_uniforms_or_a_generator_and_checks_its_buffer():
    from thermoinfo.sampling.contrastive_divergence import blas_workspace, train_minibatches_blas

    r = np.random.default_rng(3)
    X = r.integers(0, 2, (20, 6)).astype(np.float32)
    W = r.normal(0, 0.1, (6, 4)).astype(np.float32)
    b, c, chains = np.zeros(6, np.float32), np.zeros(4, np.float32), np.zeros((5, 4), np.float32)
    vel = (np.zeros_like(W), np.zeros_like(b), np.zeros_like(c))
    args = (X, np.arange(20), 0, 4, 5, W, b, c, *vel, chains, True, 1, 0.1, 0.0, 0.0, False, True, True)
    with pytest.raises(ValueError, match=r"^uniforms and rng"):
        train_minibatches_blas(*args, None)
    with pytest.raises(ValueError, match=r"^uniforms and rng"):
        train_minibatches_blas(*args, np.zeros(1000, np.float32), rng=r)
    with pytest.raises(ValueError, match=r"^workspace"):
        train_minibatches_blas(*args, None, workspace=blas_workspace(5, chains, W, 10), rng=r)
    with pytest.raises(TypeError, match=r"^workspace"):
        train_minibatches_blas(*args, None, workspace=tuple(blas_workspace(5, chains, W, 100)), rng=r)
    ws = blas_workspace(5, chains, W, 100)
    assert ws.vs.shape == (10, 6) and ws.hfield.shape == (10, 4) and ws.uniforms.shape == (100,)
    assert train_minibatches_blas(*args, None, workspace=ws, rng=r) == -1
    for bad in (chains.astype(np.int8), np.zeros((4, 5), np.float32).T, chains[0]):
        bad_args = (*args[:11], bad, *args[12:])
        with pytest.raises(TypeError, match=r"^chains must be a C-contiguous 2-D float32"):
            train_minibatches_blas(*bad_args, None, rng=r)
