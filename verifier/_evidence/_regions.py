"""Exact enumeration of the open activation regions of ReLU networks over a full-dimensional cell.

Depth first over the networks' ReLUs in a fixed order (network by network, layer by layer): a
unit whose pre-activation is affine and not constant on the current region splits it by a
hyperplane into two open sides; the side holding the region's interior point needs no program,
a point on the hyperplane is pushed into each side exactly, and the other side is decided by
`open_cell` (an exact interior point, or exact multipliers proving the side has no interior).
Regions with empty interior are skipped: a continuous function is determined by its values on
the open regions, whose closures cover the cell. Every decision goes through an `oracle`, so the
same walk both enumerates (oracle = linear programs) and re-checks a recorded certificate (oracle
= the recorded points and multipliers, each checked exactly).
"""

from __future__ import annotations

import bisect
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from flint import fmpq, fmpq_mat

from verifier._errors import UsageError
from verifier._evidence._lp import Cell, check_multipliers, open_cell
from verifier._evidence._network import ReLUNet
from verifier._evidence._rat import Vector, fm

Oracle = Callable[[str, fmpq_mat, fmpq_mat], Cell]
Piece = tuple[fmpq_mat, fmpq_mat]  # (M, m): the network is y -> M y + m on the region
OnLeaf = Callable[[Sequence[Piece], str, list[fmpq], list[list[fmpq]], list[fmpq]], bool]


@dataclass(frozen=True, slots=True)
class Budget:
    """How much enumeration to allow before answering "inconclusive".

    Args:
        max_regions: open activation regions visited.
        max_programs: linear programs solved (sides decided without one are free).
        max_seconds: wall-clock limit (None: none); a time-out is reported as such.
        probes: exact evaluations at random rational points tried before enumerating (a cheap
            witness search for networks that differ).
    """

    max_regions: int = 20_000
    max_programs: int = 50_000
    max_seconds: float | None = None
    probes: int = 16

    def __post_init__(self) -> None:
        for k in ("max_regions", "max_programs"):
            v = getattr(self, k)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise UsageError(f"Budget.{k} must be an int >= 1, got {v!r}")
        if self.max_seconds is not None and not self.max_seconds > 0:
            raise UsageError(f"Budget.max_seconds must be > 0 or None, got {self.max_seconds!r}")
        if not isinstance(self.probes, int) or self.probes < 0:
            raise UsageError(f"Budget.probes must be an int >= 0, got {self.probes!r}")


class BudgetExceeded(Exception):
    """The enumeration met its budget (the message says which limit)."""


class _Stop(Exception):
    pass


@dataclass(slots=True)
class Walk:
    """The outcome of one walk: counts, and the recorded leaves and pruned sides (the certificate)."""

    units: list[str]
    leaves: list[tuple[str, Vector]] = field(default_factory=list)
    pruned: list[tuple[str, tuple[tuple[int, Fraction], ...]]] = field(default_factory=list)  # sparse multipliers
    lp_calls: int = 0
    exact_fallbacks: int = 0
    seconds: float = 0.0
    stopped: bool = False


def schedule(nets: Sequence[ReLUNet], names: Sequence[str]) -> list[str]:
    """Labels of the ReLUs in walk order: "name.layer.neuron" (1-based)."""
    return [f"{nm}.{k + 1}.{j + 1}" for net, nm in zip(nets, names, strict=True)
            for k, (w, _b) in enumerate(net.layers) if net.rectified(k) for j in range(w.nrows)]


def region_bound(hyperplanes: int, dim: int) -> int:
    """Zaslavsky's bound sum_{i<=dim} C(h, i) on the regions of h hyperplanes in R^dim (one layer's worth)."""
    from math import comb

    return sum(comb(hyperplanes, i) for i in range(min(dim, hyperplanes) + 1))


def _dot(a: Sequence[fmpq], x: Sequence[fmpq]) -> fmpq:
    s = fmpq(0)
    for u, v in zip(a, x, strict=True):
        if u:
            s += u * v
    return s


