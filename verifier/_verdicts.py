"""What checking found: per-instance outcomes, per-claim and per-theorem verdicts, and settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from verifier._errors import UsageError
from verifier._levels import LEVELS, Level
from verifier._records import Status

InstanceStatus = Literal["holds", "violated", "inconclusive", "not-applicable"]


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """Everything that decides what a check does; recorded in every report so it can be replayed."""

    level: Level = "exact"
    examples: int | None = None
    seed: int = 0
    device: Literal["cpu", "cuda"] = "cpu"
    dtypes: tuple[str, ...] = ("float64",)
    tf32: bool = False
    prec: int = 170
    max_prec: int = 1360
    dps: int = 50
    probes: bool = True
    drop: tuple[str, ...] = ()
    out_dir: str = ".verifier/counterexamples"
    replay_prefix: str = "verifier check"
    spec_file: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise UsageError(f"--level must be one of {'|'.join(reversed(LEVELS))}, got {self.level!r}")
        if self.examples is not None and self.examples < 1:
            raise UsageError(f"--examples must be >= 1, got {self.examples}")
        if not self.dtypes:
            raise UsageError("at least one float dtype is needed")

    def as_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in
                ((f, getattr(self, f)) for f in self.__dataclass_fields__)}


@dataclass(frozen=True, slots=True)
class InstanceOutcome:
    """One claim on one instance: status, the level that decided it, the decisive comparison."""

    index: int
    status: InstanceStatus
    evidence: Level | None
    comparison: dict[str, Any] | None = None
    detail: str = ""
    tolerance_used: bool = False
    float_lhs: dict[str, float] = field(default_factory=dict)
    top_lhs: float | None = None


@dataclass(frozen=True, slots=True)
class ClaimVerdict:
    id: str
    statement: str
    quantifier: str
    status: Status
    evidence: Level | None
    instances: int
    counts: dict[str, int]
    worst: dict[str, Any] | None
    counterexample: dict[str, Any] | None
    float_deviation: dict[str, dict[str, float]]
    tolerance: str | None
    notes: tuple[str, ...]
    outcomes: tuple[InstanceOutcome, ...] = ()
    kind: Literal["instances", "symbolic"] = "instances"


@dataclass(frozen=True, slots=True)
class TheoremVerdict:
    id: str
    status: Status
    claims: tuple[ClaimVerdict, ...]
    assumptions: dict[str, dict[str, int]]
    instances: int
    eligible: int
    settings: CheckSettings
    timings: dict[str, float]
    contexts: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()


def combine(statuses: list[str]) -> Status:
    """A theorem (or claim) is violated if anything is, else inconclusive if anything is."""
    if "violated" in statuses:
        return "violated"
    if "inconclusive" in statuses or not statuses:
        return "inconclusive"
    return "holds"
