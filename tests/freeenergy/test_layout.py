"""The public names of the free-energy layer resolve where DESIGN.md says, and the
submodule rate_distortion does not shadow the function of the same name."""

import importlib

import thermoinfo


def test_public_names_resolve_after_a_bare_import():
    fe = thermoinfo.freeenergy
    for name in ("solve", "sweep", "rate_distortion"):
        assert callable(getattr(fe, name)), name
    for sub in ("discrete", "firstlaw", "functionals", "gaussian", "quasistatic", "surface", "tabular",
                "weights"):
        assert getattr(fe, sub).__name__ == f"thermoinfo.freeenergy.{sub}"


def test_rate_distortion_stays_the_function_after_its_module_is_imported():
    module = importlib.import_module("thermoinfo.freeenergy.rate_distortion")
    assert module.__name__ == "thermoinfo.freeenergy.rate_distortion"
    from thermoinfo.freeenergy import rate_distortion

    assert callable(rate_distortion) and rate_distortion is module.rate_distortion
    assert thermoinfo.freeenergy.rate_distortion is module.rate_distortion
