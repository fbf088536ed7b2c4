"""A check campaign: theorems checked in parallel on a cluster, one task per theorem."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from verifier._campaign._cluster import ClusterSpec, Progress, client
from verifier._campaign._search import resolve
from verifier._verdicts import CheckSettings, TheoremVerdict


def check_one(theorem_id: str, spec_files: Sequence[str], settings: CheckSettings,
              claims: Sequence[str] | None, instances: Sequence[Any] | None = None) -> TheoremVerdict:
    """One theorem, on a worker (its random instances, or the given ones)."""
    from verifier._check import check_theorem

    return check_theorem(resolve(theorem_id, spec_files), settings, instances, claims)


def check_campaign(theorems: Sequence[Any], settings: CheckSettings, spec: ClusterSpec,
                   spec_files: Sequence[str] = (), claims: Sequence[str] | None = None,
                   quiet: bool = False, instances: Mapping[str, Sequence[Any] | None] | None = None
                   ) -> list[TheoremVerdict]:
    """Check every theorem on the cluster; verdicts in the order given (the same as a serial check)."""
    import distributed

    files = tuple(str(Path(f.partition(":")[0]).resolve()) + (":" + f.partition(":")[2] if ":" in f else "")
                  for f in spec_files)
    t0 = time.monotonic()
    bar = Progress(quiet)
    with client(spec) as c:
        futs = [c.submit(check_one, t.id, files, settings, claims, (instances or {}).get(t.id),
                         key=f"check-{t.id}-{time.time_ns()}", pure=False) for t in theorems]
        pending = set(futs)
        while pending:
            try:
                done = distributed.wait(list(pending), timeout=1.0, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                done = set()
            pending -= set(done)
            bar.show(f"[check] {time.monotonic() - t0:6.1f} s, {len(futs) - len(pending)}/{len(futs)} theorems done",
                     str(len(pending)))
        out = [f.result() for f in futs]
    bar.done()
    return out


__all__ = ["check_campaign", "check_one"]
