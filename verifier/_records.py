"""Plain frozen records: theorems, assumptions, claims, instances and what checking them found."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from verifier._errors import SpecError
from verifier._levels import LEVELS, Level
from verifier._matrix import RatMatrix

Status = Literal["holds", "violated", "inconclusive"]
Quantifier = Literal["forall", "exists"]
Relation = Literal["<=", ">=", "=="]
Confidence = Literal["code", "derived", "recalled"]
MatrixValue = RatMatrix | tuple[RatMatrix, ...]


def _require(cond: bool, what: str) -> None:
    if not cond:
        raise SpecError(what)


@dataclass(frozen=True, slots=True)
class Parameter:
    """An integer parameter of a theorem (D, L, R, ...), with the range search may explore."""

    name: str
    description: str
    low: int
    high: int

    def __post_init__(self) -> None:
        _require(self.name.isidentifier(), f"parameter name must be an identifier, got {self.name!r}")
        _require(self.low <= self.high, f"parameter {self.name}: low={self.low} > high={self.high}")


@dataclass(frozen=True, slots=True)
class Instance:
    """One concrete instance of a theorem: parameters plus exact matrices.

    `aux` holds matrices that are not part of the theorem's data but of the check (for example
    adapters found by gradient descent that probe a lower bound); they are exact too, so that a
    counterexample replays bit for bit.
    """

    theorem: str
    parameters: Mapping[str, int]
    matrices: Mapping[str, MatrixValue]
    aux: Mapping[str, MatrixValue] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    origin: str = "random"
    seed: int | None = None

    def p(self, name: str) -> int:
        return self.parameters[name]

    def with_aux(self, aux: Mapping[str, MatrixValue]) -> Instance:
        return Instance(self.theorem, self.parameters, self.matrices, {**self.aux, **aux},
                        self.options, self.origin, self.seed)

    def shape_key(self) -> tuple[Any, ...]:
        """Instances with equal keys can be stacked into one float batch."""

        def shp(v: MatrixValue) -> Any:
            return tuple(m.shape for m in v) if isinstance(v, tuple) else v.shape

        return (tuple(sorted(self.parameters.items())),
                tuple((k, shp(v)) for k, v in sorted(self.matrices.items())),
                tuple((k, shp(v)) for k, v in sorted(self.aux.items())),
                tuple(sorted((k, repr(v)) for k, v in self.options.items())))


@dataclass(frozen=True, slots=True)
class AssumptionResult:
    """Whether one instance meets one assumption, and how strongly that was established.

    `margin` (optional, a float estimate, never evidence) says how far the instance is from
    violating the assumption (e.g. a relative smallest singular value; 0 when violated). Search
    uses it to steer towards the assumption's boundary.
    """

    status: Status
    evidence: Level
    detail: str = ""
    margin: float | None = None


@dataclass(frozen=True, slots=True)
class Assumption:
    """A named hypothesis of a theorem, checkable on an instance."""

    name: str
    statement: str
    check: Callable[[Instance], AssumptionResult]

    def __post_init__(self) -> None:
        _require(bool(self.name), "assumption needs a name")
        _require(callable(self.check), f"assumption {self.name}: check must be callable")


@dataclass(frozen=True, slots=True)
class Comparison:
    """A claim reduced to `lhs relation rhs` in some arithmetic's numbers.

    `tol` (same arithmetic, or None) is the slack allowed for a witness that is computed only
    approximately (an SVD at finite precision): a verdict reached with it says so.
    """

    label: str
    lhs: Any
    relation: Relation
    rhs: Any
    tol: Any = None
    scale: Any = None


@dataclass(frozen=True, slots=True)
class Refutation:
    """A certificate that an existential claim fails on an instance, whatever the witness."""

    evidence: Level
    reason: str


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim of a theorem, evaluated per instance by `evaluate(ctx, bound, construction)`.

    Args:
        quantifier: "exists" claims are witnessed by the construction (or a search); a witness
            that misses does not refute them, only `refute` can. "forall" claims are violated by
            any certified failing comparison.
        levels: arithmetics this claim can be evaluated in.
        applies: precondition on an instance (e.g. a rank threshold); instances where it is
            false are not counted for this claim.
        threshold: a declared rank threshold: the claim applies only when
            `params[threshold_param] >= threshold(instance)` (and `applies`, if given, holds).
            Declaring it (rather than folding it into `applies`) lets search shift it
            (`--threshold-offset`) and aim instances at it.
        threshold_param: the parameter compared with `threshold` (e.g. the LoRA rank "R").
    """

    id: str
    statement: str
    quantifier: Quantifier
    levels: tuple[Level, ...]
    evaluate: Callable[..., Sequence[Comparison]]
    applies: Callable[[Instance], bool] | None = None
    refute: Callable[[Instance], Refutation | None] | None = None
    uses_probes: bool = False
    threshold: Callable[[Instance], int] | None = None
    threshold_param: str = "R"

    def __post_init__(self) -> None:
        _require(bool(self.id), "claim needs an id")
        _require(self.threshold is None or callable(self.threshold), f"claim {self.id}: threshold must be callable")
        _require(self.quantifier in ("forall", "exists"), f"claim {self.id}: bad quantifier")
        _require(bool(self.levels) and all(lv in LEVELS for lv in self.levels),
                 f"claim {self.id}: levels must be a non-empty subset of {LEVELS}, got {self.levels}")
        _require(callable(self.evaluate), f"claim {self.id}: evaluate must be callable")

    def precondition(self, inst: Instance) -> bool:
        """Whether this claim applies to `inst`: its declared threshold and its `applies` both hold."""
        if self.threshold is not None and inst.p(self.threshold_param) < self.threshold(inst):
            return False
        return self.applies is None or bool(self.applies(inst))


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """A claim proved once, symbolically, for all instances (e.g. a telescoping identity)."""

    id: str
    statement: str
    prove: Callable[[], Any]


