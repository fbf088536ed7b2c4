"""Plain frozen records: where a theorem comes from, its parameters, assumptions, claims, instances.

Every record is a frozen, slotted dataclass validated when it is built, so a malformed spec fails
at import with a one-line `SpecError` naming the field. Records with more than two fields are
keyword-only after their id (`Claim("bound", statement=..., evaluate=...)`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from verifier._errors import SpecError
from verifier._levels import LEVELS, Level
from verifier._matrix import RatMatrix

if TYPE_CHECKING:
    from verifier._types import CheckAssumption, Construct, Evaluate, Generate, Probe, Prove, Refute

Status = Literal["holds", "violated", "inconclusive", "not-applicable", "error"]
Quantifier = Literal["forall", "exists"]
Relation = Literal["<=", ">=", "=="]
Role = Literal["statement", "step", "interpretation"]
SourceKind = Literal["paper", "book", "folklore", "conjecture", "user"]
MatrixValue = RatMatrix | tuple[RatMatrix, ...]

RELATIONS: tuple[Relation, ...] = ("<=", ">=", "==")
ROLES: tuple[Role, ...] = ("statement", "step", "interpretation")
#: Parameters are sizes and counts: the instance reader accepts 0 <= value <= this.
PARAMETER_CEILING = 4096


def _require(cond: bool, what: str) -> None:
    if not cond:
        raise SpecError(what)


def _token(text: Any) -> bool:
    return isinstance(text, str) and bool(text) and not any(c.isspace() for c in text)


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where a theorem comes from: a paper (with its number and page), a book, folklore, a conjecture.

    Args:
        citation: authors, title, venue ("Horn & Johnson,
            Matrix Analysis, 2nd ed."), or the book, or who conjectured it.
        kind: "paper", "book", "folklore", "conjecture" or "user" (your own statement).
        number: the result's number in the source ("Lemma 1", "Theorem 2.4.8").
        page: the page(s), as printed or of the PDF ("3", "20-24").
        url: an identifier a reader can follow ("arXiv:2310.17513v3", a DOI).
        note: how the statement was taken (e.g. "statements follow the print; see interpretation").
    """

    citation: str
    kind: SourceKind = "paper"
    number: str = ""
    page: str = ""
    url: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        _require(isinstance(self.citation, str) and bool(self.citation.strip()), "Source needs a citation")
        _require(self.kind in ("paper", "book", "folklore", "conjecture", "user"),
                 f"Source.kind must be paper/book/folklore/conjecture/user, got {self.kind!r}")

    def at(self, number: str, page: str = "", note: str = "") -> Source:
        """This source at a given result: `PAPER.at("Lemma 1", page="3")`."""
        return replace(self, number=number, page=page, note=note or self.note)

    def describe(self) -> str:
        """One line: citation, url, number and page."""
        parts = [self.citation]
        if self.url:
            parts.append(f"({self.url})")
        where = ", ".join(x for x in (self.number, f"p. {self.page}" if self.page else "") if x)
        return " ".join(parts) + (f", {where}" if where else "")


@dataclass(frozen=True, slots=True)
class Parameter:
    """An integer parameter of a theorem (a size, a depth, a rank).

    Args:
        name: an identifier, used in shapes and instance files ("D").
        low, high: the range instances and search draw from (0 <= low <= high <= 4096).
        description: what it is ("width").
    """

    name: str
    _: KW_ONLY
    low: int
    high: int
    description: str = ""

    def __post_init__(self) -> None:
        _require(isinstance(self.name, str) and self.name.isidentifier(),
                 f"parameter name must be an identifier, got {self.name!r}")
        for k in ("low", "high"):
            v = getattr(self, k)
            _require(isinstance(v, int) and not isinstance(v, bool),
                     f"parameter {self.name}: {k} must be an int, got {v!r}")
        _require(0 <= self.low <= self.high <= PARAMETER_CEILING,
                 f"parameter {self.name}: need 0 <= low <= high <= {PARAMETER_CEILING} (the range the instance "
                 f"reader accepts), got low={self.low}, high={self.high}")


