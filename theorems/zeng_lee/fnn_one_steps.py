"""Claims shared by R-FNN1, R-FNN1E and R-FNN1V (Lemmas 2, 9, 10): the identity (i), exactness (ii),
the squared-error bound, and the proof steps F1-F4 and E1-E3, for per-layer ranks given by a function
of the bound instance.

Everything about "x in X" is decided on the whole domain where it can be: the inner ReLUs are
certified active by enclosures of X (F1), identities of matrices are compared entrywise. The
identity (i) is an identity of functions on X; below the threshold the construction is compared
with it at exact interior points of X (a failing point is a certified counterexample), and the
statement is refuted for all adapters by a local-Jacobian certificate. Expectations are exact
over finite-support laws on rational points of X (columns of the instance matrix `xs`), or
certified enclosures for x uniform on the box X (options.law = "box", rational constructions only).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from theorems.zeng_lee.models.fnn import domain_comparisons, domain_of, forward, output_relu_of, rank_comparisons
from theorems.zeng_lee.models.fnn.jacobian import candidate_points, refute_identity
from theorems.zeng_lee.models.fnn.lowrank import error_matrix
from theorems.zeng_lee.models.fnn.one import OneLayer, interior_points, one_layer, target_output
from verifier import Comparison, Instance, InstanceError, PrecisionExhausted, Refutation, exact_rank

Ranks = Callable[[Any], list[int]]  # params (a mapping) -> per-layer ranks
N_POINTS = 8  # exact interior points of X at which identities of functions are compared
# certified arithmetic decides exactly wherever the pieces are rational (exact shadows): such outcomes
# are reported as exact evidence; LR_k(E) is irrational in general, so exact arithmetic is not a level here
STEP_LEVELS = ("float", "certified")


def construction(ranks: Ranks) -> Callable[[Any, Any], OneLayer]:
    def build(ctx: Any, b: Any) -> OneLayer:
        return one_layer(ctx, b, _bound_ranks(ranks, b))

    return build


def _bound_ranks(ranks: Ranks, b: Any) -> list[int]:
    inst = b.instances[0]
    out = ranks(inst)
    if any(ranks(i) != out for i in b.instances[1:]):
        raise InstanceError("instances of one float batch need the same per-layer ranks")
    return out


def total_rank(ranks: Ranks, inst: Instance) -> int:
    return min(sum(ranks(inst)), inst.p("D"))


def rank_e(inst: Instance) -> int:
    return exact_rank(error_matrix(inst.matrices["W"], inst.matrices["Wbar"][0]))


def at_threshold(ranks: Ranks) -> Callable[[Instance], bool]:
    """(ii)'s hypothesis: sum_l R_l >= rank(E) (for equal ranks: R >= ceil(R_E / L))."""
    return lambda inst: sum(ranks(inst)) >= rank_e(inst)


def _scale(ctx: Any, *ms: Any) -> Any:
    out = ctx.maxabs(ms[0])
    for m in ms[1:]:
        out = out + ctx.maxabs(m)
    return out


def _zero(ctx: Any, c: OneLayer, label: str, m: Any, scale: Any) -> Comparison:
    return Comparison(label, ctx.maxabs(m), "==", 0, tol=c.slack(ctx, scale), scale=scale)


# -- (i), F1-F4 -----------------------------------------------------------------------------------

