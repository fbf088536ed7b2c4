"""Certified enclosures of E[h(x)] for x uniform on a box or a ball, by adaptive exact subdivision.

Each sub-box B contributes vol(B) * E_B[h]. Where h is a quadratic polynomial on B (||x||^2, or
||f(x) - g(x)||^2 when both ReLU networks are affine on B: every unit's sign is fixed by exact
interval propagation), E_B[h] is integrated exactly in rationals. Elsewhere E_B[h] is bounded:
by interval propagation (the range of h on B), and for ||.|| by Jensen's inequalities
||E_B v|| <= E_B ||v|| <= sqrt(E_B ||v||^2). The box with the widest contribution is bisected along
its longest edge until the enclosure is narrow enough or the box budget runs out. Square roots and
a ball's volume are enclosed in ball arithmetic, so the result is a certified interval [lo, hi].
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from flint import arb, fmpq, fmpq_mat

from verifier._backends._certified import working_prec
from verifier._errors import UsageError
from verifier._evidence._network import ReLUNet
from verifier._evidence._rat import arb_to_fracs, fm

PREC = 192


@dataclass(frozen=True, slots=True)
class Part:
    """E_B[h] on one box: exact (lo == hi, rationals) or bounded by balls [lo.lower(), hi.upper()]."""

    lo: Fraction | arb
    hi: Fraction | arb

    @property
    def exact(self) -> bool:
        return isinstance(self.lo, Fraction) and isinstance(self.hi, Fraction) and self.lo == self.hi

    def width(self) -> float:
        if self.exact:
            return 0.0
        lo = self.lo if isinstance(self.lo, arb) else _ball(self.lo)
        hi = self.hi if isinstance(self.hi, arb) else _ball(self.hi)
        return float((hi - lo).upper())


def _ball(x: Fraction) -> arb:
    with working_prec(PREC):
        return arb(fmpq(x.numerator, x.denominator))


def _sqrt(x: Fraction) -> arb:
    with working_prec(PREC):
        return arb(fmpq(x.numerator, x.denominator)).sqrt() if x > 0 else arb(0)


Box = tuple[tuple[Fraction, ...], tuple[Fraction, ...]]
Integrand = Callable[[Box], Part]


def _interval_net(net: ReLUNet, lo: Sequence[Fraction], hi: Sequence[Fraction]) \
        -> tuple[bool, fmpq_mat, fmpq_mat, list[Fraction], list[Fraction]]:
    """(affine?, M, m, out_lo, out_hi): exact interval propagation; affine when every unit's sign is fixed."""
    n = len(lo)
    c = fmpq_mat(n, 1, [fmpq((a + b).numerator, (a + b).denominator) / 2 for a, b in zip(lo, hi, strict=True)])
    r = fmpq_mat(n, 1, [fmpq((b - a).numerator, (b - a).denominator) / 2 for a, b in zip(lo, hi, strict=True)])
    M = fmpq_mat(n, n, [int(i == j) for i in range(n) for j in range(n)])
    m = fmpq_mat(n, 1)
    stable = True
    for k, (w, b) in enumerate(net.layers):
        W, B = fm(w), fm(b)
        absW = fmpq_mat(W.nrows(), W.ncols(), [abs(v) for v in W.entries()])
        c, r = W * c + B, absW * r
        M, m = W * M, W * m + B
        if net.rectified(k):
            los = [cv - rv for cv, rv in zip(c.entries(), r.entries(), strict=True)]
            his = [cv + rv for cv, rv in zip(c.entries(), r.entries(), strict=True)]
            on = [lv >= 0 for lv in los]
            stable = stable and all(lv >= 0 or hv <= 0 for lv, hv in zip(los, his, strict=True))
            nl = [max(lv, fmpq(0)) for lv in los]
            nh = [max(hv, fmpq(0)) for hv in his]
            c = fmpq_mat(len(nl), 1, [(a + b) / 2 for a, b in zip(nl, nh, strict=True)])
            r = fmpq_mat(len(nl), 1, [(b - a) / 2 for a, b in zip(nl, nh, strict=True)])
            M = fmpq_mat(M.nrows(), M.ncols(), [v if on[i] else 0 for i, row in enumerate(M.tolist()) for v in row])
            m = fmpq_mat(m.nrows(), 1, [v if on[i] else 0 for i, v in enumerate(m.entries())])
    out_lo = [_f(cv - rv) for cv, rv in zip(c.entries(), r.entries(), strict=True)]
    out_hi = [_f(cv + rv) for cv, rv in zip(c.entries(), r.entries(), strict=True)]
    return stable, M, m, out_lo, out_hi


