"""The proof of Theorem 3 (R-UNI), step by step (U1-U6), on the construction: Lemma 9 on each block
P^u_i of the uniform partition (target layer i, inputs = the image of X under target layers 1..i-1).

Identities of functions of the block input z are proved on an enclosure of all block inputs over X
(the domain certificate, block by block) where the step is true, and refuted at exact points
z = zbar_{i-1}(x) for exact interior points x of X where it is false. U3's expectation is taken
over the finite law uniform on those points (exact).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from theorems.zeng_lee.models.fnn import (
    Built,
    corrections_assumption,
    domain_of,
    forward,
    uniform_block_ranks,
    uniform_blocks,
)
from theorems.zeng_lee.models.fnn.model import FNN
from theorems.zeng_lee.models.fnn.one import interior_points
from verifier import AssumptionResult, Comparison, Instance, exact_product

N_POINTS = 6


def block_certificate(built: Built, i: int) -> list[Comparison]:
    """The domain certificate's comparisons for block i (0-based): f_i = fbar_i on the block's inputs."""
    act = [c for c in built.check.activity if c.label.startswith(f"block {i + 1},")]
    return [*act, *built.check.affine[2 * i: 2 * i + 2]]


def _points(ctx: Any, b: Any) -> Any:
    return ctx.load([interior_points(domain_of(b.instances[0]), N_POINTS)] * len(b.instances))


def block_inputs(ctx: Any, b: Any, x: Any) -> list[Any]:
    """[zbar_0 = x, zbar_1, ..., zbar_{Lbar-1}]: the target's layer outputs at the points."""
    wbar, bbar = list(b.m("Wbar")), list(b.m("bbar"))
    ones = ctx.ones(1, ctx.shape(x)[1])
    zs = [x]
    for w, t in zip(wbar[:-1], bbar[:-1], strict=True):
        zs.append(ctx.relu(ctx.add(ctx.mm(w, zs[-1]), ctx.mm(t, ones))))
    return zs


def block_net(c: Built, blk: tuple[int, ...]) -> FNN:
    net = c.adapted.net
    return FNN(tuple(net.weights[li] for li in blk), tuple(net.biases[li] for li in blk), net.output_relu)


