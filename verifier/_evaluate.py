"""Evaluating one claim on instances in one arithmetic, and escalating what float or mp cannot settle.

`Runner` holds the contexts and the per-(instance, arithmetic) construction cache of one check;
`outcome` turns the decisions of one claim on one instance into an `InstanceOutcome` that never
claims more than its evidence:

- a failure seen in float or mpmath is a candidate: it is re-decided at the strongest of
  certified/exact the claim supports, which alone can make it a violation;
- a low-precision float screen (bfloat16, float16, TF32) decides nothing: at the float level its
  passes and failures alike are re-decided in float64 first;
- a "forall" claim is violated by a certified failing comparison; an "exists" claim only by its
  `refute` certificate (a construction that misses leaves it unresolved);
- an exception inside spec code is an error of that claim on that instance, never a verdict.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from verifier._backends import Context, Decision, get_context
from verifier._errors import InstanceError, PrecisionExhausted, SpecError, UnsupportedOperation
from verifier._levels import Level, rank
from verifier._records import Claim, Comparison, Instance, Theorem
from verifier._verdicts import CheckSettings, InstanceOutcome

ESCALATE: tuple[Level, ...] = ("certified", "exact")
#: Exceptions that mean "this instance is outside what the construction can handle" (inconclusive).
UNDEFINED = (InstanceError, ZeroDivisionError)


class SpecFailure(Exception):
    """Spec code raised something unexpected; carries a one-line description (an error, not a verdict)."""


def _describe(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}".splitlines()[0][:500]


class Runner:
    """The contexts and the construction cache of one check of one theorem."""

    def __init__(self, thm: Theorem, settings: CheckSettings) -> None:
        self.thm = thm
        self.s = settings
        self.ctx: dict[str, Context] = {}
        self.cons: dict[tuple[Any, str], Any] = {}
        self.timings: dict[str, float] = defaultdict(float)

    def context(self, level: str, prec: int | None = None, dtype: str | None = None, quick: bool = False) -> Context:
        key = f"{level}:{prec or ''}:{dtype or ''}{':quick' if quick else ''}"
        if key not in self.ctx:
            if level == "float":
                dt = dtype or self.s.dtypes[0]
                self.ctx[key] = get_context("float", dtype=dt, device=self.s.device,
                                            tf32=self.s.tf32 and dt == "float32")
            elif level == "certified":
                self.ctx[key] = get_context("certified", prec=prec or self.s.prec, max_prec=self.s.max_prec,
                                            quick=quick)
            elif level == "mp":
                self.ctx[key] = get_context("mp", dps=self.s.dps)
            else:
                self.ctx[key] = get_context("exact")
        return self.ctx[key]

    def _construct(self, ctx: Context, b: Any, key: Any) -> Any:
        ck = (key, ctx.name + str(getattr(ctx, "prec", "")) + getattr(ctx, "dtype_name", "")
              + ("q" if getattr(ctx, "quick", False) else ""))
        if ck not in self.cons:
            c = self.thm.construction(ctx, b) if self.thm.construction else None
            if isinstance(c, dict):
                raise SpecError(f"the construction of {self.thm.id} returned a dict; return a frozen dataclass "
                                f"(fields the claims read) instead")
            self.cons[ck] = c
        return self.cons[ck]

    def evaluate(self, ctx: Context, insts: list[Instance], claim: Claim, key: Any) -> list[list[Decision]]:
        """Decisions[instance][comparison] for `claim` on a batch (float) or one instance.

        Raises the spec's own "undefined" errors and PrecisionExhausted unchanged; anything else
        raised by spec code becomes `SpecFailure`.
        """
        t0 = time.perf_counter()
        try:
            with ctx.session():
                b = ctx.bind(insts)
                try:
                    cons = self._construct(ctx, b, key)
                    comps = claim.evaluate(ctx, b, cons)
                    if not isinstance(comps, (list, tuple)) or not all(isinstance(c, Comparison) for c in comps):
                        raise SpecError(f"claim {claim.id} of {self.thm.id}: evaluate must return a list of "
                                        f"Comparison, got {type(comps).__name__}")
                    per_cmp = [[replace(d, label=c.label) for d in ctx.decide(c)] for c in comps]
                except (*UNDEFINED, PrecisionExhausted):
                    raise
                except UnsupportedOperation as e:
                    raise SpecFailure(f"claim {claim.id} at the {ctx.level} level: {e}") from e
                except Exception as e:  # spec code may fail in any way: an error, never a verdict
                    raise SpecFailure(f"claim {claim.id} at the {ctx.level} level raised {_describe(e)}") from e
        finally:
            self.timings[ctx.level] += time.perf_counter() - t0
        if not per_cmp:
            raise SpecFailure(f"claim {claim.id} of {self.thm.id}: evaluate returned no comparison")
        # A comparison whose sides are plain numbers (a bound known from the shapes) is decided
        # once for the whole batch: broadcast it to every instance.
        return [[d[i] if len(d) == len(insts) else d[0] for d in per_cmp] for i in range(len(insts))]

    def decisive(self, claim: Claim, inst: Instance, idx: int, level: Level) -> tuple[list[Decision] | None, str]:
        """Evaluate at `level`; certified retries at doubled precision up to the ceiling.

        Certified starts quick (singular values from float64 or witness factors, refined only
        for the comparisons they leave open); what stays open is retried in full at the same
        precision, then at doubled precision. An existential claim that fails within its witness
        tolerance is retried at doubled precision too: its witness is then recomputed with more
        digits (a rounded witness missing by a hair is not evidence against the claim).
        """
        prec, quick = self.s.prec, level == "certified"
        while True:
            try:
                ctx = self.context(level, prec=prec if level == "certified" else None, quick=quick)
                decs = self.evaluate(ctx, [inst], claim, idx)[0]
            except PrecisionExhausted as e:
                if level == "certified" and prec * 2 <= self.s.max_prec:
                    prec, quick = prec * 2, False
                    continue
                return None, f"{e}"
            except UNDEFINED as e:
                return None, f"construction undefined: {e}"
            if level == "certified" and any(d.status == "unknown" for d in decs):
                if quick:
                    quick = False
                    continue
                if prec * 2 <= self.s.max_prec:
                    prec *= 2
                    continue
            if level == "certified" and claim.quantifier == "exists" and prec * 2 <= self.s.max_prec and \
                    any(d.status == "fails" and d.tolerance is not None for d in decs):
                prec, quick = prec * 2, False
                continue
            return decs, ""


def worst(decs: Sequence[Decision]) -> Decision:
    bad = [d for d in decs if d.status != "holds"]
    return min(bad or decs, key=lambda d: (d.status == "unknown", d.margin))


def top_level(claim: Claim, requested: Level) -> Level:
    ok = [lv for lv in claim.levels if rank(lv) <= rank(requested)]
    return ok[-1] if ok else claim.levels[0]


def escalation_level(claim: Claim) -> Level | None:
    ok = [lv for lv in claim.levels if lv in ESCALATE]
    return ok[-1] if ok else None


def _err(idx: int, e: SpecFailure, float_lhs: dict[str, float]) -> InstanceOutcome:
    return InstanceOutcome(idx, "error", None, None, str(e), False, float_lhs)


def outcome(runner: Runner, claim: Claim, inst: Instance, idx: int,
            float_decs: list[Decision] | None) -> InstanceOutcome:
    """The outcome of `claim` on one instance, from its float screen (if any) upwards."""
    s = runner.s
    top = top_level(claim, s.level)
    float_lhs = {s.dtypes[0]: float_decs[0].lhs_value} if float_decs else {}
    if top == "float":
        if float_decs is not None and runner.context("float").screen_only:
            # a low-precision screen decides nothing: its passes and failures alike are re-decided in float64
            try:
                float_decs = runner.evaluate(runner.context("float", dtype="float64"), [inst], claim,
                                             ("float64", idx))[0]
            except SpecFailure as e:
                return _err(idx, e, float_lhs)
            except (*UNDEFINED, PrecisionExhausted, RuntimeError, ValueError):
                float_decs = None
        if float_decs is None:
            return InstanceOutcome(idx, "inconclusive", "float", None, "float evaluation failed", False, float_lhs)
        if all(d.status == "holds" for d in float_decs):
            d = worst(float_decs)
            return InstanceOutcome(idx, "holds", "float", d, "", d.tolerance is not None, float_lhs)
        lv: Level | None = escalation_level(claim)
    elif top == "mp":
        try:
            decs, why = runner.decisive(claim, inst, idx, "mp")
        except SpecFailure as e:
            return _err(idx, e, float_lhs)
        if decs is not None and all(d.status == "holds" for d in decs):
            d = worst(decs)
            return InstanceOutcome(idx, "holds", "mp", d, "", d.tolerance is not None, float_lhs, decs[0].lhs_value)
        lv = escalation_level(claim)  # an mp failure is a candidate too: escalate it
    else:
        lv = top
    if lv is None:
        fd = worst(float_decs) if float_decs else None
        return InstanceOutcome(idx, "inconclusive", top, fd,
                               f"{top} failure (a candidate) could not be escalated: the claim has no certified form",
                               False, float_lhs)
    try:
        decs, why = runner.decisive(claim, inst, idx, lv)
        if decs is None and lv == "exact" and "certified" in claim.levels:
            # exact arithmetic gave up (an algebraic budget, an irrational quantity): certified decides
            decs, why2 = runner.decisive(claim, inst, idx, "certified")
            lv, why = ("certified", why) if decs is not None else (lv, f"{why}; certified: {why2}")
    except SpecFailure as e:
        return _err(idx, e, float_lhs)
    if decs is None:
        return InstanceOutcome(idx, "inconclusive", lv, None, why, False, float_lhs)
    return _settle(claim, inst, idx, lv, decs, float_lhs)


def _settle(claim: Claim, inst: Instance, idx: int, lv: Level, decs: list[Decision],
            float_lhs: dict[str, float]) -> InstanceOutcome:
    d = worst(decs)
    top_lhs = decs[0].lhs_value
    # a certified check whose every decision was exact (exact zeros, exact ties) is exact evidence
    ev: Level = "exact" if lv == "certified" and all(x.exact for x in decs) else lv
    used_tol = any(x.tolerance is not None for x in decs) and ev != "exact"
    if all(x.status == "holds" for x in decs):
        return InstanceOutcome(idx, "holds", ev, d, "", used_tol, float_lhs, top_lhs)
    if any(x.status == "fails" for x in decs):
        if claim.quantifier == "forall":
            return InstanceOutcome(idx, "violated", ev, d,
                                   f"{ev} failing comparison: lhs={d.lhs} rhs={d.rhs} margin={d.margin:.3g}",
                                   used_tol, float_lhs, top_lhs)
        try:
            ref = claim.refute(inst) if claim.refute else None
        except Exception as e:  # a refutation that crashes refutes nothing: reported as an error
            return InstanceOutcome(idx, "error", ev, d, f"refute of {claim.id} raised {_describe(e)}", used_tol,
                                   float_lhs, top_lhs)
        if ref is not None:
            cert = dict(ref.certificate) if ref.certificate else None
            return InstanceOutcome(idx, "violated", ref.evidence, d,
                                   "construction failed and the claim is refuted: " + ref.reason, used_tol, float_lhs,
                                   top_lhs, cert)
        return InstanceOutcome(idx, "inconclusive", ev, d,
                               f"construction failed ({ev}); the existential claim is unresolved, not refuted",
                               used_tol, float_lhs, top_lhs)
    return InstanceOutcome(idx, "inconclusive", ev, d, "comparison undecided at the precision ceiling", used_tol,
                           float_lhs, top_lhs)


def float_stage(runner: Runner, claim: Claim, insts: list[Instance],
                idxs: list[int]) -> tuple[dict[int, list[Decision] | None], dict[int, str]]:
    """Float screening, batched by shape; returns decisions per instance and spec errors per instance."""
    out: dict[int, list[Decision] | None] = {}
    errors: dict[int, str] = {}
    if "float" not in claim.levels:
        return dict.fromkeys(idxs), errors
    groups: dict[Any, list[int]] = defaultdict(list)
    for i in idxs:
        groups[insts[i].shape_key()].append(i)
    ctx = runner.context("float")
    for key, members in groups.items():
        try:
            decs = runner.evaluate(ctx, [insts[i] for i in members], claim, ("batch", key, tuple(members)))
            out.update(zip(members, decs, strict=True))
        except (*UNDEFINED, PrecisionExhausted, RuntimeError, ValueError):
            out.update(dict.fromkeys(members))  # float could not screen: the strongest level decides
        except SpecFailure as e:
            if top_level(claim, runner.s.level) == "float":
                errors.update(dict.fromkeys(members, str(e)))
            out.update(dict.fromkeys(members))
    return out, errors


__all__ = ["Runner", "SpecFailure", "escalation_level", "float_stage", "outcome", "top_level",
           "worst"]
