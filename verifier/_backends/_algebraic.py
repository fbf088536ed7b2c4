"""Real algebraic numbers, exactly: singular values of rational matrices, decided without rounding.

A singular value s of a rational matrix A is the square root of an eigenvalue of A^T A, a root of
its characteristic polynomial. `RealAlgebraic` keeps an irreducible integer polynomial and an
isolating enclosure of the root; comparisons refine the enclosure until they are decided, and an
equality (a tie, an exact zero) is proved by the two numbers sharing their minimal polynomial
and a single root of it lying where both enclosures meet. Sums and products go through resultants
(degrees multiply), so a degree ceiling keeps the cost bounded: beyond it `TooComplex` is raised
and the caller falls back to certified arithmetic.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from functools import cached_property

from flint import arb, ctx, fmpq, fmpq_mat, fmpz, fmpz_mpoly_ctx, fmpz_poly

MAX_DEGREE = 64
#: Exact singular values are attempted only up to this size (a characteristic polynomial of that degree).
MAX_DIM = 24
_PREC0 = 64
_PREC_MAX = 1 << 14


class TooComplex(ArithmeticError):
    """An exact algebraic computation would exceed its degree or precision budget."""


def _real_roots(p: fmpz_poly, prec: int) -> list[arb]:
    """Isolating enclosures of the real roots of a squarefree integer polynomial, ascending.

    `complex_roots` returns disjoint isolating discs; a disc of a real polynomial that meets the
    real axis holds a real root exactly when its conjugate disc is itself (discs are disjoint and
    non-real roots come in conjugate pairs), i.e. when its imaginary part contains 0.
    """
    old = ctx.prec
    ctx.prec = prec
    try:
        roots = [r for r, _m in p.complex_roots()]
    finally:
        ctx.prec = old
    real = [r.real for r in roots if r.imag.contains(0)]
    return sorted(real, key=lambda r: float(r.mid()))


def _pick(roots: list[arb], old: arb) -> arb | None:
    """The root whose enclosure's midpoint lies in `old` (which isolates one root), if unique."""
    inside = [r for r in roots if old.contains(r.mid())] or [r for r in roots if r.overlaps(old)]
    return inside[0] if len(inside) == 1 else None


