"""R-TFN1 (Theorem 8, p34, proof p35-36): LoRA on the single-head transformer; f = fbar for all X once
R >= max_i ceil(G_i / 2), under Assumption 3 as printed."""

from __future__ import annotations

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.tfn import tfn_shapes
from theorems.zeng_lee.models.tfn_assume import check_conditions, weights_nonsingular
from theorems.zeng_lee.tfn_claims import construction, tfn_claims
from theorems.zeng_lee.tfn_instances import make_generator, no_aux, r_in_d
from verifier import Assumption, Parameter, Theorem

ID = "R-TFN1"

#: Default instances: the paper's scale (D = 16, L = 2 and 1; R = 8 = ceil(D/2)), the structured instance of
#: the Assumption 3 finding (index 1), and small ones at, below and above the threshold.
SCHEDULE = (
    ({"D": 16, "L": 2, "N": 4}, "random", 0),
    ({}, "", 0),  # structured: see make_generator(structured=...)
    ({"D": 4, "L": 2, "N": 3}, "any", 0),
    ({"D": 5, "L": 1, "N": 3}, "random", -1),
    ({"D": 3, "L": 3, "N": 2}, "any", 0),
    ({"D": 6, "L": 2, "N": 2}, "any", 1),
)

STATEMENT = (
    r"Let $R \in [D]$ and Assumption 3 hold. With $G_1 = \mathrm{rank}(\bar W_{K1}^T \bar W_{Q1} - W_{K1}^T W_{Q1}) "
    r"\vee \mathrm{rank}(\bar W_{11} \bar W_{V1} - W_{11} W_{V1})$, $G_i = \mathrm{rank}(\bar W_{2,i-1}^T "
    r"\bar W_{Ki}^T \bar W_{Qi} \bar W_{2,i-1} - W_{2,i-1}^T W_{Ki}^T W_{Qi} W_{2,i-1}) \vee \mathrm{rank}("
    r"\bar W_{1i} \bar W_{Vi} \bar W_{2,i-1} - W_{1i} W_{Vi} W_{2,i-1})$ ($2 \le i \le L$) and $G_{L+1} = "
    r"\mathrm{rank}(\bar W_o \bar W_{2L} - W_o W_{2L})$: if $R \ge \max_{i} \lceil G_i/2 \rceil$, adapters of rank "
    r"$\le R$ on $(W_{Kl}, W_{Ql}, W_{Vl}, W_{1l})_{l \in [L]}$, $W_{2L}$, $W_o$ (others $O$) and biases "
    r"$(\hat b_{1l}, \hat b_{2l})$ give $f(X) = \bar f(X)$ for all $X \in \mathbb{R}^{D \times N}$ "
    r"(printed: 'with probability 1')."
)

ASSUMPTIONS = (
    Assumption("weights-nonsingular", statement=r"Assumption 3: all weight matrices of both TFNs are non-singular",
               check=weights_nonsingular),
    Assumption(
        "assumption-3",
        statement=r"Assumption 3 (p34), for all $r \in [D]$ non-singular: $W_{K1}^T W_{Q1} + "
        r"\mathrm{LR}_r(\bar W_{K1}^T "
        r"\bar W_{Q1} - W_{K1}^T W_{Q1})$; for $l \ge 2$: $W_{Kl} W_{Ql} + \mathrm{LR}_r(W_{2,l-1}^{-T} "
        r"\bar W_{2,l-1}^T \bar W_{Kl}^T \bar W_{Ql} \bar W_{2,l-1} W_{2,l-1}^{-1} - W_{Kl} W_{Ql})$ (no transpose "
        r"on $W_{Kl}$, as printed); $W_{11} W_{V1} + \mathrm{LR}_r(\bar W_{11} \bar W_{V1} - W_{11} W_{V1})$; for "
        r"$l \ge 2$: $W_{1l} W_{Vl} + \mathrm{LR}_r(\bar W_{1l} \bar W_{Vl} \bar W_{2,l-1} W_{2,l-1}^{-1} - "
        r"W_{1l} W_{Vl})$; $W_o W_{2L} + \mathrm{LR}_r(\bar W_o \bar W_{2L} - W_o W_{2L})$",
        check=lambda inst: check_conditions(inst, "printed"),
    ),
)

R_TFN1 = Theorem(
    check_instance=no_aux,
    id=ID,
    title="LoRA on single-head transformers: f = fbar for all X above max_i ceil(G_i / 2)",
    statement=STATEMENT,
    source=PAPER.at("Theorem 8", page="34, 35-36"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="blocks", low=1, high=3),
        Parameter("N", description="tokens", low=1, high=8),
        Parameter("R", description="LoRA rank", low=1, high=16),
    ),
    assumptions=ASSUMPTIONS,
    construction=construction,
    construction_summary=(
        "Lemma 7 with L = 2 on each pair, block by block with C_l = Wbar_{2,l-1} W_{2,l-1}^{-1}: (W_Ql, W_Kl^T) toward "
        "C_l^T Wbar_Kl^T Wbar_Ql C_l, (W_Vl, W_1l) toward Wbar_1l Wbar_Vl C_l, (W_2L, W_o) toward Wbar_o Wbar_2L; "
        "bhat_1l = bbar_1l, bhat_2l = W_2l Wbar_2l^{-1} bbar_2l (l < L), bhat_2L = (W_o + dW_o)^{-1} Wbar_o bbar_2L. "
        "SVD-based (the paper's (8), (11)) in float, mp and certified arithmetic; an exact rank factorisation in "
        "rational arithmetic. The steps K2 and K4-K6 are checked with full-rank weights that meet their conditions "
        "exactly (random unimodular re-factorisations of the target)."
    ),
    claims=tfn_claims(single=True, assumption="A-TFN1"),
    generate=make_generator(ID, True, SCHEDULE, structured=(1,)),
    shapes=tfn_shapes,
    constraints=r_in_d,
    depends_on=("R-LIN", "A-TFN1"),
    interpretation=(
        "The statement is decided by exact parameter identities (scores, values, biases per block, W_o W_2L and "
        "W_o bhat_2L) that imply f(X) = fbar(X) for every X; sample inputs are supporting evidence. 'With probability "
        "1' is printed on a statement without randomness: the sure statement is checked, which implies it. A "
        "construction that misses is unresolved; a refutation needs an impossibility certificate (available for "
        "L = 1, N >= 2, D >= 2: the scores must then match exactly). Assumption 3 is checked as printed (W_Kl W_Ql "
        "for l >= 2); the proof's Lemma 7 step (K3) needs W_Kl^T W_Ql, so an instance can meet the printed assumption "
        "while K3 fails: a proof gap, shown on the structured default instance 1."
    ),
    default_examples=len(SCHEDULE),
)