@dataclass(frozen=True, slots=True)
class Instance:
    """One concrete instance of a theorem: parameters plus exact matrices.

    Args:
        theorem: the id of the theorem it is an instance of.
        parameters: the integer parameters.
        matrices: the theorem's data, exact (a RatMatrix or a tuple of them per name).
        aux: exact matrices that belong to the check, not the theorem (e.g. witnesses found by
            gradient descent that probe a lower bound), so a counterexample replays bit for bit.
        options: per-instance options declared by the theorem's `options_schema`.
        origin: "random", "search" or the file it was read from.
        seed: the generator's seed or index, when it came from one.
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
        return replace(self, aux={**self.aux, **aux})

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

    Args:
        status: "holds", "violated" or "inconclusive".
        evidence: the level that established it.
        detail: one line for reports ("W_2 is singular (exact determinant 0)").
        margin: how far the instance is from violating it (a float estimate for search, never
            evidence; 0 when violated).
    """

    status: Literal["holds", "violated", "inconclusive"]
    evidence: Level
    detail: str = ""
    margin: float | None = None

    def __post_init__(self) -> None:
        _require(self.status in ("holds", "violated", "inconclusive"),
                 f"AssumptionResult.status must be holds/violated/inconclusive, got {self.status!r}")
        _require(self.evidence in LEVELS, f"AssumptionResult.evidence must be one of {LEVELS}, got {self.evidence!r}")


@dataclass(frozen=True, slots=True)
class Assumption:
    """A named hypothesis of a theorem, checked on every instance before its claims.

    Args:
        name: a token ("W-nonsingular"); `--drop NAME` ignores it.
        statement: the hypothesis, in text with LaTeX math.
        check: instance -> AssumptionResult, at the strongest level available (exact determinants,
            certified enclosures); see `verifier.linalg` for ready-made checks.
    """

    name: str
    _: KW_ONLY
    statement: str
    check: CheckAssumption

    def __post_init__(self) -> None:
        _require(_token(self.name), f"assumption name must be a non-empty token, got {self.name!r}")
        _require(callable(self.check), f"assumption {self.name}: check must be callable")


@dataclass(frozen=True, slots=True)
class Comparison:
    """A claim reduced to `lhs relation rhs` in the numbers of one arithmetic.

    Args:
        label: what is compared, for reports ("||A - B||_2 vs s_{k+1}(A)").
        lhs, rhs: numbers of the context's arithmetic (or Python ints/Fractions).
        relation: "<=", ">=" or "==".
        tol: slack for a witness computed only approximately (an SVD at finite precision), in
            the same arithmetic; a verdict reached with it says so.
        scale: the size the comparison is relative to (for margins and float slack).
    """

    label: str
    lhs: Any
    relation: Relation
    rhs: Any
    tol: Any = None
    scale: Any = None

    def __post_init__(self) -> None:
        _require(self.relation in RELATIONS,
                 f"comparison {self.label!r}: relation must be one of {RELATIONS}, got {self.relation!r}")


