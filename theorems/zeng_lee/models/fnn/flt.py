"""Final-layer tuning (Lemmas 12 and 4) on all of R^D, with exact polyhedral tools.

I_l = {x : prod_{i<=l} W_i x + sum_{i<=l} prod_{j=i+1..l} W_j b_i <= 0} (the frozen network's layer-l
pre-activation with the ReLUs omitted, componentwise), Ibar_i likewise for the target, I = union_i Ibar_i.
Everything is decided exactly: membership by rational arithmetic, non-empty open cells by `open_cell`
(an exact interior point, or exact Farkas multipliers), agreement of networks on R^D or on a polyhedron by
`decide_equal`. A collision certificate (two points with equal frozen first-l outputs but different target
outputs) proves that NO choice of layers l+1..L gives f = fbar, whatever they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import islice
from itertools import product as cartesian
from typing import Any

import numpy as np

from verifier import RatMatrix, exact_product

Point = tuple[Fraction, ...]


@dataclass(frozen=True, slots=True)
class HalfSpaces:
    """{x : A x <= c} with exact rational A (m x D) and c (m entries)."""

    A: RatMatrix
    c: tuple[Fraction, ...]

    def contains(self, x: Sequence[Fraction]) -> bool:
        return all(v <= ci for v, ci in zip(self.values(x), self.c, strict=True))

    def values(self, x: Sequence[Fraction]) -> list[Fraction]:
        rows = self.A.rows()
        return [sum((a * b for a, b in zip(r, x, strict=True)), Fraction(0)) for r in rows]

    def to_json(self) -> dict[str, Any]:
        return {"A": self.A.to_json(), "c": [str(v) for v in self.c]}


def linear_set(W: Sequence[RatMatrix], b: Sequence[RatMatrix], l: int) -> HalfSpaces:
    """I_l of the network (W, b): its first l layers composed without ReLUs, pre-activation <= 0."""
    d = W[0].ncols
    a = exact_product(list(W[:l]), d)
    off = RatMatrix(W[0].nrows, 1, (Fraction(0),) * W[0].nrows)
    for i in range(l):
        off = W[i] @ off + b[i]
    return HalfSpaces(a, tuple(-v for v in off.entries))


def in_union(sets: Sequence[HalfSpaces], x: Sequence[Fraction]) -> bool:
    return any(s.contains(x) for s in sets)


def _fmpq_rows(rows: list[list[Fraction]]) -> Any:
    from flint import fmpq, fmpq_mat

    return fmpq_mat(len(rows), len(rows[0]) if rows else 0,
                    [fmpq(v.numerator, v.denominator) for r in rows for v in r])


def open_point(rows: list[list[Fraction]], rhs: list[Fraction], dim: int) -> Point | None:
    """An exact x with row . x < rhs for every row, or None when the open cell is empty (exact multipliers)."""
    from flint import fmpq_mat

    from verifier.evidence import open_cell

    a = _fmpq_rows(rows) if rows else fmpq_mat(0, dim)
    c = _fmpq_rows([[v] for v in rhs]) if rhs else fmpq_mat(0, 1)
    cell = open_cell(a, c)
    return tuple(Fraction(v) for v in cell.point) if cell.open and cell.point is not None else None


def outside_cells(base: HalfSpaces, targets: Sequence[HalfSpaces], strict_base: bool = True) -> Iterator[Point]:
    """Interior points of base \\ union(targets), one per non-empty cell {base strictly, one row of each target
    set strictly violated}. For a full-dimensional base every point of base \\ union lies near such a cell."""
    rows_b = base.A.rows()
    for choice in cartesian(*[range(t.A.nrows) for t in targets]):
        rows = [list(r) for r in rows_b] if strict_base else []
        rhs = list(base.c) if strict_base else []
        for t, k in zip(targets, choice, strict=True):
            rows.append([-v for v in t.A.rows()[k]])
            rhs.append(-t.c[k])
        pt = open_point(rows, rhs, base.A.ncols)
        if pt is not None:
            yield pt


def nonempty_difference(base: HalfSpaces, targets: Sequence[HalfSpaces]) -> Point | None:
    """An exact point of base \\ union(targets) (None: no open cell; the difference is then empty when the base
    has interior points, see `full_dimensional`)."""
    return next(outside_cells(base, targets), None)


def full_dimensional(base: HalfSpaces) -> bool:
    """{A x <= c} has interior points (an exact point with A x < c)."""
    return open_point([list(r) for r in base.A.rows()], list(base.c), base.A.ncols) is not None


def nudge(x: Point, good: Any, seed: int = 0) -> Point | None:
    """A second exact point x + eps v != x with good(.) True (random dyadic v, eps halved up to 60 times)."""
    rng = np.random.default_rng([seed, 41])
    for _ in range(8):
        v = [Fraction(int(t), 8) for t in rng.integers(-8, 9, size=len(x))]
        if not any(v):
            continue
        eps = Fraction(1)
        for _ in range(60):
            y = tuple(a + eps * b for a, b in zip(x, v, strict=True))
            if good(y):
                return y
            eps /= 2
    return None


# -- networks ------------------------------------------------------------------------------------

def relu_net(W: Sequence[RatMatrix], b: Sequence[RatMatrix], output_relu: bool = True) -> Any:
    """The FNN (W, b) as an exact ReLUNet (ReLU after every layer, the last one included if output_relu)."""
    from verifier.evidence import ReLUNet

    return ReLUNet.build(list(W), list(b), output_relu=output_relu)


def constant_net(d_in: int, value: Sequence[Fraction]) -> Any:
    from verifier.evidence import ReLUNet

    n = len(value)
    return ReLUNet.build([RatMatrix(n, d_in, (Fraction(0),) * (n * d_in))], [RatMatrix(n, 1, tuple(value))])


@dataclass(frozen=True, slots=True)
class Collision:
    """x1 != x2 with equal frozen first-l outputs and different target outputs (all exact)."""

    x1: Point
    x2: Point
    l: int
    how: str

    def describe(self) -> str:
        def show(x: Point) -> str:
            return "[" + ", ".join(str(v) for v in x[:6]) + (", ...]" if len(x) > 6 else "]")

        return f"x1 = {show(self.x1)}, x2 = {show(self.x2)} ({self.how})"


def is_collision(frozen: Any, target: Any, l: int, x1: Point, x2: Point) -> bool:
    return x1 != x2 and frozen.upto(x1, l) == frozen.upto(x2, l) and target(x1) != target(x2)


def find_collision(W: Sequence[RatMatrix], b: Sequence[RatMatrix], Wbar: Sequence[RatMatrix],
                   bbar: Sequence[RatMatrix], l: int, output_relu: bool = True, seed: int = 0) -> Collision | None:
    """A collision certificate on R^D, or None. Tries (1) the interior of I_1 (every first-layer unit off: the
    frozen first-l output is constant there), (2) I_l \\ I (Lemma 12's own route), (3) activation regions of the
    first l frozen layers whose affine piece has a kernel (moving along it keeps the output)."""
    frozen = relu_net(W, b, True)
    target = relu_net(Wbar, bbar, output_relu)
    d = W[0].ncols
    i1 = linear_set(W, b, 1)

    def pair_from(x: Point, same: Any, how: str, tries: int = 6) -> Collision | None:
        for k in range(tries):
            y = nudge(x, same, seed + k)
            if y is not None and is_collision(frozen, target, l, x, y):
                return Collision(x, y, l, how)
        return None

    p = open_point([list(r) for r in i1.A.rows()], list(i1.c), d)
    if p is not None:
        strict = HalfSpaces(i1.A, i1.c)
        got = pair_from(p, lambda y: all(v < ci for v, ci in zip(strict.values(y), strict.c, strict=True)),
                        "both in the interior of I_1: every first-layer unit is off, so the first l layers give the "
                        "same output")
        if got is not None:
            return got
    il = linear_set(W, b, l)
    sets = [linear_set(Wbar, bbar, i) for i in range(1, len(Wbar) + 1)]
    starts = list(islice(outside_cells(il, sets), 8))
    rng = np.random.default_rng([seed, 47])
    for scale in (1, 4, 16):
        starts += [tuple(Fraction(int(v), 64) * scale for v in rng.integers(-64, 65, size=d)) for _ in range(24)]
    for x in starts:
        got = _local_kernel_pair(W, b, l, frozen, target, x)
        if got is not None:
            return got
    return _kernel_collision(W, b, l, frozen, target, seed)


def _pattern(W: Sequence[RatMatrix], b: Sequence[RatMatrix], l: int, x: Point) -> tuple[list[list[Fraction]], str]:
    """The local Jacobian of the first l layers at x (exact) and the sign pattern of their pre-activations."""
    z = list(x)
    jac = [[Fraction(int(i == j)) for j in range(len(x))] for i in range(len(x))]
    pat = []
    for k in range(l):
        rows = W[k].rows()
        pre = [sum((a * c for a, c in zip(r, z, strict=True)), Fraction(0)) + bk for r, bk in zip(rows, b[k].entries,
                                                                                                  strict=True)]
        jac = [[sum((r[t] * jac[t][j] for t in range(len(z))), Fraction(0)) if p > 0 else Fraction(0)
                for j in range(len(x))] for r, p in zip(rows, pre, strict=True)]
        pat.append("".join("+" if p > 0 else "-" if p < 0 else "0" for p in pre))
        z = [p if p > 0 else Fraction(0) for p in pre]
    return jac, "|".join(pat)


def _local_kernel_pair(W: Sequence[RatMatrix], b: Sequence[RatMatrix], l: int, frozen: Any, target: Any,
                       x: Point) -> Collision | None:
    """If the first l layers' local Jacobian at x has a kernel, step along it (staying in x's activation region,
    where the first-l output is then unchanged) until the target output differs."""
    jac, pat = _pattern(W, b, l, x)
    if "0" in pat:
        return None
    rref, rank = _fmpq_rows(jac).rref()
    n = len(x)
    if rank == n:
        return None
    rows = rref.tolist()
    pivots = [next(j for j, v in enumerate(rows[i]) if v != 0) for i in range(rank)]
    for free in (j for j in range(n) if j not in pivots):
        v = [Fraction(0)] * n
        v[free] = Fraction(1)
        for i, pj in enumerate(pivots):
            v[pj] = -Fraction(int(rows[i][free].p), int(rows[i][free].q))
        for sign in (1, -1):
            eps = Fraction(sign)
            for _ in range(40):
                y = tuple(a + eps * c for a, c in zip(x, v, strict=True))
                if _pattern(W, b, l, y)[1] == pat:
                    if is_collision(frozen, target, l, x, y):
                        return Collision(x, y, l, "same activation region of the first l layers, along the kernel "
                                                  "of its Jacobian")
                    break
                eps /= 2
    return None


def _kernel_collision(W: Sequence[RatMatrix], b: Sequence[RatMatrix], l: int, frozen: Any, target: Any,
                      seed: int) -> Collision | None:
    from verifier.evidence import Budget, activation_regions

    first = relu_net(list(W[:l]), list(b[:l]), True)
    regs = activation_regions(first, budget=Budget(max_regions=400, max_seconds=5))
    for reg in regs.regions:
        m = _fmpq_rows(reg.M.rows())
        rref, rank = m.rref()
        if rank == m.ncols():
            continue
        rows = rref.tolist()
        pivots = [next(j for j, v in enumerate(rows[i]) if v != 0) for i in range(rank)]
        free = next(j for j in range(m.ncols()) if j not in pivots)
        v = [Fraction(0)] * m.ncols()
        v[free] = Fraction(1)
        for i, pj in enumerate(pivots):
            v[pj] = -Fraction(int(rows[i][free].p), int(rows[i][free].q))
        x = reg.point
        eps = Fraction(1)
        for _ in range(60):
            y = tuple(a + eps * c for a, c in zip(x, v, strict=True))
            if is_collision(frozen, target, l, x, y):
                return Collision(x, y, l, "in one activation region of the first l layers, along the kernel of its "
                                          "affine piece")
            eps /= 2
    del seed
    return None


def find_collision_in_box(W1: RatMatrix, b1: RatMatrix, Wbar: RatMatrix, bbar: RatMatrix, lo: Sequence[Fraction],
                          hi: Sequence[Fraction], seed: int = 0, tries: int = 64) -> Collision | None:
    """A collision for l = 1 with both points in the box [lo, hi]: from a point x with first-layer unit j off,
    move along W_1^-1 e_j (only unit j's pre-activation changes) while it stays off and x stays in the box."""
    from verifier import exact_inv

    frozen = relu_net([W1], [b1], True)
    target = relu_net([Wbar], [bbar], True)
    try:
        inv = exact_inv(W1)
    except ZeroDivisionError:
        return None
    d = W1.ncols
    rng = np.random.default_rng([seed, 43])
    rows = W1.rows()
    for k in range(tries):
        u = rng.random(d) if k else np.full(d, 0.5)
        x = tuple(a + (c - a) * Fraction(int(v * 1024), 1024) for a, c, v in zip(lo, hi, u, strict=True))
        pre = [sum((w * t for w, t in zip(r, x, strict=True)), Fraction(0)) + bj for r, bj in zip(rows, b1.entries,
                                                                                                  strict=True)]
        for j in range(d):
            if pre[j] >= 0:
                continue
            v = [inv.entries[i * d + j] for i in range(d)]
            for t0 in (-pre[j] / 2, pre[j], -1, 1):
                t = Fraction(t0)
                for _ in range(40):
                    y = tuple(a + t * c for a, c in zip(x, v, strict=True))
                    if all(a <= yi <= c for a, yi, c in zip(lo, y, hi, strict=True)) and pre[j] + t <= 0:
                        if is_collision(frozen, target, 1, x, y):
                            return Collision(x, y, 1, f"in the box: unit {j + 1} of the first layer off at both")
                        break
                    t /= 2
    return None


def tuned_network(W: Sequence[RatMatrix], b: Sequence[RatMatrix], l: int, tune_W: Sequence[RatMatrix],
                  tune_b: Sequence[RatMatrix]) -> Any:
    """The first l frozen layers followed by the tuned layers l+1..L (ReLU on every layer)."""
    return relu_net([*W[:l], *tune_W], [*b[:l], *tune_b], True)


def constant_tuning(d: int, count: int, value: Sequence[Fraction]) -> tuple[list[RatMatrix], list[RatMatrix]]:
    """Layers l+1..L computing the constant `value` >= 0: pass-through layers, then weight 0 and bias value."""
    eye, zero_w = RatMatrix.identity(d), RatMatrix(d, d, (Fraction(0),) * (d * d))
    zero_b = RatMatrix(d, 1, (Fraction(0),) * d)
    ws = [eye] * (count - 1) + [zero_w]
    bs = [zero_b] * (count - 1) + [RatMatrix(d, 1, tuple(value))]
    return ws, bs


__all__ = ["Collision", "HalfSpaces", "constant_net", "constant_tuning", "find_collision", "find_collision_in_box",
           "full_dimensional",
           "in_union", "is_collision", "linear_set", "nonempty_difference", "nudge", "open_point", "outside_cells",
           "relu_net", "tuned_network"]
