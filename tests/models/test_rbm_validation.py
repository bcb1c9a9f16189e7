"""Bad input to the RBM raises ValueError/TypeError naming the argument."""

import numpy as np
import pytest

from thermoinfo.models import RBM


@pytest.fixture
def model():
    r = np.random.default_rng(0)
    return RBM.from_params(r.normal(size=(4, 3)), np.zeros(4), np.zeros(3))


@pytest.mark.parametrize("kwargs, match", [
    ({"n_hidden": 0}, "n_hidden"),
    ({"n_visible": 0}, "n_visible"),
    ({"n_hidden": 2.5}, "n_hidden"),
    ({"units": "ternary"}, "units"),
    ({"method": "pt"}, "method"),
    ({"k": 0}, "k"),
    ({"learning_rate": 0.0}, "learning_rate"),
    ({"learning_rate": float("nan")}, "learning_rate"),
    ({"batch_size": 0}, "batch_size"),
    ({"momentum": 1.0}, "momentum"),
    ({"weight_decay": -1.0}, "weight_decay"),
])
def test_bad_hyper_parameters(kwargs, match):
    args = {"n_visible": 4, "n_hidden": 3, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        RBM(**args)


@pytest.mark.parametrize("X, match", [
    (np.array([[0, 1, 2, 0]]), "unit set"),
    (np.array([[0, 1, np.nan, 0]]), "non-finite"),
    (np.array([[0, 1, 0]]), "n_visible"),
    (np.array([0, 1, 0, 1]), "2-D"),
    (np.array([[0.5, 1, 0, 0]]), "unit set"),
])
def test_bad_training_data(X, match):
    with pytest.raises(ValueError, match=match):
        RBM(4, 3, rng=0).fit(X)


def test_spin_model_rejects_binary_zeros(model):
    spin = RBM.from_params(model.weights_, units="spin")
    with pytest.raises(ValueError, match=r"\{-1, 1\}"):
        spin.transform(np.array([[0, 1, 1, 1]]))


def test_bad_temperature_and_methods(model):
    v = np.array([[0, 1, 1, 0]])
    for call in (lambda: model.free_energy(v, temperature=0.0),
                 lambda: model.log_partition(temperature=-1.0),
                 lambda: model.sample(3, temperature=0.0)):
        with pytest.raises(ValueError, match="^temperature"):
            call()
    with pytest.raises(ValueError, match="^temperatures"):
        model.thermodynamics([0.5, 0.0])
    with pytest.raises(ValueError, match="method"):
        model.log_partition("mcmc")
    with pytest.raises(ValueError, match="method"):
        model.log_likelihood(v, method="pseudo")
    with pytest.raises(ValueError, match="method"):
        model.thermodynamics([1.0], method="series")
    with pytest.raises(ValueError, match="v"):
        model.free_energy(np.array([[0, 1]]))
    with pytest.raises(ValueError, match="init"):
        model.sample(2, init=np.zeros((3, 4)))


def test_unfitted_and_bad_params():
    with pytest.raises(ValueError, match="not fitted"):
        RBM(3, 2).free_energy(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="visible_bias"):
        RBM.from_params(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="weights"):
        RBM.from_params(np.array([[np.inf, 0.0]]))
    with pytest.raises(ValueError, match="weights"):
        RBM.from_params(np.zeros(3))
