"""What a search run does for one theorem: the plain search, or the assumption (drop) and
threshold analyses, each as its own budgeted search, gathered into one `SearchResult`."""

from __future__ import annotations

import time
from dataclasses import replace

from verifier._errors import InstanceError, UsageError
from verifier._records import Claim, Theorem
from verifier._search._driver import run_search
from verifier._search._engine import Outcome, Variant
from verifier._search._model import DropRow, Finding, SearchResult, SearchSettings, StrongerRow, ThresholdRow
from verifier._search._store import Store


def _shifted(c: Claim, offset: int) -> Claim:
    assert c.threshold is not None
    base = c.threshold
    return replace(c, threshold=lambda inst: base(inst) + offset)


def _validate(thm: Theorem, s: SearchSettings) -> tuple[list[Claim], list[str]]:
    claims = [c for c in thm.claims if not s.claims or c.id in s.claims]
    bad = sorted(set(s.claims) - {c.id for c in thm.claims})
    if bad:
        idents = {c.id for c in thm.identities} & set(bad)
        why = f" ({sorted(idents)} are symbolic identities, proved once, nothing to search)" if idents else ""
        raise UsageError(f"unknown claim(s) {bad} of {thm.id}{why}; expected {[c.id for c in thm.claims]}")
    names = [a.name for a in thm.assumptions]
    drop = names if "all" in s.drop else list(s.drop)
    unknown = sorted(set(drop) - set(names))
    if unknown:
        raise UsageError(f"--drop names unknown assumption(s) {unknown} of {thm.id}; expected {names} or 'all'")
    params = {p.name: p for p in thm.parameters}
    for name, lo, hi in s.ranges:
        if name not in params:
            raise UsageError(f"--param {name}: {thm.id} has no parameter {name!r}; it has {sorted(params)}")
        p = params[name]
        if max(lo, p.low) > min(hi, p.high):
            raise UsageError(f"--param {name}={lo}:{hi} lies outside the range {p.low}..{p.high} {thm.id} "
                             f"declares for {name}")
    return claims, drop


def plan(thm: Theorem, s: SearchSettings) -> list[tuple[str, Variant]]:
    """The searches to run: ('plain', ...) or one ('drop', ...) per assumption and one
    ('threshold', ...) per claim with a declared threshold."""
    claims, drop = _validate(thm, s)
    every = tuple(a.name for a in thm.assumptions)
    if not s.drop and s.threshold_offset is None:
        return [("plain", Variant("plain", tuple(claims), every))]
    out = [("drop", Variant(f"drop-{name}", tuple(claims), tuple(n for n in every if n != name), dropped=name))
           for name in drop]
    if s.threshold_offset is not None:
        k = s.threshold_offset
        out += [("threshold", Variant(f"threshold{k:+d}-{c.id}", (_shifted(c, k),), every, offset=k,
                                      original={c.id: c}))
                for c in claims if c.threshold is not None]
    return out


def _smallest(findings: list[Finding]) -> tuple[Finding, ...]:
    best: dict[str, Finding] = {}
    for f in findings:
        if f.claim not in best or f.size < best[f.claim].size:
            best[f.claim] = f
    return tuple(best.values())


