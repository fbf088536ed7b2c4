"""R-FLT0 (Lemma 12, p32-33): if some l in [L-1] has I_l \\ I != empty and Wbar_1..Wbar_Lbar are non-singular,
then for every choice of layers l+1..L (the first l frozen), f != fbar. Decided on all of R^D with exact
polyhedral and piecewise-linear tools (`models.fnn.flt`); the proof's steps G1-G5 are checked as printed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.fnn_flt_instances import flt0_instance
from theorems.zeng_lee.models.fnn import fnn_shapes
from theorems.zeng_lee.models.fnn.flt import (
    Collision,
    HalfSpaces,
    constant_net,
    constant_tuning,
    find_collision,
    full_dimensional,
    in_union,
    linear_set,
    nonempty_difference,
    nudge,
    open_point,
    outside_cells,
    relu_net,
    tuned_network,
)
from verifier import (
    Assumption,
    AssumptionResult,
    Claim,
    Comparison,
    Instance,
    Parameter,
    PrecisionExhausted,
    RatMatrix,
    Refutation,
    Theorem,
    exact_det,
    exact_product,
)

ID = "R-FLT0"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


def constraints(p: Mapping[str, int]) -> str | None:
    if not 1 <= p["l"] <= p["L"] - 1:
        return f"the lemma's l must be in [L-1] = 1..{p['L'] - 1}, got l={p['l']}"
    return None


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    return flt0_instance(ID, rng, index, params)


@dataclass(frozen=True)
class Sets:
    """I_l, the target's Ibar_i, the networks, and what the claims search for (computed when first read)."""

    inst: Instance

    @cached_property
    def il(self) -> HalfSpaces:
        m = self.inst.matrices
        return linear_set(m["W"], m["b"], self.inst.p("l"))

    @cached_property
    def ibar(self) -> list[HalfSpaces]:
        m = self.inst.matrices
        return [linear_set(m["Wbar"], m["bbar"], i) for i in range(1, self.inst.p("Lbar") + 1)]

    @cached_property
    def frozen(self) -> Any:
        m = self.inst.matrices
        return relu_net(m["W"], m["b"], True)

    @cached_property
    def target(self) -> Any:
        m = self.inst.matrices
        return relu_net(m["Wbar"], m["bbar"], True)

    @cached_property
    def collision(self) -> Collision | None:
        m = self.inst.matrices
        return find_collision(m["W"], m["b"], m["Wbar"], m["bbar"], self.inst.p("l"))

    @cached_property
    def pair(self) -> tuple[Any, Any] | None:
        """Two distinct exact points of I_l \\ I (G3)."""
        x = nonempty_difference(self.il, self.ibar)
        if x is None:
            return None
        y = nudge(x, lambda z: self.il.contains(z) and not in_union(self.ibar, z))
        return None if y is None else (x, y)


def construction(ctx: Any, b: Any) -> Sets:
    return Sets(b.instances[0])


def _hypothesis(inst: Instance) -> AssumptionResult:
    s = Sets(inst)
    x = nonempty_difference(s.il, s.ibar)
    if x is not None:
        return AssumptionResult("holds", "exact", f"exact point of I_l \\ I: [{', '.join(str(v) for v in x[:4])}"
                                f"{', ...' if len(x) > 4 else ''}]")
    if full_dimensional(s.il):
        return AssumptionResult("violated", "exact", "every open cell of I_l \\ I is empty (exact multipliers) and I_l "
                                "has interior points, so I_l \\ I is empty")
    return AssumptionResult("inconclusive", "exact", "I_l has no interior point: the open cells do not decide I_l \\ I")


def _nonsingular(inst: Instance) -> AssumptionResult:
    for i, w in enumerate(inst.matrices["Wbar"]):
        if exact_det(w) == 0:
            return AssumptionResult("violated", "exact", f"Wbar_{i + 1} is singular (exact determinant 0)")
    return AssumptionResult("holds", "exact", "every Wbar_i has a non-zero exact determinant")


