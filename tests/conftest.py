"""Shared test configuration: Hypothesis profiles and library versions in the header."""

from __future__ import annotations

import os
from importlib import metadata

from hypothesis import HealthCheck, settings

settings.register_profile("quick", max_examples=10, deadline=None)
settings.register_profile("ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_report_header(config: object) -> list[str]:
    libs = []
    for name in ("python-flint", "mpmath", "sympy", "torch", "numpy", "hypothesis", "networkx"):
        try:
            libs.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            libs.append(f"{name}=missing")
    return ["verifier test libraries: " + ", ".join(libs)]
