"""The paper's qualitative statements about its figures (THEOREMS.md "Experiments"), checked on this run.

Each check is a row {"shape", "observed", "detail", "criterion"}: the statement as the paper makes
it, whether this run shows it (True / False / None when the run has no data for it), the numbers
seen, and the numeric criterion used, so a reader can disagree with the criterion and still read
the numbers. Medians are over seeds; float64 unless a row says certified.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def med(ser: dict[str, Any], x: int) -> float:
    """The median at x; +inf where it is missing or non-finite."""
    v = dict(zip(ser["x"], ser["median"], strict=True)).get(x)
    return math.inf if v is None else v


def fmt(v: float | None) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else "inf" if v == math.inf else f"{v:.2g}"


def row(shape: str, observed: bool | None, detail: str, criterion: str) -> dict[str, Any]:
    return {"shape": shape, "observed": observed, "detail": detail, "criterion": criterion}


def vanishes(panel: str, cons: dict[str, Any], thr: int) -> dict[str, Any]:
    """float64: the construction's median MSE is ~0 at the threshold and not below it."""
    xs = cons["x"]
    if thr not in xs or thr - 1 not in xs:
        return row(f"{panel}: the construction's error vanishes at R = {thr}", None,
                   f"ranks {xs} do not contain {thr - 1} and {thr}", "")
    first, below, at = med(cons, xs[0]), med(cons, thr - 1), med(cons, thr)
    ok = at <= 1e-12 * first and below >= 1e-8 * first
    start = f"median MSE {fmt(first)} at R = {xs[0]}, " if xs[0] < thr - 1 else "median MSE "
    return row(f"{panel}: the construction's error vanishes at R = {thr} (float64)", ok,
               f"{start}{fmt(below)} at R = {thr - 1}, {fmt(at)} at R = {thr}",
               "at R = thr: <= 1e-12 x the R = 1 error; at R = thr - 1: >= 1e-8 x it")


def vanishes_certified(panel: str, cert: Sequence[dict[str, Any]], kind: str, thr: int) -> dict[str, Any] | None:
    """Certified (first seed): the enclosure at the threshold is ~0, the one just below is bounded away from 0."""
    by = {c["rank"]: c for c in cert if c["frozen"] == kind and c.get("certified") is not None}
    if thr not in by or thr - 1 not in by:
        return None
    at, below = by[thr], by[thr - 1]
    ok = at["certified"] + at["radius"] <= 1e-20 and below["certified"] - below["radius"] > 0
    return row(f"{panel}: the construction's error vanishes at R = {thr} (certified, first seed)", ok,
               f"R = {thr - 1}: {fmt(below['certified'])} +- {fmt(below['radius'])}; R = {thr}: "
               f"{fmt(at['certified'])} +- {fmt(at['radius'])} (float64 on the same inputs: {fmt(at['float64'])})",
               "enclosure at R = thr within [0, 1e-20]; at R = thr - 1 strictly positive")


def tracks(panel: str, cons: dict[str, Any], gd: dict[str, Any], thr: int) -> dict[str, Any]:
    """Linear model: gradient descent reaches the construction's (optimal) error at every rank."""
    below = [r for r in gd["x"] if r < thr]
    above = [r for r in gd["x"] if r >= thr]
    ratios = [med(gd, r) / med(cons, r) for r in below if med(cons, r) > 0]
    ref = med(cons, cons["x"][0])
    worst = max(ratios) if ratios else math.nan
    ok = bool(ratios) and worst <= 2 and all(med(gd, r) <= 1e-3 * ref for r in above)
    return row(f"{panel}: gradient descent tracks the construction", ok,
               f"GD / construction {fmt(min(ratios) if ratios else None)}..{fmt(worst)} over R < {thr}; at R >= {thr} "
               f"GD {', '.join(fmt(med(gd, r)) for r in above)} (construction R = 1: {fmt(ref)})",
               "GD within a factor 2 of the construction below the threshold, and <= 1e-3 x the construction's R = 1 "
               "error from the threshold on")


