"""Bad input to the RBM raises ValueError (bad values, shapes) or TypeError (not
numbers) whose message starts with the argument's name."""

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from thermoinfo.models import RBM
from thermoinfo.testing import raises_named


@pytest.fixture
def model():
    r = np.random.default_rng(0)
    return RBM.from_params(r.normal(size=(4, 3)), np.zeros(4), np.zeros(3))


@pytest.mark.parametrize("kwargs, name, error", [
    ({"n_hidden": 0}, "n_hidden", ValueError),
    ({"n_visible": 0}, "n_visible", ValueError),
    ({"n_hidden": 2.5}, "n_hidden", TypeError),
    ({"units": "ternary"}, "units", ValueError),
    ({"method": "pt"}, "method", ValueError),
    ({"k": 0}, "k", ValueError),
    ({"learning_rate": 0.0}, "learning_rate", ValueError),
    ({"learning_rate": float("nan")}, "learning_rate", ValueError),
    ({"batch_size": 0}, "batch_size", ValueError),
    ({"momentum": 1.0}, "momentum", ValueError),
    ({"weight_decay": -1.0}, "weight_decay", ValueError),
])
def test_bad_hyper_parameters(kwargs, name, error):
    args = {"n_visible": 4, "n_hidden": 3, **kwargs}
    with raises_named(error, name):
        RBM(**args)


@pytest.mark.parametrize("X, match", [
    (np.array([[0, 1, 2, 0]]), "unit set"),
    (np.array([[0, 1, np.nan, 0]]), "non-finite"),
    (np.array([[0, 1, 0]]), "n_visible"),
    (np.array([0, 1, 0, 1]), "2-D"),
    (np.array([[0.5, 1, 0, 0]]), "unit set"),
])
def test_bad_training_data(X, match):
    with raises_named(ValueError, "X") as check:
        RBM(4, 3, rng=0).fit(X)
    assert match in str(check.value)


def test_spin_model_rejects_binary_zeros(model):
    spin = RBM.from_params(model.weights_, units="spin")
    with raises_named(ValueError, "X") as check:
        spin.transform(np.array([[0, 1, 1, 1]]))
    assert "{-1, 1}" in str(check.value)


def test_bad_temperature_and_methods(model):
    v = np.array([[0, 1, 1, 0]])
    for call in (lambda: model.free_energy(v, temperature=0.0),
                 lambda: model.log_partition(temperature=-1.0),
                 lambda: model.sample(3, temperature=0.0)):
        with raises_named(ValueError, "temperature"):
            call()
    for bad in ([0.5, 0.0], [1.0, np.nan], [[1.0]], []):
        with raises_named(ValueError, "temperature"):
            model.thermodynamics(bad)
    with raises_named(ValueError, "method"):
        model.log_partition("mcmc")
    with raises_named(ValueError, "method"):
        model.log_likelihood(v, method="pseudo")
    with raises_named(ValueError, "method"):
        model.thermodynamics([1.0], method="series")
    with raises_named(ValueError, "v"):
        model.free_energy(np.array([[0, 1]]))
    with raises_named(ValueError, "init"):
        model.sample(2, init=np.zeros((3, 4)))


def test_unfitted_and_bad_params():
    with pytest.raises(ValueError, match="not fitted"):
        RBM(3, 2).free_energy(np.zeros((1, 3)))
    with raises_named(ValueError, "visible_bias"):
        RBM.from_params(np.zeros((3, 2)), np.zeros(2))
    with raises_named(ValueError, "weights"):
        RBM.from_params(np.array([[np.inf, 0.0]]))
    with raises_named(ValueError, "weights"):
        RBM.from_params(np.zeros(3))


_MALFORMED = {
    "nan": np.array([[1, 1, np.nan, 1]]),
    "inf": np.array([[1, 1, np.inf, 1]]),
    "-inf": np.array([[1, 1, -np.inf, 1]]),
    "empty": np.zeros((0, 4)),
    "outside": np.array([[1, 1, 2, 1]]),
    "fraction": np.array([[0.5, 1, 1, 1]]),
    "narrow": np.array([[1, 1, 1]]),
    "1-D": np.array([1, 1, 1, 1]),
    "3-D": np.ones((2, 2, 4)),
}


@pytest.mark.parametrize("units, other", [("binary", -1), ("spin", 0)])
@pytest.mark.parametrize("kind", [*_MALFORMED, "other unit set"])
def test_fit_rejects_malformed_data_naming_x(units, other, kind):
    X = np.array([[1, other, 1, 1]]) if kind == "other unit set" else _MALFORMED[kind]
    with raises_named(ValueError, "X"):
        RBM(4, 3, units=units, rng=0).fit(X)


