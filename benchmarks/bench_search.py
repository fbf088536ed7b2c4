"""Guided search vs plain random sampling: examples and time to the first certified counterexample.

For each planted false claim (tests/quality/planted.py) and each of N seeds, runs

- default: `verifier search` as shipped (`sampler="mixed"`: Hypothesis rounds, which generate
  simplest-first and steer with `hypothesis.target` on claim and assumption margins, alternating
  with adaptive (cross-entropy) rounds, each round followed by margin descent from the best
  candidates so far), stopped at its first certified finding;
- no descent: the same without margin descent (what the guidance alone does);
- hypothesis: Hypothesis rounds only (targeting on, no descent);
- random: the *same* structure builders with every choice drawn uniformly at random
  (`sampler="random"`), no Hypothesis, no descent; same evaluation, escalation and threshold aiming.

All start with no example database and no stored findings. A run that finds nothing within the
budget counts as censored (shown as ">budget"; medians treat it as +inf). "examples" counts drawn
candidates and descent steps (each up to 4 instances screened in one float batch); "inst" counts
the instances evaluated, the fairest count of work. Then, for the default search with shrinking
on, the counterexample it reports.

Usage: python benchmarks/bench_search.py [--seeds 10] [--budget 60] [--specs a,b,...] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.quality.planted import PLANTED  # noqa: E402
from verifier._search import SearchSettings, search_theorem  # noqa: E402

#: Column -> search settings.
SAMPLERS: dict[str, dict[str, object]] = {
    "default": {"sampler": "mixed"},
    "no descent": {"sampler": "mixed", "descent": False},
    "hypothesis only": {"sampler": "hypothesis", "descent": False},
    "random sampling": {"sampler": "random", "descent": False},
}
#: (spec id, what to search): the drop case searches with its assumption removed.
CASES: dict[str, dict[str, object]] = {
    "R-LIN-WRONG-OPT": {"claims": ("no-better-adapters",)},
    "R-LIN-THRESHOLD-MINUS-ONE": {"claims": ("exact-above-threshold",)},
    "R-LIN-NEEDS-W-NONSINGULAR": {"drop": ("W-nonsingular",)},
    "R-LIN-GAP": {},
    "R-LIN-COND": {},
    # The same claim at small sizes, where the spec's Gaussian layers are never that ill-conditioned:
    # only structured (near-singular, geometric) spectra fail it, and the margin falls with the conditioning.
    "R-LIN-COND@small": {"ranges": (("D", 1, 3), ("L", 1, 2))},
}


def _first(spec: str, seed: int, sampler: str, budget: float, max_examples: int) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        s = SearchSettings(seed=seed, time_budget=budget, max_examples=max_examples,  # type: ignore[arg-type]
                           stop_at_first=True, shrink=False, simplify=False, replay=False, database=None,
                           out_dir=tmp, **SAMPLERS[sampler], **CASES[spec])  # type: ignore[arg-type]
        res = search_theorem(PLANTED[spec.partition("@")[0]], s)
    if res.first_counterexample is None:
        return math.inf, math.inf, math.inf
    return tuple(float(x) for x in res.first_counterexample)  # type: ignore[return-value]


def _shrunk(spec: str, budget: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        s = SearchSettings(seed=0, time_budget=budget, replay=False, database=None, out_dir=tmp,
                           **CASES[spec])  # type: ignore[arg-type]
        res = search_theorem(PLANTED[spec.partition("@")[0]], s)
    found = list(res.violations) + [d.counterexample for d in res.drop if d.counterexample]
    if not found:
        return {"found": False}
    f = found[0]
    return {"found": True, "parameters": f.parameters, "structure": f.description, "seconds": res.seconds}


def _med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else math.inf


def _fmt(x: float, unit: str = "") -> str:
    return ">budget" if math.isinf(x) else f"{x:.0f}{unit}" if unit == "" else f"{x:.2f}{unit}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per run")
    ap.add_argument("--max-examples", type=int, default=2000)
    ap.add_argument("--specs", default=",".join(CASES))
    ap.add_argument("--json", dest="json_path")
    a = ap.parse_args(argv)
    specs = [s for s in a.specs.split(",") if s]
    _first("R-LIN-THRESHOLD-MINUS-ONE", 0, "default", 10, 5)  # warm up imports (torch, flint)
    rows = []
    print(f"seeds 0..{a.seeds - 1}, budget {a.budget:.0f} s per run; medians of examples / seconds to the first "
          f"certified counterexample (found/seeds)")
    print(f"{'planted claim':<27}" + "".join(f"{h:>31}" for h in SAMPLERS))
    for spec in specs:
        out: dict[str, list[tuple[float, float, float]]] = {}
        for sampler in SAMPLERS:
            out[sampler] = [_first(spec, k, sampler, a.budget, a.max_examples) for k in range(a.seeds)]
        shr = _shrunk(spec, a.budget)
        cells = []
        for sampler in SAMPLERS:
            ex, sec, ins = ([r[k] for r in out[sampler]] for k in range(3))
            n = sum(not math.isinf(e) for e in ex)
            cells.append(f"{_fmt(_med(ex))} ex/{_fmt(_med(ins))} inst/{_fmt(_med(sec), ' s')} ({n}/{a.seeds})")
        print(f"{spec:<27}" + "".join(f"{c:>31}" for c in cells), flush=True)
        ratios = []
        for k, unit in ((0, "examples"), (2, "instances"), (1, "time")):
            d, r = _med([x[k] for x in out["default"]]), _med([x[k] for x in out["random sampling"]])
            ratios.append("n/a" if math.isinf(d) else f">{r / max(d, 1e-9):.1f}x" if math.isinf(r) else
                          f"{r / max(d, 1e-9):.1f}x")
            ratios[-1] += f" {unit}"
        print(f"{'':<27}   random / default (medians): " + ", ".join(ratios), flush=True)
        print(f"{'':<27}   shrunk (default, seed 0): {shr.get('parameters', 'not found')}: {shr.get('structure', '')}",
              flush=True)
        rows.append({"spec": spec, "shrunk": shr,
                     "runs": {k: [[None if math.isinf(x) else x for x in p] for p in v] for k, v in out.items()}})
    if a.json_path:
        Path(a.json_path).write_text(json.dumps({"seeds": a.seeds, "budget": a.budget, "rows": rows,
                                                 "when": time.strftime("%Y-%m-%d %H:%M")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