def _f(v: fmpq) -> Fraction:
    return Fraction(int(v.p), int(v.q))


def _affine_sq(M: fmpq_mat, m: fmpq_mat, box: Box) -> Fraction:
    """E_B ||M x + m||^2 for x uniform on B, exactly: ||M mu + m||^2 + sum_i (r_i^2 / 3) ||M e_i||^2."""
    lo, hi = box
    mu = fmpq_mat(len(lo), 1, [fmpq(((a + b) / 2).numerator, ((a + b) / 2).denominator) for a, b in zip(lo, hi,
                                                                                                     strict=True)])
    v = M * mu + m
    out = sum((x * x for x in v.entries()), fmpq(0))
    rows = M.tolist()
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        h2 = ((b - a) / 2) ** 2
        r2 = fmpq(h2.numerator, h2.denominator)
        out += r2 / 3 * sum((row[i] * row[i] for row in rows), fmpq(0))
    return _f(out)


def _range_sq(lo: Sequence[Fraction], hi: Sequence[Fraction]) -> tuple[Fraction, Fraction]:
    """min and max of ||v||^2 over the box lo <= v <= hi."""
    mn = sum((min(abs(a), abs(b)) ** 2 if a * b > 0 else Fraction(0) for a, b in zip(lo, hi, strict=True)),
             Fraction(0))
    mx = sum((max(a * a, b * b) for a, b in zip(lo, hi, strict=True)), Fraction(0))
    return mn, mx


def _power(lo_sq: Fraction, hi_sq: Fraction, p: int, jensen: tuple[Fraction, Fraction] | None = None) -> Part:
    """Bounds on E_B ||v||^p from bounds of ||v||^2 (and, for p = 1, Jensen's ||E v||^2 and E ||v||^2)."""
    if p == 2:
        return Part(lo_sq, hi_sq)
    with working_prec(PREC):
        if p == 1:
            lo = _sqrt(max(lo_sq, jensen[0]) if jensen else lo_sq)
            hi = _sqrt(min(hi_sq, jensen[1]) if jensen else hi_sq)
            return Part(lo, hi)
        return Part(_sqrt(lo_sq) ** p, _sqrt(hi_sq) ** p)


def error_integrand(f: ReLUNet, g: ReLUNet, p: int) -> Integrand:
    """h(x) = ||f(x) - g(x)||^p (p = 1 or 2 use the exact affine pieces; other p only interval bounds)."""
    def part(box: Box) -> Part:
        sf, Mf, mf, flo, fhi = _interval_net(f, *box)
        sg, Mg, mg, glo, ghi = _interval_net(g, *box)
        dlo = [a - d for a, d in zip(flo, ghi, strict=True)]
        dhi = [b - c for b, c in zip(fhi, glo, strict=True)]
        mn, mx = _range_sq(dlo, dhi)
        if sf and sg:
            e2 = _affine_sq(Mf - Mg, mf - mg, box)
            if p == 2:
                return Part(e2, e2)
            lo, hi = box
            mu = fmpq_mat(len(lo), 1, [fmpq(((a + b) / 2).numerator, ((a + b) / 2).denominator)
                                       for a, b in zip(lo, hi, strict=True)])
            v = (Mf - Mg) * mu + (mf - mg)
            return _power(mn, mx, p, (_f(sum((x * x for x in v.entries()), fmpq(0))), e2))
        return _power(mn, mx, p)
    return part


