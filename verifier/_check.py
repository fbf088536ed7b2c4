"""The checker: runs a theorem's claims on instances and reduces what it saw to typed verdicts that
claim no more than their evidence. It is pure: instances in, `TheoremVerdict` out, nothing written
(`verifier._findings` writes counterexample files and replay commands)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from verifier._errors import UsageError
from verifier._evaluate import Runner, SpecFailure, float_stage, outcome, top_level
from verifier._levels import LEVELS, Level
from verifier._records import Claim, Instance, Theorem
from verifier._verdicts import CheckSettings, ClaimVerdict, Counterexample, InstanceOutcome, TheoremVerdict, combine


def generate_instances(thm: Theorem, settings: CheckSettings) -> list[Instance]:
    """Random instances for `thm`, reproducible from `settings.seed`."""
    n = settings.examples or thm.default_examples
    rng = np.random.default_rng(settings.seed)
    return [thm.generate(rng, index=k) for k in range(n)]  # type: ignore[misc]


def with_probes(thm: Theorem, insts: list[Instance], seed: int, claims: Sequence[str] | None) -> list[Instance]:
    """Instances with the spec's probes in `aux` (computed once per instance, kept if already there)."""
    if thm.probes is None or not any(c.uses_probes and (not claims or c.id in claims) for c in thm.claims):
        return insts
    return [inst if inst.aux else inst.with_aux(thm.probes(inst, np.random.default_rng([seed, k, 7])))
            for k, inst in enumerate(insts)]


def _extra_dtypes(runner: Runner, claim: Claim, insts: list[Instance],
                  outcomes: list[InstanceOutcome]) -> dict[str, dict[str, float]]:
    """Deviation of each float dtype's lhs from the strongest level's value: evidence, never verdicts."""
    devs: dict[str, dict[str, float]] = {}
    ref = {o.index: o.top_lhs for o in outcomes if o.top_lhs is not None}
    for dtype in runner.s.dtypes:
        vals: dict[int, float] = {o.index: o.float_lhs[dtype] for o in outcomes if dtype in o.float_lhs}
        if dtype != runner.s.dtypes[0] and "float" in claim.levels:
            ctx = runner.context("float", dtype=dtype)
            for o in outcomes:
                try:
                    vals[o.index] = runner.evaluate(ctx, [insts[o.index]], claim, ("dtype", o.index))[0][0].lhs_value
                except Exception:  # a dtype that cannot evaluate is measured as NaN, never a verdict
                    vals[o.index] = float("nan")
        pairs = [(vals[i], ref[i]) for i in vals if i in ref]
        if pairs:
            ab = [abs(a - b) for a, b in pairs]
            # Symmetric relative difference in [0, 2]: 1 or more means the float value is useless.
            rel = [abs(a - b) / max(abs(a), abs(b)) if max(abs(a), abs(b)) > 0 else 0.0 for a, b in pairs]
            devs[dtype] = {"max_abs": max(ab), "max_rel": max(rel)}
    return devs


