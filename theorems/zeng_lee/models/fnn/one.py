"""Lemma 9 / Lemma 10 (R-FNN1, R-FNN1E, R-FNN1V): the construction for a one-layer target, with
per-layer ranks, bound to an instance in any arithmetic.

The paper's construction: adapters from Lemma 7 (Lemma 8 for per-layer ranks) toward Wbar_1, so
that prod(W_l + dW_l) = prod W_l + LR_k(E) with k = (sum_l R_l) ∧ R_E; biases of layers 1..L-1
making every inner pre-activation >= 0 on X; the last bias making the effective bias bbar_1.
Here the adapters are R-LIN's (`lora_adapters`) aimed at the block target prod W + LR_k(E), whose
product is exactly that target.

Where LR_k(E) is rational (k >= rank E, or a rational SVD of E comes with the instance) the whole
construction is built in exact arithmetic and loaded into the asking arithmetic, so certified
arithmetic keeps exact shadows and decides every identity exactly. Otherwise it is built in the
asking arithmetic around the certified ball of LR_k(E), and identities hold within a stated slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from theorems.zeng_lee.models.fnn.construct import Adapted, certify_on_domain
from theorems.zeng_lee.models.fnn.domain import Domain, box_enclosure, domain_from_options
from theorems.zeng_lee.models.fnn.lowrank import LowRank, exact_lowrank, lowrank
from theorems.zeng_lee.models.fnn.model import FNN
from theorems.zeng_lee.models.fnn.plan import rat
from theorems.zeng_lee.models.fnn.spec import Built, build, output_relu_of
from verifier import InstanceError, RatMatrix, get_context


@dataclass(frozen=True, slots=True)
class OneLayer:
    """Lemma 9's construction on one instance (or a float batch).

    Args:
        built: the adapted network, its domain and its certificate on X (see `Built`).
        pw: prod_l W_l; e: E = Wbar_1 - prod W_l (both in the asking arithmetic).
        lr: LR_k(E) with its slack; k = min(sum_l R_l, D) (LR_k(E) = LR_{k ∧ R_E}(E)).
        exact: every piece is an exact rational (identities are decided exactly).
        rational: (f, fbar) as exact `verifier.evidence.ReLUNet`s when `exact` (for box-law integrals).
    """

    built: Built
    pw: Any
    e: Any
    lr: LowRank
    k: int
    exact: bool
    rational: tuple[Any, Any] | None = None

    def slack(self, ctx: Any, scale: Any) -> Any:
        """Slack for identities involving LR_k(E): None when exact, else the ball's bound plus rounding."""
        if self.exact:
            return None
        return ctx.witness_tol(scale) + self.lr.slack * 4 if ctx.level == "certified" else ctx.witness_tol(scale)


def ranks_all(params: Any) -> list[int]:
    """Rank R on every layer (Lemma 9)."""
    return [params["R"]] * params["L"]


def one_layer(ctx: Any, b: Any, ranks: Sequence[int]) -> OneLayer:
    """Lemma 9's construction with rank `ranks[l]` on layer l (a float batch shares the ranks)."""
    d, big_l = b.params["D"], b.params["L"]
    if len(ranks) != big_l:
        raise InstanceError(f"need {big_l} per-layer ranks, got {len(ranks)}")
    k = min(sum(ranks), d)
    ws = list(b.m("W"))
    pw = ctx.prod(ws, d)
    e = ctx.sub(b.m("Wbar")[0], pw)
    blocks = (tuple(range(big_l)),)
    if ctx.level in ("certified", "exact"):
        ex = exact_lowrank(b.instances[0], k)
        if ex is not None:
            lr = LowRank(ctx.load([ex]), 0, True)
            built, nets = _exact_built(ctx, b, ranks, ex)
            return OneLayer(built, pw, e, lr, k, True, nets)
    lr = lowrank(ctx, b, e, k)
    built = build(ctx, b, blocks, ranks, targets=[(ctx.add(pw, lr.value), b.m("bbar")[0])])
    return OneLayer(built, pw, e, lr, k, False)


def _exact_built(ctx: Any, b: Any, ranks: Sequence[int], lr: RatMatrix) -> tuple[Built, tuple[Any, Any]]:
    """Build in exact arithmetic and load the network into `ctx` (certified: exact shadows kept);
    also the adapted and target networks as exact ReLUNets."""
    from verifier.evidence import ReLUNet

    inst = b.instances[0]
    d, big_l = b.params["D"], b.params["L"]
    ex = get_context("exact")
    with ex.session():
        be = ex.bind([inst])
        pw = ex.prod(list(be.m("W")), d)
        got = build(ex, be, (tuple(range(big_l)),), ranks, targets=[(ex.add(pw, ex.load([lr])), be.m("bbar")[0])])
        ad = got.adapted
        net_w = [rat(w) for w in ad.net.weights]
        net_b = [rat(x) for x in ad.net.biases]
        ads = [None if a is None else (rat(a[0]), rat(a[1])) for a in ad.adapters]
        tg = [(rat(t), rat(s)) for t, s in ad.targets]

    def load(m: RatMatrix) -> Any:
        return ctx.load([m])

    net = FNN(tuple(load(w) for w in net_w), tuple(load(x) for x in net_b), ad.net.output_relu)
    loaded = Adapted(net, tuple(None if a is None else (load(a[0]), load(a[1])) for a in ads), ad.blocks,
                     tuple((load(t), load(s)) for t, s in tg))
    dom = domain_from_options(b.options, d)
    relu = output_relu_of(b.options)
    nets = (ReLUNet.build(net_w, net_b, output_relu=relu),
            ReLUNet.build(list(inst.matrices["Wbar"]), list(inst.matrices["bbar"]), output_relu=relu))
    built = Built(loaded, dom, certify_on_domain(ctx, loaded, box_enclosure(ctx, dom), exact=True), tuple(ranks))
    return built, nets


# -- exact points of X ------------------------------------------------------------------------------

def interior_points(dom: Domain, n: int, seed: int = 0) -> RatMatrix:
    """n exact points strictly inside X (D x n): the centre, then dyadic points spread over X."""
    rng = np.random.default_rng([seed, 9091])
    d = dom.dim
    cols: list[list[Fraction]] = []
    for j in range(n):
        u = [Fraction(int(v), 64) for v in rng.integers(-56, 57, size=d)] if j else [Fraction(0)] * d
        if dom.kind == "ball":
            # |u_i| <= 7/8, so ||u|| <= 7/8 sqrt(D): scaled by r / (2 sqrt(D)) rounded down, strictly inside
            s = dom.radius / (2 * (int(np.ceil(np.sqrt(d))) or 1))
            cols.append([c + s * x for c, x in zip(dom.center, u, strict=True)])
        else:
            cols.append([(lo + hi) / 2 + (hi - lo) / 2 * x for lo, hi, x in zip(dom.lo, dom.hi, u, strict=True)])
    return RatMatrix(d, n, tuple(cols[j][i] for i in range(d) for j in range(n)))


def target_output(ctx: Any, b: Any, x: Any) -> Any:
    """fbar(x) = ReLU(Wbar_1 x + bbar_1) (no ReLU on request: options.output_relu)."""
    pre = ctx.add(ctx.mm(b.m("Wbar")[0], x), ctx.mm(b.m("bbar")[0], ctx.ones(1, ctx.shape(x)[1])))
    return ctx.relu(pre) if output_relu_of(b.options) else pre


__all__ = ["OneLayer", "interior_points", "one_layer", "ranks_all", "target_output"]
