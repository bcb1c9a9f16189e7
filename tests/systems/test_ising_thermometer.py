"""Thermometers recover the temperature of sampled configurations; bad input fails clearly."""

import numpy as np
import pytest

from thermoinfo.systems import ising
from thermoinfo.systems.ising import (
    CRITICAL_TEMPERATURE,
    EnergyThermometer,
    IsingChains,
    MagnetizationThermometer,
    enumerate_exact,
    exact,
    measure,
    sample,
)
from thermoinfo.testing import raises_named


@pytest.mark.parametrize(("L", "T"), [(8, 1.8), (12, CRITICAL_TEMPERATURE), (10, 3.0)])
def test_energy_thermometer_recovers_temperature(L, T):
    da = sample(L, T, 600, burn_in=200, sweeps_between=6, rng=21, algorithm="wolff")
    reading = EnergyThermometer(L).read(da.isel(temperature=0, field=0))
    assert abs(reading.temperature - T) < 3 * reading.stderr
    # for independent samples Var(e) = T^2 c / N exactly, so SE(T) = SE(e) / c = T / sqrt(c N n)
    c = exact(L, T).c
    assert reading.stderr == pytest.approx(T / np.sqrt(c * L * L * 600), rel=0.3)


def test_energy_thermometer_inverts_exact_curve_and_extremes():
    th = EnergyThermometer(32)
    for T in (0.8, 2.0, CRITICAL_TEMPERATURE, 4.0, 50.0):
        assert th.temperature_of_energy(exact(32, T).u) == pytest.approx(T, rel=1e-9)
    ground = np.ones((1, 32, 32), dtype=np.int8)
    assert th.temperatures(ground)[0] == 0.0
    # a checkerboard (energy +2 per spin) is hotter than any temperature
    checker = np.where(np.add.outer(np.arange(32), np.arange(32)) % 2 == 0, 1, -1)[None].astype(np.int8)
    assert np.isinf(th.temperatures(checker)[0])


def test_energy_thermometer_in_a_field_on_a_chain():
    th = EnergyThermometer(16, dim=1, H=0.3)
    assert th.temperature_of_energy(exact(16, 1.7, H=0.3, dim=1).u) == pytest.approx(1.7, rel=1e-9)
    da = sample(16, 1.7, 800, H=0.3, dim=1, burn_in=50, sweeps_between=4, rng=2)
    r = th.read(da.isel(temperature=0, field=0))
    assert abs(r.temperature - 1.7) < 3 * r.stderr


def test_per_configuration_temperatures_are_ordered():
    th = EnergyThermometer(10)
    da = sample(10, [1.5, 4.0], 64, burn_in=100, sweeps_between=5, rng=4)
    cold = np.median(th.temperatures(da.isel(temperature=0, field=0)))
    hot = np.median(th.temperatures(da.isel(temperature=1, field=0)))
    assert cold < 2.0 < 3.0 < hot


def test_magnetization_thermometer_exact_calibration_at_L3():
    temps = np.linspace(0.8, 6.0, 53)
    th = MagnetizationThermometer(3, temps).fit()
    assert th.abs_m_[10] == pytest.approx(enumerate_exact(3, temps[10]).abs_m)
    assert np.all(th.abs_m_se_ == 0)
    assert th.temperature_of_abs_m(enumerate_exact(3, 2.6).abs_m) == pytest.approx(2.6, abs=0.01)


def test_magnetization_thermometer_recovers_temperature():
    L = 8
    th = MagnetizationThermometer(L, np.linspace(1.6, 3.6, 11), n_sweeps=600, rng=1).fit()
    assert np.all(np.diff(th.abs_m_) < 0.02)
    da = sample(L, 2.2, 800, burn_in=100, sweeps_between=3, rng=9, algorithm="wolff")
    r = th.read(da.isel(temperature=0, field=0))
    assert abs(r.temperature - 2.2) < 3 * r.stderr
    assert r.stderr < 0.2


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "exc", "start"),
    [
        (lambda: exact(1, 2.0), ValueError, "L"),
        (lambda: exact(2.5, 2.0), TypeError, "L"),
        (lambda: exact(8, 0.0), ValueError, "T"),
        (lambda: exact(8, -1.0), ValueError, "T"),
        (lambda: exact(8, float("nan")), ValueError, "T"),
        (lambda: exact(8, 2.0, dim=3), ValueError, "dim"),
        (lambda: exact(8, 2.0, H=0.1), ValueError, "H"),
        (lambda: sample(1, 2.0, 10), ValueError, "L"),
        (lambda: sample(4, [2.0, -1.0], 10), ValueError, "T"),
        (lambda: sample(4, [2.0, float("inf")], 10), ValueError, "T"),
        (lambda: sample(4, "hot", 10), TypeError, "T"),
        (lambda: sample(4, 2.0, 0), ValueError, "n_samples"),
        (lambda: sample(4, 2.0, 10, burn_in=-1), ValueError, "burn_in"),
        (lambda: sample(4, 2.0, 10, sweeps_between=0), ValueError, "sweeps_between"),
        (lambda: sample(4, 2.0, 10, H=0.1, algorithm="wolff"), ValueError, "algorithm"),
        (lambda: sample(4, 2.0, 10, algorithm="swendsen"), ValueError, "algorithm"),
        (lambda: sample(4, 2.0, 10, dim=3), ValueError, "dim"),
        (lambda: sample(4, 2.0, 10, H=float("nan")), ValueError, "H"),
        (lambda: IsingChains(4, 2.0, start="warm"), ValueError, "start"),
        (lambda: measure(4, 2.0, 1), ValueError, "n_sweeps"),
        (lambda: EnergyThermometer(1), ValueError, "L"),
        (lambda: EnergyThermometer(8, H=0.2), ValueError, "H"),
        (lambda: EnergyThermometer(8).temperature_of_energy(float("nan")), ValueError, "u"),
        (lambda: EnergyThermometer(4).read(np.zeros((5, 4, 4))), ValueError, "spins"),
        (lambda: EnergyThermometer(4).read(np.ones((5, 4, 4)) * 0.5), ValueError, "spins"),
        (lambda: EnergyThermometer(4).read(np.ones((5, 3, 3))), ValueError, "spins"),
        (lambda: EnergyThermometer(4).read(np.ones((1, 4, 4))), ValueError, "spins"),
        (lambda: EnergyThermometer(4).read("up"), TypeError, "spins"),
        (lambda: MagnetizationThermometer(3, [2.0]), ValueError, "temperatures"),
        (lambda: MagnetizationThermometer(3, [3.0, 2.0]), ValueError, "temperatures"),
        (lambda: MagnetizationThermometer(3, [1.0, 2.0]).read(np.ones((4, 3, 3))), ValueError,
         "MagnetizationThermometer"),
        (lambda: MagnetizationThermometer(3, [1.0, 2.0]).fit().read(np.zeros((4, 9))), ValueError,
         "spins"),
    ],
)
def test_bad_input_names_the_argument(call, exc, start):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value).startswith(start)


def test_binary_data_is_refused_with_a_hint():
    with raises_named(ValueError, "spins") as check:
        EnergyThermometer(4).temperatures(np.zeros((2, 16)))
    assert "s = 2u - 1" in str(check.value)


def test_public_names():
    assert ising.sample is sample and callable(ising.exact)
    import thermoinfo

    assert thermoinfo.systems.ising.exact(4, 2.0).u == exact(4, 2.0).u
