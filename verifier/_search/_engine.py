"""One search: Hypothesis draws structured instances, the checker screens them in float and
certifies the promising ones, and every certified counterexample is kept (smallest first).

Hypothesis is only the driver: what the search found lives in `_Search.best` (and in instance
files) the moment it is certified, so a time budget, Ctrl-C or an odd Hypothesis exit never loses
a finding. Each violated claim raises its own exception class, so Hypothesis shrinks each one.
"""

from __future__ import annotations

import itertools
import math
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from verifier._backends import Decision
from verifier._check import check_theorem
from verifier._errors import InstanceError
from verifier._instances import load_instance
from verifier._interrupt import check_stop
from verifier._records import AssumptionResult, Claim, Instance, Theorem
from verifier._search._model import Finding, FindingKind, SearchSettings, StrongerRow
from verifier._search._simplify import simpler_instances, size_key, smaller_instances
from verifier._search._store import Store, safe_name
from verifier._verdicts import CheckSettings, InstanceOutcome, combine


class _Stop(BaseException):
    """Ends a Hypothesis run from inside (budget spent); a BaseException so Hypothesis does not shrink it."""


class _FoundError(Exception):
    """A certified counterexample; one subclass per (kind, claim) so Hypothesis shrinks each separately."""


_FOUND_CLASSES: dict[tuple[str, str], type[_FoundError]] = {}


def _found_class(key: tuple[str, str]) -> type[_FoundError]:
    if key not in _FOUND_CLASSES:
        _FOUND_CLASSES[key] = type(f"Found_{key[0]}_{safe_name(key[1])}", (_FoundError,), {})
    return _FOUND_CLASSES[key]


@dataclass(frozen=True, slots=True)
class Variant:
    """One search: which claims (thresholds possibly shifted), which assumptions are enforced.

    Args:
        key: names the search in file names and the Hypothesis database (`plain`, `drop-NAME`, ...).
        original: the claims as the spec states them (to tell a real violation from a shifted one).
    """

    key: str
    claims: tuple[Claim, ...]
    enforce: tuple[str, ...]
    dropped: str | None = None
    offset: int | None = None
    original: Mapping[str, Claim] = field(default_factory=dict)


#: What a search counts: instances on which every applicable claim held, one was violated
#: (certified), one stayed undecided, the spec's code raised, or no claim applied; and draws
#: rejected because no instance met the enforced assumptions.
COUNT_KEYS = ("held", "violated", "inconclusive", "errored", "not-applicable", "rejected")
_COUNT_OF = {"holds": "held", "error": "errored"}


@dataclass
class Outcome:
    """What one search produced (mutable while it runs)."""

    examples: int = 0
    generated: int = 0
    instances: int = 0
    seconds: float = 0.0
    best: dict[tuple[str, str], Finding] = field(default_factory=dict)
    stronger: StrongerRow | None = None
    violating: int = 0
    first: tuple[int, float, int] | None = None
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)
    #: instances evaluated, by what the claims showed on each (`COUNT_KEYS`), and draws rejected
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    errors: list[str] = field(default_factory=list)

    def count(self, status: str, n: int = 1, error: str = "") -> None:
        self.counts[_COUNT_OF.get(status, status)] += n
        if error and error not in self.errors and len(self.errors) < 5:
            self.errors.append(error)



def relative_margin(d: Decision | None) -> float | None:
    """A decision's margin relative to the size of its sides (> 0 holds, < 0 fails), or None."""
    if d is None or not math.isfinite(d.margin):
        return None
    return d.relative_margin()


