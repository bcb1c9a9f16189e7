"""The entropy_production experiment: values against direct enumeration, attrs, figure, demo."""

import io

import numpy as np
import pytest

import thermoinfo
from thermoinfo.experiments import entropy_production as exp
from thermoinfo.systems.glauber import glauber_kernel, ising_energy, little_energy, spin_kernels

SPINS = np.array([[a, b] for a in (-1, 1) for b in (-1, 1)], dtype=float)
P_X = np.array([0.1, 0.1, 0.1, 0.7])


def _flat_kernels(process, beta, J, h):
    """The step as one 4 x 4 kernel and its backward kernel (None: the same kernel)."""
    if process == "parallel":
        return glauber_kernel(beta, J, h), None
    K0, K1 = spin_kernels(beta, J, h)
    # spin 0 first (field from the old spin 1), then spin 1 in the field of the new spin 0:
    # T[(a, b), (c, d)] = T_0(c | b) T_1(d | c); backward: undo spin 1 (field from z0), then
    # spin 0 (field from the restored x1): T_B[(c, d), (a, b)] = T_1(b | c) T_0(a | b)
    T = np.zeros((2, 2, 2, 2))
    Tb = np.zeros((2, 2, 2, 2))
    for a in range(2):
        for b in range(2):
            for c in range(2):
                for d in range(2):
                    T[a, b, c, d] = K0[a, b, c] * K1[c, b, d]
                    Tb[c, d, a, b] = K1[c, d, b] * K0[a, b, a]
    return T.reshape(4, 4), Tb.reshape(4, 4)


@pytest.fixture(scope="module")
def ds():
    return exp.run(beta=[0.5, 1.3], J=[-1.0, 0.0, 0.8], rng=11)


@pytest.mark.parametrize("process", exp.PROCESSES)
def test_values_against_direct_enumeration(ds, process):
    h = (0.2, -0.1)
    for beta in ds.beta.values:
        for J in ds.J.values:
            row = ds.sel(process=process, beta=beta, J=J)
            T, Tb = _flat_kernels(process, float(beta), float(J), h)
            flat = thermoinfo.entropy_production(P_X, T, Tb)
            assert float(row.sigma_tot) == pytest.approx(flat.total, abs=1e-12)
            assert float(row.sigma_sys) == pytest.approx(flat.system, abs=1e-12)
            # the bath term is the heat over the temperature (Little's energy for the parallel step)
            E = little_energy(beta, J, h) if process == "parallel" else ising_energy(SPINS, J, h)
            heat = P_X @ E - (P_X @ T) @ E
            assert float(row.sigma_bath) == pytest.approx(beta * heat, abs=1e-12)
            # each spin's entropy change, from the joint path table
            joint = (P_X[:, None] * T).reshape(2, 2, 2, 2)
            for i in range(2):
                h_x = thermoinfo.entropy(joint.sum(axis=tuple(a for a in range(4) if a != i)))
                h_z = thermoinfo.entropy(joint.sum(axis=tuple(a for a in range(4) if a != 2 + i)))
                got = row.sel(subsystem=i)
                assert float(got.sigma_subsystem_sys) == pytest.approx(h_z - h_x, abs=1e-12)
                assert float(got.sigma_subsystem) == pytest.approx(
                    float(got.sigma_subsystem_sys + got.sigma_subsystem_bath), abs=1e-12)
                assert float(got.sigma_subsystem) >= float(got.information) - 1e-12
            d_info = (thermoinfo.mutual_information(joint.sum(axis=(0, 1)))
                      - thermoinfo.mutual_information(joint.sum(axis=(2, 3))))
            assert float(row.correlation_change) == pytest.approx(d_info, abs=1e-12)
            assert float(row.sigma_subsystem.sum()) == pytest.approx(flat.total + d_info, abs=1e-12)
            assert float(row.stochastic_interaction) >= 0


