"""The interface every arithmetic implements, and the registry that names them.

A construction or a model is written once against `Context` and runs in every arithmetic
(mpmath's `ctx` pattern). Matrices and scalars are the back end's own objects; code written
against a context never looks inside them. The abstract methods are the true core every back end
must provide; the rest have generic definitions a back end may replace with a faster one. What a
back end cannot do at all raises `UnsupportedOperation`, naming the back end and the operation.
Capabilities are class flags, so the checker never branches on a back end's name.
"""

from __future__ import annotations

import abc
import contextlib
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Literal

from verifier._errors import UnsupportedOperation, UsageError
from verifier._levels import Level
from verifier._records import Comparison, Instance

DecisionStatus = Literal["holds", "fails", "unknown"]


@dataclass(frozen=True, slots=True)
class Decision:
    """One comparison decided on one instance: the tri-state answer and both sides.

    `lhs`/`rhs` are decimal strings for reports (the midpoint of a ball, a rational written out),
    `*_radius` the radius of a ball, `lhs_value`/`rhs_value` the nearest floats (for margins and
    search, never evidence). `margin` > 0 means the relation holds with room to spare.
    """

    status: DecisionStatus
    lhs: str
    rhs: str
    lhs_radius: str | None = None
    rhs_radius: str | None = None
    margin: float = 0.0
    tolerance: str | None = None
    lhs_value: float = 0.0
    label: str = ""
    relation: str = ""
    rhs_value: float = 0.0
    exact: bool = False

    def relative_margin(self) -> float:
        """`margin` relative to the size of the sides, clipped to [-1e9, 1e9] (> 0 holds, < 0 fails)."""
        import math

        m = self.margin
        if not math.isfinite(m):
            return math.copysign(1e9, m) if not math.isnan(m) else 0.0
        scale = abs(self.lhs_value) + abs(self.rhs_value)
        if not math.isfinite(scale):
            return 0.0
        return max(-1e9, min(1e9, m / scale)) if scale > 0 else math.copysign(min(abs(m), 1.0), m)


def chain_length(inst: Instance) -> int:
    """The error model's n for one instance: rows + cols summed over its matrices (data and aux)."""
    total = 1
    for group in (inst.matrices, inst.aux):
        for v in group.values():
            for m in v if isinstance(v, tuple) else (v,):
                total += m.nrows + m.ncols
    return total


class Bound:
    """An instance (or a batch of same-shaped instances) converted into one arithmetic."""

    def __init__(self, ctx: Context, instances: Sequence[Instance]) -> None:
        self.ctx = ctx
        self.instances = list(instances)
        self.params = dict(self.instances[0].parameters)
        self.options = dict(self.instances[0].options)
        self._cache: dict[str, Any] = {}

    @property
    def size(self) -> int:
        return len(self.instances)

    def m(self, name: str) -> Any:
        """The matrix (or tuple of matrices) called `name`, from the data or the aux data."""
        if name not in self._cache:
            inst = self.instances[0]
            if name not in inst.matrices and name not in inst.aux:
                raise KeyError(f"instance of {inst.theorem} has no matrix {name!r}")
            vals = [i.matrices[name] if name in i.matrices else i.aux[name] for i in self.instances]
            if isinstance(vals[0], tuple):
                seqs = [v for v in vals if isinstance(v, tuple)]
                self._cache[name] = tuple(self.ctx.load([v[k] for v in seqs]) for k in range(len(vals[0])))
            else:
                self._cache[name] = self.ctx.load(vals)
        return self._cache[name]

    def s(self, name: str) -> Any:
        """The 1 x 1 matrix called `name` as a scalar of this arithmetic."""
        return self.ctx.entry(self.m(name), 0, 0)

    def has(self, name: str) -> bool:
        inst = self.instances[0]
        return name in inst.matrices or name in inst.aux


