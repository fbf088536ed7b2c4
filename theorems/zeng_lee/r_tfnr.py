"""R-TFN1R (Corollary 9, p36) and R-TFNR (Corollary 10, p39): with independent continuous weight entries and
R >= ceil(D/2), LoRA makes the transformer (single- resp. multi-head) equal the target for all X.

No "a.s." is printed; the proofs go through Lemma 13 (14), Theorem 8 (7) and "max_i G_i = D" (as in Corollary 4).
The statement is checked on random draws (`generic_instances`): on each draw the construction's exact parameter
identities decide f = fbar for all X. A draw where it failed would be inconclusive (a null event cannot refute a
statement about random weights; a refutation would need a certified open set of weights), and none is attempted.
"""

from __future__ import annotations

from collections.abc import Mapping
from math import ceil
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.a_tfn import margins
from theorems.zeng_lee.models.tfn import tfn_shapes
from theorems.zeng_lee.models.tfn_exact import rank_gaps, threshold
from theorems.zeng_lee.tfn_claims import construction, on_samples, statement_comparisons
from theorems.zeng_lee.tfn_instances import draw_sizes, no_aux, r_in_d, tfn_instance, with_r
from verifier import Claim, Comparison, Instance, Parameter, Theorem

SIZES = ({"D": 16, "H": 2, "L": 2, "N": 4}, {"D": 16, "H": 2, "L": 1, "N": 4}, {"D": 3, "H": 2, "L": 2, "N": 3},
         {"D": 5, "H": 1, "L": 2, "N": 2}, {"D": 4, "H": 3, "L": 1, "N": 3})


def _generate(theorem: str, single: bool) -> Any:
    def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
        """Independent draws of both TFNs; R = ceil(D/2) on even indices, else at random in ceil(D/2)..D."""
        if params is not None:
            return tfn_instance(theorem, rng, params, "random", index, paper=params["D"] == 16)
        p = dict(SIZES[index]) if index < len(SIZES) else draw_sizes(rng, single)
        if single:
            p.pop("H", None)
        half = ceil(p["D"] / 2)
        inst = tfn_instance(theorem, rng, {**p, "R": 1}, "random", index, paper=p["D"] == 16)
        return with_r(inst, half if index % 2 == 0 else int(rng.integers(half, p["D"] + 1)))

    return generate


def _half(inst: Instance) -> bool:
    return inst.p("R") >= ceil(inst.p("D") / 2)


def _max_gap(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    inst = b.instances[0]
    return [Comparison("max_i G_i vs D", max(rank_gaps(inst)), "==", inst.p("D"))]


def _via_theorem(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    inst = b.instances[0]
    return [Comparison("max_i ceil(G_i/2) vs R", threshold(inst), "<=", inst.p("R"))]


def _rr(inst: Instance) -> int:
    return inst.p("R")


def _claims(single: bool) -> tuple[Claim, ...]:
    lemma, thm, assumption = ("Lemma 13", "R-TFN1", "3") if single else ("Lemma 14", "R-TFN", "4")
    nets = r"$(W_{Kl}, W_{Ql}, W_{Vl}, W_{1l})$" if single else r"$(W_{Kl}^h, W_{Ql}^h, W_{Vl}^h, W_{Ol}^h)$"
    return (
        Claim("f-equals-fbar", statement=r"if $R \ge \lceil D/2 \rceil$: adapters of rank $\le R$ on " + nets +
              r", $W_{2L}$, $W_o$ plus bias tuning give $f(X) = \bar f(X)$ for all $X$ (on the draw; decided by "
              r"exact parameter identities)", quantifier="exists", evaluate=statement_comparisons, applies=_half),
        Claim("f-equals-fbar-on-samples", statement=r"the constructed $f$ equals $\bar f$ on sample inputs",
              quantifier="exists", levels=("float", "mp", "certified"), evaluate=on_samples, applies=_half,
              role="interpretation", interpretation="supporting evidence on given inputs only"),
        Claim("assumption-a.s.", statement=rf"by {lemma}, Assumption {assumption} holds on the draw (certified; a "
              r"failure would be inconclusive)", quantifier="exists", levels=("certified",),
              evaluate=margins("printed", None if single else _rr), role="step", label=lemma,
              cites=("R-RAND-TFN1" if single else "R-RAND-TFN",)),
        Claim("max-gap-is-D", statement=r"$\max_i G_i = D$ (as printed; it holds almost surely, as in Corollary 4)",
              quantifier="exists", levels=("exact",), evaluate=_max_gap, role="step", label="max_i G_i = D",
              cites=("R-RANDUNI",)),
        Claim("via-theorem", statement=r"$R \ge \lceil D/2 \rceil \ge \max_i \lceil G_i/2 \rceil$, so Theorem "
              + ("8" if single else "7") + " applies", levels=("exact",), evaluate=_via_theorem, applies=_half,
              role="step", label="Theorem " + ("8" if single else "7"), cites=(thm,)),
    )


def _theorem(single: bool) -> Theorem:
    tid = "R-TFN1R" if single else "R-TFNR"
    params = [Parameter("D", description="width", low=1, high=16)]
    if not single:
        params.append(Parameter("H", description="heads", low=1, high=4))
    params += [Parameter("L", description="blocks", low=1, high=3), Parameter("N", description="tokens", low=1,
                                                                                high=8),
               Parameter("R", description="LoRA rank", low=1, high=16)]
    heads = "single-head" if single else "multi-head"
    return Theorem(
        check_instance=no_aux,
        id=tid,
        title=f"Random {heads} transformers: R >= ceil(D/2) gives f = fbar for all X",
        statement=rf"If all weight entries of both {heads} TFNs are independent and continuously distributed and "
                  r"$R \ge \lceil D/2 \rceil$, low-rank adapters on " + (
                      r"$(W_{Kl}, W_{Ql}, W_{Vl}, W_{1l})_{l}$" if single else
                      r"$(W_{Kl}^h, W_{Ql}^h, W_{Vl}^h, W_{Ol}^h)_{l,h}$") +
                  r", $W_{2L}$, $W_o$ plus bias tuning give $f(X) = \bar f(X)$ for all $X$ (no 'a.s.' printed).",
        source=PAPER.at("Corollary 9" if single else "Corollary 10", page="36" if single else "39"),
        parameters=tuple(params),
        claims=_claims(single),
        construction=construction,
        construction_summary="The construction of Theorem " + ("8" if single else "7") + " (see " +
                             ("R-TFN1" if single else "R-TFN") + ") on random draws.",
        generate=_generate(tid, single),
        shapes=tfn_shapes,
        constraints=r_in_d,
        depends_on=("R-RAND-TFN1", "R-TFN1") if single else ("R-RAND-TFN", "R-TFN"),
        interpretation="No 'a.s.' is printed; the sure reading fails only on null sets (e.g. singular weights), "
                       "which a random draw never produces and which cannot refute a statement about random "
                       "weights. Checked on random draws (the paper's laws at D = 16): f = fbar for all X is decided "
                       "by exact parameter identities per draw; a failure would stay inconclusive.",
        default_examples=len(SIZES),
        generic_instances=True,  # a statement about random weights: null-set instances do not refute it
    )


R_TFN1R = _theorem(single=True)
R_TFNR = _theorem(single=False)
