"""The checker: runs a theorem's claims on instances, escalating float failures to certified or
exact arithmetic, and reduces what it saw to verdicts that claim no more than their evidence."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from verifier._backends import Context, Decision, get_context
from verifier._errors import InstanceError, PrecisionExhausted, UsageError
from verifier._instances import save_instance
from verifier._levels import LEVELS, Level, rank
from verifier._records import Claim, Instance, Theorem
from verifier._verdicts import CheckSettings, ClaimVerdict, InstanceOutcome, TheoremVerdict, combine

_ESCALATE: tuple[Level, ...] = ("certified", "exact")


def generate_instances(thm: Theorem, settings: CheckSettings) -> list[Instance]:
    """Random instances for `thm`, reproducible from `settings.seed`."""
    n = settings.examples or thm.default_examples
    rng = np.random.default_rng(settings.seed)
    return [thm.generate(rng, index=k) for k in range(n)]


def _with_probes(thm: Theorem, insts: list[Instance], seed: int, claims: Sequence[str] | None) -> list[Instance]:
    if thm.probes is None or not any(c.uses_probes and (not claims or c.id in claims) for c in thm.claims):
        return insts
    out = []
    for k, inst in enumerate(insts):
        if inst.aux:
            out.append(inst)
        else:
            out.append(inst.with_aux(thm.probes(inst, np.random.default_rng([seed, k, 7]))))
    return out


class _Runner:
    """Holds the contexts and the per-(instance, level) construction cache for one check."""

    def __init__(self, thm: Theorem, settings: CheckSettings) -> None:
        self.thm = thm
        self.s = settings
        self.ctx: dict[str, Context] = {}
        self.cons: dict[tuple[int, str], Any] = {}
        self.timings: dict[str, float] = defaultdict(float)

    def context(self, level: str, prec: int | None = None, dtype: str | None = None) -> Context:
        key = f"{level}:{prec or ''}:{dtype or ''}"
        if key not in self.ctx:
            if level == "float":
                self.ctx[key] = get_context(
                    "float", dtype=dtype or self.s.dtypes[0], device=self.s.device, tf32=self.s.tf32
                )
            elif level == "certified":
                self.ctx[key] = get_context("certified", prec=prec or self.s.prec, max_prec=self.s.max_prec)
            elif level == "mp":
                self.ctx[key] = get_context("mp", dps=self.s.dps)
            else:
                self.ctx[key] = get_context("exact")
        return self.ctx[key]

    def evaluate(self, ctx: Context, insts: list[Instance], claim: Claim, key: Any) -> list[list[Decision]]:
        """Decisions[instance][comparison] for `claim` on a batch (float) or one instance."""
        t0 = time.perf_counter()
        try:
            with ctx.session():
                b = ctx.bind(insts)
                ck = (key, ctx.name + str(getattr(ctx, "prec", "")) + getattr(ctx, "dtype_name", ""))
                if ck not in self.cons:
                    self.cons[ck] = self.thm.construction(ctx, b) if self.thm.construction else None
                comps = claim.evaluate(ctx, b, self.cons[ck])
                per_cmp = [[replace(d, label=c.label) for d in ctx.decide(c)] for c in comps]
        finally:
            self.timings[ctx.level] += time.perf_counter() - t0
        # A comparison whose sides are plain numbers (e.g. a rank bound known from the shapes) is
        # decided once for the whole batch: broadcast it to every instance.
        return [[d[i] if len(d) == len(insts) else d[0] for d in per_cmp] for i in range(len(insts))]

    def decisive(
        self, claim: Claim, inst: Instance, idx: int, level: Level
    ) -> tuple[list[Decision] | None, str, Level]:
        """Evaluate at `level`; certified retries at doubled precision up to the ceiling."""
        prec = self.s.prec
        while True:
            try:
                ctx = self.context(level, prec=prec if level == "certified" else None)
                decs = self.evaluate(ctx, [inst], claim, idx)[0]
            except PrecisionExhausted as e:
                if level == "certified" and prec * 2 <= self.s.max_prec:
                    prec *= 2
                    continue
                return None, f"{e}", level
            except (InstanceError, ZeroDivisionError) as e:
                return None, f"construction undefined: {e}", level
            if level == "certified" and any(d.status == "unknown" for d in decs) and prec * 2 <= self.s.max_prec:
                prec *= 2
                continue
            return decs, "", level


def _worst(decs: Sequence[Decision]) -> Decision:
    bad = [d for d in decs if d.status != "holds"]
    return min(bad or decs, key=lambda d: (d.status == "unknown", d.margin))


def _dec_json(d: Decision, relation: str = "") -> dict[str, Any]:
    return {
        "label": d.label,
        "lhs": d.lhs,
        "lhs_radius": d.lhs_radius,
        "rhs": d.rhs,
        "rhs_radius": d.rhs_radius,
        "margin": d.margin,
        "tolerance": d.tolerance,
        "decided": d.status,
    }


def _top_level(claim: Claim, requested: Level) -> Level:
    ok = [lv for lv in claim.levels if rank(lv) <= rank(requested)]
    return ok[-1] if ok else claim.levels[0]


def _escalation_level(claim: Claim) -> Level | None:
    ok = [lv for lv in claim.levels if lv in _ESCALATE]
    return ok[-1] if ok else None


def _outcome(
    runner: _Runner, claim: Claim, inst: Instance, idx: int, float_decs: list[Decision] | None
) -> InstanceOutcome:
    s = runner.s
    top = _top_level(claim, s.level)
    float_lhs = {s.dtypes[0]: float_decs[0].lhs_value} if float_decs else {}
    decs: list[Decision] | None
    lv: Level
    if top == "float":
        if float_decs is None:
            decs, why, lv = None, "float evaluation failed", "float"
        elif all(d.status == "holds" for d in float_decs):
            d = _worst(float_decs)
            return InstanceOutcome(idx, "holds", "float", _dec_json(d), "", d.tolerance is not None, float_lhs)
        else:
            up = _escalation_level(claim)
            if up is None:
                d = _worst(float_decs)
                return InstanceOutcome(
                    idx,
                    "inconclusive",
                    "float",
                    _dec_json(d),
                    "float failure (candidate) could not be escalated: the claim has no certified form",
                    False,
                    float_lhs,
                )
            decs, why, lv = runner.decisive(claim, inst, idx, up)
    else:
        decs, why, lv = runner.decisive(claim, inst, idx, top)
    if decs is None:
        return InstanceOutcome(idx, "inconclusive", lv, None, why, False, float_lhs)
    d = _worst(decs)
    top_lhs = decs[0].lhs_value
    used_tol = any(x.tolerance is not None for x in decs) and lv != "exact"
    if all(x.status == "holds" for x in decs):
        return InstanceOutcome(idx, "holds", lv, _dec_json(d), "", used_tol, float_lhs, top_lhs)
    if any(x.status == "fails" for x in decs) and lv in ("certified", "exact"):
        if claim.quantifier == "forall":
            return InstanceOutcome(
                idx,
                "violated",
                lv,
                _dec_json(d),
                "certified failing comparison: " + d_label(decs),
                used_tol,
                float_lhs,
                top_lhs,
            )
        ref = claim.refute(inst) if claim.refute else None
        if ref is not None:
            return InstanceOutcome(
                idx,
                "violated",
                ref.evidence,
                _dec_json(d),
                "construction failed and the claim is refuted: " + ref.reason,
                used_tol,
                float_lhs,
                top_lhs,
            )
        return InstanceOutcome(
            idx,
            "inconclusive",
            lv,
            _dec_json(d),
            "construction failed (certified); the existential claim is unresolved, not refuted",
            used_tol,
            float_lhs,
            top_lhs,
        )
    why = (
        "comparison undecided at the precision ceiling"
        if any(x.status == "unknown" for x in decs)
        else f"failure at {lv} level only (a candidate, not a violation)"
    )
    return InstanceOutcome(idx, "inconclusive", lv, _dec_json(d), why, used_tol, float_lhs, top_lhs)


def d_label(decs: Sequence[Decision]) -> str:
    d = _worst(decs)
    return f"lhs={d.lhs} rhs={d.rhs} margin={d.margin:.3g}"


def _float_stage(
    runner: _Runner, claim: Claim, insts: list[Instance], idxs: list[int]
) -> dict[int, list[Decision] | None]:
    out: dict[int, list[Decision] | None] = {}
    if "float" not in claim.levels:
        return dict.fromkeys(idxs)
    groups: dict[Any, list[int]] = defaultdict(list)
    for i in idxs:
        groups[insts[i].shape_key()].append(i)
    ctx = runner.context("float")
    for key, members in groups.items():
        try:
            decs = runner.evaluate(ctx, [insts[i] for i in members], claim, ("batch", key, tuple(members)))
            out.update(zip(members, decs, strict=True))
        except (InstanceError, RuntimeError, ValueError):
            out.update(dict.fromkeys(members))
    return out


def _extra_dtypes(
    runner: _Runner, claim: Claim, insts: list[Instance], outcomes: list[InstanceOutcome]
) -> dict[str, dict[str, float]]:
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
                except (InstanceError, RuntimeError, ValueError):
                    vals[o.index] = float("nan")
        pairs = [(vals[i], ref[i]) for i in vals if i in ref]
        if pairs:
            ab = [abs(a - b) for a, b in pairs]
            # Symmetric relative difference in [0, 2]: 1 or more means the float value is useless.
            rel = [abs(a - b) / max(abs(a), abs(b)) if max(abs(a), abs(b)) > 0 else 0.0 for a, b in pairs]
            devs[dtype] = {"max_abs": max(ab), "max_rel": max(rel)}
    return devs


def _claim_verdict(runner: _Runner, claim: Claim, insts: list[Instance], eligible: list[int]) -> ClaimVerdict:
    if claim.uses_probes and not runner.s.probes:
        return ClaimVerdict(
            claim.id,
            claim.statement,
            claim.quantifier,
            "inconclusive",
            None,
            0,
            {"holds": 0, "violated": 0, "inconclusive": 0, "not-applicable": len(eligible)},
            None,
            None,
            {},
            None,
            ("not checked: probes were disabled (--no-probes)",),
        )
    applies = [i for i in eligible if claim.precondition(insts[i])]
    notes: list[str] = []
    fl = _float_stage(runner, claim, insts, applies)
    outcomes = [_outcome(runner, claim, insts[i], i, fl.get(i)) for i in applies]
    counts = {k: sum(o.status == k for o in outcomes) for k in ("holds", "violated", "inconclusive")}
    counts["not-applicable"] = len(eligible) - len(applies)
    status = combine([o.status for o in outcomes])
    if not outcomes:
        notes.append("no instance met this claim's precondition, so nothing was checked")
    violated = [o for o in outcomes if o.status == "violated"]
    decided = violated if violated else [o for o in outcomes if o.status == status]
    evidence: Level | None = None
    if decided:
        levels: list[Level] = [o.evidence for o in (violated or decided) if o.evidence is not None]
        if levels:
            # holds: the weakest level among the instances; violated: the strongest certificate
            evidence = max(levels, key=LEVELS.index) if violated else min(levels, key=LEVELS.index)
    worst_o = (
        violated[0]
        if violated
        else min(
            (o for o in outcomes if o.comparison is not None),
            key=lambda o: (o.status == "holds", (o.comparison or {}).get("margin", 0.0)),
            default=None,
        )
    )
    cex = None
    if violated:
        o = violated[0]
        path = Path(runner.s.out_dir) / f"{runner.thm.id}-{claim.id}-{runner.s.seed}-{o.index}.json"
        # stamped with the id of the theorem checked: specs derived from others reuse their generators
        save_instance(replace(insts[o.index], theorem=runner.thm.id), path)
        spec = f" --spec {runner.s.spec_file}" if runner.s.spec_file else ""
        cex = {
            "instance_index": o.index,
            "instance_file": str(path),
            "evidence": o.evidence,
            "parameters": dict(insts[o.index].parameters),
            "detail": o.detail,
            **(o.comparison or {}),
            "replay": f"{runner.s.replay_prefix} {runner.thm.id}{spec} --instance {path} "
            f"--claim {claim.id} --level {o.evidence}",
        }
    for o in outcomes:
        if o.status == "inconclusive" and o.detail and o.detail not in notes:
            notes.append(o.detail)
    tol = None
    if any(o.tolerance_used for o in outcomes):
        tol = "witness computed at finite precision: holds means within the stated tolerance (relative 2^-(prec/2))"
    return ClaimVerdict(
        claim.id,
        claim.statement,
        claim.quantifier,
        status,
        evidence,
        len(outcomes),
        counts,
        (worst_o.comparison | {"instance_index": worst_o.index}) if worst_o and worst_o.comparison else None,
        cex,
        _extra_dtypes(runner, claim, insts, outcomes),
        tol,
        tuple(notes),
        tuple(outcomes),
    )


def _identity_verdicts(thm: Theorem) -> list[ClaimVerdict]:
    out = []
    for ident in thm.identities:
        t0 = time.perf_counter()
        proof = ident.prove()
        ok = bool(getattr(proof, "proved", False))
        notes = () if ok else ("the symbolic rewriting did not reduce the identity to zero: unresolved, not refuted",)
        out.append(
            ClaimVerdict(
                ident.id,
                ident.statement,
                "forall",
                "holds" if ok else "inconclusive",
                "exact" if ok else None,
                0,
                {"holds": int(ok), "violated": 0, "inconclusive": int(not ok)},
                {
                    "identity": getattr(proof, "identity", str(proof)),
                    "seconds": time.perf_counter() - t0,
                    "method": getattr(proof, "method", ""),
                    "steps": list(getattr(proof, "steps", ())),
                },
                None,
                {},
                None,
                notes,
                (),
                "symbolic",
            )
        )
    return out


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
            raise UsageError(f"unknown claim(s) {bad} of {thm.id}; expected {[c.id for c in thm.claims]}")
    t_all = time.perf_counter()
    runner = _Runner(thm, s)
    t0 = time.perf_counter()
    insts = list(instances) if instances is not None else generate_instances(thm, s)
    if s.probes:
        insts = _with_probes(thm, insts, s.seed, claims)
    runner.timings["generate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    summary: dict[str, dict[str, int]] = {}
    eligible = []
    notes: list[str] = []
    for i, inst in enumerate(insts):
        ok = True
        for a in thm.assumptions:
            res = a.check(inst)
            row = summary.setdefault(
                a.name, {"holds": 0, "violated": 0, "inconclusive": 0, "dropped": int(a.name in s.drop)}
            )
            row[res.status] += 1
            if res.status != "holds" and a.name not in s.drop:
                ok = False
                if inst.origin != "random":
                    notes.append(
                        f"instance {i} does not meet assumption {a.name} ({res.status}, {res.evidence}): "
                        f"{res.detail}; its claims are not checked"
                    )
        if ok:
            eligible.append(i)
    runner.timings["assumptions"] = time.perf_counter() - t0
    verdicts = [_claim_verdict(runner, c, insts, eligible) for c in thm.claims if not claims or c.id in claims]
    if instances is None or not claims:
        verdicts += [v for v in _identity_verdicts(thm) if not claims or v.id in claims]
    status = combine([v.status for v in verdicts])
    if not eligible:
        notes.append("no instance met every assumption: nothing was checked")
    runner.timings["total"] = time.perf_counter() - t_all
    ctxs = tuple(c.describe() for c in runner.ctx.values())
    return TheoremVerdict(
        thm.id, status, tuple(verdicts), summary, len(insts), len(eligible), s, dict(runner.timings), ctxs, tuple(notes)
    )


def strongest(levels: Sequence[str]) -> str:
    return max(levels, key=LEVELS.index)


__all__ = ["check_theorem", "generate_instances", "replace"]