def _claim_verdict(runner: Runner, claim: Claim, insts: list[Instance], eligible: list[int]) -> ClaimVerdict:
    def verdict(status: Any, outcomes: list[InstanceOutcome], counts: dict[str, int], notes: list[str],
                evidence: Level | None = None, cex: Counterexample | None = None,
                worst_o: InstanceOutcome | None = None, devs: dict[str, Any] | None = None,
                tol: str | None = None) -> ClaimVerdict:
        return ClaimVerdict(claim.id, claim.statement, claim.quantifier, status, evidence, len(outcomes), counts,
                            worst_o.decision if worst_o else None, worst_o.index if worst_o else None, cex,
                            devs or {}, tol, tuple(notes), tuple(outcomes), role=claim.role, label=claim.label,
                            cites=claim.cites, interpretation=claim.interpretation)

    zero = {"holds": 0, "violated": 0, "inconclusive": 0, "error": 0, "not-applicable": 0}
    if claim.uses_probes and not runner.s.probes:
        return verdict("inconclusive", [], {**zero, "not-applicable": len(eligible)},
                       ["not checked: probes were disabled (--no-probes)"])
    if not eligible:
        return verdict("inconclusive", [], dict(zero), ["no instance met every assumption: nothing was checked"])
    applies, pre_errors = [], {}
    for i in eligible:
        try:
            if claim.precondition(insts[i]):
                applies.append(i)
        except Exception as e:  # a precondition that crashes is an error of this claim, not "not applicable"
            pre_errors[i] = f"precondition of {claim.id} raised {type(e).__name__}: {e}"
    fl, fl_errors = float_stage(runner, claim, insts, applies)
    outcomes: list[InstanceOutcome] = [InstanceOutcome(i, "error", None, None, msg) for i, msg in pre_errors.items()]
    for i in applies:
        if i in fl_errors:
            outcomes.append(InstanceOutcome(i, "error", None, None, fl_errors[i]))
        else:
            outcomes.append(outcome(runner, claim, insts[i], i, fl.get(i)))
    outcomes.sort(key=lambda o: o.index)
    counts = {k: sum(o.status == k for o in outcomes) for k in ("holds", "violated", "inconclusive", "error")}
    counts["not-applicable"] = len(eligible) - len(applies) - len(pre_errors)
    notes: list[str] = []
    if not outcomes:
        notes.append("no instance met this claim's precondition: not applicable (nothing to check)")
        return verdict("not-applicable", [], counts, notes)
    status = combine([o.status for o in outcomes])
    violated = [o for o in outcomes if o.status == "violated"]
    decided = violated or [o for o in outcomes if o.status == status]
    levels = [o.evidence for o in decided if o.evidence is not None]
    evidence: Level | None = None
    if levels and status in ("holds", "violated"):
        # holds: the weakest level among the instances; violated: the strongest certificate
        evidence = max(levels, key=LEVELS.index) if violated else min(levels, key=LEVELS.index)
    worst_o = violated[0] if violated else min(
        (o for o in outcomes if o.decision is not None),
        key=lambda o: (o.status == "holds", o.decision.margin if o.decision else 0.0), default=None)
    cex = None
    if violated:
        o = violated[0]
        cex = Counterexample(insts[o.index], o.index, o.evidence or "exact", o.detail, o.decision)
    for o in outcomes:
        if o.status in ("inconclusive", "error") and o.detail and o.detail not in notes:
            notes.append(o.detail)
    if top_level(claim, runner.s.level) == "float" and runner.context("float").screen_only:
        notes.append(f"{runner.s.dtypes[0]} is a screen only: every pass and failure was re-decided in float64")
    return verdict(status, outcomes, counts, notes, evidence, cex, worst_o,
                   _extra_dtypes(runner, claim, insts, outcomes), _tolerance_note(outcomes))


def _tolerance_note(outcomes: Sequence[InstanceOutcome]) -> str | None:
    """What "holds" means where it was decided within a tolerance: the stated error model per level."""
    levels = {o.evidence for o in outcomes if o.status == "holds" and o.tolerance_used}
    parts = []
    if "float" in levels or "mp" in levels:
        parts.append("float/mp evidence: holds within the rounding bound gamma_n (|lhs|+|rhs|+|scale|), "
                     "gamma_n = n u/(1 - n u), u the unit roundoff of the arithmetic, n the instance's total dimension")
    if "certified" in levels:
        parts.append("witness computed at finite precision: holds means within the stated tolerance "
                     "2^-(prec/2) (1 + |scale|)")
    return "; ".join(parts) or None


def _identity_verdicts(thm: Theorem, claims: Sequence[str] | None) -> list[ClaimVerdict]:
    out = []
    for ident in thm.identities:
        if claims and ident.id not in claims:
            continue
        t0 = time.perf_counter()
        try:
            proof = ident.prove()
            ok = bool(getattr(proof, "proved", False))
            status = "holds" if ok else "inconclusive"
            notes = () if ok else ("the symbolic rewriting did not reduce the identity to zero: unresolved, "
                                   "not refuted",)
            detail = {"identity": getattr(proof, "identity", str(proof)), "method": getattr(proof, "method", ""),
                      "steps": list(getattr(proof, "steps", ()))}
        except Exception as e:  # a failing proof procedure is an error, not a refutation
            ok, status, detail = False, "error", {}
            notes = (f"the symbolic proof raised {type(e).__name__}: {e}",)
        detail["seconds"] = time.perf_counter() - t0
        out.append(ClaimVerdict(
            ident.id, ident.statement, "forall", status, "exact" if ok else None, 0,  # type: ignore[arg-type]
            {"holds": int(ok), "violated": 0, "inconclusive": int(status == "inconclusive"),
             "error": int(status == "error")},
            None, None, None, {}, None, notes, (), "symbolic", role=ident.role, label=ident.label,
            cites=ident.cites, proof=detail))
    return out