def _collision_comparisons(s: Sets, what: str) -> list[Comparison]:
    c = s.collision
    if c is None:
        return [Comparison(f"{what}: a collision certificate was found (count)", 0, ">=", 1)]
    z1, z2 = s.frozen.upto(c.x1, c.l), s.frozen.upto(c.x2, c.l)
    t1, t2 = s.target(c.x1), s.target(c.x2)
    return [Comparison(f"{what}: max|z_l(x1) - z_l(x2)| of the first l frozen layers, {c.describe()}",
                       max(abs(a - b) for a, b in zip(z1, z2, strict=True)), "==", 0),
            Comparison("fbar(x1) != fbar(x2) (1 if the exact outputs differ)", int(t1 != t2), "==", 1)]


def _statement(ctx: Any, b: Any, s: Sets) -> list[Comparison]:
    return _collision_comparisons(s, "no choice of layers l+1..L gives f = fbar")


def refute_by_tuning(inst: Instance) -> Refutation | None:
    """Layers l+1..L (carried in aux as tune_W/tune_b, or the constant tuning when fbar is constant on R^D) with
    f = fbar on all of R^D, decided exactly by `decide_equal`."""
    from verifier.evidence import Budget, decide_equal

    m, l, d = inst.matrices, inst.p("l"), inst.p("D")
    s = Sets(inst)
    tunings = []
    if "tune_W" in inst.aux:
        tunings.append(("carried in the instance (aux.tune_W, aux.tune_b)", list(inst.aux["tune_W"]),
                        list(inst.aux["tune_b"])))
    origin = (Fraction(0),) * d
    const = decide_equal(s.target, constant_net(d, s.target(origin)), budget=Budget(max_seconds=20))
    if const.status == "equal":
        ws, bs = constant_tuning(d, inst.p("L") - l, s.target(origin))
        tunings.append(("fbar is constant on R^D (decided exactly): last layer weight 0, bias fbar(0)", ws, bs))
    for how, ws, bs in tunings:
        dec = decide_equal(tuned_network(m["W"], m["b"], l, ws, bs), s.target, budget=Budget(max_seconds=30))
        if dec.status == "equal":
            cert = dict(dec.certificate())
            cert["tuning"] = {"layers": f"{l + 1}..{inst.p('L')}", "how": how,
                              "W": [w.to_json() for w in ws], "b": [v.to_json() for v in bs]}
            return Refutation("exact", f"layers {l + 1}..{inst.p('L')} tuned ({how}) give f = fbar on all of R^D "
                                       f"(exact decision over {dec.stats.get('regions')} activation regions)", cert)
    return None


def _g1(ctx: Any, b: Any, s: Sets) -> list[Comparison]:
    """I_l is a polyhedron (closed, convex). I is a union of Lbar polyhedra: convex when Lbar = 1; for Lbar >= 2
    a witness of non-convexity (p, q in I with a convex combination outside I) is searched exactly."""
    if len(s.ibar) == 1:
        return [Comparison("I_l and I = Ibar_1 are each an intersection of closed half-spaces: the number of "
                           "polyhedra in the union I", len(s.ibar), "<=", 1)]
    pts = []
    for k, h in enumerate(s.ibar):
        p = open_point([list(r) for r in h.A.rows()], list(h.c), h.A.ncols)
        if p is None:
            continue
        pts.append(p)
        for j in range(6):
            q = nudge(p, lambda z, h=h: h.contains(z), seed=17 * k + j)
            if q is not None:
                far = tuple(a + 64 * (c - a) for a, c in zip(p, q, strict=True))
                pts.append(far if h.contains(far) else q)
    for i, p in enumerate(pts):
        for q in pts[i + 1:]:
            for t in (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4)):
                z = tuple(t * a + (1 - t) * c for a, c in zip(p, q, strict=True))
                if not in_union(s.ibar, z):
                    return [Comparison(f"I convex: {t} p + {1 - t} q is in I for p, q in I (exact witness p = "
                                       f"{[str(v) for v in p[:4]]}, q = {[str(v) for v in q[:4]]}: 1 if in I)",
                                       0, "==", 1)]
    raise PrecisionExhausted("I is a union of several polyhedra; no witness of non-convexity was found and the "
                             "convexity of a union is not decided here")


