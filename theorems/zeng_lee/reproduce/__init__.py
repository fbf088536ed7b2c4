"""The paper's synthetic experiments and the float-stability study, for `verifier reproduce` and reports.

Torch and matplotlib load only when a function here runs (importing this package loads neither).
"""

from __future__ import annotations

from typing import Any

from theorems.zeng_lee.reproduce._settings import EXPERIMENTS as EXPERIMENTS
from theorems.zeng_lee.reproduce._settings import ReproduceSettings as ReproduceSettings
from theorems.zeng_lee.reproduce._settings import StabilitySettings as StabilitySettings


def run_reproduction(settings: ReproduceSettings | None = None) -> dict[str, Any]:
    """The report document's "reproduction" section (see `_experiments.run_reproduction`)."""
    from theorems.zeng_lee.reproduce._experiments import run_reproduction as run

    return run(settings)


def run_stability(settings: StabilitySettings | None = None) -> dict[str, Any]:
    """The report document's "stability" section (see `_stability.run_stability`)."""
    from theorems.zeng_lee.reproduce._stability import run_stability as run

    return run(settings)


__all__ = ["EXPERIMENTS", "ReproduceSettings", "StabilitySettings", "run_reproduction", "run_stability"]