@dataclass(frozen=True, slots=True)
class Theorem:
    """A declarative theorem spec: everything the checker, search and reports need."""

    id: str
    title: str
    statement: str
    source: str
    confidence: Confidence
    parameters: tuple[Parameter, ...]
    assumptions: tuple[Assumption, ...]
    construction: Callable[..., Any] | None
    construction_summary: str
    claims: tuple[Claim, ...]
    generate: Callable[..., Instance]
    shapes: Callable[[Mapping[str, int]], Mapping[str, Any]]
    depends_on: tuple[str, ...] = ()
    identities: tuple[IdentityClaim, ...] = ()
    probes: Callable[..., Mapping[str, MatrixValue]] | None = None
    constraints: Callable[[Mapping[str, int]], str | None] | None = None
    interpretation: str = ""
    default_examples: int = 20
    options_schema: Mapping[str, Any] = field(default_factory=dict)
    #: The claims are about generic instances (they hold with probability one, say): a
    #: counterexample on a null set (exact zeros, ties, integer matrices) would not refute them,
    #: so `verifier search` draws only what `generate` draws (parameters, seeds, its own choices).
    generic_instances: bool = False

    def __post_init__(self) -> None:
        _require(bool(self.id) and " " not in self.id, f"theorem id must be a non-empty token, got {self.id!r}")
        _require(self.confidence in ("code", "derived", "recalled"),
                 f"theorem {self.id}: confidence must be code/derived/recalled, got {self.confidence!r}")
        ids = [c.id for c in self.claims] + [c.id for c in self.identities]
        _require(len(ids) == len(set(ids)), f"theorem {self.id}: duplicate claim ids {ids}")
        names = [a.name for a in self.assumptions]
        _require(len(names) == len(set(names)), f"theorem {self.id}: duplicate assumption names")
        _require(callable(self.generate), f"theorem {self.id}: generate must be callable")

    def claim(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise KeyError(claim_id)
