"""R-TFN (Theorem 7, p8; full form p37-38, eq. (23); proof p38-39): LoRA on the multi-head transformer;
f = fbar for all X once R >= max_i ceil(G_i / 2), under Assumption 4."""

from __future__ import annotations

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.tfn import tfn_shapes
from theorems.zeng_lee.models.tfn_assume import check_conditions, weights_nonsingular
from theorems.zeng_lee.tfn_claims import construction, tfn_claims
from theorems.zeng_lee.tfn_instances import make_generator, no_aux, r_in_d
from verifier import Assumption, Parameter, Theorem

ID = "R-TFN"

#: Default instances: the paper's experiment (D = 16, H = 2, L = 2 and 1, R = 8 = ceil(D/2)) and small ones at,
#: below and above the threshold, with one or several heads and blocks.
SCHEDULE = (
    ({"D": 16, "H": 2, "L": 2, "N": 4}, "random", 0),
    ({"D": 16, "H": 2, "L": 1, "N": 4}, "random", 0),
    ({"D": 4, "H": 2, "L": 2, "N": 3}, "any", 0),
    ({"D": 5, "H": 1, "L": 1, "N": 3}, "random", -1),
    ({"D": 3, "H": 3, "L": 2, "N": 2}, "any", 0),
    ({"D": 6, "H": 2, "L": 3, "N": 2}, "any", 1),
)

STATEMENT = (
    r"Let $R \in [D]$ and Assumption 4 hold. With $G_1 = \max_h \mathrm{rank}(\bar W_{K1}^{hT} \bar W_{Q1}^h - "
    r"W_{K1}^{hT} W_{Q1}^h) \vee \max_h \mathrm{rank}(\bar W_{11} \bar W_{O1}^h \bar W_{V1}^h - W_{11} W_{O1}^h "
    r"W_{V1}^h)$, $G_i = \max_h \mathrm{rank}(\bar W_{2,i-1}^T \bar W_{Ki}^{hT} \bar W_{Qi}^h \bar W_{2,i-1} - "
    r"W_{2,i-1}^T W_{Ki}^{hT} W_{Qi}^h W_{2,i-1}) \vee \max_h \mathrm{rank}(\bar W_{1i} \bar W_{Oi}^h \bar W_{Vi}^h "
    r"\bar W_{2,i-1} - W_{1i} W_{Oi}^h W_{Vi}^h W_{2,i-1})$ and $G_{L+1} = \mathrm{rank}(\bar W_o \bar W_{2L} - "
    r"W_o W_{2L})$: if $R \ge \max_i \lceil G_i/2 \rceil$, adapters of rank $\le R$ on every $W_{Kl}^h, W_{Ql}^h, "
    r"W_{Vl}^h, W_{Ol}^h$, on $W_{2L}$ and $W_o$ (others $O$, in particular $W_{1l}$ unadapted) and biases give "
    r"$f(X) = \bar f(X)$ for every $X \in \mathbb{R}^{D \times N}$."
)

ASSUMPTIONS = (
    Assumption("weights-nonsingular", statement=r"Assumption 4: all weight matrices of both TFNs are non-singular",
               check=weights_nonsingular),
    Assumption(
        "assumption-4",
        statement=r"Assumption 4 (p37), for all $r \in [R]$, $h \in [H]$ non-singular: $W_{K1}^{hT} W_{Q1}^h + "
        r"\mathrm{LR}_r(\bar W_{K1}^{hT} \bar W_{Q1}^h - W_{K1}^{hT} W_{Q1}^h)$; $l \ge 2$: $W_{Kl}^{hT} W_{Ql}^h + "
        r"\mathrm{LR}_r(W_{2,l-1}^{-T} \bar W_{2,l-1}^T \bar W_{Kl}^{hT} \bar W_{Ql}^h \bar W_{2,l-1} W_{2,l-1}^{-1} - "
        r"W_{Kl}^{hT} W_{Ql}^h)$; $W_{O1}^h W_{V1}^h + \mathrm{LR}_r(W_{11}^{-1} \bar W_{11} \bar W_{O1}^h "
        r"\bar W_{V1}^h "
        r"- W_{O1}^h W_{V1}^h)$; $l \ge 2$: $W_{Ol}^h W_{Vl}^h + \mathrm{LR}_r(W_{1l}^{-1} \bar W_{1l} \bar W_{Ol}^h "
        r"\bar W_{Vl}^h \bar W_{2,l-1} W_{2,l-1}^{-1} - W_{Ol}^h W_{Vl}^h)$; $W_o W_{2L} + \mathrm{LR}_r(\bar W_o "
        r"\bar W_{2L} - W_o W_{2L})$",
        check=check_conditions,
    ),
)

R_TFN = Theorem(
    check_instance=no_aux,
    id=ID,
    title="LoRA on transformers: f = fbar for all X above max_i ceil(G_i / 2)",
    statement=STATEMENT,
    source=PAPER.at("Theorem 7", page="8, 37-39"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("H", description="heads", low=1, high=4),
        Parameter("L", description="blocks", low=1, high=3),
        Parameter("N", description="tokens", low=1, high=8),
        Parameter("R", description="LoRA rank", low=1, high=16),
    ),
    assumptions=ASSUMPTIONS,
    construction=construction,
    construction_summary=(
        "Lemma 7 with L = 2 on each pair, block by block with C_l = Wbar_{2,l-1} W_{2,l-1}^{-1}: per head "
        "(W_Ql^h, W_Kl^hT) toward C_l^T Wbar_Kl^hT Wbar_Ql^h C_l and (W_Vl^h, W_Ol^h) toward "
        "W_1l^{-1} Wbar_1l Wbar_Ol^h Wbar_Vl^h C_l; (W_2L, W_o) toward Wbar_o Wbar_2L; bhat_1l = bbar_1l, "
        "bhat_2l = W_2l Wbar_2l^{-1} bbar_2l (l < L), bhat_2L = (W_o + dW_o)^{-1} Wbar_o bbar_2L. SVD-based (the "
        "paper's (8), (11)) in float, mp and certified arithmetic; an exact rank factorisation in rational arithmetic. "
        "K2 and K4-K6 are checked with full-rank weights that meet their conditions exactly."
    ),
    claims=tfn_claims(single=False, assumption="A-TFN"),
    generate=make_generator(ID, False, SCHEDULE),
    shapes=tfn_shapes,
    constraints=r_in_d,
    depends_on=("R-LIN", "A-TFN", "R-TFN1"),
    interpretation=(
        "The statement is decided by exact parameter identities (per block and head: scores, W_1 W_O W_V, biases; "
        "then W_o W_2L and W_o bhat_2L) that imply f(X) = fbar(X) for every X; sample inputs are supporting "
        "evidence. A construction that misses is unresolved; a refutation needs an impossibility certificate "
        "(available for L = H = 1, N >= 2, D >= 2). The threshold is sufficient, not minimal: e.g. a target whose "
        "hidden units are the frozen ones permuted and positively rescaled has G_i = D yet is matched by biases."
    ),
    default_examples=len(SCHEDULE),
)
