"""The proof of Theorem 5 (p29-31) step by step (T1-T14), as claims of role "step", shared by R-ERR
and R-GENERR (whose proof is Theorem 5's with a general partition).

Every step is evaluated on the construction's exact rational witness (`models.fnn.err`) with x
uniform on the support points X: expectations are finite sums, decided in certified arithmetic
(exact where they tie). Steps are checked as printed; where the print cannot be what the proof
needs, a claim of role "interpretation" checks the reading it needs and says which.
"""

from __future__ import annotations

from typing import Any

from theorems.zeng_lee.models.fnn.domain import affine_enclosure, box_enclosure, lower, min_entry, relu_enclosure
from theorems.zeng_lee.models.fnn.errparts import (
    Parts,
    alpha_star,
    beta,
    col_norms,
    exact_zero,
    mean_norm,
    plus,
    run,
    stated_bound,
    sv_each,
    t8_bound,
    t10_lhs,
    tail,
    vmax,
)
from verifier import Claim, Comparison

LEVELS = ("float", "certified")
#: Slack for comparisons of the witness where it is the float64 construction rounded to rationals: the exact
#: construction can meet a step with equality (T4 with Wbar_i = 0 does), and the rounding then decides the
#: tie either way; differences below this relative size are within the witness's rounding, not evidence.
ROUNDING = 2.0**-30


def times(ctx: Any, a: Any, b: Any) -> Any:
    """a b, exactly 0 when one factor is exactly 0 (so a tie with 0 is decided exactly)."""
    return a if exact_zero(ctx, a) else b if exact_zero(ctx, b) else a * b


def wcmp(ctx: Any, p: Parts, label: str, lhs: Any, rel: str, rhs: Any) -> Comparison:
    """A comparison of quantities of the witness (with the rounding slack where the witness is rounded)."""
    if not p.rounded or ctx.level == "float":
        return Comparison(label, lhs, rel, rhs)  # type: ignore[arg-type]
    scale = abs(lhs) + abs(rhs)
    return Comparison(label + " [rounded float64 witness: slack 2^-30 relative]", lhs, rel, rhs,  # type: ignore[arg-type]
                      tol=scale * ctx.const(ROUNDING), scale=scale)


def _blocks(p: Parts) -> range:
    return range(1, p.lbar + 1)


def _first_block(ctx: Any, p: Parts, what: str) -> Comparison:
    """i = 1: zhat_0 = zbar_0 = x, so f_1(zhat_0) = f_1(zbar_0) and A_1 = 0 (decided exactly on the matrices;
    the steps' inequalities then hold with equality or read 0 <= 0, which balls alone cannot decide)."""
    return Comparison(f"i=1: {what} (zhat_0 = zbar_0 = x): max|f_1(zhat_0) - f_1(zbar_0)| over the support",
                      ctx.maxabs(ctx.sub(p.zhat[1], p.f_on_bar[0])), "==", 0)


