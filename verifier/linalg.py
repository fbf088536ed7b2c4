"""Public certified linear algebra for specs: exact and certified non-singularity checks, certified
singular values and low-rank approximations on python-flint ball matrices.

Importing this module loads nothing heavy: each name is imported from its private module (and
python-flint with it) on first use.
"""

from __future__ import annotations

from verifier._lazy import lazy_exports

_NAMES = {
    "all_nonsingular": "verifier._backends.linalg._assume",
    "lowrank_corrections_nonsingular": "verifier._backends.linalg._assume",
    "to_arb_mat": "verifier._backends.linalg._svd",
    "arb_mat_from_numpy": "verifier._backends.linalg._svd",
    "mid_to_numpy": "verifier._backends.linalg._svd",
    "frobenius_upper": "verifier._backends.linalg._svd",
    "singular_value": "verifier._backends.linalg._svd",
    "singular_value_enclosures": "verifier._backends.linalg._svd",
    "spectral_norm": "verifier._backends.linalg._svd",
    "spectral_norm_upper": "verifier._backends.linalg._svd",
    "is_nonsingular": "verifier._backends.linalg._lowrank",
    "lowrank_approx": "verifier._backends.linalg._lowrank",
    "lowrank_ball": "verifier._backends.linalg._lowrank",
    "smin_of_sum_with_lowrank": "verifier._backends.linalg._lowrank",
    "approx_svd": "verifier._backends.linalg._svd",
    "working_prec": "verifier._backends._ballkit",
    "arb_str": "verifier._backends._ballkit",
}

__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _NAMES, globals())
