"""Instances of the transformer specs: random frozen and target TFNs, targets with chosen pair gaps, the
paper's experimental scale (D = 16, H = 2, L in {1, 2}), and a structured instance on which the printed
Assumption 3 holds while the Lemma 7 step of Theorem 8 fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from theorems.zeng_lee._common import gaussian, small_int
from theorems.zeng_lee.models.tfn import HEAD_NAMES, SINGLE_NAMES, is_single
from theorems.zeng_lee.models.tfn_exact import threshold
from verifier import Instance, RatMatrix, exact_inv, exact_product

#: Sizes of the paper's transformer experiment (App. G.3.2): D = 16, H = 2, L in {1, 2}; N is not stated.
PAPER_SIZES = ({"D": 16, "H": 2, "L": 2, "N": 4}, {"D": 16, "H": 2, "L": 1, "N": 4})


def mm(*ms: RatMatrix) -> RatMatrix:
    """Left-to-right exact product."""
    return exact_product(list(reversed(ms)))


def tr(m: RatMatrix) -> RatMatrix:
    n = m.ncols
    return RatMatrix(n, m.nrows, tuple(m.entries[i * n + j] for j in range(n) for i in range(m.nrows)))


def _xavier(rng: np.random.Generator, d: int) -> RatMatrix:
    """Xavier-uniform D x D (PyTorch's default for linear layers), rounded to the 2^-10 grid."""
    a = rng.uniform(-np.sqrt(3 / d), np.sqrt(3 / d), size=(d, d))
    return RatMatrix.from_numpy(np.round(a * 1024) / 1024)


def random_tfn(rng: np.random.Generator, p: Mapping[str, int], suffix: str = "", paper: bool = False) -> dict[str, Any]:
    """One TFN: N(0, 1/D) dyadic weights, or with `paper` the experiment's laws (attention weights
    standard Gaussian, linear layers Xavier-uniform); biases N(0, 1)."""
    d, big_l = p["D"], p["L"]
    names = SINGLE_NAMES if is_single(p) else HEAD_NAMES
    big_h = 1 if is_single(p) else p["H"]
    att = 1.0 if paper else 1 / np.sqrt(d)

    def lin() -> RatMatrix:
        return _xavier(rng, d) if paper else gaussian(rng, d, d, 1 / np.sqrt(d))

    out: dict[str, Any] = {n + suffix: tuple(gaussian(rng, d, d, att) for _ in range(big_l * big_h)) for n in names}
    out["W1" + suffix] = tuple(lin() for _ in range(big_l))
    out["b1" + suffix] = tuple(gaussian(rng, d, 1, 1.0) for _ in range(big_l))
    out["W2" + suffix] = tuple(lin() for _ in range(big_l))
    out["b2" + suffix] = tuple(gaussian(rng, d, 1, 1.0) for _ in range(big_l))
    out["Wout" + suffix] = lin()
    return out


def _delta(rng: np.random.Generator, d: int, k: int) -> RatMatrix:
    """A d x d matrix of rank <= k (a.s. k) with entries on the 1/4 grid."""
    if k == 0:
        return RatMatrix.from_numpy(np.zeros((d, d)))
    return RatMatrix.from_numpy((small_int(rng, d, k).to_numpy() @ small_int(rng, k, d).to_numpy()) / 4)


def low_gap_target(rng: np.random.Generator, p: Mapping[str, int], fz: Mapping[str, Any], gaps: Sequence[int],
                   shared: bool) -> dict[str, Any]:
    """A target whose pairs' gaps have the given ranks (one per pair, in `pair_targets` order).

    `shared` keeps W_1, W_2, W_K (and W_O) of the frozen model (so C = I); otherwise they are random and
    W_Q, W_V, W_o are solved for exactly, so that C != I and the gaps still are the given ranks.
    """
    d, big_l = p["D"], p["L"]
    single = is_single(p)
    big_h = 1 if single else p["H"]
    tg = random_tfn(rng, p, "bar") if not shared else {k + "bar": v for k, v in fz.items()}
    if shared:
        tg["b1bar"] = tuple(gaussian(rng, d, 1, 1.0) for _ in range(big_l))
        tg["b2bar"] = tuple(gaussian(rng, d, 1, 1.0) for _ in range(big_l))
    wq, wv = list(tg["WQbar"]), list(tg["WVbar"])
    cinv = RatMatrix.identity(d)
    g = iter(gaps)
    for blk in range(big_l):
        w1, w1b = fz["W1"][blk], tg["W1bar"][blk]
        for h in range(big_h):
            i = blk * big_h + h
            kq = mm(tr(fz["WK"][i]), fz["WQ"][i]) + _delta(rng, d, next(g))
            wq[i] = mm(exact_inv(tr(tg["WKbar"][i])), tr(cinv), kq, cinv)
            if single:  # Wbar_1 Wbar_V C = W_1 W_V + delta
                wv[i] = mm(exact_inv(w1b), mm(w1, fz["WV"][i]) + _delta(rng, d, next(g)), cinv)
            else:  # W_1^{-1} Wbar_1 Wbar_O Wbar_V C = W_O W_V + delta
                ov = mm(fz["WO"][i], fz["WV"][i]) + _delta(rng, d, next(g))
                wv[i] = mm(exact_inv(mm(w1b, tg["WObar"][i])), w1, ov, cinv)
        cinv = mm(fz["W2"][blk], exact_inv(tg["W2bar"][blk]))
    tg["WQbar"], tg["WVbar"] = tuple(wq), tuple(wv)
    out = mm(fz["Wout"], fz["W2"][-1]) + _delta(rng, d, next(g))
    tg["Woutbar"] = mm(out, exact_inv(tg["W2bar"][-1]))
    return tg


def npairs(p: Mapping[str, int]) -> int:
    return 2 * p["L"] * (1 if is_single(p) else p["H"]) + 1


def tfn_instance(theorem: str, rng: np.random.Generator, p: Mapping[str, int], mode: str, index: int,
                 paper: bool = False) -> Instance:
    """An instance with parameters `p`: mode "random" (every G_i = D a.s.), "within" (chosen gaps <= 2R),
    "above" (one gap 2R + 1 where it fits), "any" (chosen gaps in 0..D)."""
    p = dict(p)
    d, r = p["D"], p.get("R", 1)
    fz = random_tfn(rng, p, paper=paper)
    if mode == "random":
        tg = random_tfn(rng, p, "bar", paper=paper)
    else:
        cap = d if mode == "any" else min(d, 2 * r)
        gaps = [int(rng.integers(0, cap + 1)) for _ in range(npairs(p))]
        if mode == "above" and 2 * r + 1 <= d:
            gaps[int(rng.integers(0, len(gaps)))] = 2 * r + 1
        tg = low_gap_target(rng, p, fz, gaps, shared=bool(rng.integers(0, 2)))
    return Instance(theorem, p, {**fz, **tg}, seed=index)


def with_r(inst: Instance, r: int) -> Instance:
    """The instance with R = r, kept in [D] (the theorems' hypothesis R in [D])."""
    return Instance(inst.theorem, {**inst.parameters, "R": min(inst.p("D"), max(1, r))}, inst.matrices, seed=inst.seed)


def r_in_d(p: Mapping[str, int]) -> str | None:
    """Theorems 7, 8 and Corollaries 9, 10 take R in [D]."""
    return None if p["R"] <= p["D"] else f"the theorem takes R in [D]: need R <= D, got R={p['R']} > D={p['D']}"


def at_threshold(inst: Instance, shift: int = 0) -> Instance:
    """The instance with R set to max_i ceil(G_i / 2) + shift (at least 1)."""
    return with_r(inst, threshold(inst) + shift)


def _integer(rows: Sequence[Sequence[int]]) -> RatMatrix:
    return RatMatrix.from_rows([list(r) for r in rows])


def transpose_gap_instance(theorem: str, keep: Sequence[str] = ("D", "L", "N", "R")) -> Instance:
    """Single-head, D = 3, L = 2, N = 2, R = 1: Assumption 3 holds as printed, and the gap of the (Q, K) pair of
    block 2 is E = a b^T + c d^T with a _|_ c, b _|_ d, |a||b| > |c||d|, chosen so that W_K2^T W_Q2 + a b^T is
    singular. Then LR_1(E) = a b^T (rational, unique) and Lemma 7 on (W_Q2, W_K2^T) needs the inverse of a
    singular matrix, although G = (0, 2, 0) gives max ceil(G_i / 2) = 1 = R. The other order of the two
    rank-one terms works, so the theorem's conclusion still holds.
    """
    eye = RatMatrix.identity(3)
    wq2 = _integer([[1, 1, 0], [0, 1, 1], [1, 0, 1]])  # det 2
    wk2 = _integer([[2, 0, 1], [1, 1, 0], [0, 1, 1]])  # det 3
    base = mm(tr(wk2), wq2)
    a = _integer([[1], [1], [0]])
    c = _integer([[1], [-1], [0]])
    d_ = _integer([[0], [0], [1]])
    binv = exact_inv(base)
    # b = beta (1, -2, 0)^T is orthogonal to d; beta makes b^T base^{-1} a = -1, i.e. base + a b^T singular
    b0 = _integer([[1], [-2], [0]])
    beta = Fraction(-1) / mm(tr(b0), binv, a).entries[0]
    b = RatMatrix(3, 1, tuple(beta * x for x in b0.entries))
    # |c||d| = sqrt(2) < |a||b| = sqrt(2) |b| needs |b| > 1
    e = mm(a, tr(b)) + mm(c, tr(d_))
    m = {
        "WQ": (eye, wq2), "WK": (eye, wk2), "WV": (eye, _integer([[1, 0, 1], [0, 1, 0], [0, 0, 1]])),
        "W1": (_integer([[1, 1, 0], [0, 1, 0], [0, 0, 1]]), eye), "b1": (_integer([[1], [0], [1]]),) * 2,
        "W2": (_integer([[1, 0, 0], [1, 1, 0], [0, 0, 1]]), eye), "b2": (_integer([[0], [1], [0]]),) * 2,
        "Wout": _integer([[1, 0, 0], [0, 1, 1], [0, 0, 1]]),
    }
    m.update({k + "bar": v for k, v in m.items()})
    # block 2 scores: C = Wbar_21 W_21^{-1} = I, so Wbar_K2^T Wbar_Q2 = base + E with Wbar_K2 = W_K2
    m["WQbar"] = (eye, mm(exact_inv(tr(wk2)), base + e))
    params = {k: v for k, v in {"D": 3, "L": 2, "N": 2, "R": 1}.items() if k in keep}
    return Instance(theorem, params, m, seed=None, origin="structured")




def draw_sizes(rng: np.random.Generator, single: bool, work: int = 6_000) -> dict[str, int]:
    """Random small sizes (D <= 8, H <= 3, L <= 3, N <= 6) with (pairs) D^3 below `work`."""
    while True:
        p = {"D": int(rng.integers(1, 9)), "L": int(rng.integers(1, 4)), "N": int(rng.integers(1, 7)), "R": 1}
        if not single:
            p["H"] = int(rng.integers(1, 4))
        if npairs(p) * p["D"] ** 3 <= work:
            return p


def make_generator(theorem: str, single: bool, schedule: Sequence[tuple[dict[str, int], str, int | None]],
                   structured: Sequence[int] = ()) -> Any:
    """A generator: index k < len(schedule) draws `schedule[k]` = (sizes, mode, R shift from the threshold, or
    None for R = ceil(D/2)); indices in `structured` give `transpose_gap_instance`; later ones random sizes.

    With `params` (search) the mode cycles with the index: chosen gaps within 2R, one gap above, random.
    """
    def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
        if params is not None:
            mode = ("within", "above", "random")[index % 3]
            return tfn_instance(theorem, rng, params, mode, index)
        if index in structured:
            return transpose_gap_instance(theorem)
        if index < len(schedule):
            sizes, mode, shift = schedule[index]
            p = {**sizes, "R": 1}
            if single:
                p.pop("H", None)
            inst = tfn_instance(theorem, rng, p, mode, index, paper=sizes["D"] == 16)
        else:
            inst = tfn_instance(theorem, rng, draw_sizes(rng, single), ("any", "random")[index % 2], index)
            shift = (0, -1, 1)[index % 3]
        if shift is None:
            return with_r(inst, -(-inst.p("D") // 2))
        return at_threshold(inst, shift)

    return generate


__all__ = ["PAPER_SIZES", "at_threshold", "draw_sizes", "low_gap_target", "make_generator", "mm", "npairs",
           "r_in_d", "random_tfn", "tfn_instance", "tr", "transpose_gap_instance", "with_r"]


def no_aux(inst: Any) -> str | None:
    """The transformer specs read no aux data: a user's instance that carries some is refused up front."""
    if inst.aux:
        return f"unknown aux data {sorted(inst.aux)} for {inst.theorem}: its checks read none"
    return None
