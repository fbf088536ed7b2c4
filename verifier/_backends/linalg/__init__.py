"""Certified linear algebra behind a small facade (python-flint is loaded only when it is used).

`_svd` holds the certified SVD (Ogita-Aishima refinement with rigorous enclosures), singular-value
enclosures, low-rank approximations with error bounds and arb-matrix helpers; `_assume` the
non-singularity checks that use them. Back ends and specs reach them through `verifier.linalg`.
"""
