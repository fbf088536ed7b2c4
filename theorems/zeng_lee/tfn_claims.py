"""The claims shared by Theorems 7 (multi-head) and 8 (single-head): the statement, decided by exact parameter
identities, and the proof steps K1-K9 (THEOREMS.md, "Transformers").

The statement "f(X) = fbar(X) for all X" is not decided on sampled inputs: softmax is not rational, so the
certificate is a list of parameter identities (`parameter_identities`) that imply equality for every X. Sampled
inputs are supporting evidence only. Steps that say a set of conditions is *sufficient* (K2, K4-K6) are checked
with weights that meet the conditions exactly and have no rank limit (`condition_witness`), so they test the
implication itself; K3, K8 and K9 are checked on the Lemma 7 construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from theorems.zeng_lee.models.tfn import TFN, Trace, load_inputs, load_tfn, run
from theorems.zeng_lee.models.tfn_assume import singular_certificate
from theorems.zeng_lee.models.tfn_construct import (
    Construction,
    block_identities,
    construct,
    identity_gaps,
    output_identities,
    pair_products,
    parameter_identities,
    unadapted,
)
from theorems.zeng_lee.models.tfn_exact import (
    adapter_ranks,
    cached,
    exact_analysis,
    load_exact_adapted,
    load_witness,
    threshold,
)
from verifier import Claim, Comparison, Instance, Refutation, exact_det

#: Sample inputs per instance where inputs are used: many in float, a few in the slow arithmetics.
INPUTS = {"float": 8, "mp": 1, "certified": 2, "exact": 0}


@dataclass(frozen=True)
class Built:
    """What the claims of one instance (or float batch) read, built lazily in one arithmetic."""

    ctx: Any
    b: Any
    cache: dict[str, Any] = field(default_factory=dict, compare=False)

    def _get(self, key: str, make: Any) -> Any:
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def frozen(self) -> TFN:
        return self._get("frozen", lambda: load_tfn(self.b))

    def target(self) -> TFN:
        return self._get("target", lambda: load_tfn(self.b, target=True))

    def lemma7(self) -> Construction:
        return self._get("lemma7", lambda: construct(self.ctx, self.frozen(), self.target(), self.b.params["R"]))

    def exact_adapted(self) -> TFN:
        """The adapted TFN of the rational construction, loaded into this arithmetic (same witness everywhere)."""
        return self._get("exact", lambda: load_exact_adapted(self.ctx, self.b.instances))

    def witness(self) -> TFN:
        return self._get("witness", lambda: load_witness(self.ctx, self.b.instances))

    def inputs(self) -> list[Any]:
        return self._get("inputs", lambda: load_inputs(self.ctx, self.b, INPUTS[self.ctx.level]))

    def runs(self, which: str) -> list[Trace]:
        """Forward passes of "target", "witness" or "lemma7" on the sample inputs."""
        nets = {"target": self.target, "witness": self.witness, "lemma7": lambda: self.lemma7().adapted,
                "exact": self.exact_adapted}
        return self._get("run-" + which, lambda: [run(self.ctx, nets[which](), x) for x in self.inputs()])


def construction(ctx: Any, b: Any) -> Built:
    return Built(ctx, b)


def _zero(ctx: Any, label: str, gap: Any, scale: Any) -> Comparison:
    return Comparison(label, gap, "==", 0, tol=ctx.witness_tol(scale), scale=scale)


def _identities(ctx: Any, ids: list[Any]) -> list[Comparison]:
    return [_zero(ctx, f"max|lhs - rhs| of {label}", gap, scale) for label, gap, scale in identity_gaps(ctx, ids)]


def _diff(ctx: Any, label: str, a: Any, b: Any) -> Comparison:
    scale = ctx.maxabs(b)
    return _zero(ctx, label, ctx.maxabs(ctx.sub(a, b)), scale)


def _hidden(ctx: Any, c: Built, which: str, blocks: range) -> list[Comparison]:
    """Hhat_l = H_l on the sample inputs (arithmetics with a softmax only)."""
    if not ctx.transcendental:
        return []
    out = []
    for k, (ta, tt) in enumerate(zip(c.runs(which), c.runs("target"), strict=True)):
        out += [_diff(ctx, f"X_{k + 1}: max|Hhat_{i + 1} - H_{i + 1}|", ta.hidden[i], tt.hidden[i]) for i in blocks]
    return out


def _ranks(ctx: Any, b: Any, con: Construction) -> list[Comparison]:
    out = []
    for label, ad in con.adapters:
        if ad is not None:
            size = ctx.rank(ctx.mm(*ad)) if ctx.exact_rank else ctx.shape(ad[0])[1]
            out.append(Comparison(f"rank({label})", size, "<=", b.params["R"]))
    return out


# -- the statement ------------------------------------------------------------------------


def statement_comparisons(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    """Adapter ranks <= R, the unadapted weights unchanged, and every parameter identity (f = fbar for all X).

    The witness is the construction in rational arithmetic (exact ranks), loaded into the arithmetic at hand:
    the existential statement needs some adapters, and these are the ones whose identities are exact.
    """
    r = b.params["R"]
    ranks: dict[str, int] = {}
    for inst in b.instances:  # a float batch: the largest rank of each adapter over its instances
        for name, k in adapter_ranks(inst):
            ranks[name] = max(k, ranks.get(name, 0))
    out = [Comparison(f"rank({name}) (exact)", k, "<=", r) for name, k in ranks.items()]
    a = c.exact_adapted()
    out += [_diff(ctx, f"{name} unadapted: max|W' - W|", w2, w) for name, w, w2 in unadapted(c.frozen(), a)]
    return out + _identities(ctx, parameter_identities(ctx, a, c.target()))


def on_samples(ctx: Any, b: Any, c: Built, which: str = "exact") -> list[Comparison]:
    """f(X) = fbar(X) on the sample inputs (the rational construction's weights unless `which` says otherwise)."""
    return [_diff(ctx, f"X_{k + 1}: max|f(X) - fbar(X)|", ta.output, tt.output)
            for k, (ta, tt) in enumerate(zip(c.runs(which), c.runs("target"), strict=True))]


def refute_single_block(inst: Instance) -> Refutation | None:
    """An impossibility certificate for L = 1, one head, N >= 2, D >= 2 (adapters of rank <= R cannot exist).

    On an open set of inputs X = [u, v, ..., v] near a point (v0, v0) where every hidden unit of both models has
    a fixed sign (or vanishes identically), each output column is softmax(M a + m) of its attention column a, M
    affine-invariant; softmax(y) = softmax(y') iff y - y' is a multiple of 1. Projecting out 1 and comparing the
    terms in t of u = v + t w (the attention column is Wbar_V (v + t w sbar(t)) with sbar a logistic function
    of t w^T Kbar x_j, K = W_K^T W_Q) forces s'(t) = sbar(t) whenever P Wbar_o Wbar_2 Wbar_1 Wbar_V w != 0
    (P the projector orthogonal to 1, rank D - 1 >= 1), hence w^T (K' - Kbar) v = 0 on open sets: K' = Kbar.
    K' - W_K^T W_Q = dW_K^T (W_Q + dW_Q) + W_K^T dW_Q has rank <= 2R, so rank(Kbar - W_K^T W_Q) > 2R refutes.
    """
    p, m = inst.parameters, inst.matrices
    if p["L"] != 1 or p.get("H", 1) != 1 or p["N"] < 2 or p["D"] < 2:
        return None
    names = ["WVbar", "W1bar", "W2bar"] + ([] if "H" not in p else ["WObar"])
    if any(exact_det(m[n][0]) == 0 for n in names) or exact_det(m["Woutbar"]) == 0:
        return None
    k = exact_analysis(inst).pairs[0].rank
    if k <= 2 * p["R"]:
        return None
    return Refutation(
        "exact",
        f"L = H = 1, N = {p['N']} >= 2, D = {p['D']} >= 2: f = fbar for all X forces (W_K + dW_K)^T (W_Q + dW_Q) = "
        f"Wbar_K^T Wbar_Q (softmax is shift-invariant only along 1; two-token inputs), a change of rank <= 2R = "
        f"{2 * p['R']}, but rank(Wbar_K^T Wbar_Q - W_K^T W_Q) = {k} (exact; Wbar_V, Wbar_1, Wbar_2, Wbar_o"
        f"{'' if 'H' not in p else ', Wbar_O'} non-singular, exact)",
        {"rank_qk_gap": k, "R": p["R"]},
    )


# -- the steps ------------------------------------------------------------------------------


def _k1(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    a = c.exact_adapted()
    ids = [x for i in range(a.L) for x in block_identities(ctx, a, c.target(), i)]
    return _identities(ctx, ids) + _hidden(ctx, c, "exact", range(a.L))


def _conditions(ctx: Any, c: Built, i: int) -> list[Comparison]:
    ids = [x for x in block_identities(ctx, c.witness(), c.target(), i) if not x[0].startswith("b2")]
    return _identities(ctx, ids)


def _k2(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    return _conditions(ctx, c, 0) + _hidden(ctx, c, "witness", range(1))


def _k3(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    if not lemma7_defined(b.instances[0]):
        # the paper's construction needs a singular inverse: a failed witness, which `refute_lemma7` certifies
        return [Comparison("Lemma 7's construction (8) is defined (exact certificate says not)", 0, "==", 1)]
    con = c.lemma7()
    out = [_diff(ctx, f"{label}: max|product - target|", prod, tgt) for label, prod, tgt in pair_products(ctx, con)]
    return out + _ranks(ctx, b, con)


def lemma7_defined(inst: Instance) -> bool:
    """False where `refute_lemma7` has an exact certificate that the paper's construction is undefined."""
    return refute_lemma7(inst) is None


def refute_lemma7(inst: Instance) -> Refutation | None:
    """Lemma 7's construction is undefined for some pair: W_2 (W_1 + dW_1) = base + LR_R(E) is singular (exact)."""
    return cached(inst, "lemma7-undefined", lambda: _lemma7_undefined(inst))


def _lemma7_undefined(inst: Instance) -> Refutation | None:
    r = inst.p("R")
    for p in exact_analysis(inst).pairs:
        if r < p.rank:
            why = singular_certificate(p.base, p.target, r)
            if why:
                return Refutation("exact", f"pair {p.label}: Lemma 7 with L = 2 sets dW_1 = W_2^-1 LR_R(E) and then "
                                           f"needs (W_1 + dW_1)^-1, but {why}",
                                  {"pair": p.label, "R": r, "rank_E": p.rank})
    return None


def _wit_runs(ctx: Any, c: Built) -> list[tuple[Trace, Trace]]:
    return list(zip(c.runs("witness"), c.runs("target"), strict=True))


def _k4(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    w, t = c.witness(), c.target()
    out = []
    for k, (ta, tt) in enumerate(_wit_runs(ctx, c)):
        ones = ctx.ones(1, ctx.shape(tt.z[0])[1])
        for i in range(w.L - 1):
            lhs = ctx.mm(ctx.inv(t.w2[i]), ctx.sub(tt.z[i + 1], ctx.mm(t.b2[i], ones)))
            rhs = ctx.mm(ctx.inv(w.w2[i]), ctx.sub(ta.z[i + 1], ctx.mm(w.b2[i], ones)))
            out.append(_diff(ctx, f"X_{k + 1}, l = {i + 1}: Wbar_2^-1 (Z - bbar_2 1^T) vs W_2^-1 (Zhat - bhat_2 1^T)",
                             rhs, lhs))
    return out


def _k5(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    w, t = c.witness(), c.target()
    out = _identities(ctx, [x for i in range(w.L - 1) for x in block_identities(ctx, w, t, i) if x[0].startswith("b2")])
    for k, (ta, tt) in enumerate(_wit_runs(ctx, c)):
        out += [_diff(ctx, f"X_{k + 1}, l = {i + 1}: Zhat_l vs W_2 Wbar_2^-1 Z_l", ta.z[i + 1],
                      ctx.mm(w.w2[i], ctx.inv(t.w2[i]), tt.z[i + 1])) for i in range(w.L - 1)]
    return out


def _k6(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    blocks = range(1, c.witness().L)
    return [x for i in blocks for x in _conditions(ctx, c, i)] + _hidden(ctx, c, "witness", blocks)


def _k7(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    return [Comparison(f"{p.label}: rank of the pair's gap vs rank printed in G_{p.block}", p.rank, "==",
                       p.printed_rank) for p in exact_analysis(b.instances[0]).pairs]


def _k8(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    out = _identities(ctx, output_identities(ctx, c.exact_adapted(), c.target()))
    if ctx.transcendental:
        out += on_samples(ctx, b, c)
    return out


def _k9(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    d = b.params["D"]
    return [Comparison("rank(W_o + dW_o)", ctx.rank(c.exact_adapted().wout), "==", d)]


def _deep(inst: Instance) -> bool:
    return inst.p("L") >= 2


def _exact_k7_levels() -> tuple[str, ...]:
    return ("exact",)


def tfn_claims(single: bool, assumption: str) -> tuple[Claim, ...]:
    """The statement, its sampled-input reading and K1-K9, for Theorem 8 (`single`) or Theorem 7."""
    nets = r"(W_{Kl}, W_{Ql}, W_{Vl}, W_{1l})_{l}" if single else r"(W_{Kl}^h, W_{Ql}^h, W_{Vl}^h, W_{Ol}^h)_{l,h}"
    val = r"(W_{11}+\Delta W_{11})(W_{V1}+\Delta W_{V1}) = \bar W_{11} \bar W_{V1}" if single else \
        r"(W_{O1}^h+\Delta W)(W_{V1}^h+\Delta W) = W_{11}^{-1} \bar W_{11} \bar W_{O1}^h \bar W_{V1}^h"
    sampled = ("float", "mp", "certified")
    return (
        Claim("f-equals-fbar", statement=rf"If $R \ge \max_i \lceil G_i/2 \rceil$: adapters of rank $\le R$ on "
              rf"${nets}$, $W_{{2L}}$, $W_o$ (others $O$) and biases give $f(X) = \bar f(X)$ for all "
              r"$X \in \mathbb{R}^{D \times N}$ (decided by exact parameter identities that imply it for every X)",
              quantifier="exists", evaluate=statement_comparisons, threshold=threshold,
              threshold_param="R", refute=refute_single_block),
        Claim("f-equals-fbar-on-samples", statement=r"the constructed $f$ equals $\bar f$ on sample inputs",
              quantifier="exists", levels=sampled, evaluate=on_samples, threshold=threshold, threshold_param="R",
              refute=refute_single_block, role="interpretation",
              interpretation="supporting evidence on given inputs only (certified balls through the softmax); "
                             "the statement itself is decided by the parameter identities"),
        Claim("K1", statement=r"induction claim: with the construction, $\hat H_l = H_l$ for every $l$ "
              r"($Z_0 = \hat Z_0 = X$); checked by the identities of each block (all X) and on sample inputs",
              quantifier="exists", evaluate=_k1, threshold=threshold, threshold_param="R", role="step", label="K1"),
        Claim("K2", statement=rf"(24), l = 1: $\hat b_{{11}} = \bar b_{{11}}$, per head $(W_{{K1}}+\Delta W)^T"
              rf"(W_{{Q1}}+\Delta W) = \bar W_{{K1}}^T \bar W_{{Q1}}$ and ${val}$ suffice for $\hat H_1 = H_1$",
              levels=sampled, evaluate=_k2, role="step", label="K2"),
        Claim("K3", statement=r"each two-factor equation is met by Lemma 7 with $L = 2$ (first factor $W_Q$ resp. "
              r"$W_V$, second $W_K^T$ resp. " + ("$W_1$" if single else "$W_O$") + r") when "
              r"$R \ge \lceil \text{gap}/2 \rceil$ (the construction (8), (11) with the SVD of the gap)",
              quantifier="exists", levels=sampled, evaluate=_k3, threshold=threshold, threshold_param="R",
              refute=refute_lemma7, role="step", label="K3", cites=("R-LIN", assumption)),
        Claim("K4", statement=r"$\hat H_{l-1} = H_{l-1}$ and $\Delta W_{2,l-1} = O$ give $\bar W_{2,l-1}^{-1}"
              r"(Z_{l-1} - \bar b_{2,l-1} 1^T) = W_{2,l-1}^{-1}(\hat Z_{l-1} - \hat b_{2,l-1} 1^T)$",
              levels=sampled, evaluate=_k4, applies=_deep, role="step", label="K4"),
        Claim("K5", statement=r"(22)/(25): with $\hat b_{2,l-1} = W_{2,l-1} \bar W_{2,l-1}^{-1} \bar b_{2,l-1}$, "
              r"$\hat Z_{l-1} = W_{2,l-1} \bar W_{2,l-1}^{-1} Z_{l-1}$", levels=sampled, evaluate=_k5,
              applies=_deep, role="step", label="K5"),
        Claim("K6", statement=r"(26), l >= 2: $\hat b_{1l} = \bar b_{1l}$ and the per-head (Q, K) and value "
              r"equations with $W_{2,l-1}^{-T} \cdots W_{2,l-1}^{-1}$ suffice for $\hat H_l = H_l$",
              levels=sampled, evaluate=_k6, applies=_deep, role="step", label="K6"),
        Claim("K7", statement=r"the rank gaps of K2/K6 equal those printed in $G_i$ (multiply by the invertible "
              r"$W_{2,i-1}$, $W_{1i}$)", levels=_exact_k7_levels(), evaluate=_k7, role="step", label="K7"),
        Claim("K8", statement=r"output: Lemma 7 on $(W_{2L}, W_o)$ with target $\bar W_o \bar W_{2L}$ and "
              r"$\hat b_{2L} = (W_o + \Delta W_o)^{-1} \bar W_o \bar b_{2L}$ give equal outputs",
              quantifier="exists", evaluate=_k8, threshold=threshold, threshold_param="R", role="step", label="K8",
              cites=("R-LIN",)),
        Claim("K9", statement=r"$W_o + \Delta W_o$ is invertible (as printed: 'as shown in the proof of Lemma 7')",
              evaluate=_k9, threshold=threshold, threshold_param="R", role="step", label="K9", cites=("R-LIN",),
              interpretation="Lemma 7's proof shows the first L - 1 adapted factors invertible; W_o is the last "
                             "factor of its pair. It is invertible all the same: K8 gives (W_o + dW_o)(W_2L + dW_2L) "
                             "= Wbar_o Wbar_2L, non-singular by Assumption 3/4. Checked on the construction of the "
                             "arithmetic (exact rank in rational arithmetic)."),
    )


__all__ = ["INPUTS", "Built", "construction", "lemma7_defined", "on_samples", "refute_lemma7", "refute_single_block",
           "statement_comparisons", "tfn_claims"]