class RealAlgebraic:
    """A real algebraic number: a root of the irreducible `poly`, isolated by `enclosure`."""

    __slots__ = ("__dict__", "enclosure", "poly")

    def __init__(self, poly: fmpz_poly, enclosure: arb) -> None:
        if poly.degree() > MAX_DEGREE:
            raise TooComplex(f"algebraic degree {poly.degree()} exceeds {MAX_DEGREE}")
        self.poly = poly
        self.enclosure = enclosure

    # -- construction ------------------------------------------------------------------------
    @staticmethod
    def rational(q: Fraction | int | fmpq) -> RealAlgebraic:
        q = fmpq(q) if not isinstance(q, fmpq) else q
        return RealAlgebraic(fmpz_poly([-int(q.p), int(q.q)]), arb(q))

    @staticmethod
    def roots_of(p: fmpz_poly) -> list[RealAlgebraic]:
        """Every real root of `p` (with multiplicity collapsed), ascending, each with its minimal polynomial."""
        out: list[RealAlgebraic] = []
        _c, factors = p.factor()
        for f, _mult in factors:
            if f.degree() == 0:
                continue
            if f.degree() > MAX_DEGREE:
                raise TooComplex(f"a factor of degree {f.degree()} exceeds {MAX_DEGREE}")
            prec = _PREC0
            while True:
                roots = _real_roots(f, prec)
                if all(not a.overlaps(b) for a, b in itertools.pairwise(roots)):
                    break
                if prec >= _PREC_MAX:
                    raise TooComplex("could not isolate the real roots of a polynomial")
                prec *= 2
            out += [RealAlgebraic(f, r) for r in roots]
        out.sort(key=lambda a: float(a.enclosure.mid()))
        return out

    @cached_property
    def rational_value(self) -> fmpq | None:
        if self.poly.degree() != 1:
            return None
        c = self.poly.coeffs()
        return fmpq(-int(c[0]), int(c[1]))

    # -- refinement --------------------------------------------------------------------------
    def refine(self, prec: int) -> arb:
        """The enclosure at (at least) `prec` bits."""
        if self.rational_value is not None:
            old = ctx.prec
            ctx.prec = max(prec, _PREC0)
            try:
                self.enclosure = arb(self.rational_value)
            finally:
                ctx.prec = old
            return self.enclosure
        if self.enclosure.rad() <= 2.0 ** (-prec):
            return self.enclosure
        while prec <= _PREC_MAX:
            r = _pick(_real_roots(self.poly, prec), self.enclosure)
            if r is not None:
                self.enclosure = r
                return r
            prec *= 2
        raise TooComplex("lost track of an algebraic root while refining")

    # -- arithmetic (resultants) -------------------------------------------------------------
    def _binary(self, other: RealAlgebraic, op: str) -> RealAlgebraic:
        if self.poly.degree() * other.poly.degree() > MAX_DEGREE:
            raise TooComplex(f"degree {self.poly.degree()} x {other.poly.degree()} exceeds {MAX_DEGREE}")
        R = fmpz_mpoly_ctx.get(("x", "y"), "lex")
        x, y = R.gens()
        p = sum((int(c) * y**k for k, c in enumerate(self.poly.coeffs())), R.from_dict({}))
        q = other.poly.coeffs()
        if op == "+":    # z = a + b: resultant_y(p(y), q(x - y))
            q_shift = sum((int(c) * (x - y) ** k for k, c in enumerate(q)), R.from_dict({}))
        elif op == "*":  # z = a * b (b != 0): resultant_y(p(y), y^d q(x / y))
            d = len(q) - 1
            q_shift = sum((int(c) * x**k * y ** (d - k) for k, c in enumerate(q)), R.from_dict({}))
        else:
            raise ValueError(op)
        res = p.resultant(q_shift, "y")
        coeffs = [0] * (res.degrees()[0] + 1)
        for (i, _j), c in res.to_dict().items():
            coeffs[i] += int(c)
        poly = fmpz_poly(coeffs)
        target_prec = _PREC0
        while True:
            a, b = self.refine(target_prec), other.refine(target_prec)
            old = ctx.prec
            ctx.prec = target_prec
            try:
                z = a + b if op == "+" else a * b
            finally:
                ctx.prec = old
            cands = [r for r in RealAlgebraic.roots_of(poly) if r.enclosure.overlaps(z)]
            if len(cands) == 1:
                return cands[0]
            if target_prec >= _PREC_MAX:
                raise TooComplex("could not isolate the result of an algebraic operation")
            target_prec *= 2

    def __neg__(self) -> RealAlgebraic:
        c = self.poly.coeffs()
        return RealAlgebraic(fmpz_poly([int(a) * (-1) ** k for k, a in enumerate(c)]), -self.enclosure)

    def __add__(self, other: object) -> RealAlgebraic:
        o = _coerce(other)
        if o.rational_value is not None and self.rational_value is not None:
            return RealAlgebraic.rational(self.rational_value + o.rational_value)
        return self._binary(o, "+")

    __radd__ = __add__

    def __sub__(self, other: object) -> RealAlgebraic:
        return self + (-_coerce(other))

    def __rsub__(self, other: object) -> RealAlgebraic:
        return _coerce(other) + (-self)

    def __mul__(self, other: object) -> RealAlgebraic:
        o = _coerce(other)
        if o.rational_value is not None and self.rational_value is not None:
            return RealAlgebraic.rational(self.rational_value * o.rational_value)
        if o.rational_value == 0 or self.rational_value == 0:
            return RealAlgebraic.rational(0)
        return self._binary(o, "*")

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> RealAlgebraic:
        o = _coerce(other)
        if o.rational_value is not None:
            if o.rational_value == 0:
                raise ZeroDivisionError("division by an exact zero")
            return self * RealAlgebraic.rational(1 / o.rational_value)
        return self * o.inverse()

    def __rtruediv__(self, other: object) -> RealAlgebraic:
        return _coerce(other) / self

    def inverse(self) -> RealAlgebraic:
        """1 / self (the reversed minimal polynomial)."""
        if self.sign() == 0:
            raise ZeroDivisionError("inverse of an exact zero")
        rv = self.rational_value
        if rv is not None:
            return RealAlgebraic.rational(1 / rv)
        rev = fmpz_poly(list(reversed([int(c) for c in self.poly.coeffs()])))
        prec = _PREC0
        while prec <= _PREC_MAX:
            old = ctx.prec
            ctx.prec = prec
            try:
                approx = 1 / self.refine(prec)
            finally:
                ctx.prec = old
            cands = [r for r in RealAlgebraic.roots_of(rev) if r.enclosure.overlaps(approx)]
            if len(cands) == 1:
                return cands[0]
            prec *= 2
        raise TooComplex("could not isolate an inverse")

    def __abs__(self) -> RealAlgebraic:
        return -self if self.sign() < 0 else self

    def sqrt(self) -> RealAlgebraic:
        """The non-negative square root of a non-negative algebraic number."""
        if self.sign() < 0:
            raise ValueError("sqrt of a negative number")
        c = [int(a) for a in self.poly.coeffs()]
        p2 = fmpz_poly([x for a in c[:-1] for x in (a, 0)] + c[-1:])  # p(x^2)
        prec = _PREC0
        while True:
            old = ctx.prec
            ctx.prec = prec
            try:
                s = self.refine(prec)
                approx = (s.max(arb(0))).sqrt() if s.upper() > 0 else arb(0)
            finally:
                ctx.prec = old
            cands = [r for r in RealAlgebraic.roots_of(p2) if r.enclosure.overlaps(approx)
                     and not r.enclosure.upper() < 0]
            if len(cands) == 1:
                return cands[0]
            if prec >= _PREC_MAX:
                raise TooComplex("could not isolate a square root")
            prec *= 2

    # -- comparison --------------------------------------------------------------------------
    def sign(self) -> int:
        """-1, 0 or 1, exactly."""
        if self.rational_value is not None:
            v = self.rational_value
            return (v > 0) - (v < 0)
        if int(self.poly.coeffs()[0]) == 0:  # irreducible of degree > 1 with root 0 is impossible
            return 0
        prec = _PREC0
        while prec <= _PREC_MAX:
            e = self.refine(prec)
            if e > 0:
                return 1
            if e < 0:
                return -1
            prec *= 2
        raise TooComplex("could not decide the sign of an algebraic number")

    def compare(self, other: object) -> int:
        """-1, 0, 1 as self <, ==, > other, exactly (equal numbers share their minimal polynomial)."""
        o = _coerce(other)
        if self.poly == o.poly or self.poly == -o.poly:
            # two roots of one irreducible polynomial: equal iff they are the same isolated root
            prec = _PREC0
            while prec <= _PREC_MAX:
                roots = _real_roots(self.poly, prec)
                if all(not a.overlaps(b) for a, b in itertools.pairwise(roots)):
                    ia = [i for i, r in enumerate(roots) if r.overlaps(self.refine(prec))]
                    ib = [i for i, r in enumerate(roots) if r.overlaps(o.refine(prec))]
                    if len(ia) == 1 and len(ib) == 1:
                        return (ia[0] > ib[0]) - (ia[0] < ib[0])
                prec *= 2
            raise TooComplex("could not separate two roots of one polynomial")
        prec = _PREC0
        while prec <= _PREC_MAX:  # different minimal polynomials: the numbers differ, refine until apart
            a, b = self.refine(prec), o.refine(prec)
            if a < b:
                return -1
            if a > b:
                return 1
            prec *= 2
        raise TooComplex("could not separate two algebraic numbers")

    def __float__(self) -> float:
        return float(self.refine(_PREC0).mid())

    def __repr__(self) -> str:
        rv = self.rational_value
        if rv is not None:
            return f"RealAlgebraic({rv})"
        return f"RealAlgebraic(root of {self.poly} in {self.refine(_PREC0).str(12)})"

    def __str__(self) -> str:
        """Twenty significant digits and the degree: the number is exact, its decimals are not."""
        rv = self.rational_value
        if rv is not None:
            return str(rv)
        return f"{self.refine(96).mid().str(20, radius=False)} (exact algebraic, degree {self.poly.degree()})"