def gd_better_small(panel: str, cons: dict[str, Any], gd: dict[str, Any], thr: int) -> dict[str, Any]:
    """FNN: gradient descent beats the construction at small rank."""
    small = [r for r in gd["x"] if r <= thr // 2]
    wins = [r for r in small if med(gd, r) < med(cons, r)]
    return row(f"{panel}: gradient descent is better than the construction at small rank", bool(small) and
               len(wins) == len(small),
               "; ".join(f"R = {r}: GD {fmt(med(gd, r))} vs construction {fmt(med(cons, r))}" for r in small),
               f"GD median below the construction's at every GD rank R <= thr / 2 = {thr // 2}")


def large_rank(panel: str, cons: dict[str, Any], gd: dict[str, Any]) -> dict[str, Any]:
    """FNN: at large rank gradient descent sits near 1e-4 while the construction is near 0 (~1e-8 in the paper)."""
    r = max(gd["x"])
    g, c = med(gd, r), med(cons, r)
    ok = 1e-5 <= g <= 1e-3 and c <= 1e-7
    return row(f"{panel}: at large rank gradient descent ~1e-4, construction ~1e-8", ok,
               f"R = {r}: GD {fmt(g)}, construction {fmt(c)} (float64; the paper's ~1e-8 is likely float32 rounding)",
               "GD median in [1e-5, 1e-3]; construction median <= 1e-7")


def pretrained_less(panel: str, rand: dict[str, Any], pre: dict[str, Any], thr: int, what: str) -> dict[str, Any]:
    """Pretrained frozen models need less rank: their error is lower at every rank below the threshold."""
    below = [r for r in rand["x"] if r < thr and r in pre["x"]]
    better = [r for r in below if med(pre, r) <= med(rand, r)]
    level = 1e-2 * med(rand, rand["x"][0])
    need = {k: next((r for r in s["x"] if med(s, r) <= level), None)
            for k, s in (("random", rand), ("pretrained", pre))}
    return row(f"{panel}: pretrained frozen models need less rank ({what})", bool(below) and len(better) == len(below),
               f"pretrained <= random at {len(better)}/{len(below)} ranks below {thr}; rank needed for 1% of the "
               f"random R = {rand['x'][0]} error: random {need['random'] or 'not reached'}, pretrained "
               f"{need['pretrained'] or 'not reached'}",
               "pretrained median <= random median at every rank below the threshold")


def lora_beats_final(lora: dict[str, Any], final: dict[str, Any], params: dict[int, tuple[int, int]]) -> dict[str, Any]:
    """G.4: LoRA beats tuning the final layers at equal parameter counts (both by gradient descent)."""
    pairs = [(k, med(lora, k), med(final, k)) for k in final["x"] if k in lora["x"]]
    wins = [p for p in pairs if p[1] < p[2]]
    return row("LoRA beats final-layer tuning at equal parameter count", bool(pairs) and len(wins) == len(pairs),
               "; ".join(f"R = k = {k} ({params[k][0]} vs {params[k][1]} weights): LoRA {fmt(a)}, final layers "
                         f"{fmt(b)}" for k, a, b in pairs),
               "LoRA median below final-layer tuning's at every R = k")


def bias_helps(panel: str, with_b: dict[str, Any], without: dict[str, Any]) -> list[dict[str, Any]]:
    """G.5: tuning the biases helps, "not substantially"."""
    xs = [r for r in with_b["x"] if r in without["x"]]
    ratios = {r: med(without, r) / med(with_b, r) for r in xs if med(with_b, r) > 0}
    helps = [r for r in xs if med(with_b, r) < med(without, r)]
    detail = "; ".join(f"R = {r}: {fmt(med(with_b, r))} with vs {fmt(med(without, r))} without" for r in xs)
    big = [r for r, q in ratios.items() if q >= 10]
    return [row(f"{panel}: tuning the biases helps (gradient descent)", bool(xs) and len(helps) > len(xs) / 2,
                f"with biases lower at {len(helps)}/{len(xs)} ranks. {detail}",
                "with-bias median below without-bias median at more than half of the ranks"),
            row(f"{panel}: ... but not substantially", bool(ratios) and not big,
                f"without / with ratio {fmt(min(ratios.values()) if ratios else None)}.."
                f"{fmt(max(ratios.values()) if ratios else None)}" + (f"; >= 10 at R = {big}" if big else ""),
                "the improvement is below a factor 10 at every rank")]


__all__ = ["bias_helps", "fmt", "gd_better_small", "large_rank", "lora_beats_final", "med", "pretrained_less", "row",
           "tracks", "vanishes", "vanishes_certified"]