class Context(abc.ABC):
    """Base class of the arithmetics.

    Capability flags (class attributes): `has_svd` (approximate singular vectors exist),
    `exact_rank` (rank is decided exactly, not estimated), `transcendental` (exp, softmax, sqrt of
    non-squares are available), `batched` (one call evaluates a batch of instances).
    """

    level: ClassVar[Level]
    name: ClassVar[str]
    #: Its decisions are screens only (a low-precision dtype): the checker re-decides passes and
    #: failures alike at a stronger arithmetic before any verdict.
    screen_only: bool = False
    batched: ClassVar[bool] = False
    has_svd: ClassVar[bool] = True
    exact_rank: ClassVar[bool] = False
    transcendental: ClassVar[bool] = True

    def unsupported(self, op: str, why: str = "") -> UnsupportedOperation:
        """The error for an operation this arithmetic does not have."""
        return UnsupportedOperation(f"the {self.name} arithmetic has no {op}" + (f": {why}" if why else ""))

    def bind(self, instances: Sequence[Instance]) -> Bound:
        if not self.batched and len(instances) != 1:
            raise UsageError(f"the {self.name} arithmetic takes one instance at a time")
        return Bound(self, instances)

    def describe(self) -> dict[str, Any]:
        """Settings that a report needs to replay this arithmetic."""
        return {"name": self.name, "level": self.level}

    def session(self) -> contextlib.AbstractContextManager[Any]:
        """Context manager that sets (and afterwards restores) this arithmetic's precision."""
        return contextlib.nullcontext()

    # -- the true core: matrices --------------------------------------------------------------
    @abc.abstractmethod
    def load(self, mats: Sequence[Any]) -> Any:
        """Exact matrices (one per instance of the batch) as this arithmetic's matrix."""

    @abc.abstractmethod
    def mm(self, *ms: Any) -> Any:
        """The product ms[0] ms[1] ... (left to right)."""

    @abc.abstractmethod
    def add(self, a: Any, b: Any) -> Any: ...

    @abc.abstractmethod
    def sub(self, a: Any, b: Any) -> Any: ...

    @abc.abstractmethod
    def T(self, a: Any) -> Any:
        """The transpose."""

    @abc.abstractmethod
    def inv(self, a: Any) -> Any:
        """The inverse; InstanceError (exact) or PrecisionExhausted (certified) where it cannot be had."""

    @abc.abstractmethod
    def eye(self, n: int) -> Any: ...

    @abc.abstractmethod
    def zeros(self, m: int, n: int) -> Any: ...

    @abc.abstractmethod
    def cols(self, a: Any, start: int, stop: int) -> Any:
        """Columns start..stop-1 (0-based, clipped to the matrix)."""

    @abc.abstractmethod
    def rows(self, a: Any, start: int, stop: int) -> Any:
        """Rows start..stop-1 (0-based, clipped to the matrix)."""

    @abc.abstractmethod
    def shape(self, a: Any) -> tuple[int, int]: ...

    @abc.abstractmethod
    def scale(self, a: Any, c: Any) -> Any:
        """`a` times the scalar `c` (a Python number or this arithmetic's scalar)."""

    @abc.abstractmethod
    def entry(self, a: Any, i: int, j: int) -> Any:
        """Entry (i, j) (0-based) as this arithmetic's scalar."""

    @abc.abstractmethod
    def hadamard(self, a: Any, b: Any) -> Any:
        """The entrywise product."""

    @abc.abstractmethod
    def const(self, x: Any) -> Any:
        """A Python number (int, Fraction, float) as this arithmetic's scalar."""

    # -- the true core: deciding --------------------------------------------------------------
    @abc.abstractmethod
    def witness_tol(self, scale: Any) -> Any:
        """Slack allowed for approximately computed witnesses, relative to `scale`."""

    @abc.abstractmethod
    def decide(self, cmp: Comparison) -> list[Decision]:
        """Decide `cmp` on every instance of the bound batch (tri-state)."""

    # -- generic, in terms of the core --------------------------------------------------------
    def ones(self, m: int, n: int) -> Any:
        from verifier._matrix import RatMatrix

        return self.load([RatMatrix(m, n, (Fraction(1),) * (m * n))])

    def neg(self, a: Any) -> Any:
        return self.scale(a, -1)

    def solve(self, a: Any, b: Any) -> Any:
        """a^{-1} b (back ends with a linear solver replace the inverse with it)."""
        return self.mm(self.inv(a), b)

    # -- a-posteriori witnesses (see verifier._witness) ------------------------------------------
    def witness_context(self) -> Context | None:
        """The arithmetic a witness for this one is computed in, or None: this one computes its own.

        A certified arithmetic answers a fast approximate one: the witness is computed there,
        rounded to exact values (`adopt`) and certified as it is, with no inverse in the balls.
        """
        return None

    def adopt(self, source: Context, m: Any) -> Any:
        """The exact value of matrix `m` of the witness arithmetic `source`, as this arithmetic's matrix."""
        raise self.unsupported("adopt", "it computes its witnesses itself")

    def svd_hint(self, a: Any, u: Any, v: Any) -> None:
        """Declare approximate singular vectors of `a` (U m x m, V n x n, e.g. from a witness).

        Arithmetics that certify singular values start from them instead of computing their own;
        wrong hints only cost precision, never soundness. Others ignore hints.
        """
        return None

    def prod(self, mats: Sequence[Any], n: int) -> Any:
        """Ordered product `mats[-1] ... mats[0]` (the first acts first); identity if empty."""
        if not mats:
            return self.eye(n)
        out = mats[0]
        for w in mats[1:]:
            out = self.mm(w, out)
        return out

    def trace(self, a: Any) -> Any:
        m, n = self.shape(a)
        if m != n:
            raise UsageError(f"trace of a non-square {m}x{n} matrix")
        out = self.const(0)
        for i in range(n):
            out = out + self.entry(a, i, i)
        return out

    def sum_entries(self, a: Any) -> Any:
        m, n = self.shape(a)
        return self.entry(self.mm(self.ones(1, m), a, self.ones(n, 1)), 0, 0)

    def square(self, a: Any) -> Any:
        """Entrywise square."""
        return self.hadamard(a, a)

    def frobenius(self, a: Any) -> Any:
        """||a||_F = sqrt(sum of squared entries)."""
        return self.sqrt(self.sum_entries(self.square(a)))

    def frobenius_sq(self, a: Any) -> Any:
        """||a||_F^2, without a square root (exact in exact arithmetic)."""
        return self.sum_entries(self.square(a))

    def vnorm2(self, v: Any) -> Any:
        """Euclidean norm of a vector (an n x 1 or 1 x n matrix)."""
        return self.frobenius(v)

    # -- elementwise and scalar functions (back ends provide what they can) --------------------
    def sqrt(self, x: Any) -> Any:
        raise self.unsupported("sqrt")

    # -- scalars (a batched context holds one per instance) -------------------------------------
    def _num(self, x: Any) -> Any:
        """Python numbers (int, Fraction, float) as this arithmetic's scalars; others unchanged."""
        return self.const(x) if isinstance(x, (int, float, Fraction)) and not isinstance(x, bool) else x

    def smul(self, a: Any, b: Any) -> Any:
        """The product of two scalars."""
        return self._num(a) * self._num(b)

    def sdiv(self, a: Any, b: Any) -> Any:
        """The quotient of two scalars."""
        return self._num(a) / self._num(b)

    def abs(self, x: Any) -> Any:
        """|x| of a scalar."""
        return abs(x)

    def smin(self, a: Any, b: Any) -> Any:
        """The smaller of two scalars (an enclosure of it in ball arithmetic)."""
        return a if a <= b else b

    def smax(self, a: Any, b: Any) -> Any:
        """The larger of two scalars (an enclosure of it in ball arithmetic)."""
        return a if a >= b else b

    def relu(self, a: Any) -> Any:
        """Elementwise max(0, x); on balls straddling 0 the enclosure is [0, upper]."""
        raise self.unsupported("relu")

    def absolute(self, a: Any) -> Any:
        """Elementwise |x|."""
        return self.add(self.relu(a), self.relu(self.neg(a)))

    def softmax_cols(self, a: Any) -> Any:
        """Softmax normalising each column."""
        raise self.unsupported("softmax", "it is not rational")

    def maxabs(self, a: Any) -> Any:
        raise self.unsupported("maxabs")

    # -- spectra ------------------------------------------------------------------------------
    def svd(self, a: Any) -> tuple[Any, Any]:
        """Approximate SVD: returns (U, V) with a = U diag(s) V^T."""
        raise self.unsupported("svd", "singular vectors are irrational in general")

    def sv(self, a: Any, i: int) -> Any:
        """The i-th singular value (1-based; 0 beyond the dimension) as this arithmetic's scalar."""
        raise self.unsupported("sv")

    def norm2(self, a: Any) -> Any:
        """The spectral norm s_1(a)."""
        return self.sv(a, 1)

    def rank(self, a: Any) -> Any:
        """The rank: exact where `exact_rank`, else an estimate of this arithmetic's strength."""
        raise self.unsupported("rank")

    def rank_factor(self, a: Any) -> tuple[Any, Any]:
        """(C, F) with a = C F and C of full column rank."""
        raise self.unsupported("rank_factor", "only exact arithmetic factors exactly")


_REGISTRY: dict[str, str] = {
    "exact": "verifier._backends._exact:ExactContext",
    "certified": "verifier._backends._certified:CertifiedContext",
    "mp": "verifier._backends._mp:MpContext",
    "float": "verifier._backends._float:FloatContext",
    "approx": "verifier._backends._approx:ApproxContext",
}


def register(name: str, path: str) -> None:
    """Register a back end by dotted path ("package.module:Class"); it is imported when first asked for."""
    _REGISTRY[name] = path


def get_context(name: str, **options: Any) -> Context:
    """Build the arithmetic called `name` ("exact", "certified", "mp", "float")."""
    if name not in _REGISTRY:
        raise UsageError(f"unknown arithmetic {name!r}; expected one of {sorted(_REGISTRY)}")
    mod, _, cls = _REGISTRY[name].partition(":")
    factory: Callable[..., Context] = getattr(importlib.import_module(mod), cls)
    return factory(**options)


__all__ = ["Bound", "Context", "Decision", "chain_length", "get_context", "register"]