def _g2(ctx: Any, b: Any, s: Sets, l_override: int | None = None) -> list[Comparison]:
    """The first l frozen layers are constant on I_l: decided exactly on the polyhedron I_l (decide_equal)."""
    from verifier.evidence import Budget, Polyhedron, decide_equal, equality_comparison

    l = l_override or s.inst.p("l")
    dom = s.il if l_override is None else linear_set(s.inst.matrices["W"], s.inst.matrices["b"], l_override)
    inner = open_point([list(r) for r in dom.A.rows()], list(dom.c), dom.A.ncols)
    if inner is None:
        raise PrecisionExhausted("I_l has no interior point: the constant value is not fixed by an interior point")
    m = s.inst.matrices
    first = relu_net(m["W"][:s.inst.p("l")], m["b"][:s.inst.p("l")], True)
    poly = Polyhedron.build(dom.A.rows(), list(dom.c))
    dec = decide_equal(first, constant_net(dom.A.ncols, first(inner)), poly, Budget(max_seconds=30))
    return [equality_comparison(ctx, dec, f"z_l(x) = z_l(x0) for every x in I_{l} (first l = {s.inst.p('l')} frozen "
                                          f"layers; x0 an interior point)")]


def _g3(ctx: Any, b: Any, s: Sets) -> list[Comparison]:
    if s.pair is None:
        return [Comparison("two distinct exact points of I_l \\ I were found (count)", 0, ">=", 2)]
    x, y = s.pair
    ok = int(x != y and all(s.il.contains(z) and not in_union(s.ibar, z) for z in (x, y)))
    return [Comparison(f"x1 = {[str(v) for v in x[:4]]}, x2 = {[str(v) for v in y[:4]]}: distinct, both in I_l and "
                       f"outside I (1 if so, exact)", ok, "==", 1)]


def _g4(ctx: Any, b: Any, s: Sets) -> list[Comparison]:
    """x not in I => every target ReLU is active at x: a witness is an exact x outside I with a first-layer target
    pre-activation < 0 (searched over open cells)."""
    m = s.inst.matrices
    w1, b1 = m["Wbar"][0], m["bbar"][0]
    for j in range(w1.nrows):
        unit = HalfSpaces(RatMatrix(1, w1.ncols, tuple(w1.rows()[j])), (-b1.entries[j],))
        for x in outside_cells(unit, s.ibar):
            pre = sum((a * c for a, c in zip(w1.rows()[j], x, strict=True)), Fraction(0)) + b1.entries[j]
            if not in_union(s.ibar, x) and pre < 0:
                return [Comparison(f"at x = {[str(v) for v in x[:4]]} (outside I, exact): target layer-1 unit "
                                   f"{j + 1}'s "
                                   f"pre-activation (> 0 if active)", pre, ">=", 0)]
            break
    if len(s.ibar) == 1 and m["Wbar"][0].nrows == 1:
        return [Comparison("D = 1: x outside Ibar_1 means its only unit's pre-activation is > 0", 1, "==", 1)]
    raise PrecisionExhausted("no point outside I with an inactive first-layer target unit was found")


def _g5(ctx: Any, b: Any, s: Sets) -> list[Comparison]:
    if s.pair is None:
        raise PrecisionExhausted("G3 found no pair of points of I_l \\ I to evaluate G5 at")
    x, y = s.pair
    m = s.inst.matrices
    d = s.inst.p("D")
    p = exact_product(list(m["Wbar"]), d)
    lin = [sum((a * (u - v) for a, u, v in zip(row, x, y, strict=True)), Fraction(0)) for row in p.rows()]
    diff = [a - c for a, c in zip(s.target(x), s.target(y), strict=True)]
    return [Comparison("at G3's two points: max|(fbar(x1) - fbar(x2)) - Wbar_Lbar...Wbar_1 (x1 - x2)|",
                       max(abs(a - c) for a, c in zip(diff, lin, strict=True)), "==", 0),
            Comparison("fbar(x1) - fbar(x2) != 0 (1 if so)", int(any(diff)), "==", 1)]


LEVELS = ("exact",)