def _assumption_summary(thm: Theorem, s: CheckSettings, insts: list[Instance]) -> tuple[dict[str, dict[str, int]],
                                                                                     list[int], list[str], list[str]]:
    summary: dict[str, dict[str, int]] = {}
    eligible: list[int] = []
    notes: list[str] = []
    errors: list[str] = []
    for i, inst in enumerate(insts):
        ok = True
        for a in thm.assumptions:
            row = summary.setdefault(a.name, {"holds": 0, "violated": 0, "inconclusive": 0, "error": 0,
                                              "dropped": int(a.name in s.drop)})
            try:
                res = a.check(inst)
                status, detail, ev = str(res.status), res.detail, res.evidence
            except Exception as e:  # an assumption check that crashes decides nothing
                status, detail, ev = "error", f"{type(e).__name__}: {e}", None  # type: ignore[assignment]
                errors.append(f"assumption {a.name} on instance {i} raised {detail}")
            row[status] += 1
            if status != "holds" and a.name not in s.drop:
                ok = False
                if inst.origin != "random":
                    notes.append(f"instance {i} does not meet assumption {a.name} ({status}, {ev}): {detail}; its "
                                 f"claims are not checked")
        if ok:
            eligible.append(i)
    return summary, eligible, notes, errors


def check_theorem(
    thm: Theorem,
    settings: CheckSettings | None = None,
    instances: Sequence[Instance] | None = None,
    claims: Sequence[str] | None = None,
) -> TheoremVerdict:
    """Check every claim of `thm` (or those named in `claims`) on the given or generated instances."""
    s = settings or CheckSettings()
    unknown = sorted(set(s.drop) - {a.name for a in thm.assumptions})
    if unknown:
        raise UsageError(
            f"--drop names unknown assumption(s) {unknown} of {thm.id}; expected {[a.name for a in thm.assumptions]}"
        )
    if claims:
        bad = sorted(set(claims) - {c.id for c in thm.claims} - {c.id for c in thm.identities})
        if bad:
            raise UsageError(f"unknown claim(s) {bad} of {thm.id}; expected "
                             f"{[c.id for c in thm.claims] + [c.id for c in thm.identities]}")
    thm.validate()
    t_all = time.perf_counter()
    runner = Runner(thm, s)
    t0 = time.perf_counter()
    errors: list[str] = []
    try:
        insts = list(instances) if instances is not None else generate_instances(thm, s)
        if s.probes:
            insts = with_probes(thm, insts, s.seed, claims)
    except Exception as e:  # the spec's generator or probes failed: an error of the spec, reported
        if isinstance(e, UsageError):
            raise
        errors.append(f"instance generation failed: {type(e).__name__}: {e}")
        insts = []
    runner.timings["generate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    summary, eligible, notes, a_errors = _assumption_summary(thm, s, insts)
    errors += a_errors
    runner.timings["assumptions"] = time.perf_counter() - t0
    verdicts: list[ClaimVerdict] = []
    for c in thm.claims:
        if claims and c.id not in claims:
            continue
        try:
            verdicts.append(_claim_verdict(runner, c, insts, eligible))
        except SpecFailure as e:  # raised outside any one instance: the claim errs as a whole
            errors.append(str(e))
    verdicts += _identity_verdicts(thm, claims)
    errors += [f"{v.id}: {n}" for v in verdicts if v.status == "error" for n in v.notes[:1]]
    status = combine([v.status for v in verdicts] + (["error"] if errors and not verdicts else []))
    if errors and status in ("holds", "not-applicable", "inconclusive"):
        status = "error"
    if not eligible and insts:
        notes.append("no instance met every assumption: nothing was checked")
    runner.timings["total"] = time.perf_counter() - t_all
    ctxs = tuple(c.describe() for c in runner.ctx.values())
    return TheoremVerdict(thm.id, status, tuple(verdicts), summary, len(insts), len(eligible), s,
                          dict(runner.timings), ctxs, tuple(notes), tuple(dict.fromkeys(errors)))


__all__ = ["check_theorem", "generate_instances", "with_probes"]