def identity(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    """f(x) - fbar(x) = ReLU((LR_k(E) - E) x) on X, for the construction."""
    out = domain_comparisons(ctx, c.built)
    x = ctx.load([interior_points(domain_of(b.instances[0]), N_POINTS)] * len(b.instances))
    f, fb = forward(ctx, c.built.adapted.net, x), target_output(ctx, b, x)
    c_mat = ctx.sub(c.lr.value, c.e)
    rhs = ctx.mm(c_mat, x)
    if output_relu_of(b.options):
        rhs = ctx.relu(rhs)
    scale = _scale(ctx, f, fb, rhs)
    pts = _zero(ctx, c, f"max over {N_POINTS} exact interior points x of X of |f(x) - fbar(x) - ReLU((LR_k(E) - E) x)|",
                ctx.sub(ctx.sub(f, fb), rhs), scale)
    out.append(pts)
    if ctx.level == "float":
        return out
    vanish = _zero(ctx, c, "max|LR_k(E) - E| (then both sides vanish on all of X)", c_mat, ctx.maxabs(c.e))
    if ctx.decide(vanish)[0].status == "holds":
        return [*out, vanish]
    if ctx.decide(pts)[0].status == "holds":
        raise InstanceError(f"the identity holds at the {N_POINTS} test points but LR_k(E) != E: whether it holds on "
                            "all of X is not decided here")
    return out


def refute_identity_for(ranks: Ranks) -> Callable[[Instance], Refutation | None]:
    def refute(inst: Instance) -> Refutation | None:
        k = total_rank(ranks, inst)
        dom = domain_of(inst)
        pts = candidate_points(inst, k, dom, interior_points(dom, N_POINTS))
        return refute_identity(inst, k, pts, output_relu_of(inst.options))

    return refute


def f1(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    """Inner pre-activations >= 0 on X and the composed offset equal to the printed effective bias."""
    out = list(c.built.check.activity)
    comp, off = c.built.check.composed[0]
    prod, formula = _printed(ctx, c)
    sc = _scale(ctx, formula, off)
    out.append(Comparison("max|composed offset of the network - (sum_{l<L} prod_{i>l}(W_i + dW_i) bhat_l + bhat_L)|",
                          ctx.maxabs(ctx.sub(off, formula)), "==", 0, tol=c.slack(ctx, sc), scale=sc))
    sw = ctx.maxabs(prod)
    out.append(Comparison("max|composed weight - prod_l (W_l + dW_l)|", ctx.maxabs(ctx.sub(comp, prod)), "==", 0,
                          tol=c.slack(ctx, sw), scale=sw))
    return out or [Comparison("one layer: nothing to linearise", 0, "==", 0)]


def _printed(ctx: Any, c: OneLayer) -> tuple[Any, Any]:
    """prod_l (W_l + dW_l) and the printed effective bias sum_{l<L} prod_{i>l}(W_i + dW_i) bhat_l + bhat_L."""
    net = c.built.adapted.net
    d = ctx.shape(net.weights[0])[0]
    acc = net.biases[-1]
    for li in range(len(net.weights) - 1):
        acc = ctx.add(acc, ctx.mm(ctx.prod(list(net.weights[li + 1:]), d), net.biases[li]))
    return ctx.prod(list(net.weights), d), acc


def f2(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    prod, _ = _printed(ctx, c)
    target = ctx.add(c.pw, c.lr.value)
    sc = ctx.maxabs(target)
    return [_zero(ctx, c, "max|prod(W_l + dW_l) - (prod W_l + LR_k(E))|", ctx.sub(prod, target), sc),
            *rank_comparisons(ctx, c.built)]


def f3(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    _, formula = _printed(ctx, c)
    bbar = b.m("bbar")[0]
    sc = _scale(ctx, formula, bbar)
    return [_zero(ctx, c, "max|sum_{l<L} prod_{i>l}(W_i + dW_i) bhat_l + bhat_L - bbar_1|", ctx.sub(formula, bbar), sc)]


def exactness(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    """f = fbar on X: the network realises ReLU((prod W + LR_k(E)) x + bbar_1) on X (certificate), and
    LR_k(E) = E (then prod W + LR_k(E) = Wbar_1)."""
    return [*domain_comparisons(ctx, c.built),
            _zero(ctx, c, "max|LR_k(E) - E| (the block target prod W + LR_k(E) is Wbar_1)",
                  ctx.sub(c.lr.value, c.e), ctx.maxabs(c.e))]


def corrected_identity(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    """What F1-F3 prove: f(x) = ReLU((prod W + LR_k(E)) x + bbar_1) on all of X (F1's form with F2, F3)."""
    return domain_comparisons(ctx, c.built)


# -- laws and the error part (E1-E3) -------------------------------------------------------------

def _law(ctx: Any, b: Any, c: OneLayer) -> tuple[Any, Any, Any]:
    """(E||f(x) - fbar(x)||^2, Sigma, law) for the instance's law (finite support `xs`, or the box X)."""
    from verifier.evidence import BoxLaw, FiniteLaw

    dom = domain_of(b.instances[0])
    if b.options.get("law", "finite") == "box":
        if dom.kind != "box":
            raise InstanceError("options.law = 'box' needs a box domain X")
        law = BoxLaw.of(list(dom.lo), list(dom.hi))
        if c.rational is None or ctx.level == "float":
            raise PrecisionExhausted("E||f(x) - fbar(x)||^2 under the box law needs the construction in rationals "
                                     "(certified level, rational LR_k(E))")
        f_net, g_net = c.rational
        return law.expect_error(ctx, f_net, g_net, p=2), law.second_moment(ctx), law
    law = FiniteLaw.from_bound(b, "xs")
    xs = b.m("xs")
    diff = ctx.sub(forward(ctx, c.built.adapted.net, xs), target_output(ctx, b, xs))
    return law.expect(lambda cx, _x: cx.mm(cx.ones(1, ctx.shape(diff)[0]), cx.square(diff))), law.second_moment(), law


def check_support(inst: Instance) -> None:
    """The law's support points must lie in X (exact check)."""
    if inst.options.get("law", "finite") == "box":
        return
    xs, dom = inst.matrices["xs"], domain_of(inst)
    cols = list(zip(*xs.rows(), strict=True))
    for j, col in enumerate(cols):
        if not dom.contains(tuple(col)):
            raise InstanceError(f"support point xs[:, {j}] lies outside X = {dom.describe()}")


def _sv_next(ctx: Any, c: OneLayer) -> Any:
    d = ctx.shape(c.e)[0]
    return ctx.sv(c.e, c.k + 1) if c.k < d else ctx.const(0)


def _pieces(ctx: Any, b: Any, c: OneLayer) -> dict[str, Any]:
    check_support(b.instances[0])
    err, sigma, law = _law(ctx, b, c)
    cm = ctx.sub(c.lr.value, c.e)
    s = _sv_next(ctx, c)
    return {"err": err, "sigma": sigma, "tr": ctx.trace(sigma), "fro": ctx.frobenius(sigma),
            "lin": law.expect_affine_sq_norm(ctx, cm) if hasattr(law, "expect_affine_sq_norm") else None,
            "op": ctx.norm2(cm), "s": s, "s2": s * s}


def error_bound(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    p = _pieces(ctx, b, c)
    rhs = p["fro"] * p["s2"]
    return [Comparison("E||f(x) - fbar(x)||^2 vs ||Sigma||_F s_{k+1}(E)^2", p["err"], "<=", rhs,
                       tol=c.slack(ctx, rhs + 1), scale=rhs + 1)]


def error_bound_trace(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    p = _pieces(ctx, b, c)
    rhs = p["tr"] * p["s2"]
    return [Comparison("E||f(x) - fbar(x)||^2 vs tr(Sigma) s_{k+1}(E)^2", p["err"], "<=", rhs,
                       tol=c.slack(ctx, rhs + 1), scale=rhs + 1)]


def e1(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    p = _pieces(ctx, b, c)
    return [Comparison("E||f(x) - fbar(x)||^2 vs E||(LR_k(E) - E) x||^2", p["err"], "<=", p["lin"],
                       tol=c.slack(ctx, p["lin"] + 1), scale=p["lin"] + 1)]


def e2(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    p = _pieces(ctx, b, c)
    rhs = p["op"] * p["op"] * p["tr"]
    return [Comparison("E||(LR_k(E) - E) x||^2 vs ||LR_k(E) - E||_2^2 E||x||_2^2", p["lin"], "<=", rhs,
                       tol=c.slack(ctx, rhs + 1), scale=rhs + 1)]


def e3(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    p = _pieces(ctx, b, c)
    lhs, rhs = p["op"] * p["op"] * p["tr"], p["fro"] * p["s2"]
    return [Comparison("||LR_k(E) - E||_2^2 E||x||_2^2 vs ||Sigma||_F s_{k+1}(E)^2 (printed =)", lhs, "==", rhs,
                       tol=c.slack(ctx, lhs + rhs + 1), scale=lhs + rhs + 1)]


def e3_moment(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    p = _pieces(ctx, b, c)
    return [Comparison("E||x||_2^2 = tr(Sigma) vs ||Sigma||_F (the equality E3 uses)", p["tr"], "==", p["fro"],
                       scale=p["tr"] + 1)]


def e3_trace(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    """With E||x||^2 = tr(Sigma), E3 reads ||LR_k(E) - E||_2 = s_{k+1}(E) (Eckart-Young), compared directly."""
    p = _pieces(ctx, b, c)
    return [Comparison("||LR_k(E) - E||_2 vs s_{k+1}(E) (E3 with E||x||^2 = tr(Sigma), after dividing by tr(Sigma))",
                       p["op"], "==", p["s"], tol=c.slack(ctx, p["op"] + 1), scale=p["op"] + 1)]


def refute_error_for(ranks: Ranks) -> Callable[[Instance], Refutation | None]:
    """For one adapted layer (L = 1) and a finite law of <= 12 points: a certified lower bound over every
    rank-R_1 adapter and bias (verifier.evidence.relu_layer_lower_bound) above the stated bound."""

    def refute(inst: Instance) -> Refutation | None:
        if inst.p("L") != 1 or inst.options.get("law", "finite") == "box" or not output_relu_of(inst.options):
            return None
        xs = inst.matrices["xs"]
        if xs.ncols > 12:
            return None
        from flint import arb, arb_mat, fmpq

        from verifier.evidence import relu_layer_lower_bound
        from verifier.linalg import singular_value, working_prec

        wbar, bbar = inst.matrices["Wbar"][0], inst.matrices["bbar"][0]
        n, d = xs.ncols, inst.p("D")
        pre = wbar @ xs + bbar @ _ones_row(n)
        y = type(pre)(pre.nrows, pre.ncols, tuple(v if v > 0 else Fraction(0) for v in pre.entries))
        r = ranks(inst)[0]
        lb = relu_layer_lower_bound(inst.matrices["W"][0], xs, y, r)
        if lb is None:
            return None
        e = error_matrix(inst.matrices["W"], wbar)
        with working_prec(256):
            sig = arb_mat(d, d, [fmpq(v.numerator, v.denominator) for v in (xs @ _t(xs)).entries]) / n
            fro = sum((x * x for x in sig.entries()), arb(0)).sqrt()
            s = singular_value(arb_mat(d, d, [fmpq(v.numerator, v.denominator) for v in e.entries]), r + 1, 256) \
                if r < d else arb(0)
            bound = fro * s * s
        return lb.refutation(bound, "the bound E||f(x) - fbar(x)||^2 <= ||Sigma||_F s_{R+1}(E)^2")

    return refute


def _ones_row(n: int) -> Any:
    from verifier import RatMatrix

    return RatMatrix(1, n, (Fraction(1),) * n)


def _t(m: Any) -> Any:
    return type(m)(m.ncols, m.nrows, tuple(m.entries[j * m.ncols + i] for i in range(m.ncols) for j in range(m.nrows)))


def adapter_ranks(ctx: Any, b: Any, c: OneLayer) -> list[Comparison]:
    return rank_comparisons(ctx, c.built)


__all__ = [
    "N_POINTS",
    "STEP_LEVELS",
    "adapter_ranks",
    "at_threshold",
    "check_support",
    "construction",
    "corrected_identity",
    "e1",
    "e2",
    "e3",
    "e3_moment",
    "e3_trace",
    "error_bound",
    "error_bound_trace",
    "exactness",
    "f1",
    "f2",
    "f3",
    "identity",
    "rank_e",
    "refute_error_for",
    "refute_identity_for",
    "total_rank",
]
