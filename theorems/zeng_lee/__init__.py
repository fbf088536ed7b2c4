"""Zeng & Lee, "The Expressive Power of Low-Rank Adaptation" (ICLR 2024; arXiv 2310.17513v3).

Every result as a spec keyed by its content id, in the paper's order (linear model, FNN results,
transformers); the package adds the paper's experiments and a float-stability study to its report,
and the `verifier reproduce` command.
"""
# ruff: noqa: I001  (the import order is the report's order)

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.c_mat import C_MAT
from theorems.zeng_lee.r_poly import R_POLY
from theorems.zeng_lee.r_det import R_DET
from theorems.zeng_lee.r_lin import R_LIN
from theorems.zeng_lee.r_linv import R_LINV
from theorems.zeng_lee.fnn_one import R_FNN1
from theorems.zeng_lee.fnn_one_err import R_FNN1E
from theorems.zeng_lee.fnn_one_v import R_FNN1V
from theorems.zeng_lee.fnn_auni import A_UNI
from theorems.zeng_lee.fnn_rand import R_RAND
from theorems.zeng_lee.fnn_uni import R_UNI
from theorems.zeng_lee.fnn_randuni import R_RANDUNI
from theorems.zeng_lee.fnn_abs import R_ABS
from theorems.zeng_lee.fnn_err import R_ERR
from theorems.zeng_lee.fnn_agen import A_GEN
from theorems.zeng_lee.fnn_randgen import R_RANDGEN
from theorems.zeng_lee.fnn_gen import R_GEN
from theorems.zeng_lee.fnn_generr import R_GENERR
from theorems.zeng_lee.fnn_flt0 import R_FLT0
from theorems.zeng_lee.fnn_flt import R_FLT
from theorems.zeng_lee.a_tfn import A_TFN1, A_TFN
from theorems.zeng_lee.r_rand_tfn import R_RAND_TFN1, R_RAND_TFN
from theorems.zeng_lee.r_tfn1 import R_TFN1
from theorems.zeng_lee.r_tfnr import R_TFN1R, R_TFNR
from theorems.zeng_lee.r_tfn import R_TFN
from theorems.zeng_lee.r_wide import R_WIDE
from theorems.zeng_lee.sections import REPRODUCE, REPRODUCTION, STABILITY
from verifier import SpecPackage

PACKAGE = SpecPackage(
    name="zeng_lee",
    title="Zeng & Lee, The Expressive Power of Low-Rank Adaptation (ICLR 2024)",
    source=PAPER,
    # Sec. C.1 and Lemmas 5-6 first (everything below cites them), App. H last.
    theorems=(C_MAT, R_POLY, R_DET, R_LIN, R_LINV,
              R_FNN1, R_FNN1E, R_FNN1V, A_UNI, R_RAND, R_UNI, R_RANDUNI, R_ABS, R_ERR,
              A_GEN, R_RANDGEN, R_GEN, R_GENERR, R_FLT0, R_FLT,
              A_TFN1, R_RAND_TFN1, R_TFN1, R_TFN1R, A_TFN, R_RAND_TFN, R_TFN, R_TFNR,
              R_WIDE),
    sections=(REPRODUCTION, STABILITY),
    commands=(REPRODUCE,),
)

__all__ = ["PACKAGE"]