def norm_integrand(p: int) -> Integrand:
    """h(x) = ||x||^p."""
    def part(box: Box) -> Part:
        lo, hi = box
        e2 = sum(((a * a + a * b + b * b) / 3 for a, b in zip(lo, hi, strict=True)), Fraction(0))
        if p == 2:
            return Part(e2, e2)
        mn, mx = _range_sq(lo, hi)
        c2 = sum((((a + b) / 2) ** 2 for a, b in zip(lo, hi, strict=True)), Fraction(0))
        return _power(mn, mx, p, (c2, e2))
    return part


Where = Literal["inside", "outside", "straddles"]


def _ball_where(box: Box, center: Sequence[Fraction], r2: Fraction) -> Where:
    lo, hi = box
    far = sum((max(abs(a - c), abs(b - c)) ** 2 for a, b, c in zip(lo, hi, center, strict=True)), Fraction(0))
    if far <= r2:
        return "inside"
    near = sum(((a - c) ** 2 if c < a else (c - b) ** 2 if c > b else Fraction(0)
                for a, b, c in zip(lo, hi, center, strict=True)), Fraction(0))
    return "outside" if near >= r2 else "straddles"


def _vol(box: Box) -> Fraction:
    out = Fraction(1)
    for a, b in zip(*box, strict=True):
        out *= b - a
    return out


def enclose(h: Integrand, lo: Sequence[Fraction], hi: Sequence[Fraction], max_boxes: int, tol: Fraction,
            ball: tuple[Sequence[Fraction], Fraction] | None = None, nonneg: bool = True) \
        -> tuple[Fraction, Fraction, int]:
    """Certified [lo, hi] of E[h] for x uniform on the box [lo, hi] (or on `ball` = (center, radius),
    with [lo, hi] its bounding box). Returns (lo, hi, boxes used)."""
    if ball is not None and not nonneg:
        raise UsageError("ball expectations are enclosed only for non-negative integrands")
    total = _vol((tuple(lo), tuple(hi)))
    exact = Fraction(0)
    heap: list[tuple[float, int, Box, Part, Where]] = []
    count = 0

    def add(box: Box) -> None:
        nonlocal exact, count
        count += 1
        where: Where = "inside" if ball is None else _ball_where(box, ball[0], ball[1] ** 2)
        if where == "outside":
            return
        part = h(box)
        w = _vol(box) / total
        if where == "straddles":
            part = Part(Fraction(0), part.hi)
        if part.exact and isinstance(part.lo, Fraction):
            exact += w * part.lo
            return
        heapq.heappush(heap, (-part.width() * float(w), count, box, part, where))

    add((tuple(lo), tuple(hi)))

    def bounds() -> tuple[arb, arb]:
        with working_prec(PREC):
            s_lo, s_hi = _ball(exact), _ball(exact)
            for _k, _c, box, part, _w in heap:
                w = _ball(_vol(box) / total)
                s_lo += w * (part.lo if isinstance(part.lo, arb) else _ball(part.lo))
                s_hi += w * (part.hi if isinstance(part.hi, arb) else _ball(part.hi))
            return s_lo, s_hi

    while heap and count < max_boxes:
        if -sum(k for k, *_ in heap) <= float(tol):
            break
        _k, _c, box, _part, _w = heapq.heappop(heap)
        a, b = box
        i = max(range(len(a)), key=lambda j: b[j] - a[j])
        mid = (a[i] + b[i]) / 2
        add((a, (*b[:i], mid, *b[i + 1:])))
        add(((*a[:i], mid, *a[i + 1:]), b))
    s_lo, s_hi = bounds()
    if not heap:
        return exact, exact, count
    return arb_to_fracs(s_lo)[0], arb_to_fracs(s_hi)[1], count


def ball_volume_ratio(dim: int, radius: Fraction) -> arb:
    """vol(bounding box) / vol(ball) = (2r)^D Gamma(D/2 + 1) / (pi^{D/2} r^D), as a ball."""
    with working_prec(PREC):
        d = arb(dim)
        return arb(2) ** dim * (d / 2 + 1).gamma() / arb.pi() ** (d / 2)



__all__ = ["Part", "ball_volume_ratio", "enclose", "error_integrand", "norm_integrand"]
