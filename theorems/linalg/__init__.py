"""Classical matrix facts as specs: what the paper's results rest on, checked like any theorem.

In dependency order: ranks, traces and norms first, then singular-value perturbation (Weyl,
Mirsky), then Eckart-Young-Mirsky. Every spec is checked at the strongest level it supports:
exact (rational elimination, exact algebraic singular values) for ranks, traces, Frobenius
identities and the Eckart-Young-Mirsky lower bounds at sizes up to 4; certified (ball arithmetic,
ties still decided exactly) where sums or products of singular values exceed the exact back end's
algebraic degree budget, and for the truncated-SVD witnesses.
"""
# ruff: noqa: I001  (the import order is the report's order)

from theorems.linalg.ranks import RANK_SUBADD, RANK_PRODUCT, SYLVESTER
from theorems.linalg.traces import TRACE_CYCLIC, QUADRATIC_FORM
from theorems.linalg.norms import FRO_TRACE, OPNORM, SUBMULT_2, SUBMULT_F, SUBMULT_2F
from theorems.linalg.singular_values import FRO_SV, WEYL_SV, MIRSKY_2, MIRSKY_F
from theorems.linalg.low_rank import EYM_2, EYM_F
from verifier import SpecPackage

PACKAGE = SpecPackage(
    name="linalg",
    title="Classical linear algebra: ranks, traces, norms, Weyl, Mirsky, Eckart-Young-Mirsky",
    theorems=(RANK_SUBADD, RANK_PRODUCT, SYLVESTER, TRACE_CYCLIC, QUADRATIC_FORM, FRO_TRACE, OPNORM, SUBMULT_2,
              SUBMULT_F, SUBMULT_2F, FRO_SV, WEYL_SV, MIRSKY_2, MIRSKY_F, EYM_2, EYM_F),
)

__all__ = ["PACKAGE"]