class _Walker:
    def __init__(self, nets: Sequence[ReLUNet], A0: fmpq_mat, c0: fmpq_mat, oracle: Oracle, on_leaf: OnLeaf,
                 budget: Budget, walk: Walk, shortcut: bool = True) -> None:
        self.shortcut = shortcut
        self.nets = nets
        self.W = [[(fm(w), fm(b)) for w, b in net.layers] for net in nets]
        self.n = A0.ncols() if A0.nrows() else nets[0].input_dim
        self.rows: list[list[fmpq]] = []
        self.rhs: list[fmpq] = []
        # rows by direction (normalised so the first non-zero entry is +-1): a side whose
        # constraint is the opposite of an existing one is decided without a linear program
        self.dirs: dict[tuple[fmpq, ...], list[tuple[int, fmpq]]] = {}
        for r, c in zip(A0.tolist(), c0.entries(), strict=True):
            self._push_row(list(r), c)
        self.oracle, self.on_leaf, self.budget, self.walk = oracle, on_leaf, budget, walk
        self.t0 = time.perf_counter()

    def _count(self) -> None:
        w, b = self.walk, self.budget
        if len(w.leaves) >= b.max_regions:
            raise BudgetExceeded(f"region budget of {b.max_regions} reached ({w.lp_calls} linear programs)")
        if w.lp_calls >= b.max_programs:
            raise BudgetExceeded(f"budget of {b.max_programs} linear programs reached ({len(w.leaves)} regions)")
        if b.max_seconds is not None and time.perf_counter() - self.t0 > b.max_seconds:
            raise BudgetExceeded(f"time budget of {b.max_seconds} s reached ({len(w.leaves)} regions, "
                                 f"{w.lp_calls} linear programs)")

    def layer(self, t: int, k: int, M: fmpq_mat, m: fmpq_mat, done: list[Piece], pat: list[str],
              pt: list[fmpq]) -> None:
        if t == len(self.nets):
            self._count()
            self.walk.leaves.append(("".join(pat), tuple(Fraction(int(v.p), int(v.q)) for v in pt)))
            if self.on_leaf(done, "".join(pat), pt, self.rows, self.rhs):
                raise _Stop
            return
        if k == self.nets[t].depth:
            n = self.n
            self.layer(t + 1, 0, fmpq_mat(n, n, [int(i == j) for i in range(n) for j in range(n)]), fmpq_mat(n, 1),
                       [*done, (M, m)], pat, pt)
            return
        w, b = self.W[t][k]
        P, p = w * M, w * m + b
        if not self.nets[t].rectified(k):
            self.layer(t, k + 1, P, p, done, pat, pt)
            return
        self.unit(t, k, 0, P.tolist(), list(p.entries()), [], done, pat, pt)

    def unit(self, t: int, k: int, j: int, P: list[list[fmpq]], p: list[fmpq], act: list[bool], done: list[Piece],
             pat: list[str], pt: list[fmpq]) -> None:
        if j == len(P):
            n = self.n
            M = fmpq_mat(len(P), n, [v if on else 0 for row, on in zip(P, act, strict=True) for v in row])
            m = fmpq_mat(len(P), 1, [v if on else 0 for v, on in zip(p, act, strict=True)])
            self.layer(t, k + 1, M, m, done, pat, pt)
            return
        a, beta = P[j], p[j]
        if not any(a):  # constant on the region: no split, no constraint
            self._descend(t, k, j, P, p, act, done, pat, pt, beta > 0, "=")
            return
        s = _dot(a, pt) + beta
        first = "+" if s > 0 else "-"
        for side in (first, "-" if first == "+" else "+"):
            sign = 1 if side == "+" else -1
            self._push_row([-sign * v for v in a], sign * beta)  # '+': -a.y < beta ; '-': a.y < -beta
            try:
                if s == 0:
                    new = self._push(pt, [sign * v for v in a])
                elif side == first:
                    new = pt
                else:
                    prefix = "".join(pat) + side
                    cell = self._opposite() if self.shortcut else None
                    if cell is None:
                        self._count()
                        A = fmpq_mat(len(self.rows), self.n, [v for r in self.rows for v in r])
                        c = fmpq_mat(len(self.rhs), 1, self.rhs)
                        cell = self.oracle(prefix, A, c)
                        self.walk.lp_calls += 1
                        self.walk.exact_fallbacks += cell.method == "exact-simplex"
                    if not cell.open:
                        assert cell.multipliers is not None
                        self.walk.pruned.append((prefix, tuple((i, v) for i, v in enumerate(cell.multipliers) if v)))
                        continue
                    assert cell.point is not None
                    new = [fmpq(v.numerator, v.denominator) for v in cell.point]
                self._descend(t, k, j, P, p, act, done, pat, new, side == "+", side)
            finally:
                self._pop_row()

    def _descend(self, t: int, k: int, j: int, P: list[list[fmpq]], p: list[fmpq], act: list[bool],
                 done: list[Piece], pat: list[str], pt: list[fmpq], on: bool, ch: str) -> None:
        act.append(on)
        pat.append(ch)
        try:
            self.unit(t, k, j + 1, P, p, act, done, pat, pt)
        finally:
            act.pop()
            pat.pop()

    def _push_row(self, r: list[fmpq], c: fmpq) -> None:
        k = next((i for i, v in enumerate(r) if v), None)
        if k is not None:
            s = abs(r[k])
            self.dirs.setdefault(tuple(v / s for v in r), []).append((len(self.rows), c / s))
        self.rows.append(r)
        self.rhs.append(c)

    def _pop_row(self) -> None:
        r = self.rows.pop()
        self.rhs.pop()
        k = next((i for i, v in enumerate(r) if v), None)
        if k is not None:
            key = tuple(v / abs(r[k]) for v in r)
            self.dirs[key].pop()
            if not self.dirs[key]:
                del self.dirs[key]

    def _opposite(self) -> Cell | None:
        """The last row a.y < b against an earlier row -l a.y < c' with c' <= -l b: no interior, exactly."""
        r, b = self.rows[-1], self.rhs[-1]
        k = next(i for i, v in enumerate(r) if v)
        s = abs(r[k])
        for i, ci in self.dirs.get(tuple(-v / s for v in r), ()):
            if ci <= -b / s:
                lam = abs(self.rows[i][k]) / s  # row_i = -lam * r
                # exact by construction (the rows are exact opposites, c' <= -lam b was just compared):
                # y^T A = 0 and y^T c = (lam b + c') / (1 + lam) <= 0
                y = [Fraction(0)] * len(self.rows)
                y[-1] = _frac(lam / (1 + lam))
                y[i] = _frac(1 / (1 + lam))
                return Cell(False, multipliers=tuple(y), empty=ci < -b / s)
        return None

    def _push(self, pt: list[fmpq], u: list[fmpq]) -> list[fmpq]:
        """pt + eps u, with eps small enough that every constraint stays strict (pt is interior)."""
        eps = fmpq(1)
        for r, c in zip(self.rows[:-1], self.rhs[:-1], strict=True):
            ru = _dot(r, u)
            if ru > 0:
                eps = min(eps, (c - _dot(r, pt)) / ru)
        eps /= 2
        return [x + eps * v for x, v in zip(pt, u, strict=True)]


