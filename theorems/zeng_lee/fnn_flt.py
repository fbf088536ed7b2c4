"""R-FLT (Lemma 4, p7; proof p33): for D >= 2 and a fixed, arbitrary one-layer target fbar, if the entries of the
frozen weights are independent continuous random variables (biases not random), then with probability 1 no
tuning of the last L-1 layers (layer 1 frozen) gives f = fbar. No domain is stated; the proof works on R^D, so
everything here is decided on R^D, exactly; the bounded-domain reading of the earlier restatement is kept as a
labelled interpretation. Probability-one claims are refuted only by a certified open set of weights, or by an
object fixed before the draw that defeats every draw (certified symbolically)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.fnn_flt_instances import flt_instance
from theorems.zeng_lee.models.fnn import DOMAIN_OPTIONS, domain_from_options, fnn_shapes, min_entry
from theorems.zeng_lee.models.fnn.errparts import vmax, vmin
from theorems.zeng_lee.models.fnn.flt import (
    Collision,
    HalfSpaces,
    constant_net,
    constant_tuning,
    find_collision,
    find_collision_in_box,
    full_dimensional,
    linear_set,
    outside_cells,
    relu_net,
    tuned_network,
)
from verifier import (
    Claim,
    Comparison,
    Instance,
    Parameter,
    PrecisionExhausted,
    RatMatrix,
    Refutation,
    Theorem,
    exact_det,
    exact_inv,
)

ID = "R-FLT"
RADIUS = Fraction(1, 2**12)  # first radius tried for open sets of W_1 (halved until certified)


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], 1)


def constraints(p: Mapping[str, int]) -> str | None:
    return None if p["D"] >= 2 and p["L"] >= 2 else f"the lemma needs D >= 2 and L >= 2, got D={p['D']}, L={p['L']}"


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    return flt_instance(ID, rng, index, params)


@dataclass(frozen=True)
class Draw:
    """One draw: the sets I_1, Ibar_1 and the exact searches the claims read (computed when first read)."""

    inst: Instance

    @cached_property
    def i1(self) -> HalfSpaces:
        return linear_set(self.inst.matrices["W"], self.inst.matrices["b"], 1)

    @cached_property
    def ibar(self) -> HalfSpaces:
        return linear_set(self.inst.matrices["Wbar"], self.inst.matrices["bbar"], 1)

    @cached_property
    def outside(self) -> tuple[Fraction, ...] | None:
        """An exact interior point of I_1 outside Ibar_1 (strictly), or None."""
        return next(outside_cells(self.i1, [self.ibar]), None)

    @cached_property
    def covered(self) -> bool | None:
        """I_1 \\ Ibar_1 = empty: True/False exactly (None if I_1 has no interior, where cells do not decide it)."""
        if self.outside is not None:
            return False
        return True if full_dimensional(self.i1) else None

    @cached_property
    def collision(self) -> Collision | None:
        m = self.inst.matrices
        return find_collision(m["W"], m["b"], m["Wbar"], m["bbar"], 1)

    @cached_property
    def box_collision(self) -> Collision | None:
        m = self.inst.matrices
        dom = domain_from_options(self.inst.options, self.inst.p("D"))
        return find_collision_in_box(m["W"][0], m["b"][0], m["Wbar"][0], m["bbar"][0], dom.lo, dom.hi)


def construction(ctx: Any, b: Any) -> Draw:
    return Draw(b.instances[0])


def _collision(c: Collision | None, what: str, inst: Instance) -> list[Comparison]:
    if c is None:
        return [Comparison(f"{what}: a collision certificate was found (count)", 0, ">=", 1)]
    m = inst.matrices
    frozen, target = relu_net(m["W"], m["b"], True), relu_net(m["Wbar"], m["bbar"], True)
    z1, z2 = frozen.upto(c.x1, 1), frozen.upto(c.x2, 1)
    return [Comparison(f"{what}: max|z_1(x1) - z_1(x2)| (frozen first layer), {c.describe()}",
                       max(abs(a - v) for a, v in zip(z1, z2, strict=True)), "==", 0),
            Comparison("fbar(x1) != fbar(x2) (1 if the exact outputs differ)", int(target(c.x1) != target(c.x2)),
                       "==", 1)]


def _constant_tuning_check(inst: Instance) -> Any:
    """The exact decision that the constant tuning matches fbar on R^D (when fbar is constant), or None."""
    from verifier.evidence import Budget, decide_equal

    m, d = inst.matrices, inst.p("D")
    target = relu_net(m["Wbar"], m["bbar"], True)
    value = target((Fraction(0),) * d)
    if decide_equal(target, constant_net(d, value), budget=Budget(max_seconds=20)).status != "equal":
        return None
    ws, bs = constant_tuning(d, inst.p("L") - 1, value)
    dec = decide_equal(tuned_network(m["W"], m["b"], 1, ws, bs), target, budget=Budget(max_seconds=20))
    return (dec, ws, bs, value) if dec.status == "equal" else None


def refute_every_draw(inst: Instance) -> Refutation | None:
    """fbar constant (Wbar = 0), fixed before the draw: for EVERY W_1 the last layer with weight 0 and bias
    ReLU(bbar) gives f = fbar on R^D; proved with W_1 and x symbolic (certify_every_draw)."""
    m, d, big_l = inst.matrices, inst.p("D"), inst.p("L")
    if any(m["Wbar"][0].entries):
        return None
    import sympy as sp

    from verifier.evidence import certify_every_draw

    bbar = [sp.Rational(v.numerator, v.denominator) for v in m["bbar"][0].entries]
    b1 = [sp.Rational(v.numerator, v.denominator) for v in m["b"][0].entries]
    value = [sp.Max(0, v) for v in bbar]

    def relu(v: Any) -> Any:
        return v.applyfunc(lambda t: sp.Max(0, t))

    def fails(draws: Mapping[str, Any]) -> Any:
        x = sp.Matrix(d, 1, lambda i, _j: sp.Symbol(f"x_{i}", real=True))
        z = relu(draws["W1"] * x + sp.Matrix(b1))
        for _ in range(big_l - 2):  # pass-through layers ReLU(I z + 0)
            z = relu(z)
        out = relu(sp.zeros(d, d) * z + sp.Matrix(value))
        fbar = relu(sp.zeros(d, d) * x + sp.Matrix(bbar))
        return sp.And(*[sp.Eq(sp.simplify(a - c), 0) for a, c in zip(out, fbar, strict=True)])

    ref = certify_every_draw({"Wbar": "0", "bbar": [str(v) for v in m["bbar"][0].entries]},
                             {"tuned layers": f"2..{big_l - 1} identity with bias 0; layer {big_l}: weight 0, bias "
                                              f"ReLU(bbar) = {[str(v) for v in value]}"},
                             {"W1": (d, d)}, fails)
    return None if ref is None else ref.to_refutation()


def refute_tuning(inst: Instance) -> Refutation | None:
    """A deterministic refutation of a step about this draw: the constant tuning decided equal to fbar on R^D."""
    got = _constant_tuning_check(inst)
    if got is None:
        return None
    dec, ws, bs, value = got
    cert = dict(dec.certificate())
    cert["tuning"] = {"layers": f"2..{inst.p('L')}", "W": [w.to_json() for w in ws], "b": [v.to_json() for v in bs]}
    return Refutation("exact", f"fbar is constant ({[str(v) for v in value]}) and layers 2..L tuned to that constant "
                               f"give f = fbar on all of R^D (exact decision)", cert)


def _ball_max_entry(ctx: Any, a: Any) -> Any:
    return -min_entry(ctx, ctx.scale(a, -1))


def refute_open_box(inst: Instance) -> Refutation | None:
    """The bounded-domain reading fails on an open set of W_1: where the first layer is active on all of X and W_1
    is non-singular, layer 2 = (Wbar W_1^-1, bbar - Wbar W_1^-1 b_1) (later layers the identity) gives f = fbar on X.
    Certified on a box of W_1 around the draw; the tuning at the draw itself is decided equal on X exactly."""
    from verifier.evidence import Polyhedron, certify_open_set, decide_equal

    m, d = inst.matrices, inst.p("D")
    dom = domain_from_options(inst.options, d)
    center = [(a + c) / 2 for a, c in zip(dom.lo, dom.hi, strict=True)]
    radius = [(c - a) / 2 for a, c in zip(dom.lo, dom.hi, strict=True)]
    cm, rm = RatMatrix(d, 1, tuple(center)), RatMatrix(d, 1, tuple(radius))

    def fails(ctx: Any, w: Mapping[str, Any]) -> list[Comparison]:
        W1 = w["W1"]
        pre_c = ctx.add(ctx.mm(W1, ctx.load([cm])), ctx.load([m["b"][0]]))
        pre_r = ctx.mm(ctx.absolute(W1), ctx.load([rm]))
        low = min_entry(ctx, ctx.sub(pre_c, pre_r))
        return [Comparison("min(min over X of the first-layer pre-activation, s_min(W_1)) (a tuning matches fbar on X "
                           "where it is > 0)", vmin(ctx, low, ctx.sv(W1, d)), "<=", 0)]

    ref = certify_open_set(fails, {"W1": m["W"][0]}, RADIUS)
    if ref is None or exact_det(m["W"][0]) == 0:
        return None
    w2 = m["Wbar"][0] @ exact_inv(m["W"][0])
    b2 = m["bbar"][0] - w2 @ m["b"][0]
    ws, bs = constant_tuning(d, inst.p("L") - 1, [Fraction(0)] * d)
    ws[0], bs[0] = w2, b2
    for k in range(1, len(ws)):
        ws[k], bs[k] = RatMatrix.identity(d), RatMatrix(d, 1, (Fraction(0),) * d)
    dec = decide_equal(tuned_network(m["W"], m["b"], 1, ws, bs), relu_net(m["Wbar"], m["bbar"], True),
                       Polyhedron.box(dom.lo, dom.hi))
    out = ref.to_refutation()
    cert = {**(out.certificate or {}), "tuning_at_the_draw": dict(dec.certificate())}
    return Refutation(out.evidence, out.reason + f"; at the draw itself the tuning is decided {dec.status} to fbar on "
                                                 f"{dom.describe()} (exact)", cert)


def refute_outside_persists(inst: Instance) -> Refutation | None:
    """'I_1 \\ Ibar_1 = empty with probability 1' fails on an open set of W_1: a fixed x* with W_1 x* + b_1 < 0 for
    every W_1 in a box (ball arithmetic) and x* outside Ibar_1 (exact; the target is fixed)."""
    from verifier.evidence import certify_open_set

    d = Draw(inst)
    x = d.outside
    if x is None:
        return None
    xm = RatMatrix(len(x), 1, tuple(x))
    b1 = inst.matrices["b"][0]

    def fails(ctx: Any, w: Mapping[str, Any]) -> list[Comparison]:
        pre = ctx.add(ctx.mm(w["W1"], ctx.load([xm])), ctx.load([b1]))
        return [Comparison(f"max_k (W_1 x* + b_1)_k at x* = {[str(v) for v in x[:4]]} (outside Ibar_1 exactly; "
                           f"x* in I_1 \\ Ibar_1 where this is < 0)", _ball_max_entry(ctx, pre), ">=", 0)]

    ref = certify_open_set(fails, {"W1": inst.matrices["W"][0]}, RADIUS)
    return None if ref is None else ref.to_refutation()


def refute_covered_persists(inst: Instance) -> Refutation | None:
    """'I_1 \\ Ibar_1 != empty with probability 1' fails on an open set of W_1: with N = Wbar W_1^-1 and
    n = bbar - N b_1, Wbar x + bbar = N (W_1 x + b_1) + n, so N >= 0 and n <= 0 entrywise give I_1 inside Ibar_1;
    certified with strict margins on a box of W_1 (ball inverse)."""
    from verifier.evidence import certify_open_set

    m = inst.matrices

    def fails(ctx: Any, w: Mapping[str, Any]) -> list[Comparison]:
        n_mat = ctx.mm(ctx.load([m["Wbar"][0]]), ctx.inv(w["W1"]))
        n_vec = ctx.sub(ctx.load([m["bbar"][0]]), ctx.mm(n_mat, ctx.load([m["b"][0]])))
        worst = vmax(ctx, _ball_max_entry(ctx, ctx.scale(n_mat, -1)), _ball_max_entry(ctx, n_vec))
        return [Comparison("max(max_kj -N_kj, max_k n_k), N = Wbar W_1^-1, n = bbar - N b_1 (I_1 inside Ibar_1 "
                           "where this is < 0)", worst, ">=", 0)]

    ref = certify_open_set(fails, {"W1": m["W"][0]}, RADIUS)
    return None if ref is None else ref.to_refutation()


def _nonsingular_target(inst: Instance) -> bool:
    return exact_det(inst.matrices["Wbar"][0]) != 0


def _h2(ctx: Any, b: Any, d: Draw) -> list[Comparison]:
    m = d.inst.matrices
    return [Comparison("I_1 \\ Ibar_1 is empty (exact): max|W_1 - Wbar_1|", max(abs(a - c) for a, c in zip(
        m["W"][0].entries, m["Wbar"][0].entries, strict=True)), "==", 0)]


def _h3_count(empty: bool) -> Any:
    def evaluate(ctx: Any, b: Any, d: Draw) -> list[Comparison]:
        if d.covered is None:
            raise PrecisionExhausted("I_1 has no interior point: open cells do not decide I_1 \\ Ibar_1")
        found = int(not d.covered)
        if empty:
            return [Comparison("this draw: I_1 \\ Ibar_1 = empty (exact open cells): non-empty cells found", found,
                               "==", 0)]
        return [Comparison("this draw: I_1 \\ Ibar_1 != empty (exact open cells): non-empty cells found", found,
                           ">=", 1)]

    return evaluate


LEVELS = ("exact",)

CLAIMS = (
    Claim("no-final-layer-tuning", statement=r"for the fixed target, with probability 1 over $W$: no tuning of layers "
          r"$2..L$ gives $f = \bar f$ on $\mathbb{R}^D$ (per draw: two points with equal frozen first-layer outputs "
          r"and "
          r"different target outputs, exact); refuted by a target fixed before the draw that every draw lets "
          r"the tuned layers match (symbolic proof), or by a certified open set of draws", quantifier="exists",
          levels=LEVELS, evaluate=lambda ctx, b, d: _collision(d.collision, "no tuning of layers 2..L", d.inst),
          refute=refute_every_draw),
    Claim("nonsingular-target", statement=r"the same for targets with non-singular $\bar W_1$ (Lemma 12's hypothesis)",
          quantifier="exists", levels=LEVELS, role="interpretation", applies=_nonsingular_target,
          evaluate=lambda ctx, b, d: _collision(d.collision, "no tuning of layers 2..L", d.inst),
          interpretation="Lemma 4 states no hypothesis on the target; Lemma 12, which its proof invokes, needs Wbar "
                         "non-singular. A constant target (Wbar = 0) is matched by every draw."),
    Claim("bounded-domain", statement=r"with probability 1 no tuning of layers $2..L$ gives $f = \bar f$ on the "
          r"bounded "
          r"box $\mathcal X$ of the options (the earlier restatement's reading)", quantifier="exists", levels=LEVELS,
          role="interpretation", evaluate=lambda ctx, b, d: _collision(d.box_collision, "no tuning on X", d.inst),
          refute=lambda inst: refute_open_box(inst) or refute_every_draw(inst),
          interpretation="Not the paper's statement (no domain is printed; the proof uses points of R^D): on a "
                         "bounded X the first layer can be active everywhere on X for an open set of W_1, and then "
                         "tuning layer 2 reproduces fbar on X exactly."),
    Claim("H1", statement=r"if $I_1 \setminus \bar I_1 \ne \emptyset$, no tuning gives $f = \bar f$ (Lemma 12)",
          quantifier="exists", levels=LEVELS, role="step", label="H1", cites=("R-FLT0",),
          applies=lambda inst: Draw(inst).covered is False,
          evaluate=lambda ctx, b, d: _collision(d.collision, "no tuning of layers 2..L", d.inst), refute=refute_tuning),
    Claim("H2", statement=r"$I_1 \setminus \bar I_1 = \emptyset$ only if $W_1 = \bar W_1$", levels=LEVELS,
          role="step", label="H2", applies=lambda inst: Draw(inst).covered is True, evaluate=_h2),
    Claim("H3", statement=r"(last line, as printed) $I_1 \setminus \bar I_1 = \emptyset$ holds with probability 1",
          quantifier="exists", levels=LEVELS, role="step", label="H3", evaluate=_h3_count(True),
          refute=refute_outside_persists),
    Claim("H3-nonempty", statement=r"$I_1 \setminus \bar I_1 \ne \emptyset$ with probability 1 (what H1 needs)",
          quantifier="exists", levels=LEVELS, role="interpretation", label="H3", evaluate=_h3_count(False),
          refute=refute_covered_persists,
          interpretation="The printed last line says '= empty'; the proof needs '!= empty' almost surely (so that H1 "
                         "applies). Both readings are checked."),
)

R_FLT = Theorem(
    id=ID,
    title="Final-layer tuning cannot match a one-layer target, with probability 1 (Lemma 4, on R^D)",
    statement=(r"Let $D \ge 2$ and $\bar f$ a fixed, arbitrary one-layer FNN target. If the entries of $W_1, \dots, "
               r"W_L$ are independent, each from a continuous distribution, then with probability 1, for every tuning "
               r"of the last $L - 1$ layers (layer 1 frozen), $f \ne \bar f$."),
    source=PAPER.at("Lemma 4", page="7, 33"),
    parameters=(
        Parameter("D", description="width", low=2, high=16),
        Parameter("L", description="frozen depth", low=2, high=8),
    ),
    construction=construction,
    construction_summary=("Exact sets I_1 = {W_1 x + b_1 <= 0} and Ibar_1 (rational half-spaces), open cells of "
                          "I_1 \\ Ibar_1 with exact certificates, collision search on R^D (and in the box X for the "
                          "bounded reading); refutations: a symbolic every-draw proof for a constant target, certified "
                          "open boxes of W_1 (ball arithmetic) for the probability-one steps."),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("R-FLT0",),
    interpretation=("Each instance is one draw of the frozen weights (Gaussian on a fine dyadic grid, or a draw from a "
                    "stated open set) with the target fixed; per-draw verdicts count, refutations need an open set of "
                    "draws or an object fixed before the draw. Only W_1 matters: layers 2..L are replaced by the "
                    "tuning. The LoRA side and the parameter counts (p7-8) are discussion, not part of the lemma."),
    default_examples=6,
    generic_instances=True,  # a probability-one statement: null-set instances do not refute it
    options_schema={k: v for k, v in DOMAIN_OPTIONS.items() if k in ("box_lo", "box_hi")},
)
