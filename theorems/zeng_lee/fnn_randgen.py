"""R-RANDGEN (Lemma 11, p31-32): with independent continuous entries in all weights, Assumption 2 holds with
probability 1 for all R in [D]. Per random instance (random partition), the printed Assumption 2 is certified for
every r <= min(D(|P_i| - 1), D) in every block (LR_r for r >= D is the matrix itself), which covers every choice
of ranks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.fnn_agen import BLOCK, PRINTED
from theorems.zeng_lee.fnn_partition import blocks_of, random_partition
from theorems.zeng_lee.models.fnn import fnn_shapes, random_fnn
from theorems.zeng_lee.models.fnn.agen import Reading, comparisons, families
from verifier import Claim, Comparison, Instance, Parameter, Theorem

ID = "R-RANDGEN"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


def constraints(p: Mapping[str, int]) -> str | None:
    return None if p["Lbar"] <= p["L"] else f"need Lbar <= L, got Lbar={p['Lbar']} > L={p['L']}"


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Independent Gaussian entries (rounded to a 2^-10 grid) in frozen and target weights; a random partition.
    Widths cycle through 3, 5 and the paper's 16 (with (Lbar, L) = (2, 4))."""
    if params is None:
        d = (3, 5, 16)[index % 3]
        big_l = 4 if d == 16 else int(rng.integers(2, 6))
        params = {"D": d, "L": big_l, "Lbar": 2 if d == 16 else int(rng.integers(1, min(big_l, 3) + 1))}
    d, big_l, lbar = params["D"], params["L"], params["Lbar"]
    sizes = random_partition(rng, big_l, lbar)
    return Instance(ID, dict(params), random_fnn(rng, d, big_l, lbar), options={"partition": sizes}, seed=index)


def _evaluate(reading: Reading) -> Any:
    def evaluate(ctx: Any, b: Any, c: Any) -> list[Comparison]:
        inst = b.instances[0]
        m = inst.matrices
        # R_l = D on every layer: r runs to min(D (|P_i| - 1), D), every r any choice of ranks can need
        fams = families(m["W"], m["Wbar"], blocks_of(inst.parameters, inst.options), [inst.p("D")] * inst.p("L"),
                        reading)
        return comparisons(fams, "Q_i + LR_r(M_i)")

    return evaluate


R_RANDGEN = Theorem(
    id=ID,
    title="Random weights satisfy Assumption 2 for every rank choice, with probability one (Lemma 11)",
    statement=(r"If all entries of $(\bar W_l)$ and $(W_l)$ are independent, each from a continuous distribution, "
               r"then with probability 1 Assumption 2 holds for all $R \in [D]$: " + PRINTED + "."),
    source=PAPER.at("Lemma 11", page="31-32"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
    ),
    claims=(
        Claim("a-gen-every-rank", statement=r"on the random draw, Assumption 2 as printed holds for every "
              r"$r \le \min(D(|P_i| - 1), D)$ in every block (so for every choice of ranks); a failure on one "
              r"draw would be inconclusive (a null event refutes nothing)", quantifier="exists", levels=("certified",),
              evaluate=_evaluate("printed")),
        Claim("block-reading-every-rank",
              statement="on the random draw, " + BLOCK + r" for every $r \le \min(D(|P_i| - 1), D)$",
              quantifier="exists", levels=("certified",), evaluate=_evaluate("block"), role="interpretation",
              interpretation="Lemma 10's whole-block hypothesis, which the printed Assumption 2 does not state."),
    ),
    shapes=shapes,
    generate=generate,
    constraints=constraints,
    depends_on=("A-GEN", "R-RAND"),
    interpretation=("A probability-one statement, checked draw by draw: a draw where a needed matrix is certified "
                    "non-singular counts for it; nothing short of a positive-probability set would refute it. The "
                    "partition is an instance option (random here)."),
    default_examples=6,
    generic_instances=True,  # a probability-one statement: null-set instances do not refute it
)