def _coerce(x: object) -> RealAlgebraic:
    if isinstance(x, RealAlgebraic):
        return x
    if isinstance(x, (int, fmpz)):
        return RealAlgebraic.rational(fmpq(int(x)))
    if isinstance(x, (Fraction, fmpq)):
        return RealAlgebraic.rational(fmpq(x.numerator, x.denominator) if isinstance(x, Fraction) else x)
    if isinstance(x, float):
        return RealAlgebraic.rational(fmpq(*x.as_integer_ratio()))
    raise TypeError(f"cannot use {type(x).__name__} as an exact algebraic number")


def singular_values(a: fmpq_mat) -> list[RealAlgebraic]:
    """All min(m, n) singular values of a rational matrix, exactly, largest first."""
    m, n = a.nrows(), a.ncols()
    k = min(m, n)
    if k == 0:
        return []
    if k > MAX_DIM:
        raise TooComplex(f"exact singular values of a {m}x{n} matrix exceed the size budget ({MAX_DIM})")
    g = a.transpose() * a if n <= m else a * a.transpose()
    cp = g.charpoly()  # fmpq_poly of degree k; its roots are the s_i^2 with multiplicity
    _c, factors = cp.numer().factor()
    lams: list[RealAlgebraic] = []
    for f, mult in factors:
        if f.degree() == 0:
            continue
        for r in RealAlgebraic.roots_of(f):
            lams += [r] * mult
    lams.sort(key=lambda r: float(r.enclosure.mid()), reverse=True)
    if len(lams) != k:
        raise TooComplex(f"found {len(lams)} of {k} eigenvalues of A^T A")
    return [lam.sqrt() if lam.sign() > 0 else RealAlgebraic.rational(0) for lam in lams]


__all__ = ["MAX_DEGREE", "RealAlgebraic", "TooComplex", "singular_values"]
