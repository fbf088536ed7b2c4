"""Deciding exactly whether two ReLU networks agree on all of R^D or on a polyhedron.

Continuous piecewise-linear functions agree on a polyhedron P iff they agree on every open region
(relative to P's affine hull) of their joint activation pattern, where both are affine: so the
decision is the enumeration of `_regions` plus an exact comparison of two affine maps per region.
A difference yields a rational witness point inside the region, re-checked by evaluating both
networks exactly at it; agreement yields the walk (regions with interior points, empty sides with
their multipliers), which `verify_equality` re-checks without any linear program.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from flint import fmpq, fmpq_mat

from verifier._errors import UsageError
from verifier._evidence._network import ReLUNet
from verifier._evidence._polyhedron import Polyhedron, Reduced, reduce
from verifier._evidence._rat import Vector, as_matrix, js, js_vec
from verifier._evidence._regions import Budget, BudgetExceeded, Piece, Walk, region_bound, replay_oracle, walk
from verifier._matrix import RatMatrix

EqualityStatus = Literal["equal", "differ", "inconclusive"]


@dataclass(frozen=True, slots=True)
class EqualityDecision:
    """Whether f = g on a domain, decided exactly (or "inconclusive" with the reason).

    Args:
        status: "equal", "differ" or "inconclusive" (budget exhausted).
        domain: the domain, in words.
        witness: (differ) a rational x in the domain with f(x) != g(x), checked exactly.
        f_value, g_value: f(witness) and g(witness).
        reason: one line a report can print.
        stats: regions, empty sides, linear programs, exact-simplex fallbacks, seconds, hyperplanes.
        walk: (equal) the recorded walk: regions with interior points and empty sides with multipliers.
        reduction: how the domain was parametrised (identity for full-dimensional domains).
    """

    status: EqualityStatus
    domain: str
    witness: Vector | None = None
    f_value: Vector | None = None
    g_value: Vector | None = None
    reason: str = ""
    stats: Mapping[str, Any] = field(default_factory=dict)
    walk: Walk | None = None
    reduction: Reduced | None = None

    @property
    def equal(self) -> bool | None:
        """True / False when decided, None when inconclusive."""
        return None if self.status == "inconclusive" else self.status == "equal"

    def certificate(self, full: bool = False) -> dict[str, Any]:
        """A JSON-ready certificate. `full` adds every region and every empty side (may be large)."""
        out: dict[str, Any] = {"kind": "pwl-equality", "verdict": self.status, "domain": self.domain,
                               "evidence": "exact" if self.status != "inconclusive" else None,
                               "reason": self.reason, "stats": dict(self.stats)}
        if self.status == "differ" and self.witness is not None:
            out["witness"] = {"x": js_vec(self.witness), "f(x)": js_vec(self.f_value or ()),
                              "g(x)": js_vec(self.g_value or ()),
                              "checked": "both networks evaluated exactly in rationals at x"}
        if self.status == "equal" and self.walk is not None:
            red = self.reduction
            out["method"] = ("every open activation region of (f, g) in the domain was enumerated; on each, the "
                             "affine pieces of f and g are equal exactly; sides without interior carry multipliers "
                             "y >= 0, sum y = 1, y^T A = 0, y^T c <= 0")
            out["units"] = self.walk.units
            if red is not None and not red.full:
                out["parametrisation"] = {"x0": js_vec(Fraction(int(v.p), int(v.q)) for v in red.x0.entries()),
                                          "N": [[js(v) for v in r] for r in red.N.tolist()],
                                          "implicit_equalities": list(red.equalities)}
            if full:
                out["regions"] = [{"pattern": p, "point": js_vec(x)} for p, x in self.walk.leaves]
                out["empty_sides"] = [{"prefix": p, "multipliers": {str(i): js(v) for i, v in y}}
                                      for p, y in self.walk.pruned]
        return out


def _pieces_equal(pieces: Sequence[Piece]) -> bool:
    (Mf, mf), (Mg, mg) = pieces
    return Mf == Mg and mf == mg


def _probe_points(red: Reduced, n: int, count: int, seed: int) -> list[list[fmpq]]:
    """Rational points of the open y-cell: its interior point pushed along random dyadic directions."""
    rng = np.random.default_rng(seed)
    p0 = [fmpq(v.numerator, v.denominator) for v in red.point]
    out = [p0]
    rows, rhs = red.A.tolist(), list(red.c.entries())
    for _ in range(count):
        u = [fmpq(int(v), 64) for v in np.round(rng.standard_normal(n) * 64)]
        eps = fmpq(4)
        for r, c in zip(rows, rhs, strict=True):
            ru = sum((a * b for a, b in zip(r, u, strict=True)), fmpq(0))
            if ru > 0:
                slack = c - sum((a * b for a, b in zip(r, p0, strict=True)), fmpq(0))
                eps = min(eps, slack / ru / 2)
        out.append([a + eps * b for a, b in zip(p0, u, strict=True)])
    return out


def _witness_in_region(pieces: Sequence[Piece], pt: list[fmpq], rows: list[list[fmpq]],
                       rhs: list[fmpq]) -> list[fmpq]:
    """A point of the region where the two affine pieces differ (pt itself, or pt pushed off their agreement)."""
    (Mf, mf), (Mg, mg) = pieces
    dM, dm = Mf - Mg, mf - mg
    x = fmpq_mat(len(pt), 1, pt)
    if any(v != 0 for v in (dM * x + dm).entries()):
        return pt
    i = next(i for i in range(dM.nrows()) if any(dM[i, j] != 0 for j in range(dM.ncols())))
    u = [dM[i, j] for j in range(dM.ncols())]
    eps = fmpq(1)
    for r, c in zip(rows, rhs, strict=True):
        ru = sum((a * b for a, b in zip(r, u, strict=True)), fmpq(0))
        if ru > 0:
            eps = min(eps, (c - sum((a * b for a, b in zip(r, pt, strict=True)), fmpq(0))) / ru)
    return [a + eps / 2 * b for a, b in zip(pt, u, strict=True)]


def _check_dims(f: ReLUNet, g: ReLUNet, domain: Polyhedron) -> None:
    if f.input_dim != g.input_dim or f.output_dim != g.output_dim:
        raise UsageError(f"f maps R^{f.input_dim} -> R^{f.output_dim} but g maps R^{g.input_dim} -> R^{g.output_dim}")
    if domain.dim != f.input_dim:
        raise UsageError(f"the domain lives in R^{domain.dim} but the networks take R^{f.input_dim}")


def decide_equal(f: ReLUNet, g: ReLUNet, domain: Polyhedron | None = None, budget: Budget | None = None,
                 seed: int = 0) -> EqualityDecision:
    """Decide exactly whether f(x) = g(x) for every x in `domain` (default: all of R^D).

    Decisions are cached (the records are immutable), so a claim evaluated at several levels
    enumerates once.

    Args:
        f, g: networks with the same input and output dimensions.
        domain: a Polyhedron (may be lower-dimensional or empty); None means R^D.
        budget: limits of the enumeration; beyond them the answer is "inconclusive" with the reason.
        seed: seed of the random probe points (the decision does not depend on it).
    """
    if not isinstance(f, ReLUNet) or not isinstance(g, ReLUNet):
        raise UsageError("decide_equal compares two ReLUNet records")
    return _decide(f, g, domain or Polyhedron.whole(f.input_dim), budget or Budget(), seed)


@lru_cache(maxsize=64)
def _decide(f: ReLUNet, g: ReLUNet, domain: Polyhedron, budget: Budget, seed: int) -> EqualityDecision:
    _check_dims(f, g, domain)
    desc = domain.describe()
    red = reduce(domain)
    if red.empty:
        return EqualityDecision("equal", desc, reason=f"the domain is empty ({red.why}): f = g vacuously",
                                stats={"regions": 0}, walk=Walk([]), reduction=red)
    fy, gy = (f, g) if red.full else (f.precompose(red.N, red.x0), g.precompose(red.N, red.x0))
    n = red.N.ncols()
    hyper = f.neurons() + g.neurons()
    base = {"hyperplanes": hyper, "dimension": n, "one_layer_region_bound": region_bound(hyper, n)}

    def differ(y: Sequence[fmpq], how: str, w: Walk | None) -> EqualityDecision | None:
        x = red.lift([Fraction(int(v.p), int(v.q)) for v in y])
        fx, gx = f(x), g(x)
        if fx == gx:
            return None
        if not domain.contains(x):
            raise AssertionError("witness outside the domain")  # the reduction is exact: never happens
        stats = dict(base) | ({"regions": len(w.leaves), "empty_sides": len(w.pruned), "lp_calls": w.lp_calls,
                               "exact_fallbacks": w.exact_fallbacks, "seconds": round(w.seconds, 4)} if w else {})
        return EqualityDecision("differ", desc, x, fx, gx, f"f(x) != g(x) at a rational point of the domain ({how})",
                                stats, reduction=red)

    for y in _probe_points(red, n, budget.probes, seed):
        d = differ(y, "found by an exact probe", None)
        if d is not None:
            return d
    found: list[list[fmpq]] = []

    def on_leaf(pieces: Sequence[Piece], _pat: str, pt: list[fmpq], rows: list[list[fmpq]],
                rhs: list[fmpq]) -> bool:
        if _pieces_equal(pieces):
            return False
        found.append(_witness_in_region(pieces, pt, rows, rhs))
        return True

    try:
        w = walk([fy, gy], ["f", "g"], red.A, red.c, red.point, on_leaf, budget)
    except BudgetExceeded as e:
        pw: Walk = e.walk  # type: ignore[attr-defined]
        return EqualityDecision("inconclusive", desc, reason=f"no difference found before the budget ran out: {e}",
                                stats=dict(base) | {"regions": len(pw.leaves), "empty_sides": len(pw.pruned),
                                                    "lp_calls": pw.lp_calls, "seconds": round(pw.seconds, 4)},
                                reduction=red)
    if found:
        d = differ(found[0], "inside an activation region where the affine pieces differ", w)
        if d is None:
            raise AssertionError("affine pieces differ but the exact re-check at the region's point agrees")
        return d
    stats = dict(base) | {"regions": len(w.leaves), "empty_sides": len(w.pruned), "lp_calls": w.lp_calls,
                          "exact_fallbacks": w.exact_fallbacks, "seconds": round(w.seconds, 4)}
    return EqualityDecision("equal", desc, reason=f"f = g on each of the {len(w.leaves)} open activation regions",
                            stats=stats, walk=w, reduction=red)


def verify_equality(f: ReLUNet, g: ReLUNet, certificate: Mapping[str, Any], domain: Polyhedron | None = None) -> bool:
    """Re-check a full "equal" certificate (`decision.certificate(full=True)`) exactly, without linear programs.

    Supports full-dimensional domains (R^D, boxes, polyhedra with interior points).

    Raises:
        ValueError: naming the first thing in the certificate that does not check.
    """
    domain = domain or Polyhedron.whole(f.input_dim)
    _check_dims(f, g, domain)
    if certificate.get("verdict") != "equal" or "regions" not in certificate:
        raise ValueError("not a full 'equal' certificate (use decision.certificate(full=True))")
    if "parametrisation" in certificate:
        raise ValueError("re-checking certificates of lower-dimensional domains is not supported")
    red = reduce(domain)
    leaves = [(r["pattern"], tuple(Fraction(str(v)) for v in r["point"])) for r in certificate["regions"]]
    pruned = [(s["prefix"], tuple((int(i), Fraction(str(v))) for i, v in s["multipliers"].items()))
              for s in certificate["empty_sides"]]

    def on_leaf(pieces: Sequence[Piece], pat: str, _pt: list[fmpq], _r: Any, _c: Any) -> bool:
        if not _pieces_equal(pieces):
            raise ValueError(f"certificate: the affine pieces differ on region {pat!r}")
        return False

    w = walk([f, g], ["f", "g"], red.A, red.c, red.point, on_leaf, Budget(max_regions=10**9, max_programs=10**9),
             oracle=replay_oracle(leaves, pruned))
    if len(w.leaves) != len(leaves):
        raise ValueError(f"certificate lists {len(leaves)} regions but the re-check visits {len(w.leaves)}")
    return True


@dataclass(frozen=True, slots=True)
class Region:
    """One open activation region: its pattern, an interior point, and the network's affine piece there."""

    pattern: str
    point: Vector
    M: RatMatrix
    m: RatMatrix


