"""R-RAND (Lemma 3, p6; proof p27-28): with independent continuous entries, Assumption 1 holds for
every R in [D] with probability one.

Instances are draws: every entry of the frozen and target weights uniform on [-a, a] resp. [-abar, abar]
(PyTorch's default Xavier-uniform law with a rational half-width; entries on a 2^-10 grid). A
probability-one statement is never refuted by one draw: the statement claim reports, per draw, that
Assumption 1 holds for every R at once (certified), and a failing margin is inconclusive. The proof's
steps Q1-Q5 are checked on the draws and, where they speak of densities, against the instance's own
law, exactly (for one-layer blocks, M = 1, where W = W_l has an explicit density).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from math import sqrt
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import NONSINGULAR_MARGIN, dims, fnn_shapes, nonsingularity_margins, uniform_blocks
from theorems.zeng_lee.models.fnn.assume import lowrank_smin
from verifier import Claim, Comparison, Instance, InstanceError, Parameter, RatMatrix, Theorem, parse_entry

ID = "R-RAND"
GRID = 2**10
OPTIONS = {
    "half_width": {"type": "exact string", "default": "round(16 sqrt(3/D))/16",
                   "description": "a: every frozen entry is uniform on [-a, a] (the law of the draw)"},
    "target_half_width": {"type": "exact string", "default": "as half_width",
                          "description": "abar: every target entry is uniform on [-abar, abar]"},
}
LEVELS = ("float", "certified")


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


def constraints(p: Mapping[str, int]) -> str | None:
    return None if p["Lbar"] <= p["L"] else f"need Lbar <= L, got Lbar={p['Lbar']} > L={p['L']}"


def default_half_width(d: int) -> Fraction:
    return Fraction(max(1, round(16 * sqrt(3 / d))), 16)


def half_widths(inst: Instance) -> tuple[Fraction, Fraction]:
    a = inst.options.get("half_width")
    a = default_half_width(inst.p("D")) if a is None else parse_entry(a, "options.half_width")
    ab = inst.options.get("target_half_width")
    ab = a if ab is None else parse_entry(ab, "options.target_half_width")
    if a <= 0 or ab <= 0:
        raise InstanceError(f"half widths must be > 0, got {a}, {ab}")
    return a, ab


def _uniform(rng: np.random.Generator, d: int, a: Fraction) -> RatMatrix:
    """d x d entries uniform on [-a, a], rounded to the 2^-10 grid (inside [-a, a]: a is on the grid)."""
    raw = np.round(rng.uniform(-float(a), float(a), (d, d)) * GRID) / GRID
    return RatMatrix.from_numpy(np.clip(raw, -float(a), float(a)))


SIZES = ((16, 4, 2), (4, 6, 2), (4, 3, 2), (16, 8, 1), (3, 2, 2), (8, 4, 1))


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Draws at the paper's scale (D = 16, (Lbar, L) = (2, 4) and (1, 8)) and small ones; M = 3 shows Q2,
    M = 1 the density steps Q3-Q4."""
    if params is None:
        d, big_l, lbar = SIZES[index % len(SIZES)]
        params = {"D": d, "L": big_l, "Lbar": lbar}
    d, big_l, lbar = dims(params)
    a = default_half_width(d)
    mats = {"W": tuple(_uniform(rng, d, a) for _ in range(big_l)),
            "b": tuple(RatMatrix(d, 1, (Fraction(0),) * d) for _ in range(big_l)),
            "Wbar": tuple(_uniform(rng, d, a) for _ in range(lbar)),
            "bbar": tuple(RatMatrix(d, 1, (Fraction(0),) * d) for _ in range(lbar))}
    return Instance(ID, dict(params), mats, seed=index)


def _m(p: Mapping[str, int]) -> int:
    _d, big_l, lbar = dims(p)
    return big_l // lbar


def every_r(p: Mapping[str, int]) -> int:
    """The largest r Assumption 1 asks for over all R in [D] (r >= D adds nothing: LR_r(E) = E)."""
    return min(p["D"] * (_m(p) - 1), p["D"])