class _Search:
    """State of one search (one `Variant` of one theorem)."""

    def __init__(self, thm: Theorem, variant: Variant, s: SearchSettings, budget: float, store: Store) -> None:
        from verifier._search.strategies import parameter_ranges

        self.thm, self.v, self.s, self.store = thm, variant, s, store
        self.budget = budget
        self.t0 = time.monotonic()
        self.out = Outcome()
        self.insts: dict[tuple[str, str], Instance] = {}
        self.confirmed = 0
        self.found_in_round = False
        self.ranges = parameter_ranges(thm, {n: (lo, hi) for n, lo, hi in s.ranges}, s.default_cap)
        self.tmp = tempfile.TemporaryDirectory(prefix="verifier-search-")
        device = s.device
        if device == "cuda":
            import torch

            if not torch.cuda.is_available():
                device = "cpu"
                self.out.notes.append("--device cuda: no CUDA device here; float screening ran on the CPU")
        self.cs = CheckSettings(level="float", seed=s.seed, device=device, prec=s.prec, max_prec=s.max_prec)

    # -- evaluation ---------------------------------------------------------------------------
    def _eval_thm(self, claims: Sequence[Claim]) -> Theorem:
        return replace(self.thm, assumptions=(), claims=tuple(claims), identities=())

    def _with_probes(self, insts: Sequence[Instance], claims: Sequence[Claim]) -> list[Instance]:
        if self.thm.probes is None or not any(c.uses_probes for c in claims):
            return list(insts)
        return [i if i.aux else i.with_aux(self.thm.probes(i, np.random.default_rng([self.s.seed, j, 7])))
                for j, i in enumerate(insts)]

    def evaluate(self, insts: Sequence[Instance],
                 claims: Sequence[Claim]) -> tuple[list[Instance], list[dict[str, InstanceOutcome]]]:
        """Per instance, claim id -> outcome (claims that do not apply are absent).

        Float screening is batched; float failures escalate inside the checker, and float passes
        closer than `escalate_below` (relative) are re-checked at the strongest level too.
        """
        check_stop()
        insts = self._with_probes(insts, claims)
        self.out.instances += len(insts)
        per: list[dict[str, InstanceOutcome]] = [{} for _ in insts]
        thm = self._eval_thm(claims)
        v = check_theorem(thm, self.cs, insts, [c.id for c in claims])
        for cv in v.claims:
            for o in cv.outcomes:
                per[o.index][cv.id] = o
        for j, outs in enumerate(per):
            for cid, o in list(outs.items()):
                rel = relative_margin(o.decision)
                if o.status == "holds" and o.evidence == "float" and rel is not None and rel < self.s.escalate_below:
                    v2 = check_theorem(thm, replace(self.cs, level="exact"), [insts[j]], [cid])
                    if v2.claims and v2.claims[0].outcomes:
                        outs[cid] = v2.claims[0].outcomes[0]
        for outs in per:
            errs = [o.detail for o in outs.values() if o.status == "error"]
            if v.errors and not outs:  # a claim erred as a whole (outside any one instance)
                errs = list(v.errors)
            self.out.count(combine([o.status for o in outs.values()] + ["error"] * bool(errs)),
                           error=errs[0] if errs else "")
        return insts, per

    # -- findings -----------------------------------------------------------------------------
    def classify(self, claim_id: str, inst: Instance, ares: Mapping[str, AssumptionResult]) -> FindingKind | None:
        if self.v.dropped is not None:
            st = ares.get(self.v.dropped)
            if st is None or st.status == "inconclusive":
                return None
            return "necessary" if st.status == "violated" else "violation"
        if self.v.offset is not None:
            orig = self.v.original.get(claim_id)
            return "violation" if orig is not None and orig.precondition(inst) else "threshold"
        return "violation"

    def offer(self, kind: FindingKind, claim_id: str, inst: Instance, o: InstanceOutcome, description: str,
              ares: Mapping[str, AssumptionResult], origin: str = "search") -> bool:
        """Keep `inst` if it is the first or a smaller certified counterexample for (kind, claim)."""
        key = (kind, claim_id)
        size = size_key(inst)
        old = self.out.best.get(key)
        if old is not None and old.size <= size:
            return False
        path = self.store.save(inst, self.v.key, kind, claim_id)
        level = o.evidence or "exact"
        if kind == "threshold":
            replay = self.store.search_replay_command(path, claim_id, self.v.offset or 0)
        else:
            replay = self.store.check_command(path, claim_id, level, self.v.dropped if kind == "necessary" else None)
        dec = o.decision
        dropped = ares.get(self.v.dropped) if self.v.dropped else None
        now = time.monotonic() - self.t0
        first = old.examples if old else self.out.examples
        secs = old.seconds if old else now
        self.out.best[key] = Finding(kind, claim_id, level, path, replay, dict(inst.parameters),
                                     dec.lhs if dec else None, dec.rhs if dec else None, dec.margin if dec else None,
                                     o.detail, description, first, round(secs, 3),
                                     size, self.v.dropped if kind == "necessary" else None,
                                     dropped.detail if dropped else "", origin)  # type: ignore[arg-type]
        self.insts[key] = inst
        if self.out.first is None:
            self.out.first = (self.out.examples, round(now, 3), self.out.instances)
        return old is None

    def confirm_stronger(self, inst: Instance, outs: Mapping[str, InstanceOutcome],
                         ares: Mapping[str, AssumptionResult]) -> None:
        """An instance violating the dropped assumption on which every claim held in float: certify it."""
        if self.confirmed >= self.s.confirm or not outs or any(o.status != "holds" for o in outs.values()):
            return
        if self.out.stronger is not None and size_key(inst) >= self._stronger_size:
            return
        self.confirmed += 1
        v = check_theorem(self._eval_thm(self.v.claims), replace(self.cs, level="exact"), [inst],
                          [c.id for c in self.v.claims])
        checked = [c for c in v.claims if c.instances]
        if not checked or any(c.status != "holds" or c.evidence not in ("certified", "exact") for c in checked):
            return
        name = self.v.dropped or ""
        path = self.store.save(inst, self.v.key, "stronger", name)
        ev = ", ".join(f"{c.id} ({c.evidence})" for c in checked)
        note = (f"{name} is violated ({ares[name].detail}) yet every claim that applies holds: {ev}; "
                f"the assumption is stronger than this instance needs")
        self.out.stronger = StrongerRow(name, path, note, dict(inst.parameters),
                                        self.store.check_command(path, None, "exact", name))
        self._stronger_size = size_key(inst)

    _stronger_size: tuple[int, ...] = ()

    def handle(self, insts: Sequence[Instance], per: Sequence[Mapping[str, InstanceOutcome]],
               assumptions: Sequence[Mapping[str, AssumptionResult]], description: str,
               origin: str = "search") -> list[tuple[str, str]]:
        """Record what one evaluated batch shows; returns the (kind, claim) keys it violated."""
        keys: list[tuple[str, str]] = []
        for inst, outs, ares in zip(insts, per, assumptions, strict=True):
            dropped = ares.get(self.v.dropped) if self.v.dropped else None
            if dropped is not None and dropped.status == "violated":
                self.out.violating += 1
                self.confirm_stronger(inst, outs, ares)
            for cid, o in outs.items():
                if o.status != "violated":
                    continue
                kind = self.classify(cid, inst, ares)
                if kind is not None:
                    self.offer(kind, cid, inst, o, description, ares, origin)
                    keys.append((kind, cid))
        return keys

    # -- simplification after shrinking ---------------------------------------------------------
    def still_fails(self, key: tuple[str, str], inst: Instance) -> bool:
        from verifier._search.strategies import check_assumptions

        kind, cid = key
        ares, ok = check_assumptions(self.thm, inst, self.v.enforce)
        if not ok:
            return False
        if kind == "necessary" and ares[self.v.dropped or ""].status != "violated":
            return False
        claim = next(c for c in self.v.claims if c.id == cid)
        try:
            insts, per = self.evaluate([inst], [claim])
        except Exception:  # an odd simplified instance may break the spec's code: not simpler
            return False
        o = per[0].get(cid)
        if o is None or o.status != "violated" or self.classify(cid, inst, ares) != kind:
            return False
        old = self.out.best[key]
        origin = old.description.split("; simplified from: ")[-1]
        params = ", ".join(f"{k}={v}" for k, v in inst.parameters.items())
        return self.offer(kind, cid, insts[0], o, f"{params}; simplified from: {origin}", ares) or \
            self.out.best[key].size < old.size

    def simplify(self, deadline: float, max_trials: int = 60, values: bool = True) -> None:
        """Try smaller parameters (one layer or index fewer), then (`values`) simpler values (zero,
        identity, rounded entries), for each finding; keep whatever still fails, certified."""
        for key in list(self.out.best):
            trials, improved = 0, True
            while improved and trials < max_trials and time.monotonic() < deadline:
                improved = False
                inst = self.insts[key]
                simpler = simpler_instances(inst) if values else iter(())
                for cand in itertools.chain(smaller_instances(self.thm, inst), simpler):
                    check_stop()
                    if trials >= max_trials or time.monotonic() >= deadline:
                        break
                    trials += 1
                    if self.still_fails(key, cand):
                        improved = True
                        break

    # -- replaying stored findings --------------------------------------------------------------
    def replay(self) -> None:
        from verifier._search.strategies import check_assumptions

        by_safe = {safe_name(c.id): c for c in self.v.claims}
        for kind, cname, path in self.store.stored(self.v.key):
            claim = by_safe.get(cname)
            if claim is None or kind == "stronger":
                continue
            try:
                inst = load_instance(self.thm, path)
            except InstanceError as e:  # torn, corrupt or written by an older spec: said, then found afresh
                self.out.notes.append(f"stored finding skipped, it cannot be read: {e}")
                continue
            ares, ok = check_assumptions(self.thm, inst, self.v.enforce)
            if not ok:
                continue
            insts, per = self.evaluate([inst], [claim])
            self.out.examples += 1
            self.handle(insts, per, [ares], f"replayed from {path}", origin="replayed")