def u1(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    """f = f_Lbar o ... o f_1: the blocks are consecutive and cover 1..L in order, so the network (a
    composition of its layers) is the composition of its blocks; fbar is the composition of its layers."""
    blocks = c.adapted.blocks
    flat = [li for blk in blocks for li in blk]
    gaps = sum(1 for blk in blocks for a, bb in pairwise(blk) if bb != a + 1)
    return [Comparison("layers of the blocks, in order, vs 1..L (mismatches)",
                       sum(int(a != k) for k, a in enumerate(flat)) + abs(len(flat) - b.params["L"]) + gaps, "==", 0),
            Comparison("target blocks of one layer each: Lbar - #blocks", b.params["Lbar"] - len(blocks), "==", 0)]


def u2(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    """(15) with RL as printed: under the threshold RL >= Rt_i, so LR_{RL ∧ Rt_i}(E^(i)) = E^(i) and (15) says
    f_i = fbar_i on block i's inputs: certified on an enclosure of them over X."""
    inst = b.instances[0]
    rl = b.params["R"] * b.params["L"]
    out = [Comparison(f"block {i + 1}: R L vs rank E^({i + 1}) (then LR_(RL ∧ Rt_i)(E^(i)) = E^(i))", rl, ">=", rt)
           for i, rt in enumerate(uniform_block_ranks(inst))]
    for i in range(len(c.adapted.blocks)):
        out += block_certificate(c, i)
    return out


def u2_subscript(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    """(15)'s printed subscript RL ∧ Rt_i against block i's own budget R|P_i| ∧ Rt_i (what Lemma 9 on the block
    gives). They agree under Theorem 3's threshold; below it (where Theorem 5's proof reuses (15) and (16)) the
    printed RL makes the right side 0 whenever RL >= Rt_i, although the block has only R|P_i| ranks."""
    inst = b.instances[0]
    r, rl = b.params["R"], b.params["R"] * b.params["L"]
    return [Comparison(f"block {i + 1}: RL ∧ Rt_i vs R|P_i| ∧ Rt_i (|P_i| = {len(blk)}, Rt_i = {rt})", min(rl, rt),
                       "==", min(r * len(blk), rt))
            for i, (blk, rt) in enumerate(zip(uniform_blocks(inst.parameters), uniform_block_ranks(inst), strict=True))]


def u3(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    """(16) as printed, z = zbar_{i-1}(x) with x uniform on exact interior points of X."""
    x = _points(ctx, b)
    zs = block_inputs(ctx, b, x)
    n, d = ctx.shape(x)[1], b.params["D"]
    rl, ranks = b.params["R"] * b.params["L"], uniform_block_ranks(b.instances[0])
    whole = ctx.prod(list(b.m("W")), d)
    out = []
    for i, blk in enumerate(c.adapted.blocks):
        z = zs[i]
        fi = forward(ctx, block_net(c, blk), z)
        fb = ctx.relu(ctx.add(ctx.mm(b.m("Wbar")[i], z), ctx.mm(b.m("bbar")[i], ctx.ones(1, n))))
        lhs = ctx.scale(ctx.sum_entries(ctx.square(ctx.sub(fi, fb))), 1 / n if ctx.level == "float" else _frac(1, n))
        second = ctx.scale(ctx.mm(z, ctx.T(z)), 1 / n if ctx.level == "float" else _frac(1, n))
        k = min(rl, ranks[i]) + 1
        s = ctx.sv(ctx.sub(b.m("Wbar")[i], whole), k) if k <= d else ctx.const(0)
        out.append(Comparison(f"block {i + 1}: E||f_i(z) - fbar_i(z)||^2 vs ||E zz^T||_F s_(RL ∧ Rt_i + 1)^2"
                              "(Wbar_i - prod_(l=1..L) W_l)", lhs, "<=", ctx.frobenius(second) * s * s))
    return out


def _frac(a: int, b: int) -> Any:
    from fractions import Fraction

    return Fraction(a, b)


def u4(ctx: Any, b: Any, c: Built, with_bias: bool = False) -> list[Comparison]:
    """f_i(z) = ReLU((LR(E^(i)) + prod_{P_i} W_l) z) (printed without bias), at z = zbar_{i-1}(x); under the
    threshold LR(E^(i)) = E^(i), so the right side is ReLU(Wbar_i z)."""
    if with_bias:  # the reading with + bbar_i: proved on all block inputs by the certificate
        out = []
        for i in range(len(c.adapted.blocks)):
            out += block_certificate(c, i)
        return out
    x = _points(ctx, b)
    zs = block_inputs(ctx, b, x)
    out = []
    for i, blk in enumerate(c.adapted.blocks):
        fi = forward(ctx, block_net(c, blk), zs[i])
        rhs = ctx.relu(ctx.mm(b.m("Wbar")[i], zs[i]))
        sc = ctx.maxabs(fi) + ctx.maxabs(rhs) + 1
        out.append(Comparison(f"block {i + 1}: max over {N_POINTS} points of |f_i(z) - ReLU((LR(E^(i)) + "
                              "prod_(P_i) W_l) z)|", ctx.maxabs(ctx.sub(fi, rhs)), "==", 0, scale=sc))
    return out


def u5(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    inst = b.instances[0]
    m = b.params["L"] // b.params["Lbar"]
    out = [Comparison(f"R vs ceil(Rt_{i + 1} / M)", b.params["R"], ">=", -(-rt // m))
           for i, rt in enumerate(uniform_block_ranks(inst))]
    for i in range(len(c.adapted.blocks)):
        out += block_certificate(c, i)
    return out


def lemma9_hypothesis(inst: Instance, repaired: bool = False) -> AssumptionResult:
    """Lemma 9's hypothesis for every block P^u_i at rank R per layer: W_l and prod_{P_i} W_l + LR_r(E^(i))
    non-singular for r <= R(|P_i| - 1); `repaired`: only for r <= min(R(|P_i| - 1), Rt_i - 1), what the
    construction inverts."""
    w, wbar, r = inst.matrices["W"], inst.matrices["Wbar"], inst.p("R")
    blocks = uniform_blocks(inst.parameters)
    ranks = uniform_block_ranks(inst)
    out = None
    for i, blk in enumerate(blocks):
        rmax = r * (len(blk) - 1)
        if repaired:
            rmax = min(rmax, max(ranks[i] - 1, 0))
        res = corrections_assumption([w[li] for li in blk], [wbar[i]], (tuple(range(len(blk))),), [rmax])
        if res.status != "holds":
            return AssumptionResult(res.status, res.evidence, f"block {i + 1} (|P_i| = {len(blk)}, r <= {rmax}): "
                                                              f"{res.detail}")
        out = res if out is None or res.evidence == "certified" else out
    return out or AssumptionResult("holds", "exact", "no block")


def u6(repaired: bool) -> Any:
    def evaluate(ctx: Any, b: Any, c: Built) -> list[Comparison]:
        res = lemma9_hypothesis(b.instances[0], repaired)
        if res.status == "inconclusive":
            from verifier import PrecisionExhausted

            raise PrecisionExhausted(res.detail)
        ok = int(res.status == "holds")
        what = "the inverted matrices" if repaired else "Lemma 9's hypothesis"
        return [Comparison(f"{what} for every block, given Assumption 1 (1 = holds): {res.detail}"[:300], ok, "==", 1)]

    return evaluate


def last_block_size(inst: Instance) -> int:
    return len(uniform_blocks(inst.parameters)[-1])


def frozen_product(inst: Instance) -> Any:
    return exact_product(list(inst.matrices["W"]), inst.p("D"))


__all__ = ["N_POINTS", "block_certificate", "lemma9_hypothesis", "u1", "u2", "u2_subscript", "u3", "u4", "u5", "u6"]