@pytest.mark.parametrize("name", ["weights", "visible_bias", "hidden_bias"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_from_params_rejects_non_finite_parameters(name, bad):
    params = {"weights": np.zeros((4, 3)), "visible_bias": np.zeros(4), "hidden_bias": np.zeros(3)}
    params[name].flat[1] = bad
    with raises_named(ValueError, name) as check:
        RBM.from_params(**params)
    assert str(check.value).startswith(f"{name} has 1 non-finite")


def test_from_params_rejects_non_numeric_weights():
    with raises_named(TypeError, "weights"):
        RBM.from_params([["a", "b"]])


def _saved(tmp_path):
    X = np.array([[1, 0, 1, 0], [0, 1, 0, 1]] * 5, dtype=np.int8)
    return RBM(4, 3, n_epochs=1, rng=0).fit(X).save(tmp_path / "model.npz")


def _load_error(path):
    with pytest.raises(ValueError) as info:
        RBM.load(path)
    assert str(info.value).startswith(str(path)), str(info.value)
    return str(info.value)


def test_load_truncated_file(tmp_path):
    path = _saved(tmp_path)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        _load_error(bad)


def test_load_corrupted_file(tmp_path):
    path = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    # overwrite the stored weights' bytes (CRC mismatch) and, separately, a header
    offset = data.index(b"weights.npy") + 200
    for start in (offset, 0):
        bad = bytearray(data)
        bad[start:start + 40] = b"\xff" * 40
        target = tmp_path / f"bad{start}.npz"
        target.write_bytes(bytes(bad))
        _load_error(target)


def test_load_foreign_files(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("not an archive\n")
    _load_error(text)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    assert "missing" in _load_error(other)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    assert "single array" in _load_error(single)
    # an archive with the right names but wrong contents
    path = _saved(tmp_path)
    with np.load(path) as f:
        arrays = dict(f)
    for key, value in (("weights", np.full((4, 3), np.nan)), ("hyper_units", np.asarray("ternary")),
                       ("hyper_n_hidden", np.asarray(5)), ("persistent_chains", np.full((10, 3), 7)),
                       ("n_steps", np.asarray(-1)), ("hyper_k", np.zeros(2)),
                       ("weights", np.ones((4, 3)) * (1 + 2j)), ("hyper_shuffle", np.asarray("no")),
                       ("hyper_use_visible_bias", np.asarray(2))):
        broken = tmp_path / f"broken_{key}.npz"
        np.savez(broken, **{**arrays, key: value})
        _load_error(broken)


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        RBM.load(tmp_path / "absent.npz")


@pytest.mark.parametrize("path", [None, 3, 1.5, ["model.npz"], np.zeros(2)])
def test_load_refuses_what_is_not_a_path_naming_path(path):
    with raises_named(TypeError, "path"):
        RBM.load(path)


@pytest.mark.parametrize("as_given", [str, Path, os.fsencode])
def test_load_refuses_a_directory_naming_it(tmp_path, as_given):
    folder = tmp_path / "models.npz"
    folder.mkdir()
    with pytest.raises(ValueError) as info:  # not FileNotFoundError: something is there
        RBM.load(as_given(folder))
    message = str(info.value)
    assert message.startswith(str(folder)) and "is a directory" in message, message


@pytest.mark.skipif(not os.path.exists(os.devnull) or os.path.isfile(os.devnull), reason="no device file")
def test_load_refuses_a_device_naming_it():
    assert "not a regular file" in _load_error(os.devnull)


@pytest.mark.parametrize("name", ["weights", "visible_bias", "hidden_bias"])
def test_from_params_refuses_complex_parameters(name):
    params = {"weights": np.ones((4, 3)), "visible_bias": np.zeros(4), "hidden_bias": np.zeros(3)}
    params[name] = params[name] * (1 + 2j)
    with raises_named(TypeError, name) as check:
        RBM.from_params(**params)
    assert "complex" in str(check.value)


@pytest.mark.parametrize("kwargs, name", [
    ({"callbacks": print}, "callbacks"), ({"callbacks": [1]}, "callbacks"), ({"shuffle": "no"}, "shuffle"),
    ({"use_visible_bias": "no"}, "use_visible_bias"), ({"use_hidden_bias": 1}, "use_hidden_bias"),
    ({"progress": None}, "progress"),
])
def test_callbacks_and_switches_are_checked_when_the_model_is_built(kwargs, name):
    with raises_named(TypeError, name):
        RBM(4, 3, **kwargs)


@pytest.mark.parametrize("call", ["exact log Z", "ais log Z", "exact thermodynamics", "mc thermodynamics"])
def test_a_temperature_where_e_over_t_overflows_is_refused(call, model):
    # E/T of couplings of order one overflows float64 at T = 1e-310: refused, never NaN
    fn = {"exact log Z": lambda t: model.log_partition(temperature=t),
          "ais log Z": lambda t: model.log_partition("ais", temperature=t, betas=np.linspace(0, 1, 5)),
          "exact thermodynamics": lambda t: model.thermodynamics(t),
          "mc thermodynamics": lambda t: model.thermodynamics(t, method="mc", n_steps=10)}[call]
    with raises_named(ValueError, "temperature") as check:
        fn(1e-310)
    assert "too low" in str(check.value)


def test_an_entropy_lost_to_rounding_is_refused(model):
    # S = log Z + U/T at T = 1e-9 cancels terms of size |U|/T ~ 1e9: refused; at T = 0.01
    # it is the Gibbs entropy -sum p log p of the 2^7 joint states, enumerated here
    with raises_named(ValueError, "temperature") as check:
        model.thermodynamics(1e-9)
    assert "entropy" in str(check.value)
    W, b, c = model.weights_, model.visible_bias_, model.hidden_bias_
    v, h = (np.array(list(np.ndindex(*(2,) * n)), float) for n in (4, 3))
    energy = -(v @ W @ h.T) - (v @ b)[:, None] - (h @ c)[None, :]
    log_p = -energy.ravel() / 0.01
    log_p -= np.logaddexp.reduce(log_p)
    gibbs_entropy = -np.sum(np.exp(log_p) * log_p)
    assert gibbs_entropy > 1e-3                          # not 0 = 0
    assert float(model.thermodynamics(0.01).entropy) == pytest.approx(gibbs_entropy, abs=1e-9)


def test_ais_refuses_non_finite_parameters_and_weights_beyond_its_precision():
    from thermoinfo.sampling.ais import ais

    good = {"weights": np.ones((4, 3)), "visible_bias": np.zeros(4), "hidden_bias": np.zeros(3)}
    for name in good:
        bad = dict(good)
        bad[name] = np.full_like(good[name], np.nan)
        with raises_named(ValueError, name):
            ais(**bad, betas=np.linspace(0, 1, 5))
    huge = RBM.from_params(np.full((4, 3), 1e39))
    with raises_named(ValueError, "weights") as check:
        huge.log_partition("ais", betas=np.linspace(0, 1, 5))
    assert "float32" in str(check.value)


# ----------------------------------------------------------------------------- properties
# Valid data, parameters and files of random shape, corrupted in one way each: every
# corruption is refused with an error that names the argument (the path, for RBM.load).

_UNIT_SETS = {"binary": (0.0, 1.0), "spin": (-1.0, 1.0)}
_DATA_DEFECTS = ("nan", "+inf", "-inf", "outside the unit set", "wrong width", "zero rows")


@st.composite
def _corrupted_training_data(draw):
    """(units, n_visible, valid X, corrupted X, defect): X of random shape in the unit
    set of ``units``, then corrupted by one defect at a random position."""
    units = draw(st.sampled_from(sorted(_UNIT_SETS)))
    lo, hi = _UNIT_SETS[units]
    n_visible = draw(st.integers(1, 5))
    X = draw(hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.just(n_visible)),
                        elements=st.sampled_from([lo, hi])))
    defect = draw(st.sampled_from(_DATA_DEFECTS))
    bad = X.copy()
    where = (draw(st.integers(0, X.shape[0] - 1)), draw(st.integers(0, n_visible - 1)))
    if defect in ("nan", "+inf", "-inf"):
        bad[where] = {"nan": np.nan, "+inf": np.inf, "-inf": -np.inf}[defect]
    elif defect == "outside the unit set":
        other = 0.0 if units == "spin" else -1.0  # the other unit set's value
        bad[where] = draw(st.one_of(st.sampled_from([other, 2.0, 0.5, -0.0 if units == "spin" else 1e-300]),
                                    st.floats(allow_nan=False, allow_infinity=False).filter(
                                        lambda x: x not in (lo, hi))))
    elif defect == "wrong width":
        width = draw(st.integers(0, 7).filter(lambda w: w != n_visible))
        bad = draw(hnp.arrays(np.float64, (X.shape[0], width), elements=st.sampled_from([lo, hi])))
    else:
        bad = X[:0]
    if np.all(np.isfinite(bad)) and np.all(bad == np.round(bad)) and np.all(np.abs(bad) < 2**62) \
            and draw(st.booleans()):
        bad = bad.astype(np.int64)  # integer data too (where the defect is an integer)
    return units, n_visible, X, bad, defect


def _params_of(model):
    return [np.array(getattr(model, name)) for name in ("weights_", "visible_bias_", "hidden_bias_")]


@settings(max_examples=40)
@given(_corrupted_training_data())
def test_fit_on_corrupted_data_is_refused_naming_x_and_leaves_no_nan(case):
    units, n_visible, X, bad, defect = case
    event(defect)
    r = np.random.default_rng(0)
    model = RBM.from_params(r.normal(size=(n_visible, 2)), r.normal(size=n_visible), r.normal(size=2),
                            units=units, n_epochs=1, batch_size=2, rng=0)
    before = _params_of(model)
    for call in (model.fit, model.partial_fit, lambda x: list(model.iter_fit(x, 1, warm_start=True))):
        with raises_named(ValueError, "X"):
            call(bad)
    # refused before any update: the parameters are untouched, finite, and training still works
    for old, new in zip(before, _params_of(model)):
        np.testing.assert_array_equal(new, old)
        assert np.all(np.isfinite(new))
    model.fit(X)
    assert all(np.all(np.isfinite(p)) for p in _params_of(model))


@st.composite
def _params_with_one_non_finite_entry(draw):
    n_visible, n_hidden = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    finite = st.floats(-10.0, 10.0)
    params = {"weights": draw(hnp.arrays(np.float64, (n_visible, n_hidden), elements=finite)),
              "visible_bias": draw(hnp.arrays(np.float64, n_visible, elements=finite)),
              "hidden_bias": draw(hnp.arrays(np.float64, n_hidden, elements=finite))}
    name = draw(st.sampled_from(sorted(params)))
    params[name].flat[draw(st.integers(0, params[name].size - 1))] = draw(
        st.sampled_from([np.nan, np.inf, -np.inf]))
    return params, name


@settings(max_examples=50)
@given(_params_with_one_non_finite_entry(), st.sampled_from(sorted(_UNIT_SETS)))
def test_from_params_with_a_non_finite_entry_is_refused_naming_it(case, units):
    params, name = case
    with raises_named(ValueError, name) as check:
        RBM.from_params(**params, units=units)
    assert "non-finite" in str(check.value)


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A trained model's file: (bytes, the model, a folder for corrupted copies)."""
    folder = tmp_path_factory.mktemp("rbm_files")
    X = np.array([[1, 0, 1, 0, 1], [0, 1, 0, 1, 0]] * 5, dtype=np.int8)
    model = RBM(5, 3, n_epochs=2, batch_size=4, rng=0).fit(X)
    return model.save(folder / "model.npz").read_bytes(), model, folder


def _refused_or_identical(path, original):
    """RBM.load(path) raises ValueError starting with the path, or (a byte the zip format
    does not check, such as a timestamp) returns the original model."""
    try:
        loaded = RBM.load(path)
    except ValueError as exc:
        assert str(exc).startswith(str(path)), str(exc)
        return False
    for old, new in zip(_params_of(original), _params_of(loaded)):
        np.testing.assert_array_equal(new, old)
    np.testing.assert_array_equal(loaded.persistent_chains_, original.persistent_chains_)
    assert repr(loaded) == repr(original) and loaded.n_steps_ == original.n_steps_
    return True


@settings(max_examples=50)
@given(st.data())
def test_load_refuses_a_truncated_file_naming_the_path(saved_model, data):
    content, _, folder = saved_model
    cut = data.draw(st.integers(0, len(content) - 1), label="cut")
    path = folder / "truncated.npz"
    path.write_bytes(content[:cut])
    with pytest.raises(ValueError) as info:
        RBM.load(path)
    assert str(info.value).startswith(str(path)), str(info.value)


@settings(max_examples=50)
@given(st.data())
def test_load_refuses_a_file_with_flipped_bytes_or_reads_it_unchanged(saved_model, data):
    content, model, folder = saved_model
    corrupted = bytearray(content)
    for _ in range(data.draw(st.integers(1, 4), label="n_flips")):
        at = data.draw(st.integers(0, len(content) - 1), label="at")
        corrupted[at] ^= data.draw(st.integers(1, 255), label="mask")
    path = folder / "flipped.npz"
    path.write_bytes(bytes(corrupted))
    event("read unchanged" if _refused_or_identical(path, model) else "refused")


@settings(max_examples=50)
@given(st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY\x01\x00", b"\x80\x04"]),
       st.binary(max_size=300))
def test_load_refuses_random_bytes_naming_the_path(saved_model, magic, tail):
    _, _, folder = saved_model
    path = folder / "random.npz"
    path.write_bytes(magic + tail)
    with pytest.raises(ValueError) as info:
        RBM.load(path)
    assert str(info.value).startswith(str(path)), str(info.value)