@dataclass(frozen=True, slots=True)
class Regions:
    """The open activation regions of a network in a domain (complete unless `status` is "inconclusive")."""

    status: Literal["complete", "inconclusive"]
    regions: tuple[Region, ...]
    units: tuple[str, ...]
    reason: str = ""

    def certificate(self) -> dict[str, Any]:
        return {"kind": "activation-regions", "status": self.status, "count": len(self.regions),
                "units": list(self.units), "reason": self.reason,
                "regions": [{"pattern": r.pattern, "point": js_vec(r.point)} for r in self.regions]}


def activation_regions(net: ReLUNet, domain: Polyhedron | None = None, budget: Budget | None = None) -> Regions:
    """Every open activation region of `net` in a full-dimensional `domain` (default R^D), within `budget`."""
    domain = domain or Polyhedron.whole(net.input_dim)
    if domain.dim != net.input_dim:
        raise UsageError(f"the domain lives in R^{domain.dim} but the network takes R^{net.input_dim}")
    red = reduce(domain)
    if red.empty:
        return Regions("complete", (), (), f"the domain is empty ({red.why})")
    if not red.full:
        raise UsageError("activation_regions needs a domain with interior points (decide_equal handles any domain)")
    out: list[Region] = []

    def on_leaf(pieces: Sequence[Piece], pat: str, pt: list[fmpq], _r: Any, _c: Any) -> bool:
        (M, m), = pieces
        out.append(Region(pat, tuple(Fraction(int(v.p), int(v.q)) for v in pt), as_matrix(M), as_matrix(m)))
        return False

    try:
        w = walk([net], ["f"], red.A, red.c, red.point, on_leaf, budget or Budget())
    except BudgetExceeded as e:
        return Regions("inconclusive", tuple(out), tuple(e.walk.units), str(e))  # type: ignore[attr-defined]
    return Regions("complete", tuple(out), tuple(w.units), f"{len(out)} open regions")


__all__ = ["EqualityDecision", "Region", "Regions", "activation_regions", "decide_equal", "verify_equality"]
