"""The callables a spec provides, as Protocols (what the checker calls, with which arguments).

A construction returns a frozen record of its own (a `@dataclass(frozen=True)`), never a
string-keyed dict; the claims of the same theorem receive it typed:

    @dataclass(frozen=True)
    class Best:
        approx: Any          # LR_k(A) in the context's arithmetic

    def build(ctx: Context, b: Bound) -> Best: ...
    def bound_holds(ctx: Context, b: Bound, c: Best) -> list[Comparison]: ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    import numpy as np

    from verifier._backends._base import Bound, Context
    from verifier._records import AssumptionResult, Comparison, Instance, MatrixValue, Refutation

C_co = TypeVar("C_co", covariant=True)
C_contra = TypeVar("C_contra", contravariant=True)


class Construct(Protocol[C_co]):
    """The proof's construction: (ctx, bound) -> a frozen record the claims read."""

    def __call__(self, ctx: Context, b: Bound, /) -> C_co: ...


class Evaluate(Protocol[C_contra]):
    """A claim on a bound instance (or float batch): (ctx, bound, construction) -> comparisons."""

    def __call__(self, ctx: Context, b: Bound, c: C_contra, /) -> Sequence[Comparison]: ...


class CheckAssumption(Protocol):
    """An assumption's check on one exact instance."""

    def __call__(self, inst: Instance, /) -> AssumptionResult: ...


class Refute(Protocol):
    """An impossibility certificate for an existential claim on one instance, or None."""

    def __call__(self, inst: Instance, /) -> Refutation | None: ...


class Generate(Protocol):
    """A random instance; `params` fixes the parameters (search and replays pass them)."""

    def __call__(self, rng: np.random.Generator, index: int = 0,
                 params: Mapping[str, int] | None = None) -> Instance: ...


class Probe(Protocol):
    """Search-found witnesses for "no X does better" claims, stored exactly in `aux`."""

    def __call__(self, inst: Instance, rng: np.random.Generator, /) -> Mapping[str, MatrixValue]: ...


class Prove(Protocol):
    """A symbolic proof: returns an object with `proved: bool` (and `identity`, `method`, `steps`)."""

    def __call__(self) -> Any: ...


__all__ = ["CheckAssumption", "Construct", "Evaluate", "Generate", "Probe", "Prove", "Refute"]