def _frac(v: fmpq) -> Fraction:
    return Fraction(int(v.p), int(v.q))


def walk(nets: Sequence[ReLUNet], names: Sequence[str], A0: fmpq_mat, c0: fmpq_mat, p0: Sequence[Fraction],
         on_leaf: OnLeaf, budget: Budget, oracle: Oracle | None = None) -> Walk:
    """Visit every open activation region of `nets` (jointly) inside the open cell {A0 y < c0}.

    With an `oracle` (a replay), every side is asked of it, none decided by the opposite-rows rule.

    Raises:
        BudgetExceeded: when the budget runs out first (the partial walk is on the exception's `walk`).
    """
    w = Walk(schedule(nets, names))
    walker = _Walker(nets, A0, c0, oracle or (lambda _p, A, c: open_cell(A, c)), on_leaf, budget, w,
                     shortcut=oracle is None)
    n = walker.n
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 4 * len(w.units) + 200))
    try:
        walker.layer(0, 0, fmpq_mat(n, n, [int(i == j) for i in range(n) for j in range(n)]), fmpq_mat(n, 1), [], [],
                     [fmpq(v.numerator, v.denominator) for v in p0])
    except _Stop:
        w.stopped = True
    except BudgetExceeded as e:
        w.seconds = time.perf_counter() - walker.t0
        e.walk = w  # type: ignore[attr-defined]
        raise
    finally:
        sys.setrecursionlimit(old)
    w.seconds = time.perf_counter() - walker.t0
    return w


def replay_oracle(leaves: Sequence[tuple[str, Vector]],
                  pruned: Sequence[tuple[str, Sequence[tuple[int, Fraction]]]]) -> Oracle:
    """An oracle answering from a recorded walk, checking every answer exactly (for re-checking certificates)."""
    pats = sorted((p, pt) for p, pt in leaves)
    keys = [p for p, _ in pats]
    empty = dict(pruned)

    def oracle(prefix: str, A: fmpq_mat, c: fmpq_mat) -> Cell:
        if prefix in empty:
            y = [Fraction(0)] * A.nrows()
            for i, v in empty[prefix]:
                if not 0 <= i < len(y):
                    raise ValueError(f"certificate: side {prefix!r} names constraint {i} of {len(y)}")
                y[i] = v
            ok, strict = check_multipliers(A, c, tuple(y))
            if not ok:
                raise ValueError(f"certificate: the multipliers recorded for side {prefix!r} do not prove it empty")
            return Cell(False, multipliers=tuple(y), empty=strict)
        i = bisect.bisect_left(keys, prefix)
        if i < len(keys) and keys[i].startswith(prefix):
            x = pats[i][1]
            xs = fmpq_mat(len(x), 1, [fmpq(v.numerator, v.denominator) for v in x])
            if all(v > 0 for v in (c - A * xs).entries()):
                return Cell(True, point=x)
            raise ValueError(f"certificate: the point recorded under {prefix!r} is not inside that region")
        raise ValueError(f"certificate: side {prefix!r} is neither a recorded region nor proved empty")

    return oracle


__all__ = ["Budget", "BudgetExceeded", "Piece", "Walk", "region_bound", "replay_oracle", "schedule", "walk"]
