"""What checking found, as typed records: per-instance outcomes, per-claim and per-theorem verdicts.

The checker returns these and writes nothing; `verifier._findings` writes counterexample files and
replay commands, `verifier._report` turns verdicts into JSON, Markdown and HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from verifier._backends._base import Decision
from verifier._errors import UsageError
from verifier._levels import LEVELS, Level
from verifier._records import Instance, Status

#: How statuses combine, most decisive first: a certified violation outranks an error (which
#: outranks not knowing); "holds" needs every part to hold; "not-applicable" parts are neutral.
STATUS_ORDER: tuple[Status, ...] = ("violated", "error", "inconclusive", "holds", "not-applicable")


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckSettings:
    """Everything that decides what a check does; recorded in every report so it can be replayed.

    Args:
        level: the strongest evidence to aim for (each claim at the strongest level it supports).
        examples: random instances per theorem (default: the spec's `default_examples`).
        seed: the seed of the instance generator and of probes.
        device: "cpu" or "cuda" for the float level.
        dtypes: float dtypes; the first screens, the others are measured against the strongest level.
        tf32: allow TF32 matrix products on CUDA (reported).
        prec, max_prec: certified precision in bits, and the ceiling of its escalation.
        dps: mpmath digits.
        probes: compute the specs' probes (search-found witnesses of "no X does better" claims).
        drop: assumptions ignored (to ask whether they are needed).
    """

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

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise UsageError(f"--level must be one of {'|'.join(reversed(LEVELS))}, got {self.level!r}")
        if self.examples is not None and (isinstance(self.examples, bool) or not 1 <= self.examples <= 100_000):
            raise UsageError(f"--examples must be an integer in 1..100000, got {self.examples}")
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise UsageError(f"--seed must be an integer in 0..2^63-1, got {self.seed}")
        if not self.dtypes:
            raise UsageError("at least one float dtype is needed")
        if self.tf32 and self.dtypes[0] != "float32":
            raise UsageError("TF32 applies only to float32 matrix products; use --dtype float32 with --tf32")
        if not 53 <= self.prec <= self.max_prec <= 1 << 16:
            raise UsageError(f"need 53 <= --prec <= --max-prec <= 65536 bits, got {self.prec} and {self.max_prec}")
        if not 15 <= self.dps <= 10_000:
            raise UsageError(f"--dps must be in 15..10000 digits, got {self.dps}")

    def as_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in
                ((f, getattr(self, f)) for f in self.__dataclass_fields__)}


InstanceStatus = Literal["holds", "violated", "inconclusive", "not-applicable", "error"]


@dataclass(frozen=True, slots=True)
class InstanceOutcome:
    """One claim on one instance: its status, the level that decided it, the decisive comparison.

    Args:
        index: the instance's position in the checked list.
        status: holds / violated / inconclusive / error.
        evidence: the level of the decision (None when nothing was decided).
        decision: the decisive (worst) comparison, typed.
        detail: why (one line), e.g. the refutation or what stayed undecided.
        tolerance_used: "holds" relied on a witness tolerance.
        float_lhs: the screening dtype's value of the decisive lhs.
        top_lhs: the strongest level's value of the decisive lhs.
        refutation: the impossibility certificate's data, when an existential claim was refuted.
    """

    index: int
    status: InstanceStatus
    evidence: Level | None
    decision: Decision | None = None
    detail: str = ""
    tolerance_used: bool = False
    float_lhs: dict[str, float] = field(default_factory=dict)
    top_lhs: float | None = None
    refutation: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Counterexample:
    """The instance on which a claim was violated, with what decided it.

    `file` and `replay` are filled in by `verifier._findings.record_findings`, which writes the
    instance file; the checker itself writes nothing.
    """

    instance: Instance
    index: int
    evidence: Level
    detail: str
    decision: Decision | None
    file: str | None = None
    replay: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimVerdict:
    id: str
    statement: str
    quantifier: str
    status: Status
    evidence: Level | None
    instances: int
    counts: dict[str, int]
    worst: Decision | None
    worst_index: int | None
    counterexample: Counterexample | None
    float_deviation: dict[str, dict[str, float]]
    tolerance: str | None
    notes: tuple[str, ...]
    outcomes: tuple[InstanceOutcome, ...] = ()
    kind: Literal["instances", "symbolic"] = "instances"
    role: str = "statement"
    label: str = ""
    cites: tuple[str, ...] = ()
    interpretation: str = ""
    proof: dict[str, Any] | None = None


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
    errors: tuple[str, ...] = ()

    @property
    def statement_status(self) -> Status | None:
        """The verdict on the statement alone (see `statement_and_gaps`)."""
        return statement_and_gaps((c.id, c.role, c.status) for c in self.claims)[0]

    @property
    def proof_gaps(self) -> tuple[str, ...]:
        """Steps violated while the statement is not (see `statement_and_gaps`)."""
        return statement_and_gaps((c.id, c.role, c.status) for c in self.claims)[1]


def statement_and_gaps(claims: Iterable[tuple[str, str, str]]) -> tuple[Status | None, tuple[str, ...]]:
    """From each claim's (id, role, status): the verdict on the statement alone (claims of role
    "statement", proof steps aside; None when no claim states it, a statement no finite check reaches,
    read only through its proof steps and labelled interpretations: "not checked", never "not
    applicable"), and the proof gaps (steps violated while the statement is not: gaps in the proof,
    not a false statement)."""
    claims = list(claims)
    stmt = [status for _id, role, status in claims if role == "statement"]
    verdict = combine(stmt) if stmt else None
    if verdict == "violated":
        return verdict, ()
    return verdict, tuple(cid for cid, role, status in claims if role == "step" and status == "violated")


def combine(statuses: Sequence[str]) -> Status:
    """Violated if anything is; else error; else inconclusive; else holds. Parts that are not
    applicable do not count; if nothing applied, the result is not applicable."""
    counted = [s for s in statuses if s != "not-applicable"]
    if not counted:
        return "not-applicable"
    for s in STATUS_ORDER[:3]:
        if s in counted:
            return s
    return "holds"


__all__ = ["STATUS_ORDER", "CheckSettings", "ClaimVerdict", "Counterexample", "InstanceOutcome", "TheoremVerdict",
           "combine", "statement_and_gaps"]