def search_theorem(thm: Theorem, settings: SearchSettings | None = None) -> SearchResult:
    """Search `thm` for certified counterexamples (or run the drop/threshold analyses `settings` ask for).

    Raises:
        UsageError: unknown claim, assumption or parameter names.
    """
    s = settings or SearchSettings()
    searches = plan(thm, s)
    store = Store(s.out_dir, thm.id, s.spec_files)
    t0 = time.monotonic()
    notes: list[str] = []
    if s.threshold_offset is not None and not any(k == "threshold" for k, _ in searches):
        notes.append(f"{thm.id} declares no claim threshold (Claim.threshold): nothing to shift")
    if not searches:
        notes.append(f"{thm.id} has no assumption to drop" if s.drop else "nothing to search")
    violations: list[Finding] = []
    drops: list[DropRow] = []
    thresholds: list[ThresholdRow] = []
    stronger: list[StrongerRow] = []
    first: tuple[int, float, int] | None = None
    examples, interrupted = 0, False
    counts: dict[str, int] = {}
    errors: list[str] = []
    for k, (kind, v) in enumerate(searches):
        if interrupted:
            break
        budget = max((s.time_budget - (time.monotonic() - t0)) / (len(searches) - k), 0.01)
        out: Outcome = run_search(thm, v, s, budget, store)
        examples += out.examples
        interrupted = out.interrupted
        notes += [f"{v.key}: {n}" for n in out.notes]
        counts = {key: counts.get(key, 0) + n for key, n in out.counts.items()}
        errors += [f"{v.key}: {e}" for e in out.errors]
        violations += [f for key, f in out.best.items() if key[0] == "violation"]
        if first is None and out.first is not None:
            first = out.first
        if kind == "drop":
            nec = next((f for key, f in out.best.items() if key[0] == "necessary"), None)
            if nec is not None:
                note = f"claim {nec.claim} fails (certified) on an instance violating {v.dropped}"
            elif out.violating:
                note = (f"{out.violating} instance(s) violated {v.dropped} while meeting the other assumptions; "
                        f"no claim failed (certified) on them")
            else:
                note = (f"no instance drawn violated {v.dropped} while meeting the other assumptions "
                        f"(it may be implied by them)")
            drops.append(DropRow(v.dropped or "", "necessary" if nec else "not shown necessary", nec,
                                 out.examples, out.seconds, out.violating, note))
            if out.stronger is not None:
                stronger.append(out.stronger)
        if kind == "threshold":
            c = v.claims[0]
            ref = next((f for key, f in out.best.items() if key[1] == c.id), None)
            thresholds.append(ThresholdRow(c.id, v.offset or 0, "refuted" if ref else "not refuted", ref,
                                           out.examples, out.seconds))
    notes += store.notes()
    # A claim that fails with every assumption met says nothing about any one assumption.
    refuted = {f.claim for f in violations}
    drops = [replace(d, result="not shown necessary",
                     note=f"claim {d.counterexample.claim} fails without {d.assumption}, but also with every "
                          f"assumption met (see the violations): that shows nothing about {d.assumption}")
             if d.counterexample is not None and d.counterexample.claim in refuted else d for d in drops]
    return SearchResult(thm.id, s, examples, round(time.monotonic() - t0, 3), _smallest(violations), tuple(drops),
                        tuple(thresholds), tuple(stronger), interrupted, first, tuple(notes), counts,
                        tuple(errors[:5]))


def drop_all(thm: Theorem, settings: SearchSettings | None = None) -> SearchResult:
    """The assumption-necessity table: one search per assumption, each with that assumption dropped."""
    return search_theorem(thm, replace(settings or SearchSettings(), drop=("all",), threshold_offset=None))


def replay_file(thm: Theorem, settings: SearchSettings, path: str) -> tuple[str, list[str]]:
    """Re-check one instance file under the searches `settings` describe (drop, shifted thresholds).

    Returns (the combined status: violated / error / inconclusive / holds / not-applicable; one
    line per claim and search).

    Raises:
        InstanceError: the file is malformed, or the instance misses an assumption every search
            enforces (bad input, exit 2).
    """
    from verifier._instances import load_instance
    from verifier._search._engine import _Search
    from verifier._search.strategies import check_assumptions
    from verifier._verdicts import combine

    inst = load_instance(thm, path)
    store = Store(settings.out_dir, thm.id, settings.spec_files)
    statuses, lines, misses = [], [], []
    searches = plan(thm, settings)
    for _kind, v in searches:
        x = _Search(thm, v, settings, float("inf"), store)
        try:
            ares, ok = check_assumptions(thm, inst, v.enforce)
            if not ok:
                bad = [n for n in v.enforce if n in ares and ares[n].status != "holds"]
                misses.append(f"{v.key}: the instance does not meet {bad}: {ares[bad[0]].detail}")
                lines.append(misses[-1])
                continue
            _insts, per = x.evaluate([inst], v.claims)
            for c in v.claims:
                o = per[0].get(c.id)
                if o is None:
                    lines.append(f"{v.key}: {c.id}: not applicable (precondition false)")
                    statuses.append("not-applicable")
                    continue
                what = o.status if o.status != "violated" else f"violated ({x.classify(c.id, inst, ares)})"
                lines.append(f"{v.key}: {c.id}: {what} at {o.evidence}" + (f": {o.detail}" if o.detail else ""))
                statuses.append(o.status)
        finally:
            x.tmp.cleanup()
    if misses and len(misses) == len(searches):
        raise InstanceError(f"{path}: {misses[0]} (nothing was re-checked; pass --drop NAME to search without it)")
    return combine(statuses), lines
