"""Public Hypothesis strategies for structured exact matrices and theorem instances.

Use them in your own property tests:

    from hypothesis import given
    from verifier.strategies import matrices, instances

    @given(matrices(3, 3, kinds=("lowrank", "spectrum")))
    def test_my_bound(a): ...

    @given(instances(MY_THEOREM))
    def test_on_instances(inst): ...

Matrices are `RatMatrix` (exact rationals) of a drawn structure: zero, identity, signed
permutation, small integers, exact rank, exact singular spectrum (ties, gaps, clusters, chosen
conditioning), identity blocks or sparse; Hypothesis shrinks structure before values. The exact
building blocks are public too: `householder(v)` (a rational orthogonal reflection of an integer
vector) and `signed_permutation(perm, signs)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from verifier._search._structured import householder as householder
from verifier._search._structured import signed_permutation as signed_permutation
from verifier._search.strategies import KINDS as KINDS
from verifier._search.strategies import MatrixPlan as MatrixPlan
from verifier._search.strategies import build_matrix as build_matrix
from verifier._search.strategies import matrices as matrices
from verifier._search.strategies import matrix_plans as matrix_plans
from verifier._search.strategies import parameters as parameters
from verifier._search.strategies import spectra as spectra

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from verifier._records import Instance, Theorem


def instances(thm: Theorem, *, enforce: Sequence[str] | None = None, ranges: Mapping[str, tuple[int, int]] | None
              = None, structured: bool = True, max_param: int = 6) -> SearchStrategy[Instance]:
    """Instances of `thm` that meet its assumptions (all, or those named in `enforce`).

    Parameters are drawn within the spec's ranges capped at `max_param` (or `ranges`); with
    `structured`, matrices may be replaced by structured ones of the same shape.
    """
    from verifier._search.strategies import InstanceConfig, _composite, draw_candidate, parameter_ranges

    cfg = InstanceConfig(ranges=parameter_ranges(thm, ranges, max_param),
                         enforce=tuple(a.name for a in thm.assumptions) if enforce is None else tuple(enforce),
                         structured=structured, steer_values=not thm.generic_instances and structured)
    return _composite(lambda ch: draw_candidate(ch, thm, cfg).instances[0])


__all__ = ["KINDS", "MatrixPlan", "build_matrix", "householder", "instances", "matrices", "matrix_plans", "parameters",
           "signed_permutation", "spectra"]


def __dir__() -> list[Any]:
    return list(__all__)