def _margins(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    per_w, per_block = nonsingularity_margins(ctx, list(b.m("W")), list(b.m("Wbar")), uniform_blocks(b.params),
                                              every_r(b.params))
    out = [Comparison(f"s_min(W_{li + 1})", s, ">=", NONSINGULAR_MARGIN) for li, s in enumerate(per_w)]
    for i, row in enumerate(per_block):
        out += [Comparison(f"block {i + 1}: s_min(prod_(P_i) W_l + LR_{r}(E^({i + 1})))", s, ">=", NONSINGULAR_MARGIN)
                for r, s in enumerate(row)]
    return out


def _q1(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    d = b.params["D"]
    ws = [(f"W_{k + 1}", w) for k, w in enumerate(b.m("W"))] + [(f"Wbar_{k + 1}", w) for k, w in enumerate(b.m("Wbar"))]
    return [Comparison(f"s_min({n})", ctx.sv(w, d), ">=", NONSINGULAR_MARGIN) for n, w in ws]


def _q2(union: bool) -> Any:
    def evaluate(ctx: Any, b: Any, c: Any) -> list[Comparison]:
        d, m = b.params["D"], _m(b.params)
        if union:  # over all R in [D], the proof treats r in [D]; Assumption 1 needs r <= min(R(M-1), D)
            return [Comparison("max over R in [D] of min(R(M-1), D) vs D (the r the proof treats over all R)",
                               min(d * (m - 1), d), "<=", d)]
        return [Comparison("max over R in [D] of R(M-1) - R (r Assumption 1 needs beyond r in [R])",
                           max(r * (m - 1) - r for r in range(1, d + 1)), "<=", 0)]

    return evaluate


def _lengths(inst: Instance, i: int) -> list[Fraction]:
    """Per entry k of E = Wbar_i - W_l (block i = {l}): the length of [-a, a] ∩ [-abar - E_k, abar - E_k], the
    support of W_k given E_k; p(E) = prod_k len_k / (4 a abar)."""
    a, ab = half_widths(inst)
    blk = uniform_blocks(inst.parameters)[i]
    e = inst.matrices["Wbar"][i] - inst.matrices["W"][blk[0]]
    return [max(Fraction(0), min(a, ab - x) - max(-a, -ab - x)) for x in e.entries]


def _m_is_1(inst: Instance) -> bool:
    return _m(inst.parameters) == 1


def _q3(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    inst = b.instances[0]
    a, ab = half_widths(inst)
    out = []
    for i in range(inst.p("Lbar")):
        dens = Fraction(1)
        for ln in _lengths(inst, i):
            dens *= ln / (4 * a * ab)
        out.append(Comparison(f"block {i + 1}: density p(E^({i + 1})) of E = Wbar_i - W at the draw (exact)", dens,
                              ">=", Fraction(0)))
        out.append(Comparison(f"block {i + 1}: p(E) > 0 (as 1 if positive)", int(dens > 0), "==", 1))
    return out


def _q4(bayes: bool) -> Any:
    def evaluate(ctx: Any, b: Any, c: Any) -> list[Comparison]:
        inst = b.instances[0]
        _a, ab = half_widths(inst)
        n = inst.p("D") ** 2
        out = []
        for i in range(inst.p("Lbar")):
            lens = _lengths(inst, i)
            true = Fraction(1)
            for ln in lens:
                true = true / ln if ln > 0 else Fraction(0)
            if bayes:
                out.append(Comparison(f"block {i + 1}: support of W given E: product of lengths (positive measure)",
                                      int(all(ln > 0 for ln in lens)), "==", 1))
                continue
            printed = (1 / (2 * ab)) ** n
            out.append(Comparison(f"block {i + 1}: conditional density of W given E at the draw, p_W(W) p_Wbar(E+W) / "
                                  "p(E) (exact) vs the printed p_Wbar(E + W)", true, "==", printed))
        return out

    return evaluate


def _q5(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    """Conditionally on E, W + LR_r(E) is continuous (W has a density) and so non-singular a.s.: at the draw,
    W + LR_r(E) is non-singular for r in [D] (certified), for every block."""
    d = b.params["D"]
    out = []
    for i, blk in enumerate(uniform_blocks(b.params)):
        q = ctx.prod([b.m("W")[li] for li in blk], d)
        e = ctx.sub(b.m("Wbar")[i], q)
        out += [Comparison(f"block {i + 1}: s_min(W + LR_{r}(E))", lowrank_smin(ctx, q, e, r) if r < d else
                           ctx.sv(b.m("Wbar")[i], d), ">=", NONSINGULAR_MARGIN) for r in range(1, d + 1)]
    return out


def _claim(cid: str, statement: str, evaluate: Any, label: str = "", role: str = "step", cites: tuple[str, ...] = (),
           applies: Any = None, interpretation: str = "", quantifier: str = "exists") -> Claim:
    return Claim(cid, statement=statement, evaluate=evaluate, levels=LEVELS, role=role, label=label,  # type: ignore
                 cites=cites, applies=applies, interpretation=interpretation, quantifier=quantifier)  # type: ignore


CLAIMS = (
    _claim("a-uni-every-R", r"at the draw, Assumption 1 holds for every $R \in [D]$ at once: $W_l$ and "
           r"$\prod_{P^u_i} W_l + \mathrm{LR}_r(E^{(i)})$ non-singular for all $r \le \min(D(M-1), D)$ (certified "
           r"$s_{\min} \ge 2^{-80}$; a failure at one draw is a null event, never a refutation)", _margins,
           role="statement"),
    _claim("Q1", r"all $W_l$, $\bar W_l$ are non-singular a.s. (Lemma 6): at the draw, certified", _q1, "Q1",
           cites=("R-DET",)),
    _claim("Q2", r"fix $i$ and $r \in [R]$ (as printed): for every $R \in [D]$, $[R]$ holds every "
           r"$r \le R(M-1)$ Assumption 1 needs for that $R$", _q2(False), "Q2", quantifier="forall"),
    _claim("Q2-all-R", r"over all $R \in [D]$ the proof treats every $r \in [D]$, which holds every $r \le "
           r"\min(R(M-1), D)$ Assumption 1 needs ($r \ge \mathrm{rank}\,E^{(i)}$ gives $\bar W_i$, Q1)",
           _q2(True), "Q2",
           role="interpretation", quantifier="forall",
           interpretation="the lemma's 'for every R' quantifier closes the per-R gap of Q2"),
    _claim("Q3", r"$P(\det(W + \mathrm{LR}_r(\bar W_i - W)) \ne 0) = \int P(\cdot \mid \bar W_i - W = E)\,p(E)\,dE$, "
           r"$W = \prod_{P^u_i} W_l$: $E$ has a density $p$, positive at the draw (exact, uniform laws, $M = 1$)", _q3,
           "Q3", applies=_m_is_1),
    _claim("Q4", r"the conditional density of $W$ given $\bar W_i - W = E$ is $p_{\bar W_i}(E + W)$ (as printed; "
           r"checked at the draw against the instance's uniform laws, exactly, $M = 1$)", _q4(False), "Q4",
           applies=_m_is_1, quantifier="forall"),
    _claim("Q4-bayes", r"the conditional density is $p_W(W)\,p_{\bar W_i}(E + W)/p(E)$, a continuous law whose "
           r"support (a box) has positive measure (what Q5 needs)", _q4(True), "Q4", role="interpretation",
           applies=_m_is_1, interpretation="Bayes' rule: the printed formula drops p_W(W) / p(E)"),
    _claim("Q5", r"that conditional law plus the constant $\mathrm{LR}_r(E)$ is continuous, so (Lemma 6) "
           r"$W + \mathrm{LR}_r(E)$ is non-singular with conditional probability 1: at the draw, for $r \in [D]$ "
           r"(certified)", _q5, "Q5", cites=("R-DET",)),
)

R_RAND = Theorem(
    id=ID,
    title="Random weights satisfy Assumption 1 for every R, with probability one",
    statement=(r"If all entries of $(\bar W_l)_{l \le \bar L}$ and $(W_l)_{l \le L}$ are independent, each from a "
               r"continuous distribution, then with probability 1 Assumption 1 holds for every $R \in [D]$."),
    source=PAPER.at("Lemma 3", page="6, 27-28"),
    parameters=(Parameter("D", description="width", low=1, high=16),
                Parameter("L", description="frozen depth", low=1, high=8),
                Parameter("Lbar", description="target depth", low=1, high=8)),
    construction_summary="None: the claims read the draw and its law (options half_width, target_half_width).",
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("A-UNI", "R-DET"),
    interpretation=(
        "A probability-one statement is checked draw by draw: 'holds' says Assumption 1 (every R) is certified at "
        "each draw; nothing here can refute the lemma (that needs an open set of weights where it fails). The "
        "entries are uniform on a 2^-10 grid, a fine discretisation of the stated continuous law; the density steps "
        "read that continuous law from the options."),
    default_examples=6,
    generic_instances=True,
    options_schema=OPTIONS,
)
