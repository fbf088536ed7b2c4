"""A search campaign: each theorem's search cut into independently seeded shards run on a cluster.

Every shard is an ordinary `search_theorem` with its own seed, the whole time budget, and the
shared output folder: it replays the store first and writes each certified finding to it the
moment it is found. Dask reruns the shard of a worker that dies (the rerun replays what the dead
one stored), and the campaign merges the shards' results: the smallest counterexample per claim,
examples summed. Progress (elapsed time, shards done, findings in the store) is shown while it runs.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from verifier._campaign._cluster import ClusterSpec, Progress, client
from verifier._search._model import DropRow, Finding, SearchResult, SearchSettings, StrongerRow, ThresholdRow


def shard_seed(seed: int, shard: int) -> int:
    """Shard 0 keeps the campaign's seed; the others get independent ones derived from it."""
    if shard == 0:
        return seed
    return int(np.random.SeedSequence([seed, shard]).generate_state(1, np.uint64)[0] >> 1)


def resolve(theorem_id: str, spec_files: Sequence[str]) -> Any:
    """The theorem called `theorem_id`, from the spec files or the installed packages (on a worker)."""
    from verifier._registry import get_theorem, load_spec_file

    for f in spec_files:
        for t in load_spec_file(f):
            if t.id == theorem_id:
                return t
    return get_theorem(theorem_id)


def run_shard(theorem_id: str, settings: SearchSettings, shard: int) -> SearchResult:
    """One shard, on a worker: an ordinary search with the shard's seed."""
    from hypothesis.errors import HypothesisDeprecationWarning

    from verifier._search import search_theorem

    thm = resolve(theorem_id, settings.spec_files)
    with warnings.catch_warnings():
        # Hypothesis compares the global `random` state before and after each draw; on a Dask worker the
        # worker's own threads (heartbeats, the event loop) draw from it meanwhile, a false positive
        # that Hypothesis itself documents as a threading race. A single-process search keeps the check.
        warnings.filterwarnings("ignore", message="Do not use the `random` module inside strategies",
                                category=HypothesisDeprecationWarning)
        return search_theorem(thm, replace(settings, seed=shard_seed(settings.seed, shard)))


def absolute(s: SearchSettings) -> SearchSettings:
    """Paths as workers need them: absolute (a worker's folder may differ)."""
    spec = tuple(str(Path(f.partition(":")[0]).resolve()) + (":" + f.partition(":")[2] if ":" in f else "")
                 for f in s.spec_files)
    return replace(s, out_dir=str(Path(s.out_dir).resolve()), spec_files=spec,
                   database=None if s.database is None else str(Path(s.database).resolve()))


def _smallest(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    best: dict[tuple[str, str], Finding] = {}
    for f in findings:
        key = (f.kind, f.claim)
        if key not in best or f.size < best[key].size:
            best[key] = f
    return tuple(best.values())


def merge(theorem: str, settings: SearchSettings, results: Sequence[SearchResult], seconds: float,
          notes: Sequence[str]) -> SearchResult:
    """One result from the shards' results: smallest findings, summed counts, every note."""
    drops: dict[str, DropRow] = {}
    for r in results:
        for d in r.drop:
            old = drops.get(d.assumption)
            if old is None:
                drops[d.assumption] = d
                continue
            nec = [x for x in (old, d) if x.result == "necessary" and x.counterexample is not None]
            best = min(nec, key=lambda x: x.counterexample.size) if nec else old  # type: ignore[union-attr]
            drops[d.assumption] = replace(best, examples=old.examples + d.examples,
                                          seconds=max(old.seconds, d.seconds), violating=old.violating + d.violating)
    thresholds: dict[tuple[str, int], ThresholdRow] = {}
    for r in results:
        for t in r.threshold:
            old_t = thresholds.get((t.claim, t.offset))
            if old_t is None:
                thresholds[(t.claim, t.offset)] = t
                continue
            refs = [x for x in (old_t, t) if x.counterexample is not None]
            best_t = min(refs, key=lambda x: x.counterexample.size) if refs else old_t  # type: ignore[union-attr]
            thresholds[(t.claim, t.offset)] = replace(best_t, examples=old_t.examples + t.examples,
                                                      seconds=max(old_t.seconds, t.seconds))
    stronger: dict[str, StrongerRow] = {}
    for r in results:
        for st in r.stronger_than_needed:
            stronger.setdefault(st.assumption, st)
    firsts = [r.first_counterexample for r in results if r.first_counterexample is not None]
    return SearchResult(theorem, settings, sum(r.examples for r in results), round(seconds, 3),
                        _smallest([f for r in results for f in r.violations]), tuple(drops.values()),
                        tuple(thresholds.values()), tuple(stronger.values()), any(r.interrupted for r in results),
                        min(firsts, key=lambda x: x[1]) if firsts else None,
                        tuple(dict.fromkeys([*notes, *(n for r in results for n in r.notes)])))


def search_campaign(theorems: Sequence[Any], settings: SearchSettings, spec: ClusterSpec,
                    shards: int | None = None, quiet: bool = False) -> list[tuple[Any, SearchResult]]:
    """Search every theorem with `shards` (default: one per worker) seeded shards on the cluster.

    Returns (theorem, merged result) pairs in the order given. A shard that fails for good is a
    note of its theorem's result; what it stored is kept (and replayed by the next run).
    """
    import distributed

    from verifier._search._store import FindingsDB

    s = absolute(settings)
    n = shards or spec.workers
    db = FindingsDB(Path(s.out_dir) / "findings.sqlite")
    out: list[tuple[Any, SearchResult]] = []
    bar = Progress(quiet)
    with client(spec) as c:
        for thm in theorems:
            t0 = time.monotonic()
            before = db.count(thm.id)
            futs = [c.submit(run_shard, thm.id, s, k, key=f"search-{thm.id}-{s.seed}-{k}-{time.time_ns()}", pure=False)
                    for k in range(n)]
            results: list[SearchResult] = []
            notes: list[str] = []
            pending = set(futs)
            interrupted = False
            try:
                while pending:
                    try:
                        done = distributed.wait(list(pending), timeout=1.0, return_when="FIRST_COMPLETED").done
                    except TimeoutError:
                        done = set()
                    for f in done:
                        pending.discard(f)
                        k = futs.index(f)
                        try:
                            results.append(f.result())
                        except Exception as e:  # a shard that failed for good: its stored findings stay
                            notes.append(f"shard {k} failed: {type(e).__name__}: {str(e)[:200]}")
                    found = db.count(thm.id) - before
                    bar.show(f"[search {thm.id}] {time.monotonic() - t0:6.1f} s of {s.time_budget:g} s budget, "
                             f"{n - len(pending)}/{n} shards done, {found} new finding(s) in the store",
                             f"{len(pending)}|{found}")
            except KeyboardInterrupt:
                interrupted = True
                for f in pending:
                    f.cancel()
            stored = db.count(thm.id) - before
            notes.append(f"campaign: {n} shard(s) on {spec.scheduler or f'{spec.workers} local worker(s)'}; "
                         f"{stored} finding(s) written to {db.path}")
            res = merge(thm.id, settings, results, time.monotonic() - t0, notes)
            if interrupted:
                res = replace(res, interrupted=True)
            out.append((thm, res))
            if interrupted:
                break
    bar.done()
    return out


__all__ = ["merge", "resolve", "run_shard", "search_campaign", "shard_seed"]
