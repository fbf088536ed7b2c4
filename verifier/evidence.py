"""Evidence beyond sampled points, for specs: exact decisions about ReLU networks on all of R^D (or a
polyhedron), laws of random inputs with exact or certified expectations in every arithmetic,
certified lower bounds that refute existential error bounds, and refutations of probability-one
statements. See docs/evidence.md.

Piecewise-linear networks:
    ReLUNet.build(weights, biases=None, output_relu=False) -> ReLUNet (exact rational weights)
    decide_equal(f, g, domain=None, budget=None) -> EqualityDecision ("equal" | "differ" | "inconclusive")
    verify_equality(f, g, certificate, domain=None) -> True (re-checks a full "equal" certificate)
    activation_regions(net, domain=None, budget=None) -> Regions
    first_layers_agree(net, x1, x2, k) -> dict (exact outputs of the first k layers at two points)
    equality_claim(ctx, b, decide, label) -> Comparison (a claim "f = g", decide: instance -> EqualityDecision)
    equality_comparison(ctx, decision, label) -> Comparison (one instance, any arithmetic but batched float)
    Polyhedron.whole(D) | .box(lo, hi) | .build(A, c, E=None, e=None); Budget(max_regions, max_programs, ...)
    open_cell(A, c) -> Cell (exact interior point or exact multipliers for {x : A x < c})

Laws (every method takes a Context and answers in its arithmetic):
    FiniteLaw.of_points(points, weights=None), FiniteLaw.from_bound(b, "X") (columns of an instance matrix)
    BoxLaw.of(lo, hi), BallLaw.of(center, radius), GaussianLaw.standard(D, scale) / GaussianLaw(mu, cov)
    law.mean(ctx), law.second_moment(ctx) (Sigma = E x x^T), law.expect_sq_norm(ctx), law.expect_norm(ctx, p=1),
    law.expect_affine_sq_norm(ctx, M, m), law.expect_error(ctx, f, g, p=2)
    Enclosure (certified interval), Estimate (Monte Carlo, float evidence only), lift(ctx, b, fn), to_ctx(ctx, v),
    exact_scalar(ctx, q) (a rational that certified arithmetic keeps exact, so ties are decided)

Lower bounds (refuting "there exist parameters with error <= b"):
    least_squares_min(A, y, weights) -> Fraction; lowrank_min(X, T, rank, weights, free_bias) -> Case
    case_split(family, error, coverage, cases) -> LowerBound; relu_layer_lower_bound(W0, X, Y, rank, ...)
    LowerBound.refutation(b) -> Refutation | None; LowerBound.certificate(b) -> dict

Probability one:
    certify_open_set(fails, center, radius) -> OpenSetRefutation | None
    certify_every_draw(obj, witness, draw_shapes, condition) -> EveryDrawRefutation | None
    almost_surely(evaluate, names, radius) -> a claim's evaluate that decides on open boxes of weights

Importing this module loads nothing heavy: each name is imported from its private module (and
python-flint, scipy or SymPy with it) on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verifier._lazy import lazy_exports

if TYPE_CHECKING:
    from verifier._evidence._equality import EqualityDecision as EqualityDecision
    from verifier._evidence._equality import Region as Region
    from verifier._evidence._equality import Regions as Regions
    from verifier._evidence._equality import activation_regions as activation_regions
    from verifier._evidence._equality import decide_equal as decide_equal
    from verifier._evidence._equality import verify_equality as verify_equality
    from verifier._evidence._laws import BallLaw as BallLaw
    from verifier._evidence._laws import BoxLaw as BoxLaw
    from verifier._evidence._laws import FiniteLaw as FiniteLaw
    from verifier._evidence._laws import GaussianLaw as GaussianLaw
    from verifier._evidence._laws import LoadedFiniteLaw as LoadedFiniteLaw
    from verifier._evidence._laws import Resolution as Resolution
    from verifier._evidence._lower import Case as Case
    from verifier._evidence._lower import LowerBound as LowerBound
    from verifier._evidence._lower import case_split as case_split
    from verifier._evidence._lower import least_squares_min as least_squares_min
    from verifier._evidence._lower import lowrank_min as lowrank_min
    from verifier._evidence._lower import relu_layer_lower_bound as relu_layer_lower_bound
    from verifier._evidence._lp import Cell as Cell
    from verifier._evidence._lp import open_cell as open_cell
    from verifier._evidence._network import ReLUNet as ReLUNet
    from verifier._evidence._network import first_layers_agree as first_layers_agree
    from verifier._evidence._network import forward as forward
    from verifier._evidence._polyhedron import Polyhedron as Polyhedron
    from verifier._evidence._probone import EveryDrawRefutation as EveryDrawRefutation
    from verifier._evidence._probone import OpenSetRefutation as OpenSetRefutation
    from verifier._evidence._probone import almost_surely as almost_surely
    from verifier._evidence._probone import certify_every_draw as certify_every_draw
    from verifier._evidence._probone import certify_open_set as certify_open_set
    from verifier._evidence._regions import Budget as Budget
    from verifier._evidence._values import Enclosure as Enclosure
    from verifier._evidence._values import Estimate as Estimate
    from verifier._evidence._values import exact_scalar as exact_scalar
    from verifier._evidence._values import lift as lift
    from verifier._evidence._values import to_ctx as to_ctx
    from verifier._evidence._verdict import equality_claim as equality_claim
    from verifier._evidence._verdict import equality_comparison as equality_comparison

_M = "verifier._evidence."
_NAMES = {
    **dict.fromkeys(("EqualityDecision", "Region", "Regions", "activation_regions", "decide_equal",
                     "verify_equality"), _M + "_equality"),
    **dict.fromkeys(("BallLaw", "BoxLaw", "FiniteLaw", "GaussianLaw", "LoadedFiniteLaw", "Resolution"),
                    _M + "_laws"),
    **dict.fromkeys(("Enclosure", "Estimate", "exact_scalar", "lift", "to_ctx"), _M + "_values"),
    **dict.fromkeys(("Case", "LowerBound", "case_split", "least_squares_min", "lowrank_min",
                     "relu_layer_lower_bound"), _M + "_lower"),
    **dict.fromkeys(("Cell", "open_cell"), _M + "_lp"),
    **dict.fromkeys(("ReLUNet", "first_layers_agree", "forward"), _M + "_network"),
    "Polyhedron": _M + "_polyhedron",
    **dict.fromkeys(("EveryDrawRefutation", "OpenSetRefutation", "almost_surely", "certify_every_draw",
                     "certify_open_set"), _M + "_probone"),
    "Budget": _M + "_regions",
    **dict.fromkeys(("equality_claim", "equality_comparison"), _M + "_verdict"),
}

__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _NAMES, globals())
