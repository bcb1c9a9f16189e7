"""Malformed input to Hopfield networks, dense and modern associative memories and
Boltzmann machines: every kind raises ValueError or TypeError whose message starts
with the argument's name, never NaN, another exception, or a hang."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from thermoinfo.models import BoltzmannMachine, DenseAssociativeMemory, Hopfield, ModernHopfield
from thermoinfo.testing import raises_named

SPINS = np.array([[1, -1, 1, -1], [1, 1, -1, -1]], dtype=np.int8)

# malformed configurations of 4 spin units: (value, error class)
BAD_STATES = {
    "nan": ([[1.0, np.nan, 1.0, -1.0]], ValueError),
    "+inf": ([[1.0, np.inf, 1.0, -1.0]], ValueError),
    "-inf": ([[1.0, -np.inf, 1.0, -1.0]], ValueError),
    "value 2": ([[1, 2, 1, -1]], ValueError),
    "value 0.5": ([[1, 0.5, 1, -1]], ValueError),
    "binary value 0 for spins": ([[1, 0, 1, -1]], ValueError),
    "negative -3": ([[1, -3, 1, -1]], ValueError),
    "too narrow": ([[1, -1, 1]], ValueError),
    "too wide": ([[1, -1, 1, -1, 1]], ValueError),
    "3-D": (np.ones((1, 1, 4)), ValueError),
    "0-D": (1, ValueError),
    "strings": ([["a", "b", "c", "d"]], TypeError),
    "a string": ("abcd", TypeError),
    "None": (None, TypeError),
    "ragged": ([[1, -1], [1, -1, 1]], TypeError),
    "complex": (np.array([[1 + 1j, -1, 1, -1]]), TypeError),
}
# only fit refuses these: a training set needs rows
BAD_DATA = {**BAD_STATES, "empty": (np.zeros((0, 4)), ValueError), "1-D": ([1, -1, 1, -1], ValueError)}


def _fitted():
    return {
        "hopfield": Hopfield(4).fit(SPINS),
        "dense": DenseAssociativeMemory(4).fit(SPINS),
        "boltzmann": BoltzmannMachine.from_params(np.zeros((4, 4)), units="spin"),
    }


STATE_CALLS = {
    "Hopfield.recall": (lambda m, x: m["hopfield"].recall(x, rng=0), "states"),
    "Hopfield.recall T > 0": (lambda m, x: m["hopfield"].recall(x, rng=0, temperature=1.0, n_sweeps=2),
                              "states"),
    "Hopfield.energy": (lambda m, x: m["hopfield"].energy(x), "states"),
    "Hopfield.overlap": (lambda m, x: m["hopfield"].overlap(x), "states"),
    "Hopfield.is_fixed_point": (lambda m, x: m["hopfield"].is_fixed_point(x), "states"),
    "DenseAssociativeMemory.recall": (lambda m, x: m["dense"].recall(x, rng=0), "states"),
    "DenseAssociativeMemory.energy": (lambda m, x: m["dense"].energy(x), "states"),
    "BoltzmannMachine.energy": (lambda m, x: m["boltzmann"].energy(x), "states"),
    "BoltzmannMachine.log_likelihood": (lambda m, x: m["boltzmann"].log_likelihood(x), "X"),
    "BoltzmannMachine.data_moments": (lambda m, x: m["boltzmann"].data_moments(x), "X"),
    "BoltzmannMachine.sample init": (lambda m, x: m["boltzmann"].sample(1, init=x, rng=0), "init"),
}

FIT_CALLS = {
    "Hopfield.fit hebb": (lambda x: Hopfield(4).fit(x), "patterns"),
    "Hopfield.fit storkey": (lambda x: Hopfield(4, rule="storkey").fit(x), "patterns"),
    "DenseAssociativeMemory.fit": (lambda x: DenseAssociativeMemory(4).fit(x), "patterns"),
    "BoltzmannMachine.fit exact": (lambda x: BoltzmannMachine(4, units="spin", n_epochs=2).fit(x), "X"),
    "BoltzmannMachine.fit gibbs": (lambda x: BoltzmannMachine(4, units="spin", n_epochs=2, method="gibbs",
                                                              n_chains=4, n_sweeps=1, rng=0).fit(x), "X"),
}


def _raises(fn, error, name):
    with raises_named(error, name):
        fn()


@pytest.mark.parametrize("call, kind", [(c, k) for c in sorted(STATE_CALLS) for k in sorted(BAD_STATES)
                                        # init=None is the default: uniformly random starts
                                        if (c, k) != ("BoltzmannMachine.sample init", "None")])
def test_malformed_states_raise_naming_the_argument(call, kind):
    fn, name = STATE_CALLS[call]
    value, error = BAD_STATES[kind]
    models = _fitted()
    _raises(lambda: fn(models, value), error, name)


@pytest.mark.parametrize("kind", sorted(BAD_DATA))
@pytest.mark.parametrize("call", sorted(FIT_CALLS))
def test_malformed_training_data_raise_naming_the_argument(call, kind):
    fn, name = FIT_CALLS[call]
    value, error = BAD_DATA[kind]
    _raises(lambda: fn(value), error, name)


def test_binary_networks_refuse_spins_and_spin_networks_refuse_bits():
    _raises(lambda: Hopfield(4, units="binary").fit(SPINS), ValueError, "patterns")
    _raises(lambda: BoltzmannMachine(4, n_epochs=2).fit(SPINS), ValueError, "X")
    net = Hopfield(4, units="binary").fit((SPINS + 1) // 2)
    _raises(lambda: net.recall(SPINS, rng=0), ValueError, "states")
    _raises(lambda: Hopfield(4).fit((SPINS + 1) // 2), ValueError, "patterns")


def test_valid_edge_inputs_still_work():
    # the checks above must not refuse what is valid: one state, bools for binary units, float spins
    net = Hopfield(4).fit(SPINS.astype(float))
    assert net.recall(SPINS[0].astype(float), rng=0).shape == (4,)
    binary = Hopfield(4, units="binary").fit(((SPINS + 1) // 2).astype(bool))
    np.testing.assert_array_equal(binary.patterns_, (SPINS + 1) // 2)
    assert net.recall(np.zeros((0, 4), dtype=np.int8), rng=0).shape == (0, 4)


BAD_WEIGHTS = {
    "nan": (np.array([[0.0, np.nan], [np.nan, 0.0]]), ValueError),
    "+inf": (np.array([[0.0, np.inf], [np.inf, 0.0]]), ValueError),
    "-inf": (np.array([[0.0, -np.inf], [-np.inf, 0.0]]), ValueError),
    "overflowing": (np.array([[0.0, 1e308], [1e308, 0.0]]), ValueError),
    "not symmetric": (np.array([[0.0, 1.0], [0.0, 0.0]]), ValueError),
    "self-coupling": (np.array([[1.0, 0.0], [0.0, 0.0]]), ValueError),
    "not square": (np.zeros((2, 3)), ValueError),
    "1-D": (np.zeros(4), ValueError),
    "empty": (np.zeros((0, 0)), ValueError),
    "strings": ([["a", "b"], ["c", "d"]], TypeError),
    "None": (None, TypeError),
    "ragged": ([[0.0, 1.0], [1.0]], TypeError),
    "complex": (np.array([[0, 1j], [1j, 0]]), TypeError),
}
BAD_BIAS = {
    "nan": ([0.0, np.nan], ValueError),
    "+inf": ([np.inf, 0.0], ValueError),
    "-inf": ([0.0, -np.inf], ValueError),
    "overflowing": ([1.7e308, 1.7e308], ValueError),
    "wrong length": ([0.0, 0.0, 0.0], ValueError),
    "2-D": ([[0.0, 0.0]], ValueError),
    "strings": (["a", "b"], TypeError),
    "ragged": ([[0.0], [0.0, 1.0]], TypeError),
    "complex": (np.array([1j, 0]), TypeError),
}


@pytest.mark.parametrize("kind", sorted(BAD_WEIGHTS))
def test_from_params_refuses_malformed_weights(kind):
    value, error = BAD_WEIGHTS[kind]
    _raises(lambda: BoltzmannMachine.from_params(value), error, "weights")


@pytest.mark.parametrize("kind", sorted(BAD_BIAS))
def test_from_params_refuses_malformed_bias(kind):
    value, error = BAD_BIAS[kind]
    _raises(lambda: BoltzmannMachine.from_params(np.zeros((2, 2)), value), error, "bias")


@pytest.mark.parametrize("temperature, error", [(0.0, ValueError), (-1.0, ValueError), (np.nan, ValueError),
                                                (np.inf, ValueError), ("hot", TypeError), (None, TypeError)])
def test_temperatures_are_checked_everywhere(temperature, error):
    w = np.array([[0.0, 1.0], [1.0, 0.0]])
    _raises(lambda: BoltzmannMachine.from_params(w, temperature=temperature), error, "temperature")
    _raises(lambda: ModernHopfield(temperature=temperature).fit([[1.0, 2.0]]), error, "temperature")
    if temperature is not None:  # None asks for the machine's own temperature
        _raises(lambda: BoltzmannMachine.from_params(w).thermodynamics(temperature), error, "temperature")
    if temperature is not None and temperature != 0.0:  # T = 0 is deterministic recall
        _raises(lambda: Hopfield(2).fit([[1, 1]]).recall([1, -1], temperature=temperature, n_sweeps=1),
                error, "temperature")


def test_thermodynamics_refuses_a_temperature_where_log_z_overflows():
    # E/T beyond float64: log Z would be inf and every derived quantity NaN
    bm = BoltzmannMachine.from_params(np.array([[0.0, 1.0], [1.0, 0.0]]), temperature=1e-310)
    _raises(bm.log_partition, ValueError, "temperature")
    _raises(bm.thermodynamics, ValueError, "temperature")
    _raises(lambda: bm.log_likelihood([[1, 1]]), ValueError, "temperature")
    _raises(lambda: bm.thermodynamics([1.0, [2.0]]), TypeError, "temperature")
    _raises(lambda: bm.thermodynamics([[1.0, 2.0]]), ValueError, "temperature")
    _raises(lambda: bm.thermodynamics([]), ValueError, "temperature")
    for bad in (True, [1.0, 2j], ["1.0"]):
        _raises(lambda bad=bad: bm.thermodynamics(bad), TypeError, "temperature")


MODERN_BAD_PATTERNS = {
    "nan": ([[1.0, np.nan]], ValueError),
    "+inf": ([[1.0, np.inf]], ValueError),
    "-inf": ([[-np.inf, 1.0]], ValueError),
    "1-D": ([1.0, 2.0], ValueError),
    "empty": (np.zeros((0, 2)), ValueError),
    "no features": (np.zeros((2, 0)), ValueError),
    "strings": ([["a", "b"]], TypeError),
    "None": (None, TypeError),
    "ragged": ([[1.0], [1.0, 2.0]], TypeError),
    "complex": (np.array([[1j, 1.0]]), TypeError),
}
MODERN_BAD_STATES = {
    "nan": ([1.0, np.nan], ValueError),
    "+inf": ([np.inf, 1.0], ValueError),
    "-inf": ([1.0, -np.inf], ValueError),
    "wrong width": ([1.0, 2.0, 3.0], ValueError),
    "3-D": (np.ones((1, 1, 2)), ValueError),
    "strings": (["a", "b"], TypeError),
    "ragged": ([[1.0], [1.0, 2.0]], TypeError),
    "complex": (np.array([1j, 1.0]), TypeError),
}


@pytest.mark.parametrize("kind", sorted(MODERN_BAD_PATTERNS))
def test_modern_hopfield_refuses_malformed_patterns(kind):
    value, error = MODERN_BAD_PATTERNS[kind]
    _raises(lambda: ModernHopfield().fit(value), error, "patterns")


@pytest.mark.parametrize("method", ["recall", "update", "energy", "overlap"])
@pytest.mark.parametrize("kind", sorted(MODERN_BAD_STATES))
def test_modern_hopfield_refuses_malformed_states(kind, method):
    value, error = MODERN_BAD_STATES[kind]
    net = ModernHopfield().fit([[1.0, -1.0], [-1.0, 1.0]])
    _raises(lambda: getattr(net, method)(value), error, "states")


def test_dense_memory_refuses_a_degree_that_overflows():
    _raises(lambda: DenseAssociativeMemory(100, degree=200).fit(np.ones((1, 100))), ValueError, "degree")
    assert np.isfinite(DenseAssociativeMemory(100, degree=100).fit(np.ones((1, 100))).energy(np.ones(100)))


_ENTRIES = st.one_of(st.sampled_from([-1.0, 1.0]), st.sampled_from([0.0, 2.0, 0.5, np.nan, np.inf, -np.inf]),
                     st.floats(allow_nan=True, allow_infinity=True))


@st.composite
def _spin_rows_with_at_most_one_defect(draw):
    """(k, 4) arrays of spins, half of them with one entry replaced by any float."""
    x = draw(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.just(4)),
                        elements=st.sampled_from([-1.0, 1.0])))
    if draw(st.booleans()):
        x[draw(st.integers(0, x.shape[0] - 1)), draw(st.integers(0, 3))] = draw(_ENTRIES)
    return x


_ARRAYS = st.one_of(
    _spin_rows_with_at_most_one_defect(),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
               elements=_ENTRIES),
)


@settings(max_examples=150)
@given(_ARRAYS)
def test_any_array_is_either_stored_exactly_or_refused_naming_patterns(x):
    valid = x.ndim == 2 and x.shape[0] >= 1 and x.shape[1] == 4 and bool(np.all((x == 1) | (x == -1)))
    if not valid:
        _raises(lambda: Hopfield(4).fit(x), ValueError, "patterns")
        _raises(lambda: BoltzmannMachine(4, units="spin", n_epochs=1).fit(x), ValueError, "X")
        return
    net = Hopfield(4).fit(x)
    w = x.T @ x / 4
    np.fill_diagonal(w, 0.0)
    np.testing.assert_allclose(net.weights_, w, atol=1e-15)
    assert np.all(np.isfinite(BoltzmannMachine(4, units="spin", n_epochs=1).fit(x).weights_))


@settings(max_examples=150)
@given(_ARRAYS)
def test_any_array_of_states_is_either_recalled_or_refused_naming_states(x):
    net = Hopfield(4).fit(SPINS)
    valid = x.ndim in (1, 2) and x.shape[-1] == 4 and bool(np.all((x == 1) | (x == -1)))
    if not valid:
        _raises(lambda: net.recall(x, rng=0), ValueError, "states")
        _raises(lambda: net.energy(x), ValueError, "states")
        return
    out = net.recall(x, rng=0)
    assert out.shape == x.shape and np.all(np.isin(out, (-1, 1)))
    e = net.energy(x)
    s = np.atleast_2d(x)
    np.testing.assert_allclose(np.atleast_1d(e), -0.5 * np.einsum("ni,ij,nj->n", s, net.weights_, s),
                               atol=1e-12)
