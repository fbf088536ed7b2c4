"""R-RAND-TFN1 (Lemma 13, p34) and R-RAND-TFN (Lemma 14, p37): with independent continuous weight entries,
Assumptions 3 and 4 hold with probability one ("as Lemma 3").

A probability-one statement is checked on random draws (`generic_instances`): each draw reports whether the
assumption was certified on it. A draw where it fails would only be inconclusive: the failure set of such an
assumption is a null set, so a refutation would need a certified open set of weights where it fails (positive
probability), which no claim here can produce; none is attempted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.a_tfn import WEIGHTS, margins
from theorems.zeng_lee.models.tfn import tfn_shapes
from theorems.zeng_lee.tfn_instances import draw_sizes, no_aux, random_tfn
from verifier import Claim, Instance, Parameter, Theorem

#: Default draws: the paper's scale (with its laws: attention weights N(0, 1), linear layers Xavier-uniform),
#: then small sizes with N(0, 1/D) entries.
SIZES = ({"D": 16, "H": 2, "L": 2}, {"D": 3, "H": 2, "L": 2}, {"D": 5, "H": 1, "L": 1}, {"D": 4, "H": 3, "L": 3})


def _generate(theorem: str, single: bool) -> Any:
    def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
        """Independent draws of both TFNs (continuous laws rounded to the 2^-10 grid)."""
        if params is None:
            p = dict(SIZES[index]) if index < len(SIZES) else draw_sizes(rng, single)
            p = {k: v for k, v in p.items() if k in (("D", "L") if single else ("D", "H", "L"))}
        else:
            p = dict(params)
        paper = p["D"] == 16
        return Instance(theorem, p, {**random_tfn(rng, p, paper=paper), **random_tfn(rng, p, "bar", paper=paper)},
                        seed=index)

    return generate


def _all_r(inst: Instance) -> int:
    return inst.p("D")


NOTE = ("(a failure on one draw is inconclusive: a null event cannot refute a probability-one statement, and no "
        "open set of failures is certified)")

R_RAND_TFN1 = Theorem(
    check_instance=no_aux,
    id="R-RAND-TFN1",
    title="Random weights satisfy Assumption 3 with probability one",
    statement=r"If all entries of the weights of both single-head TFNs are independent and continuously "
              r"distributed, Assumption 3 holds almost surely (as Lemma 3).",
    source=PAPER.at("Lemma 13", page="34"),
    parameters=(Parameter("D", description="width", low=1, high=16),
                Parameter("L", description="blocks", low=1, high=3)),
    claims=(
        Claim("weights-nonsingular", statement=WEIGHTS.statement + " on the draw", quantifier="exists",
              levels=("exact",), evaluate=WEIGHTS.evaluate),
        Claim("assumption-3", statement=r"Assumption 3 as printed holds on the draw (certified $s_{\min} \ge 2^{-80}$ "
              r"for every matrix and $r \in [D]$) " + NOTE, quantifier="exists", levels=("certified",),
              evaluate=margins("printed")),
        Claim("proof-reading", statement=r"the transposed reading ($W_{Kl}^T W_{Ql}$, what Theorem 8's proof uses) "
              r"holds on the draw " + NOTE, quantifier="exists", levels=("certified",), evaluate=margins("transposed"),
              role="interpretation",
              interpretation="Assumption 3 prints W_Kl W_Ql for l >= 2; the proof needs W_Kl^T W_Ql (see A-TFN1). "
                             "Both hold almost surely; this claim checks the reading the proof uses."),
    ),
    generate=_generate("R-RAND-TFN1", True),
    shapes=tfn_shapes,
    depends_on=("A-TFN1", "R-RAND", "R-DET"),  # "as Lemma 3", i.e. through Lemma 6
    interpretation="A probability-one statement, checked as a count of random draws on which Assumption 3 was "
                   "certified; never refuted by a draw: failures form a null set, and a refutation would need a "
                   "certified open set of failing weights.",
    default_examples=len(SIZES),
    generic_instances=True,  # a probability-one statement: null-set instances do not refute it
)

R_RAND_TFN = Theorem(
    check_instance=no_aux,
    id="R-RAND-TFN",
    title="Random weights satisfy Assumption 4 (for every R) with probability one",
    statement=r"If all entries of the weights of both multi-head TFNs are independent and continuously "
              r"distributed, Assumption 4 holds almost surely (as Lemma 3), for every $R \in [D]$.",
    source=PAPER.at("Lemma 14", page="37"),
    parameters=(Parameter("D", description="width", low=1, high=16),
                Parameter("H", description="heads", low=1, high=4),
                Parameter("L", description="blocks", low=1, high=3)),
    claims=(
        Claim("weights-nonsingular", statement=WEIGHTS.statement + " on the draw", quantifier="exists",
              levels=("exact",), evaluate=WEIGHTS.evaluate),
        Claim("assumption-4", statement=r"Assumption 4 holds on the draw for every $R \in [D]$ (certified "
              r"$s_{\min} \ge 2^{-80}$ for every matrix, head and $r \in [D]$) " + NOTE, quantifier="exists",
              levels=("certified",), evaluate=margins("printed", _all_r)),
    ),
    generate=_generate("R-RAND-TFN", False),
    shapes=tfn_shapes,
    depends_on=("A-TFN", "R-RAND", "R-DET"),
    interpretation="Assumption 4 is stated for a fixed R (r in [R]); the lemma is checked for every R at once, "
                   "r in [D]. A probability-one statement: counted on random draws, never refuted by one.",
    default_examples=len(SIZES),
    generic_instances=True,  # a probability-one statement: null-set instances do not refute it
)
