"""The interface every arithmetic implements, and the registry that names them.

A construction or a model is written once against `Context` and runs in every arithmetic
(mpmath's `ctx` pattern). Matrices and scalars are the back end's own objects; code written
against a context never looks inside them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from verifier._errors import UsageError
from verifier._levels import Level
from verifier._records import Comparison, Instance

DecisionStatus = Literal["holds", "fails", "unknown"]


@dataclass(frozen=True, slots=True)
class Decision:
    """One comparison decided on one instance, with both sides as decimal strings."""

    status: DecisionStatus
    lhs: str
    rhs: str
    lhs_radius: str | None = None
    rhs_radius: str | None = None
    margin: float = 0.0
    tolerance: str | None = None
    lhs_value: float = 0.0
    label: str = ""


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

    def has(self, name: str) -> bool:
        inst = self.instances[0]
        return name in inst.matrices or name in inst.aux


class Context:
    """Base class of the arithmetics. Subclasses implement the matrix operations below."""

    level: ClassVar[Level]
    name: ClassVar[str]
    batched: ClassVar[bool] = False
    has_svd: ClassVar[bool] = True

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

    # -- matrices -----------------------------------------------------------------------
    def load(self, mats: Sequence[Any]) -> Any: raise NotImplementedError
    def mm(self, *ms: Any) -> Any: raise NotImplementedError
    def add(self, a: Any, b: Any) -> Any: raise NotImplementedError
    def sub(self, a: Any, b: Any) -> Any: raise NotImplementedError
    def T(self, a: Any) -> Any: raise NotImplementedError
    def inv(self, a: Any) -> Any: raise NotImplementedError
    def eye(self, n: int) -> Any: raise NotImplementedError
    def zeros(self, m: int, n: int) -> Any: raise NotImplementedError
    def cols(self, a: Any, start: int, stop: int) -> Any: raise NotImplementedError
    def rows(self, a: Any, start: int, stop: int) -> Any: raise NotImplementedError
    def shape(self, a: Any) -> tuple[int, int]: raise NotImplementedError
    def scale(self, a: Any, c: float) -> Any: raise NotImplementedError
    def maxabs(self, a: Any) -> Any: raise NotImplementedError
    def ones(self, m: int, n: int) -> Any: raise NotImplementedError

    # -- elementwise (models) -------------------------------------------------------------
    def relu(self, a: Any) -> Any:
        """Elementwise max(0, x); on balls straddling 0 the enclosure is [0, upper]."""
        raise NotImplementedError

    def softmax_cols(self, a: Any) -> Any:
        """Softmax normalising each column (not available in exact arithmetic)."""
        raise NotImplementedError

    def prod(self, mats: Sequence[Any], n: int) -> Any:
        """Ordered product `mats[-1] ... mats[0]` (the first acts first); identity if empty."""
        out = self.eye(n)
        for w in mats:
            out = self.mm(w, out)
        return out

    # -- spectra ------------------------------------------------------------------------
    def svd(self, a: Any) -> tuple[Any, Any]:
        """Approximate SVD: returns (U, V) with a = U diag(s) V^T; not for exact arithmetic."""
        raise NotImplementedError

    def sv(self, a: Any, i: int) -> Any:
        """The i-th singular value (1-based; 0 beyond the dimension) as this arithmetic's scalar."""
        raise NotImplementedError

    def norm2(self, a: Any) -> Any:
        return self.sv(a, 1)

    # -- exact only ---------------------------------------------------------------------
    def rank(self, a: Any) -> int: raise NotImplementedError
    def rank_factor(self, a: Any) -> tuple[Any, Any]: raise NotImplementedError

    # -- deciding -----------------------------------------------------------------------
    def witness_tol(self, scale: Any) -> Any:
        """Slack allowed for approximately computed witnesses, relative to `scale`."""
        raise NotImplementedError

    def decide(self, cmp: Comparison) -> list[Decision]:
        """Decide `cmp` on every instance of the bound batch."""
        raise NotImplementedError


_REGISTRY: dict[str, Callable[..., Context]] = {}


def register(name: str) -> Callable[[Callable[..., Context]], Callable[..., Context]]:
    def deco(factory: Callable[..., Context]) -> Callable[..., Context]:
        _REGISTRY[name] = factory
        return factory

    return deco


def get_context(name: str, **options: Any) -> Context:
    """Build the arithmetic called `name` ("exact", "certified", "mp", "float")."""
    from verifier._backends import _loaders  # noqa: F401  (registers the back ends lazily)

    if name not in _REGISTRY:
        raise UsageError(f"unknown arithmetic {name!r}; expected one of {sorted(_REGISTRY)}")
    return _REGISTRY[name](**options)
