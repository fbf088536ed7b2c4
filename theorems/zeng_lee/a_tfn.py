"""A-TFN1 (Assumption 3, p34) and A-TFN (Assumption 4, p37): the non-singularity assumptions of Theorems 8 and 7,
checked on instances (exact determinants, certified smallest singular values, exact refutations)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.tfn import tfn_shapes
from theorems.zeng_lee.models.tfn_assume import (
    NONSINGULAR_MARGIN,
    Reading,
    check_conditions,
    conditions,
    correction_margins,
    first_singular,
    weights_nonsingular,
)
from theorems.zeng_lee.r_tfn import ASSUMPTIONS as A4
from theorems.zeng_lee.r_tfn1 import ASSUMPTIONS as A3
from theorems.zeng_lee.tfn_instances import draw_sizes, no_aux, random_tfn, transpose_gap_instance
from verifier import Claim, Comparison, Instance, Parameter, Refutation, Theorem, exact_rank


def _weights(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    """Every weight has full rank (exact ranks; rational data)."""
    inst = b.instances[0]
    d = inst.p("D")
    out = []
    for name, ms in sorted(inst.matrices.items()):
        if name.startswith("W"):
            out += [Comparison(f"rank({name}[{k + 1}])", exact_rank(m), "==", d)
                    for k, m in enumerate(ms if isinstance(ms, tuple) else (ms,))]
    return out


def _refute_weights(inst: Instance) -> Refutation | None:
    w = weights_nonsingular(inst)
    return Refutation("exact", w.detail) if w.status == "violated" else None


def margins(reading: Reading, rmax: Any = None) -> Any:
    """An evaluate: certified s_min(base + LR_r(E)) >= 2^-80 for every condition and r (or every r <= rmax(inst))."""
    def evaluate(ctx: Any, b: Any, c: Any) -> list[Comparison]:
        inst = b.instances[0]
        prec = ctx.describe().get("prec_bits", 170)
        out = []
        for cond in conditions(inst, reading, None if rmax is None else rmax(inst)):
            out += [Comparison(label, s, ">=", NONSINGULAR_MARGIN) for label, s in correction_margins(cond, prec)]
        return out

    return evaluate


def refute_corrections(reading: Reading) -> Any:
    def refute(inst: Instance) -> Refutation | None:
        why = first_singular(inst, reading)
        return Refutation("exact", why) if why else None

    return refute


def _generate(theorem: str, single: bool, keep: tuple[str, ...]) -> Any:
    def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
        """Random TFNs (the paper's laws at D = 16); for A-TFN1, index 1 is the structured instance of the finding."""
        if params is None and single and index == 1:
            return transpose_gap_instance(theorem, keep)
        if params is None:
            p = {"D": 16, "H": 2, "L": 2} if index == 0 else draw_sizes(rng, single)
            p = {k: v for k, v in {**p, "R": int(rng.integers(1, p["D"] + 1))}.items() if k in keep}
        else:
            p = dict(params)
        fz = random_tfn(rng, p, paper=p["D"] == 16)
        return Instance(theorem, p, {**fz, **random_tfn(rng, p, "bar", paper=p["D"] == 16)}, seed=index)

    return generate


def _printed_holds(inst: Instance) -> bool:
    return check_conditions(inst, "printed").status == "holds"


WEIGHTS = Claim("weights-nonsingular", statement=r"all weight matrices of both TFNs are non-singular (exact ranks)",
                quantifier="exists", levels=("exact",), evaluate=_weights, refute=_refute_weights)

A_TFN1 = Theorem(
    check_instance=no_aux,
    id="A-TFN1",
    title="Assumption 3 (single-head transformer): non-singularity, checked on instances",
    statement=A3[0].statement + "; " + A3[1].statement,
    source=PAPER.at("Assumption 3", page="34"),
    parameters=(Parameter("D", description="width", low=1, high=16), Parameter("L", description="blocks", low=1,
                                                                                  high=3)),
    claims=(
        WEIGHTS,
        Claim("corrections-nonsingular", statement=r"the matrices of Assumption 3, as printed, are non-singular "
              r"for every $r \in [D]$ (certified $s_{\min} \ge 2^{-80}$; refuted only by an exact certificate)",
              quantifier="exists", levels=("certified",), evaluate=margins("printed"),
              refute=refute_corrections("printed")),
        Claim("proof-reading", statement=r"where Assumption 3 holds as printed, the proof's hypothesis for the pairs "
              r"$(W_{Ql}, W_{Kl}^T)$ of blocks $l \ge 2$ holds too: $W_{Kl}^T W_{Ql} + \mathrm{LR}_r(\cdot - "
              r"W_{Kl}^T W_{Ql})$ non-singular for every $r \in [D]$", quantifier="exists", levels=("certified",),
              evaluate=margins("transposed"), applies=_printed_holds, refute=refute_corrections("transposed"),
              role="interpretation",
              interpretation="Theorem 8's proof applies Lemma 7 to (W_Ql, W_Kl^T), whose hypothesis involves "
                             "W_Kl^T W_Ql; the print has W_Kl W_Ql (no transpose). This claim asks whether the "
                             "printed condition gives what the proof uses; an exact counterexample shows it does not."),
    ),
    generate=_generate("A-TFN1", True, ("D", "L")),
    shapes=tfn_shapes,
    interpretation="An assumption, checked on instances: 'holds' means certified (or exact) on each instance; an "
                   "instance violates it only by an exact certificate (a zero determinant, or a rational and unique "
                   "LR_r with det(base + LR_r) = 0). The structured instance 1 meets the printed Assumption 3 while "
                   "the transposed reading, which the proof of Theorem 8 needs, fails.",
    default_examples=4,
    # an assumption is no universal claim: that a structured (null-set) instance misses it is no finding,
    # so search asks only whether random instances meet it
    generic_instances=True,
)

A_TFN = Theorem(
    check_instance=no_aux,
    id="A-TFN",
    title="Assumption 4 (multi-head transformer): non-singularity for r in [R], checked on instances",
    statement=r"For fixed $R$: " + A4[0].statement + "; " + A4[1].statement,
    source=PAPER.at("Assumption 4", page="37"),
    parameters=(Parameter("D", description="width", low=1, high=16), Parameter("H", description="heads", low=1,
                                                                                  high=4),
                Parameter("L", description="blocks", low=1, high=3), Parameter("R", description="LoRA rank", low=1,
                                                                                 high=16)),
    claims=(
        WEIGHTS,
        Claim("corrections-nonsingular", statement=r"the matrices of Assumption 4 are non-singular for every "
              r"$r \in [R]$, $h \in [H]$ (certified $s_{\min} \ge 2^{-80}$; refuted only by an exact certificate)",
              quantifier="exists", levels=("certified",), evaluate=margins("printed"),
              refute=refute_corrections("printed")),
    ),
    generate=_generate("A-TFN", False, ("D", "H", "L", "R")),
    shapes=tfn_shapes,
    interpretation="An assumption, checked on instances (as A-TFN1). Its matrices are exactly Lemma 7's hypotheses "
                   "for the pairs of Theorem 7's proof (with the transposes), for r in [R] (Assumption 3 asks "
                   "r in [D]).",
    default_examples=4,
    generic_instances=True,  # as for A-TFN1
)
