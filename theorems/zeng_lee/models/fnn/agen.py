"""Assumption 2 (A-GEN) as printed, and the hypothesis Lemma 10 needs per block, checked exactly or certified.

Printed (p31): W_1..W_L non-singular and prod_{l in P_i} W_l + LR_r(Wbar_i - prod_{l=min P_i..max P_i - 1} W_l)
non-singular for all r <= sum_{l=min P_i..max P_i - 1} R_l: the product inside LR_r omits the block's last
layer. Lemma 10 (Lemma 8 per block) needs prod_{l in P_i} W_l + LR_r(E^(i)), E^(i) = Wbar_i - prod_{l in P_i} W_l,
for the same r. A matrix that is rational (r = 0, or r >= the rank of the corrected matrix) is decided by its
exact determinant; otherwise s_min is enclosed in ball arithmetic with a rigorous bound on the error of
the computed LR_r (never "singular" from a ball: an enclosure touching 0 is left undecided).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from theorems.zeng_lee.models.fnn.model import Blocks
from verifier import AssumptionResult, Comparison, PrecisionExhausted, RatMatrix, exact_det, exact_product, exact_rank

Reading = Literal["printed", "block"]


@dataclass(frozen=True, slots=True)
class Corrected:
    """One family Q + LR_r(M), r = 0..rmax, of matrices an assumption needs non-singular (block i)."""

    block: int
    Q: RatMatrix
    M: RatMatrix
    rmax: int


def families(W: Sequence[RatMatrix], Wbar: Sequence[RatMatrix], blocks: Blocks, ranks: Sequence[int] | None,
             reading: Reading, rmax: int | None = None) -> list[Corrected]:
    """Per block: Q_i = prod_{P_i} W_l, M_i = Wbar_i - (prod over P_i without its last layer if printed, else Q_i),
    and rmax_i = sum of R_l over the block without its last layer (or the given rmax)."""
    d = W[0].nrows
    out = []
    for i, blk in enumerate(blocks):
        q = exact_product([W[li] for li in blk], d)
        inner = exact_product([W[li] for li in blk[:-1]], d) if reading == "printed" else q
        top = rmax if rmax is not None else sum(ranks[li] for li in blk[:-1]) if ranks is not None else d
        out.append(Corrected(i, q, Wbar[i] - inner, min(top, d)))
    return out


def _arb(m: RatMatrix, prec: int) -> Any:
    from verifier.linalg import to_arb_mat

    return to_arb_mat(m.rows(), prec)


def smin_values(fam: Corrected, prec: int = 170) -> list[tuple[int, str, Any]]:
    """(r, how, value) for r = 0..rmax: value is an exact int 0/1 (determinant zero / non-zero) where Q + LR_r(M)
    is rational, else a certified enclosure (arb) of s_min(Q + LR_r(M)), at most doubling `prec` twice."""
    from verifier.linalg import smin_of_sum_with_lowrank

    k = exact_rank(fam.M)
    out: list[tuple[int, str, Any]] = []
    for r in range(fam.rmax + 1):
        if r == 0:
            out.append((0, "exact determinant", int(exact_det(fam.Q) != 0)))
        elif r >= k:
            out.append((r, "exact determinant", int(exact_det(fam.Q + fam.M) != 0)))
        else:
            p = prec
            while True:
                s = smin_of_sum_with_lowrank(_arb(fam.Q, p), _arb(fam.M, p), r, p)
                if s > 0 or p >= 4 * prec:
                    break
                p *= 2
            out.append((r, "certified s_min", s))
    return out


def comparisons(fams: Sequence[Corrected], what: str, prec: int = 170) -> list[Comparison]:
    """'Non-singular' per matrix: exact determinants as 0/1 == 1, certified s_min enclosures >= 0 (a ball
    touching 0 stays undecided, so a comparison fails only on an exact zero determinant)."""
    out = []
    for fam in fams:
        for r, how, v in smin_values(fam, prec):
            label = f"block {fam.block + 1}, r={r}: {what} non-singular ({how})"
            if isinstance(v, int):
                out.append(Comparison(label + ": 1 if det != 0", v, "==", 1))
            else:
                if not v > 0:
                    raise PrecisionExhausted(f"{label}: s_min enclosure {v.str(5)} contains 0 (a tie in the singular "
                                             f"values of M, or (near-)singular)")
                out.append(Comparison(label, v, ">=", 0))
    return out


def check(W: Sequence[RatMatrix], Wbar: Sequence[RatMatrix], blocks: Blocks, ranks: Sequence[int] | None,
          reading: Reading, rmax: int | None = None) -> AssumptionResult:
    """The assumption as an AssumptionResult (exact where decided by determinants, else certified)."""
    for li, w in enumerate(W):
        if exact_det(w) == 0:
            return AssumptionResult("violated", "exact", f"W_{li + 1} is singular (exact determinant 0)", 0.0)
    evidence = "exact"
    worst = None
    for fam in families(W, Wbar, blocks, ranks, reading, rmax):
        for r, _how, v in smin_values(fam):
            if isinstance(v, int):
                if v == 0:
                    return AssumptionResult("violated", "exact", f"block {fam.block + 1}, r={r}: Q_i + LR_r(M_i) is "
                                            f"singular (exact determinant 0; {reading} reading)", 0.0)
                continue
            if not v > 0:
                return AssumptionResult("inconclusive", "certified", f"block {fam.block + 1}, r={r}: s_min enclosure "
                                        f"{v.str(5)} not certified positive", 0.0)
            evidence = "certified"
            worst = v if worst is None or v.mid() < worst.mid() else worst
    shown = "" if worst is None else f"; smallest certified s_min {worst.str(5)}"
    return AssumptionResult("holds", evidence, f"{reading} reading: every needed matrix non-singular{shown}",
                            None if worst is None else float(worst.mid()))


__all__ = ["Corrected", "check", "comparisons", "families", "smin_values"]
