"""The thermoinfo command: list, run, show, help, exit codes and one-line errors,
and a real run killed and interrupted, then resumed to the uninterrupted result."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from thermoinfo.cli import main
from thermoinfo.experiments import EXPERIMENTS
from thermoinfo.experiments import hopfield_capacity as hc

SMALL = ["-p", "n_units=60,90", "-p", "alpha=0.05,0.3", "-p", "n_realizations=2", "-p", "n_probes=3",
         "-p", "model_units=40", "-p", "alpha_model=(0.2,)"]
SMALL_KWARGS = dict(n_units=(60, 90), alpha=(0.05, 0.3), n_realizations=2, n_probes=3, model_units=40,
                    alpha_model=(0.2,))


def cli(*args, timeout=120):
    """Run the command in a fresh interpreter, as a user would."""
    return subprocess.run([sys.executable, "-m", "thermoinfo.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "MPLBACKEND": "Agg"})


def snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_list_prints_one_experiment_a_line(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == sorted(EXPERIMENTS)
    assert main(["list", "--parameters"]) == 0
    assert "-p n_realizations" in capsys.readouterr().out


@pytest.mark.parametrize("command", [[], ["list"], ["run"], ["show"], ["demo"]])
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: thermoinfo")
    if command == ["run"]:
        assert all(name in out for name in EXPERIMENTS) and "--resume" in out and "--scheduler" in out


def test_unknown_experiment_names_the_known_ones_in_one_line():
    result = cli("run", "no-such-thing", "--quick")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("thermoinfo: error: experiment 'no-such-thing' is not a known")
    assert all(name in result.stderr for name in EXPERIMENTS)


def test_bad_parameters_and_seeds_write_nothing(tmp_path, capsys):
    (tmp_path / "keep.nc").write_bytes(b"earlier result")
    before = snapshot(tmp_path)
    for args, start in [
        (["-p", "no_such=1"], "--param 'no_such' is not a parameter of hopfield_capacity"),
        (["-p", "n_realizations"], "--param 'n_realizations' must be NAME=VALUE"),
        (["-p", "alpha=()"], "alpha must be a non-empty sequence"),
        (["-p", "n_units=(0,)"], "n_units"),
        (["--seed", "-3"], "--seed must be >= 0"),
        (["--resume"], "--resume: there is no unfinished run"),
    ]:
        code = main(["run", "hopfield-capacity", "--quick", "--out", str(tmp_path), "--no-progress",
                     "--scheduler", "serial", *args])
        err = capsys.readouterr().err
        assert code == 2, args
        assert err.startswith(f"thermoinfo: error: {start}"), err
        assert snapshot(tmp_path) == before


def test_run_writes_netcdf_and_png_and_show_summarizes(tmp_path, capsys):
    code = main(["run", "hopfield-capacity", "--out", str(tmp_path), "--seed", "3", "--scheduler", "serial",
                 "--no-progress", *SMALL])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    nc, png = tmp_path / "hopfield_capacity.nc", tmp_path / "hopfield_capacity.png"
    assert out[-2:] == [f"wrote {nc}", f"wrote {png}"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "hopfield_capacity.run").exists()
    with xr.open_dataset(nc) as ds:
        expected = hc.run(**SMALL_KWARGS, rng=3, scheduler="serial")
        for name in expected.data_vars:
            np.testing.assert_array_equal(ds[name].values, expected[name].values)
    assert main(["show", str(nc)]) == 0
    shown = capsys.readouterr().out
    for piece in ("Hopfield network retrieval overlap", "seed                3", "parameters:",
                  "n_realizations      2", "overlap_model", "alpha = 2, N = 2", "long_name", "units"):
        assert piece in shown, piece


def test_show_rejects_missing_and_foreign_files(tmp_path, capsys):
    assert main(["show", str(tmp_path / "none.nc")]) == 2
    assert capsys.readouterr().err.startswith("thermoinfo: error: path ")
    foreign = tmp_path / "foreign.nc"
    foreign.write_text("plain text")
    assert main(["show", str(foreign)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("thermoinfo: error: path ") and "not a readable netCDF" in err
    assert err.count("\n") == 1


def test_unreachable_scheduler_is_one_line_exit_3(tmp_path, capsys):
    code = main(["run", "hopfield_capacity", "--quick", "--out", str(tmp_path), "--seed", "1",
                 "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 3
    assert err.startswith("thermoinfo: error: scheduler 'tcp://127.0.0.1:9' cannot be reached")
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing computed, nothing left to resume


def _wait_for_points(folder, n, proc, limit=120.0):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if len(list(folder.glob("**/points/*.nc"))) >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {proc.communicate()}")
        time.sleep(0.02)
    pytest.fail("no points were written")


@pytest.mark.slow
# the child that resets SIGINT is started by fork and exec; JAX, when another test of
# the process imported it, warns at any fork
@pytest.mark.filterwarnings(r"ignore:os\.fork\(\) was called:RuntimeWarning")
def test_killed_and_interrupted_run_resumes_to_the_uninterrupted_result(tmp_path, capsys):
    alphas = (0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.22, 0.24)
    n_points = 2 * len(alphas) + 3 * 2   # (n_units x alpha) and (model x alpha_model)
    params = ["-p", "n_units=300,500", "-p", "alpha=" + ",".join(map(str, alphas)), "-p", "n_realizations=3",
              "-p", "n_probes=10", "-p", "model_units=100", "-p", "alpha_model=0.2,0.5"]
    kwargs = dict(n_units=(300, 500), alpha=alphas, n_realizations=3, n_probes=10,
                  model_units=100, alpha_model=(0.2, 0.5))

    def command(seed=21):
        return [sys.executable, "-m", "thermoinfo.cli", "run", "hopfield_capacity", "--out", str(tmp_path),
                "--seed", str(seed), "--no-progress", "--no-plot", *params]

    base = command()
    run_dir = tmp_path / "hopfield_capacity.run"

    # 1. killed outright (SIGKILL to the run and its worker processes) while local processes work
    proc = subprocess.Popen(base, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    _wait_for_points(run_dir, 2, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    first = {p: p.stat().st_mtime_ns for p in run_dir.glob("**/points/*.nc")}
    # a busy machine may let several points land before the kill: keep room to interrupt
    assert 2 <= len(first) <= n_points - 6, len(first)

    # a resume with another seed, or a fresh run over it, is refused and changes nothing
    kept = snapshot(run_dir)
    assert main([*command(22)[3:], "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("thermoinfo: error: --resume: ") and "seed 21, not seed 22" in err
    assert main(base[3:]) == 2
    assert "pass --resume" in capsys.readouterr().err
    assert snapshot(run_dir) == kept

    # 2. resumed in-process order, then interrupted with Ctrl-C (SIGINT)
    # Ctrl-C as in a terminal: the child starts with SIGINT at its default disposition
    # even when the test process itself was started with SIGINT ignored
    proc = subprocess.Popen([*base, "--resume", "--scheduler", "serial"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_for_points(run_dir, len(first) + 2, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().endswith("rerun with --resume to finish") and "Traceback" not in err
    second = {p: p.stat().st_mtime_ns for p in run_dir.glob("**/points/*.nc")}
    assert all(second[p] == t for p, t in first.items())  # finished points were not redone
    assert len(second) < n_points

    # 3. resumed to the end: only the missing points are computed
    done = subprocess.run([*base, "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with xr.open_dataset(tmp_path / "hopfield_capacity.nc") as ds:
        assert ds.attrs["resumed_points"] == len(second)
        assert ds.attrs["seed"] == "21"
        reference = hc.run(**kwargs, rng=21, scheduler="serial")
        for name in reference.data_vars:
            np.testing.assert_array_equal(ds[name].values, reference[name].values)
    assert not run_dir.exists()


def test_output_into_a_closed_pipe_ends_quietly():
    """``thermoinfo list --parameters | head -1``: the reader stops early; no traceback."""
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from thermoinfo.cli import main; "
                             "sys.exit(main(['list', '--parameters']))"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # closed before the command writes its first line
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
