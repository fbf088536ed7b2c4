"""Bringing exact decisions into a claim: comparisons any arithmetic can decide."""

from __future__ import annotations

from typing import Any

from verifier._errors import PrecisionExhausted
from verifier._evidence._equality import EqualityDecision
from verifier._records import Comparison


def equality_comparison(ctx: Any, decision: EqualityDecision, label: str = "f = g") -> Comparison:
    """`max_i |f(x)_i - g(x)_i| == 0` at the decision's witness (0 == 0 when f = g was proved).

    The numbers are exact rationals brought into ctx, so a "differ" decision fails in every
    arithmetic with the exact gap; an inconclusive decision raises PrecisionExhausted (the claim
    is then undecided on that instance, with the budget's reason).
    """
    if decision.status == "inconclusive":
        raise PrecisionExhausted(f"{label}: {decision.reason}")
    gap = 0
    if decision.status == "differ" and decision.f_value is not None and decision.g_value is not None:
        gap = max(abs(a - b) for a, b in zip(decision.f_value, decision.g_value, strict=True))
    regions = decision.stats.get("regions")
    how = (f"exact: {regions} regions" if decision.status == "equal" else
           f"exact witness x = [{', '.join(str(v) for v in decision.witness or ())}]")
    return Comparison(f"{label} on {decision.domain} ({how})", ctx.const(gap), "==", ctx.const(0))


__all__ = ["equality_comparison"]