@dataclass(frozen=True, slots=True)
class Refutation:
    """A certificate that an existential claim fails on an instance, whatever the witness.

    Args:
        evidence: "exact" or "certified" (a refutation is never weaker).
        reason: the argument, in one or two sentences, with the decisive numbers.
        certificate: optional data a reviewer can re-check (JSON-ready).
    """

    evidence: Level
    reason: str
    certificate: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        _require(self.evidence in ("certified", "exact"),
                 f"a refutation needs certified or exact evidence, got {self.evidence!r}")


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim of a theorem (or one step of its proof), evaluated per instance.

    Args:
        id: a token, unique within the theorem.
        statement: the claim in text with LaTeX math, as printed.
        evaluate: (ctx, bound, construction) -> comparisons; written once against the context,
            it runs in every arithmetic listed in `levels`.
        quantifier: "forall": any certified failing comparison violates the claim. "exists": the
            comparisons check a witness (the construction); a witness that misses does not
            refute the claim, only `refute` can.
        levels: the arithmetics it can be evaluated in (default: all four).
        applies: precondition on an instance; where it is false the claim is "not applicable".
        refute: for "exists" claims, instance -> Refutation (an impossibility certificate) or None.
        uses_probes: the claim reads the theorem's `probes` (search-found witnesses) from `aux`.
        threshold: a declared threshold: the claim applies only when
            `params[threshold_param] >= threshold(instance)`; search can shift and aim at it.
        threshold_param: the parameter compared with `threshold` (required with it).
        role: "statement" (the theorem says it), "step" (a step of the proof), or
            "interpretation" (a reading the spec had to choose; say why in `interpretation`).
        label: the source's label for a step ("L6", "(12)").
        cites: ids of theorems (or "THEOREM/claim") the step relies on.
        interpretation: where the claim departs from the literal print, and why.
    """

    id: str
    _: KW_ONLY
    statement: str
    evaluate: Evaluate[Any]
    quantifier: Quantifier = "forall"
    levels: tuple[Level, ...] = LEVELS
    applies: Callable[[Instance], bool] | None = None
    refute: Refute | None = None
    uses_probes: bool = False
    threshold: Callable[[Instance], int] | None = None
    threshold_param: str | None = None
    role: Role = "statement"
    label: str = ""
    cites: tuple[str, ...] = ()
    interpretation: str = ""

    def __post_init__(self) -> None:
        _require(_token(self.id), f"claim id must be a non-empty token, got {self.id!r}")
        _require(self.quantifier in ("forall", "exists"),
                 f"claim {self.id}: quantifier must be 'forall' or 'exists', got {self.quantifier!r}")
        _require(isinstance(self.levels, tuple) and bool(self.levels) and all(lv in LEVELS for lv in self.levels),
                 f"claim {self.id}: levels must be a non-empty tuple drawn from {LEVELS}, got {self.levels!r}")
        _require(callable(self.evaluate), f"claim {self.id}: evaluate must be callable")
        for k in ("applies", "refute", "threshold"):
            _require(getattr(self, k) is None or callable(getattr(self, k)), f"claim {self.id}: {k} must be callable")
        _require(self.refute is None or self.quantifier == "exists",
                 f"claim {self.id}: refute is for 'exists' claims (a 'forall' claim is refuted by its comparisons)")
        _require(self.role in ROLES, f"claim {self.id}: role must be one of {ROLES}, got {self.role!r}")
        _require(isinstance(self.cites, tuple), f"claim {self.id}: cites must be a tuple of ids")
        _require(self.threshold is None or bool(self.threshold_param),
                 f"claim {self.id}: a threshold needs threshold_param, the parameter it is compared with")

    def precondition(self, inst: Instance) -> bool:
        """Whether this claim applies to `inst`: its declared threshold and its `applies` both hold."""
        if self.threshold is not None and inst.p(self.threshold_param or "") < self.threshold(inst):
            return False
        return self.applies is None or bool(self.applies(inst))


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """A claim proved once, symbolically, for all instances (e.g. a telescoping identity).

    Args:
        id: a token, unique within the theorem.
        statement: what is proved.
        prove: () -> an object with `proved: bool` (and optionally `identity`, `method`, `steps`).
        role, label, cites: as for `Claim`.
    """

    id: str
    _: KW_ONLY
    statement: str
    prove: Prove
    role: Role = "statement"
    label: str = ""
    cites: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require(_token(self.id), f"identity id must be a non-empty token, got {self.id!r}")
        _require(callable(self.prove), f"identity {self.id}: prove must be callable")
        _require(self.role in ROLES, f"identity {self.id}: role must be one of {ROLES}, got {self.role!r}")


_VALIDATED: set[int] = set()
_KEEP: list[Any] = []  # validated specs stay alive, so their ids are never reused

Shape = tuple[int, int] | list[tuple[int, int]]
Shapes = Callable[[Mapping[str, int]], Mapping[str, Shape]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Theorem:
    """A declarative theorem spec: everything the checker, search and reports need.

    Args:
        id: a token naming the result ("EYM-2", "WEYL-SV"); unique across loaded packages.
        title: a short title.
        statement: the statement in text with LaTeX math, as in the source.
        source: where it comes from (`Source`).
        parameters: the integer parameters instances are drawn over.
        claims: what is checked (the statement's conclusions, the proof's steps).
        shapes: the data of an instance: a mapping name -> shape, where a shape is (rows, cols)
            with each a parameter name or an int, or `Stack((rows, cols), count)` for a list of
            matrices; or a function params -> {name: (m, n) | [(m, n), ...]}.
        generate: (rng, index=0, params=None) -> Instance; default: `default_generator(...)`,
            dense dyadic-Gaussian matrices of the declared shapes.
        assumptions: hypotheses checked on every instance; an instance that misses one is not a
            counterexample (use `--drop NAME` to ask whether it is needed).
        construction: (ctx, bound) -> a frozen record (a dataclass) the claims read; the proof's
            construction, written once against the context.
        construction_summary: the construction in words, for reports.
        depends_on: ids of the results (in any loaded package) this one cites.
        identities: claims proved once symbolically.
        probes: (instance, rng) -> {aux name: matrices}: witnesses found by search (exact).
        constraints: params -> None, or a sentence saying why they do not fit (e.g. L >= Lbar).
        interpretation: where the spec had to interpret the source, and how.
        default_examples: random instances per check.
        options_schema: option name -> one-line description (type and default).
        generic_instances: the claims hold for generic instances (with probability one): search
            draws only what `generate` draws, never structured null-set matrices.
        check_instance: instance -> None, or a sentence saying what in a user's instance does not
            fit (aux data, option combinations); run by the instance reader before any work, so
            bad input is refused (exit 2) instead of ending inconclusive.
    """

    id: str
    title: str
    statement: str
    source: Source
    parameters: tuple[Parameter, ...]
    claims: tuple[Claim, ...]
    shapes: Shapes | Mapping[str, Any]
    generate: Generate | None = None
    assumptions: tuple[Assumption, ...] = ()
    construction: Construct[Any] | None = None
    construction_summary: str = ""
    depends_on: tuple[str, ...] = ()
    identities: tuple[IdentityClaim, ...] = ()
    probes: Probe | None = None
    constraints: Callable[[Mapping[str, int]], str | None] | None = None
    interpretation: str = ""
    default_examples: int = 20
    options_schema: Mapping[str, str] = field(default_factory=dict)
    generic_instances: bool = False
    check_instance: Callable[[Instance], str | None] | None = None

    def __post_init__(self) -> None:
        from verifier._shapes import resolve_shapes

        _require(_token(self.id), f"theorem id must be a non-empty token, got {self.id!r}")
        _require(isinstance(self.source, Source),
                 f"theorem {self.id}: source must be a Source(...) record, got {type(self.source).__name__}")
        for name, kind, items in (("parameters", Parameter, self.parameters), ("claims", Claim, self.claims),
                                  ("assumptions", Assumption, self.assumptions),
                                  ("identities", IdentityClaim, self.identities)):
            _require(isinstance(items, tuple) and all(isinstance(x, kind) for x in items),
                     f"theorem {self.id}: {name} must be a tuple of {kind.__name__} records")
        _require(bool(self.claims) or bool(self.identities), f"theorem {self.id}: needs at least one claim")
        ids = [c.id for c in self.claims] + [c.id for c in self.identities]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        _require(not dup, f"theorem {self.id}: duplicate claim ids {dup}")
        names = [a.name for a in self.assumptions]
        _require(len(names) == len(set(names)), f"theorem {self.id}: duplicate assumption names {names}")
        pnames = [p.name for p in self.parameters]
        _require(len(pnames) == len(set(pnames)), f"theorem {self.id}: duplicate parameter names {pnames}")
        for c in self.claims:
            _require(c.threshold is None or c.threshold_param in pnames,
                     f"theorem {self.id}: claim {c.id} compares its threshold with unknown parameter "
                     f"{c.threshold_param!r}; parameters are {pnames}")
        for k in ("generate", "construction", "probes", "constraints", "check_instance"):
            v = getattr(self, k)
            _require(v is None or callable(v), f"theorem {self.id}: {k} must be callable")
        _require(isinstance(self.default_examples, int) and self.default_examples >= 1,
                 f"theorem {self.id}: default_examples must be an int >= 1, got {self.default_examples!r}")
        _require(isinstance(self.depends_on, tuple) and all(isinstance(d, str) for d in self.depends_on),
                 f"theorem {self.id}: depends_on must be a tuple of theorem ids")
        object.__setattr__(self, "shapes", resolve_shapes(self.id, self.shapes, pnames))
        if self.generate is None:
            from verifier._shapes import default_generator

            object.__setattr__(self, "generate", default_generator(self))

    def validate(self) -> None:
        """The checks that run spec code: one instance at the smallest parameters must match the
        declared shapes. Run by the registry when a spec is loaded (and by `check_theorem`), so a
        malformed spec is a one-line `SpecError` before anything is computed."""
        if id(self) not in _VALIDATED:
            from verifier._shapes import validate_theorem

            validate_theorem(self)
            _VALIDATED.add(id(self))
            _KEEP.append(self)

    def claim(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise KeyError(claim_id)

    def data_shapes(self, params: Mapping[str, int]) -> Mapping[str, Shape]:
        """The shapes of an instance's matrices for `params` (`shapes` resolved to a function)."""
        return self.shapes(params)  # type: ignore[operator]  # resolved in __post_init__


def claims_by_role(items: Sequence[Claim | IdentityClaim], role: Role) -> list[Claim | IdentityClaim]:
    return [c for c in items if c.role == role]


__all__ = ["PARAMETER_CEILING", "RELATIONS", "Assumption", "AssumptionResult", "Claim", "Comparison",
           "IdentityClaim", "Instance", "MatrixValue", "Parameter", "Quantifier", "Refutation", "Relation", "Role",
           "Source", "Status", "Theorem"]