def test_bath_terms_are_the_heat_of_each_sequential_update(ds):
    h = (0.2, -0.1)
    beta, J = 1.3, 0.8
    K0, K1 = spin_kernels(beta, J, h)
    row = ds.sel(process="sequential", beta=beta, J=J)
    # spin 0 moves from (x0, x1) to (z0, x1), then spin 1 from (z0, x1) to (z0, z1)
    heat0 = heat1 = 0.0
    for a in range(2):
        for b in range(2):
            for c in range(2):
                for d in range(2):
                    w = P_X[2 * a + b] * K0[0][b, c] * K1[:, 0][c, d]
                    e_x = ising_energy(SPINS[2 * a + b], J, h)
                    e_mid = ising_energy(SPINS[2 * c + b], J, h)
                    e_z = ising_energy(SPINS[2 * c + d], J, h)
                    heat0 += w * (e_x - e_mid)
                    heat1 += w * (e_mid - e_z)
    assert float(row.sigma_subsystem_bath.sel(subsystem=0)) == pytest.approx(beta * heat0, abs=1e-12)
    assert float(row.sigma_subsystem_bath.sel(subsystem=1)) == pytest.approx(beta * heat1, abs=1e-12)


def test_attributes_reproducibility_and_netcdf(ds, tmp_path):
    import xarray as xr

    from thermoinfo.experiments._common import write_netcdf

    for name in list(ds.data_vars) + list(ds.coords):
        assert ds[name].attrs.get("long_name"), name
        assert ds[name].attrs.get("units"), name
    assert ds.sigma_tot.attrs["units"] == "nat"
    assert ds.attrs["seed"] == "11" and ds.attrs["title"] and ds.attrs["references"]
    assert "history" in ds.attrs
    again = exp.run(beta=[0.5, 1.3], J=[-1.0, 0.0, 0.8], rng=11)
    for name in ds.data_vars:
        np.testing.assert_array_equal(ds[name].values, again[name].values)
    path = write_netcdf(ds, tmp_path / "ep.nc")
    with xr.open_dataset(path) as back:
        assert back.sigma_subsystem.attrs["long_name"] == ds.sigma_subsystem.attrs["long_name"]
        np.testing.assert_array_equal(back.sigma_tot.values, ds.sigma_tot.values)
        assert back.attrs["seed"] == "11"


def test_plot_draws_a_figure(ds):
    fig = exp.plot(ds)
    assert len(fig.axes) >= 3
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"


def test_cli_demo_prints_the_experiment_table(capsys):
    from thermoinfo.cli import main

    assert main(["demo"]) == 0
    out = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(out) if line.split()[:2] == ["J", "sigma_tot"])
    rows = [[float(v) for v in line.split()] for line in out[header + 1:]]
    quick = exp.run(quick=True, rng=0).sel(process="parallel", beta=1.0)
    assert [r[0] for r in rows] == pytest.approx(list(quick.J.values))
    for r in rows:
        sel = quick.sel(J=r[0])
        want = [float(sel.sigma_tot), float(sel.sigma_sys), float(sel.sigma_bath),
                *sel.sigma_subsystem.values, float(sel.correlation_change), *sel.sigma_partial.values]
        assert r[1:] == pytest.approx(want, abs=2e-6)
    assert "SI" not in out[header]


@pytest.mark.parametrize(
    "kwargs, name",
    [({"beta": [-1.0]}, "beta"), ({"J": []}, "J"), ({"J": [np.nan]}, "J"), ({"h": (0.1,)}, "h"),
     ({"p_x": [[0.5, 0.6], [0, 0]]}, "p_x"), ({"p_x": [0.5, 0.5]}, "p_x")],
)
def test_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        exp.run(**kwargs)
    with pytest.raises(ValueError, match=r"^process"):
        exp.network("anti-parallel", 1.0, 1.0)


def test_stationary_state_produces_nothing_while_si_is_positive(ds):
    # the stationary states: Little's Boltzmann distribution (parallel), Ising's (sequential sweep)
    for process, energy in (("parallel", "little"), ("sequential", "ising")):
        for beta in ds.beta.values:
            for J in ds.J.values:
                E = little_energy(beta, J, (0.2, -0.1)) if energy == "little" else ising_energy(
                    SPINS, J, (0.2, -0.1))
                pi = np.exp(-beta * E) / np.exp(-beta * E).sum()
                np.testing.assert_allclose(exp.stationary_state(exp.network(process, beta, J)).ravel(), pi,
                                           atol=1e-12)
                row = ds.sel(process=process, beta=beta, J=J)
                assert float(row.sigma_tot_stationary) == pytest.approx(0.0, abs=1e-13)
                if J != 0:
                    assert float(row.stochastic_interaction_stationary) > 1e-3
                if process == "parallel":
                    assert float(row.sigma_partial_stationary) == pytest.approx(0.0, abs=1e-13)
    # the sweep's one-kernel families are not nested: a partial production above sigma_tot = 0
    assert float(ds.sigma_partial_stationary.sel(process="sequential").max()) > 1e-2
