"""Values of expectations as evidence: a certified interval (`Enclosure`), a Monte Carlo estimate
(`Estimate`, float evidence only), and how either becomes a number of a context's arithmetic.

Exact arithmetic takes only exact values (an interval raises PrecisionExhausted, so the checker
reports it as undecided there), certified arithmetic takes the interval as a ball, mp and float
take its midpoint; an estimate is refused at the certified and exact levels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verifier._errors import PrecisionExhausted
from verifier._evidence._rat import frac, frac_to_arb, js
from verifier._matrix import RatMatrix


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A certified interval [lo, hi] holding an expectation (lo == hi: known exactly)."""

    lo: Fraction
    hi: Fraction
    method: str = ""

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def to_ctx(self, ctx: Any) -> Any:
        """This value as a number of ctx's arithmetic (see the module docstring)."""
        if self.exact:
            return exact_scalar(ctx, self.lo)
        if ctx.level == "exact":
            raise PrecisionExhausted(f"the expectation is known only as the certified interval "
                                     f"[{float(self.lo):.6g}, {float(self.hi):.6g}] ({self.method}); "
                                     "exact arithmetic cannot hold it: the certified level decides")
        if ctx.level == "certified":
            from verifier._backends._certified import working_prec

            with working_prec(ctx.prec):
                return frac_to_arb(self.lo, self.hi)
        return ctx.const((self.lo + self.hi) / 2)

    def to_json(self) -> dict[str, Any]:
        return {"lo": js(self.lo), "hi": js(self.hi), "width": float(self.hi - self.lo), "method": self.method,
                "evidence": "exact" if self.exact else "certified"}


@dataclass(frozen=True, slots=True)
class Estimate:
    """A Monte Carlo estimate: float evidence only (mean, standard error, samples, seed)."""

    value: float
    stderr: float
    samples: int
    seed: int
    method: str = "Monte Carlo"

    def to_ctx(self, ctx: Any) -> Any:
        if ctx.level in ("exact", "certified"):
            raise PrecisionExhausted(f"this expectation has no closed form here; only a Monte Carlo estimate "
                                     f"({self.value:.6g} +- {self.stderr:.2g}, {self.samples} samples) exists, "
                                     "which is float evidence")
        return ctx.const(self.value)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "stderr": self.stderr, "samples": self.samples, "seed": self.seed,
                "method": self.method, "evidence": "float"}


Value = Enclosure | Estimate | Fraction | int


def exact_scalar(ctx: Any, q: Any) -> Any:
    """The rational q as a scalar of ctx that keeps its exact value (certified arithmetic can then
    decide ties with it exactly, which `ctx.const` of a non-dyadic rational cannot)."""
    return ctx.entry(ctx.load([RatMatrix(1, 1, (frac(q),))]), 0, 0)


def to_ctx(ctx: Any, v: Value) -> Any:
    """An Enclosure, Estimate or rational as a number of ctx."""
    if isinstance(v, (Enclosure, Estimate)):
        return v.to_ctx(ctx)
    return exact_scalar(ctx, v)


def lift(ctx: Any, b: Any, fn: Callable[[Any], Value]) -> Any:
    """fn(instance) for every instance of the bound batch, as one number of ctx (a batch tensor in float)."""
    vals = [fn(inst) for inst in b.instances]
    if ctx.level != "float" or len(vals) == 1:
        return to_ctx(ctx, vals[0])
    import torch

    return torch.tensor([float(to_ctx(ctx, v)) for v in vals], dtype=torch.float64)


__all__ = ["Enclosure", "Estimate", "Value", "exact_scalar", "lift", "to_ctx"]
