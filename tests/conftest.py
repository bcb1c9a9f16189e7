import os

from hypothesis import HealthCheck, settings

# Compiled code (numba, JAX) makes first calls slow: no per-example deadline.
settings.register_profile(
    "thermoinfo",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("ci", parent=settings.get_profile("thermoinfo"), derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "thermoinfo"))