CLAIMS = (
    Claim("no-tuning-matches", statement=r"for every choice of layers $l+1..L$ (weights and biases; layers $1..l$ "
          r"frozen), $f \ne \bar f$ on $\mathbb{R}^D$; witness: two points with equal frozen first-$l$ outputs and "
          r"different target outputs (exact); refuted by tuned layers with $f = \bar f$ on all of $\mathbb{R}^D$ "
          r"(exact decision)", quantifier="exists", levels=LEVELS, evaluate=_statement, refute=refute_by_tuning),
    Claim("G1", statement=r"$I$ and $I_l$ are closed and convex", levels=LEVELS, evaluate=_g1, role="step",
          label="G1"),
    Claim("G2", statement=r"for $x_1, x_2 \in I_l$ the first $l$ frozen layers output the same vector (so "
          r"$f(x_1) = f(x_2)$ whatever the tuned layers)", levels=LEVELS, evaluate=_g2, role="step", label="G2"),
    Claim("G2-first-layer", statement=r"on $I_1$ every first-layer unit is off, so the first $l$ frozen layers are "
          r"constant on $I_1$ (decided on the polyhedron $I_1$)", levels=LEVELS,
          evaluate=lambda ctx, b, s: _g2(ctx, b, s, 1), role="interpretation",
          interpretation="The reading under which G2 holds for every l: I_1 in place of I_l (with ReLUs, the "
                         "linear set I_l of l >= 2 does not freeze the frozen layers' output)."),
    Claim("G3", statement=r"$I_l \setminus I$ has two distinct points", quantifier="exists", levels=LEVELS,
          evaluate=_g3, role="step", label="G3"),
    Claim("G4", statement=r"$x \notin I$ implies every target ReLU is active at $x$", levels=LEVELS, evaluate=_g4,
          role="step", label="G4"),
    Claim("G5", statement=r"for distinct $x_1, x_2 \in I_l \setminus I$: $\bar f(x_1) - \bar f(x_2) = "
          r"\bar W_{\bar L}\cdots\bar W_1(x_1 - x_2) \ne 0$ (at G3's points)", levels=LEVELS, evaluate=_g5,
          role="step", label="G5"),
)

R_FLT0 = Theorem(
    id=ID,
    title="Final-layer tuning cannot match a target when some I_l is not covered by I (Lemma 12, on R^D)",
    statement=(r"With $I_l = \{x : \prod_{i \le l} W_i x + \sum_{i \le l}\prod_{j=i+1}^{l} W_j b_i \le 0\}$, "
               r"$\bar I_i$ likewise for the target and $I = \bigcup_i \bar I_i$: if $I_l \setminus I \ne \emptyset$ "
               r"for some $l \in [L-1]$ and $\bar W_1, \dots, \bar W_{\bar L}$ are non-singular, then for every choice "
               r"of layers $l+1, \dots, L$, $f \ne \bar f$."),
    source=PAPER.at("Lemma 12", page="32-33"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=2, high=6),
        Parameter("Lbar", description="target depth", low=1, high=3),
        Parameter("l", description="frozen layers kept (the lemma's l)", low=1, high=5),
    ),
    assumptions=(
        Assumption("I_l-not-covered", statement=r"$I_l \setminus I \ne \emptyset$ for the instance's $l$ (exact open "
                   r"cells)", check=_hypothesis),
        Assumption("Wbar-nonsingular", statement=r"$\bar W_1, \dots, \bar W_{\bar L}$ non-singular (exact)",
                   check=_nonsingular),
    ),
    construction=construction,
    construction_summary=("Exact sets I_l, Ibar_i (rational half-spaces), the networks as exact ReLUNets; a collision "
                          "search (interior of I_1, open cells of I_l \\ I, activation regions with a kernel); tunings "
                          "of layers l+1..L decided equal to fbar on R^D by an exact region walk."),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    interpretation=("No bounded domain: everything is decided on all of R^D, never on samples. The tuned layers are "
                    "arbitrary (weights and biases, ReLU on every layer as in the model); a refuting tuning is "
                    "carried in the instance's aux data or built when fbar is constant."),
    default_examples=6,
)
