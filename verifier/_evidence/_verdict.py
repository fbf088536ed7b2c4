"""Bringing exact decisions into a claim: comparisons any arithmetic can decide."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from verifier._errors import PrecisionExhausted, UsageError
from verifier._evidence._equality import EqualityDecision
from verifier._evidence._values import exact_scalar
from verifier._records import Comparison


def _gap(decision: EqualityDecision) -> Fraction:
    if decision.status == "differ" and decision.f_value is not None and decision.g_value is not None:
        return max(abs(a - b) for a, b in zip(decision.f_value, decision.g_value, strict=True))
    return Fraction(0)


def _label(decision: EqualityDecision, label: str) -> str:
    how = (f"exact: {decision.stats.get('regions')} regions" if decision.status == "equal" else
           f"exact witness x = [{', '.join(str(v) for v in decision.witness or ())}]")
    return f"{label} on {decision.domain} ({how})"


def equality_comparison(ctx: Any, decision: EqualityDecision, label: str = "f = g") -> Comparison:
    """`max_i |f(x)_i - g(x)_i| == 0` at the decision's witness (0 == 0 when f = g was proved), for ONE
    instance. In a float batch use `equality_claim`, which keeps the instances apart.

    Raises:
        PrecisionExhausted: the decision is inconclusive (the claim is then undecided, with the reason).
        UsageError: called in the float arithmetic (batched: one decision cannot stand for all).
    """
    if ctx.level == "float":
        raise UsageError("equality_comparison decides one instance; in a (batched) float context use "
                         "equality_claim(ctx, b, decide, label)")
    if decision.status == "inconclusive":
        raise PrecisionExhausted(f"{label}: {decision.reason}")
    return Comparison(_label(decision, label), exact_scalar(ctx, _gap(decision)), "==", exact_scalar(ctx, 0))


def equality_claim(ctx: Any, b: Any, decide: Callable[[Any], EqualityDecision], label: str = "f = g") -> Comparison:
    """The comparison of a claim "f = g" where `decide(instance)` returns the exact decision, for every
    instance of the bound batch (float batches get one value per instance).

    Raises:
        PrecisionExhausted: some instance's decision is inconclusive (it is then decided alone).
    """
    decisions = [decide(inst) for inst in b.instances]
    for d in decisions:
        if d.status == "inconclusive":
            raise PrecisionExhausted(f"{label}: {d.reason}")
    if ctx.level != "float" or len(decisions) == 1:
        return equality_comparison(ctx, decisions[0], label) if ctx.level != "float" else \
            Comparison(_label(decisions[0], label), float(_gap(decisions[0])), "==", 0.0)
    import torch

    gaps = torch.tensor([float(_gap(d)) for d in decisions], dtype=torch.float64)
    return Comparison(f"{label} (exact decision per instance)", gaps, "==", torch.zeros_like(gaps))


__all__ = ["equality_claim", "equality_comparison"]
