"""Search settings and results: plain frozen records (the JSON form is in `_json.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from verifier._errors import UsageError

DropResult = Literal["necessary", "not shown necessary"]
ThresholdResult = Literal["refuted", "not refuted"]
FindingKind = Literal["violation", "necessary", "threshold"]


@dataclass(frozen=True, slots=True)
class SearchSettings:
    """Everything that decides what a search does; recorded in the report so it can be rerun.

    What runs: a plain search for violated claims, unless `drop` or `threshold_offset` asks for an
    analysis instead (then only those run). Budgets: `time_budget` seconds in all (split evenly
    between the analyses' searches), and at most `max_examples` generated examples per search
    (shrinking comes on top, as in Hypothesis).

    Args:
        drop: assumptions to show necessary, one search each; ("all",) means every assumption.
        threshold_offset: shift every declared claim threshold (`Claim.threshold`) by this much
            and search for counterexamples to the shifted claims (e.g. -1: one below).
        ranges: (name, low, high) search ranges for parameters; the others use the spec's
            range capped at `default_cap`.
        batch: most instances built from one drawn structure and screened in one float batch.
        guided: steer with `hypothesis.target` on claim margins (and assumption margins).
        sampler: "hypothesis": Hypothesis rounds only (simplest first, targeted, shrunk);
            "adaptive": the cross-entropy method over the structures' choices, steered by the
            claim margins; "mixed" (default): Hypothesis rounds alternating with adaptive ones;
            "random": the same structures drawn uniformly (the benchmark's baseline).
            Findings are shrunk the same way whichever sampler found them.
        descent: after each round (mixed and hypothesis samplers), follow the gradient of the
            closest forall claim's float margin from the best candidates so far (`_descent`).
        structured: draw structured matrices, not only the spec's generator.
        escalate_below: a float "holds" whose relative margin is below this is re-checked in
            certified/exact arithmetic (float screening can hide a failure that small).
        confirm: certified re-checks per dropped assumption of instances that violate it while
            every claim held in float ("stronger than needed" candidates).
        stop_at_first: end each search at its first certified counterexample (benchmarks).
        database: Hypothesis example database directory (None: no database).
        out_dir: where instance files of findings go (replayed first by the next run).
    """

    max_examples: int = 1000
    time_budget: float = 60.0
    seed: int = 0
    claims: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    threshold_offset: int | None = None
    ranges: tuple[tuple[str, int, int], ...] = ()
    default_cap: int = 6
    batch: int = 4
    guided: bool = True
    sampler: Literal["mixed", "hypothesis", "adaptive", "random"] = "mixed"
    descent: bool = True
    structured: bool = True
    shrink: bool = True
    simplify: bool = True
    device: Literal["cpu", "cuda"] = "cpu"
    prec: int = 170
    max_prec: int = 1360
    escalate_below: float = 1e-6
    confirm: int = 3
    stop_at_first: bool = False
    replay: bool = True
    database: str | None = ".verifier/hypothesis"
    out_dir: str = ".verifier/counterexamples"
    spec_files: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_examples < 1:
            raise UsageError(f"--max-examples must be >= 1, got {self.max_examples}")
        if not self.time_budget > 0:
            raise UsageError(f"--time-budget must be > 0 seconds, got {self.time_budget}")
        if self.batch < 1:
            raise UsageError(f"--batch must be >= 1, got {self.batch}")
        if self.default_cap < 1:
            raise UsageError(f"the default parameter cap must be >= 1, got {self.default_cap}")
        if self.sampler not in ("mixed", "hypothesis", "adaptive", "random"):
            raise UsageError(f"--sampler must be mixed, hypothesis, adaptive or random, got {self.sampler!r}")
        if self.device not in ("cpu", "cuda"):
            raise UsageError(f"--device must be cpu or cuda, got {self.device!r}")
        for name, lo, hi in self.ranges:
            if lo > hi:
                raise UsageError(f"--param {name}={lo}:{hi}: low > high")
        if not 0 <= self.seed < 2**63:
            raise UsageError(f"--seed must be an integer in 0..2^63-1, got {self.seed}")
        if not 53 <= self.prec <= self.max_prec <= 1 << 16:
            raise UsageError(f"need 53 <= prec <= max_prec <= 65536 bits, got {self.prec} and {self.max_prec}")

    def as_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in
                ((f, getattr(self, f)) for f in self.__dataclass_fields__)}


@dataclass(frozen=True, slots=True)
class Finding:
    """A certified counterexample (the smallest one found for its claim), stored as an instance file."""

    kind: FindingKind
    claim: str
    evidence: str
    instance_file: str
    replay: str
    parameters: dict[str, int]
    lhs: str | None
    rhs: str | None
    margin: float | None
    detail: str
    description: str
    examples: int
    seconds: float
    size: tuple[int, ...]
    assumption: str | None = None
    assumption_detail: str = ""
    origin: Literal["search", "replayed"] = "search"


@dataclass(frozen=True, slots=True)
class DropRow:
    """Whether one assumption was shown necessary: a certified counterexample without it, or not."""

    assumption: str
    result: DropResult
    counterexample: Finding | None
    examples: int
    seconds: float
    violating: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    """A claim's declared threshold shifted by `offset`: refuted (certified) or not."""

    claim: str
    offset: int
    result: ThresholdResult
    counterexample: Finding | None
    examples: int
    seconds: float


@dataclass(frozen=True, slots=True)
class StrongerRow:
    """An instance that violates an assumption while every claim still holds (certified)."""

    assumption: str
    instance_file: str
    note: str
    parameters: dict[str, int]
    replay: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What a search found: violations, drop and threshold tables, and its budget."""

    theorem: str
    settings: SearchSettings
    examples: int
    seconds: float
    violations: tuple[Finding, ...] = ()
    drop: tuple[DropRow, ...] = ()
    threshold: tuple[ThresholdRow, ...] = ()
    stronger_than_needed: tuple[StrongerRow, ...] = ()
    interrupted: bool = False
    #: (examples, seconds, instances evaluated) when the first certified counterexample was kept.
    first_counterexample: tuple[int, float, int] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: instances evaluated by outcome (held, violated, inconclusive, errored, not-applicable) and
    #: draws rejected (no instance met the enforced assumptions), all searches together
    counts: Mapping[str, int] = field(default_factory=dict)
    #: the first few errors raised by the spec's code (one line each)
    errors: tuple[str, ...] = ()

    @property
    def status(self) -> Literal["violated", "error", "not refuted"]:
        """'violated' when a claim of the theorem as stated (all assumptions met) has a certified
        counterexample; else 'error' when the spec's code raised on some instance (then nothing can
        be called not refuted); else 'not refuted' (`counts` says how many instances stayed undecided)."""
        if self.violations:
            return "violated"
        return "error" if self.counts.get("errored", 0) or self.errors else "not refuted"