def _t1(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    out = [_first_block(ctx, p, "A_1 = 0 and E||zhat_1 - zbar_1|| = B_1")]
    return out + [wcmp(ctx, p, f"i={i}: E||zhat_i - zbar_i|| vs A_i + B_i", p.delta(ctx, i), "<=",
                       p.a_term(ctx, i) + p.b_term(ctx, i)) for i in _blocks(p) if i > 1]


def _t2(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    out = []
    for i in _blocks(p):
        rhs = ctx.relu(ctx.mm(p.What[i - 1], ctx.sub(p.zhat[i - 1], p.zbar[i - 1])))
        gap = ctx.maxabs(ctx.sub(ctx.sub(p.zhat[i], p.f_on_bar[i - 1]), rhs))
        label = (f"i={i}: max over support of |f_i(zhat_(i-1)) - f_i(zbar_(i-1)) - "
                 f"ReLU(What_i (zhat_(i-1) - zbar_(i-1)))|")
        if i == 1 or not p.rounded or ctx.level == "float":
            out.append(Comparison(label, gap, "==", 0))
        else:
            scale = ctx.maxabs(rhs)
            out.append(Comparison(label + " [rounded float64 witness: slack 2^-30 relative]", gap, "==", 0,
                                  tol=scale * ctx.const(ROUNDING), scale=scale))
    return out


def _t2_lipschitz(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    out = []
    for i in _blocks(p):
        lhs = col_norms(ctx, ctx.sub(p.zhat[i], p.f_on_bar[i - 1]))
        rhs = col_norms(ctx, ctx.mm(p.What[i - 1], ctx.sub(p.zhat[i - 1], p.zbar[i - 1])))
        out += [wcmp(ctx, p, f"i={i}, support point {j + 1}: ||f_i(zhat) - f_i(zbar)|| vs ||What_i (zhat - zbar)||",
                     x, "<=", y) for j, (x, y) in enumerate(zip(lhs, rhs, strict=True))]
    return out


def _t3(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    return [_first_block(ctx, p, "A_1 = 0 = the right side")] + [
        wcmp(ctx, p, f"i={i}: A_i vs ||What_i||_F E||zhat_(i-1) - zbar_(i-1)||", p.a_term(ctx, i), "<=",
             ctx.frobenius(p.What[i - 1]) * p.delta(ctx, i - 1)) for i in _blocks(p) if i > 1]


def _rhs19(ctx: Any, p: Parts, i: int) -> Any:
    return plus(ctx, p.fro[i - 1], tail(ctx, p.E[i - 1], p.rm[i - 1], ctx.shape(p.E[i - 1])[0]))


def _t4(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    # the printed sum starts at RM∧Rt_i + 1; it equals the sum from RM + 1 (s_j = 0 for j > Rt_i)
    return [wcmp(ctx, p, f"i={i}: ||What_i||_F vs ||Wbar_i||_F + sqrt(sum_(j > RM∧Rt_i) s_j^2(E^(i)))",
                 ctx.frobenius(p.What[i - 1]), "<=", _rhs19(ctx, p, i)) for i in _blocks(p)]


def _max_fro(ctx: Any, p: Parts) -> Any:
    out = p.fro[0]
    for f in p.fro[1:]:
        out = vmax(ctx, out, f)
    return out


def _t5_norms(ctx: Any, b: Any, p: Parts, i: int, alpha_i: Any) -> Comparison:
    """||Wbar_i||_F + tail_i <= max_k ||Wbar_k||_F + E_i, compared as tail_i - E_i <= max_k ||Wbar_k||_F - ||Wbar_i||_F
    so that its equality cases are exact: the tail is E_i itself when rank(E^(i)) <= RM_i + 1 (one term), and
    the norm gap is 0 when Wbar_i attains the max."""
    if ctx.level == "float":
        return Comparison(f"i={i}: right side of (19) vs max_k ||Wbar_k||_F + E_i (alpha, E_i as printed)",
                          _rhs19(ctx, p, i), "<=", alpha_i)
    one_term = all(rt <= p.rm[i - 1] + 1 for rt in p.rt[i - 1])
    gap_tail = ctx.const(0) if one_term else tail(ctx, p.E[i - 1], p.rm[i - 1], ctx.shape(p.E[i - 1])[0]) - p.Ei[i - 1]
    top = _max_fro(ctx, p)
    gap_norm = ctx.const(0) if top is p.fro[i - 1] else top - p.fro[i - 1]
    return Comparison(f"i={i}: (right side of (19)) <= max_k ||Wbar_k||_F + E_i (alpha, E_i as printed), as "
                      f"sqrt(sum_(j>RM) s_j^2(E^(i))) - E_i vs max_k ||Wbar_k||_F - ||Wbar_i||_F", gap_tail, "<=",
                      gap_norm)


def _t5(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    out = []
    for i in _blocks(p):
        alpha_i = plus(ctx, _max_fro(ctx, p), p.Ei[i - 1])
        out.append(_t5_norms(ctx, b, p, i, alpha_i))
        out.append(_first_block(ctx, p, "(20) A_1 = 0 = the right side") if i == 1 else
                   wcmp(ctx, p, f"i={i}: (20) A_i vs alpha E||zhat_(i-1) - zbar_(i-1)||", p.a_term(ctx, i), "<=",
                        alpha_i * p.delta(ctx, i - 1)))
    return out


def _t5_spectral(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    out = []
    a_star = alpha_star(ctx, p)
    for i in _blocks(p):
        lip = plus(ctx, ctx.norm2(b.m("Wbar")[i - 1]), p.Ei[i - 1])
        out.append(_first_block(ctx, p, "A_1 = 0 = the right side") if i == 1 else
                   wcmp(ctx, p, f"i={i}: A_i vs (||Wbar_i||_2 + E_i) E||zhat_(i-1) - zbar_(i-1)||", p.a_term(ctx, i),
                        "<=", lip * p.delta(ctx, i - 1)))
        out.append(Comparison(f"i={i}: ||Wbar_i||_2 + E_i vs max_k(||Wbar_k||_F + E_k)", lip, "<=", a_star))
    return out


def _printed_index(p: Parts, i: int) -> list[int]:
    return [min(p.rm[i - 1], rt) + 1 for rt in p.rt[i - 1]]


def _t6(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    return [wcmp(ctx, p, f"i={i}: B_i vs s_(RM∧Rt_i+1)(E^(i)) E||zbar_(i-1)||", p.b_term(ctx, i), "<=",
                 times(ctx, sv_each(ctx, b, p.E[i - 1], _printed_index(p, i)), mean_norm(ctx, p.zbar[i - 1])))
            for i in _blocks(p)]


def _pre_target(ctx: Any, b: Any, p: Parts, i: int) -> Any:
    """Wbar_(i-1) zbar_(i-2) + bbar_(i-1) at the support points (the pre-activation of zbar_(i-1))."""
    return run(ctx, [(b.m("Wbar")[i - 2], b.m("bbar")[i - 2])], p.zbar[i - 2], False)


def _t7(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    """Per support point ||ReLU(u)|| <= ||u|| with equality iff u >= 0, so the printed equality of the means
    holds iff every pre-activation is >= 0 at every support point: decided on the exact matrix."""
    return [Comparison(f"i={i}: E||zbar_(i-1)|| = E||Wbar_(i-1) zbar_(i-2) + bbar_(i-1)|| iff the pre-activation "
                       f"is >= 0 at every support point: its smallest entry", min_entry(ctx, _pre_target(ctx, b, p, i)),
                       ">=", 0) for i in range(2, p.lbar + 1)]


def _t7_le(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    out = []
    for i in range(2, p.lbar + 1):
        pre = _pre_target(ctx, b, p, i)
        low = min_entry(ctx, pre)
        if ctx.level != "float" and ctx.decide(Comparison("", low, ">=", 0))[0].status == "holds":
            # ReLU is the identity at every support point: the two sides are the same number (equality)
            out.append(Comparison(f"i={i}: every pre-activation >= 0 at the support, so both sides are equal: its "
                                  f"smallest entry", low, ">=", 0))
        else:
            out.append(Comparison(f"i={i}: E||zbar_(i-1)|| vs E||Wbar_(i-1) zbar_(i-2) + bbar_(i-1)||",
                                  mean_norm(ctx, p.zbar[i - 1]), "<=", mean_norm(ctx, pre)))
    return out


def _identical(what: str) -> Comparison:
    """A case where both sides are the same expression (empty products and sums): it holds with equality by
    the definitions; exact integers, since balls alone cannot decide a tie."""
    return Comparison(f"{what}: both sides are the same expression (empty product and sum)", 0, "==", 0)


def _t8(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    return [_identical("i=1: E||zbar_0|| = E||x||")] + [
        Comparison(f"i={i}: E||zbar_(i-1)|| vs prod ||Wbar_j||_F E||x|| + sum prod ||Wbar_k||_F ||bbar_j||",
                   mean_norm(ctx, p.zbar[i - 1]), "<=", t8_bound(ctx, p, i)) for i in _blocks(p) if i > 1]


def _t9(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    return [Comparison("E||x||_2 vs sqrt(||Sigma||_F)", p.mean_x, "==", p.sqrt_sigma_f)]


def _t9_jensen(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    return [Comparison("E||x||_2 vs sqrt(tr Sigma) = sqrt(E||x||^2)", p.mean_x, "<=", p.sqrt_trace)]


def _t10(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    bt = beta(ctx, p, p.sqrt_sigma_f)
    return [_identical("i=1: the left side is sqrt(||Sigma||_F), the last term of beta's max")] + [
        Comparison(f"i={i}: sqrt(||Sigma||_F) prod_(j<=i-1) ||Wbar_j||_F + sum_(j<=i-1) prod_(k=j+1..i-1) "
                   f"||Wbar_k||_F ||bbar_j|| vs beta", t10_lhs(ctx, p, i, p.sqrt_sigma_f), "<=", bt)
        for i in _blocks(p) if i > 1]


def _t11(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    a = alpha_star(ctx, p)
    out = []
    for i in range(2, p.lbar + 1):
        rhs = p.delta(ctx, 1)
        for _ in range(i - 1):
            rhs = rhs * a
        for k in range(2, i + 1):
            t = p.b_term(ctx, k)
            for _ in range(i - k):
                t = t * a
            rhs = rhs + t
        out.append(wcmp(ctx, p, f"i={i}: E||zhat_i - zbar_i|| vs alpha^(i-1) E||zhat_1 - zbar_1|| + "
                        f"sum_(k=2..i) alpha^(i-k) B_k (alpha = max_k(||Wbar_k||_F + E_k))", p.delta(ctx, i), "<=",
                        rhs))
    return out


def _t12(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    bt = beta(ctx, p, p.sqrt_sigma_f)
    return [wcmp(ctx, p, "E||zhat_1 - zbar_1|| vs beta s_(RM∧Rt_1+1)(E^(1))", p.delta(ctx, 1), "<=",
                 times(ctx, bt, sv_each(ctx, b, p.E[0], _printed_index(p, 1))))]


def _t13(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    out = []
    for i in _blocks(p):
        k_printed = _printed_index(p, i)
        if all(k == p.rm[i - 1] + 1 for k in k_printed):
            out.append(Comparison(f"i={i}: index RM∧Rt_i + 1 vs RM + 1 (RM < Rt_i: the same singular value)",
                                  k_printed[0], "==", p.rm[i - 1] + 1))
        else:
            out.append(Comparison(f"i={i}: s_(RM∧Rt_i+1)(E^(i)) vs s_(RM+1)(E^(i))",
                                  sv_each(ctx, b, p.E[i - 1], k_printed), "==", p.Ei[i - 1]))
    return out


def _t14(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    """Every inner pre-activation of block i is >= 0 on enclosures of zhat_(i-1) and zbar_(i-1) over all of X."""
    from theorems.zeng_lee.models.fnn.domain import domain_from_options

    d = b.params["D"]
    dom = domain_from_options(b.options, d)
    wits = p.witness
    big_l = len(wits[0].weights)
    ws = [ctx.load([w.weights[li] for w in wits]) for li in range(big_l)]
    bs = [ctx.load([w.biases[li] for w in wits]) for li in range(big_l)]
    enc_hat = enc_bar = box_enclosure(ctx, dom)
    out = []
    for i, blk in enumerate(p.blocks):
        for name, enc in (("zhat", enc_hat), ("zbar", enc_bar)):
            comp, off = None, ctx.zeros(d, 1)
            for li in blk[:-1]:
                comp = ws[li] if comp is None else ctx.mm(ws[li], comp)
                off = ctx.add(ctx.mm(ws[li], off), bs[li])
                low = min_entry(ctx, lower(ctx, affine_enclosure(ctx, comp, off, enc)))
                out.append(Comparison(f"block {i + 1}, layer {li + 1}: min pre-activation over the range of "
                                      f"{name}_{i} on X (enclosure)", low, ">=", 0))
        last = i == p.lbar - 1 and not p.output_relu
        pre_hat = affine_enclosure(ctx, p.What[i], b.m("bbar")[i], enc_hat)
        pre_bar = affine_enclosure(ctx, b.m("Wbar")[i], b.m("bbar")[i], enc_bar)
        enc_hat = pre_hat if last else relu_enclosure(ctx, pre_hat)
        enc_bar = pre_bar if last else relu_enclosure(ctx, pre_bar)
    return out or [Comparison("no block has inner layers (one layer per block)", 0, "<=", 0)]


def statement_comparisons(ctx: Any, b: Any, p: Parts, input_size: Any | None = None) -> list[Comparison]:
    """E||f(x) - fbar(x)||_2 against the bound, and every adapter's rank against R_l."""
    bound = stated_bound(ctx, p, input_size)
    which = "sqrt(||Sigma||_F)" if input_size is None else "sqrt(tr Sigma)"
    out = [Comparison(f"E||f(x) - fbar(x)||_2 vs beta sum_i alpha^(Lbar-i) E_i (beta with {which})",
                      p.delta(ctx, p.lbar), "<=", bound, scale=bound)]
    wit = p.witness[0]
    for li, ad in enumerate(wit.adapters):
        if ad is not None:
            out.append(Comparison(f"rank(dW_{li + 1}) <= LoRA factor width vs R_{li + 1}", ad[0].ncols, "<=",
                                  wit.ranks[li]))
    return out


def _step(cid: str, label: str, statement: str, fn: Any, cites: tuple[str, ...] = (), role: str = "step",
          interpretation: str = "", applies: Any = None) -> Claim:
    return Claim(cid, statement=statement, evaluate=fn, levels=LEVELS, role=role, label=label, cites=cites,
                 interpretation=interpretation, applies=applies)  # type: ignore[arg-type]


def _deep(inst: Any) -> bool:
    return len(inst.matrices["Wbar"]) >= 2


def step_claims(lemma: str) -> tuple[Claim, ...]:
    """T1-T14 (and the readings they need) for a spec whose one-layer lemma is `lemma` (R-FNN1 / R-FNN1V)."""
    return (
        _step("T1", "T1", r"(17) $E\|\hat z_i - \bar z_i\| \le A_i + B_i$ (triangle inequality)", _t1),
        _step("T2", "T2", r"$f_i(\hat z) - f_i(z) = \mathrm{ReLU}(\hat W_i(\hat z - z))$ at every support point "
              r"(written as an equality inside $A_i$; $\hat W_i$ = the block's composed weight)", _t2),
        _step("T2-lipschitz", "T2", r"$\|f_i(\hat z) - f_i(z)\| \le \|\hat W_i(\hat z - z)\|$ at every support point "
              r"(what (18) needs: ReLU is 1-Lipschitz and the block is $\mathrm{ReLU}(\hat W_i z + \bar b_i)$ on "
              r"both ranges)", _t2_lipschitz, role="interpretation",
              interpretation="T2's equality is read as the inequality of norms that (18) uses."),
        _step("T3", "T3", r"(18) $A_i \le \|\hat W_i\|_F\, E\|\hat z_{i-1} - \bar z_{i-1}\|$", _t3),
        _step("T4", "T4", r"(19) $\|\hat W_i\|_F \le \|\bar W_i\|_F + \sqrt{\sum_{j > RM\wedge \tilde R_i} "
              r"\sigma_j^2(E^{(i)})}$", _t4),
        _step("T5", "T5", r"the right side of (19) is $\le \alpha := \max_k(\|\bar W_k\|_F + E_i)$ ($E_i$ as printed) "
              r"and (20) $A_i \le \alpha\, E\|\hat z_{i-1} - \bar z_{i-1}\|$", _t5),
        _step("T5-spectral", "T5", r"$A_i \le (\|\bar W_i\|_2 + E_i) E\|\hat z_{i-1} - \bar z_{i-1}\|$ and "
              r"$\|\bar W_i\|_2 + E_i \le \max_k(\|\bar W_k\|_F + E_k)$", _t5_spectral, role="interpretation",
              interpretation="(20) through the spectral norm: ||What_i||_2 <= ||Wbar_i||_2 + s_(RM+1)(E^(i)), "
                             "which the Frobenius route of (19) cannot give."),
        _step("T6", "T6", r"$B_i \le \sigma_{RM\wedge\tilde R_i + 1}(E^{(i)})\, E\|\bar z_{i-1}\|_2$", _t6,
              cites=(lemma,)),
        _step("T7", "T7", r"$E\|\bar z_{i-1}\|_2 = E\|\bar W_{i-1}\bar z_{i-2} + \bar b_{i-1}\|_2$ "
              r"(printed '=', cited as 1-Lipschitz)", _t7, applies=_deep),
        _step("T7-le", "T7", r"$E\|\bar z_{i-1}\|_2 \le E\|\bar W_{i-1}\bar z_{i-2} + \bar b_{i-1}\|_2$",
              _t7_le, role="interpretation", applies=_deep,
              interpretation="T7 read as the inequality ReLU's 1-Lipschitz property gives."),
        _step("T8", "T8", r"$E\|\bar z_{i-1}\| \le \prod_{j<i}\|\bar W_j\|_F E\|x\|_2 + \sum_{j<i}"
              r"\prod_{k=j+1}^{i-1}\|\bar W_k\|_F \|\bar b_j\|_2$", _t8),
        _step("T9", "T9", r"$E\|x\|_2 = \sqrt{\|\Sigma\|_F}$", _t9),
        _step("T9-jensen", "T9", r"$E\|x\|_2 \le \sqrt{\mathrm{tr}\,\Sigma} = \sqrt{E\|x\|_2^2}$ (Jensen)", _t9_jensen,
              role="interpretation",
              interpretation="The bound on E||x||_2 that holds for every law: sqrt(tr Sigma), not sqrt(||Sigma||_F) "
                             "(which is smaller whenever Sigma has rank >= 2)."),
        _step("T10", "T10", r"$\sqrt{\|\Sigma\|_F}\prod_{j\le i-1}\|\bar W_j\|_F + \sum_{j\le i-1}"
              r"\prod_{k=j+1}^{i-1}\|\bar W_k\|_F\|\bar b_j\|_2 \le \beta$", _t10),
        _step("T11", "T11", r"(21) $E\|\hat z_i - \bar z_i\| \le \alpha^{i-1}E\|\hat z_1 - \bar z_1\| + "
              r"\sum_{k=2}^{i}\alpha^{i-k}B_k$ ($\alpha = \max_k(\|\bar W_k\|_F + E_k)$)", _t11, applies=_deep),
        _step("T12", "T12", r"$E\|\hat z_1 - \bar z_1\| \le \beta\,\sigma_{RM\wedge\tilde R_1+1}(E^{(1)})$ (from (16))",
              _t12, cites=(lemma,)),
        _step("T13", "T13", r"$\sigma_{RM\wedge\tilde R_i + 1}(E^{(i)}) = \sigma_{RM+1}(E^{(i)})$", _t13),
        _step("T14", "T14", r"(implicit) each block's linearising biases keep its inner ReLUs active on the ranges "
              r"of both $\hat z_{i-1}$ and $\bar z_{i-1}$ over $\mathcal X$ (certified enclosures)", _t14),
    )


__all__ = ["LEVELS", "statement_comparisons", "step_claims"]
