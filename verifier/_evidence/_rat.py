"""Small exact-rational helpers shared by the evidence modules (Fractions <-> flint, JSON form)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

from flint import arb, fmpq, fmpq_mat

from verifier._errors import UsageError
from verifier._matrix import RatMatrix, parse_entry

Vector = tuple[Fraction, ...]


def frac(x: Any, where: str = "value") -> Fraction:
    """An exact rational from an int, Fraction, fmpq, float (its dyadic value) or exact string."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, fmpq):
        return Fraction(int(x.p), int(x.q))
    try:
        return parse_entry(x, where)
    except Exception as e:
        raise UsageError(str(e)) from None


def q(x: Any) -> fmpq:
    f = frac(x)
    return fmpq(f.numerator, f.denominator)


def vector(xs: Iterable[Any], where: str = "vector") -> Vector:
    return tuple(frac(x, f"{where}[{k}]") for k, x in enumerate(xs))


def as_matrix(m: Any, where: str = "matrix") -> RatMatrix:
    """A RatMatrix from a RatMatrix, an fmpq_mat, or a list of rows of exact numbers."""
    if isinstance(m, RatMatrix):
        return m
    if isinstance(m, fmpq_mat):
        return RatMatrix(m.nrows(), m.ncols(), tuple(frac(x) for x in m.entries()))
    try:
        rows = [list(r) for r in m]
    except TypeError:
        raise UsageError(f"{where}: expected a matrix (rows of exact numbers), got {type(m).__name__}") from None
    if not rows or any(len(r) != len(rows[0]) for r in rows) or not rows[0]:
        raise UsageError(f"{where}: expected a non-empty list of rows of equal length")
    return RatMatrix(len(rows), len(rows[0]),
                     tuple(frac(v, f"{where}[{i}][{j}]") for i, r in enumerate(rows) for j, v in enumerate(r)))


def fm(m: RatMatrix) -> fmpq_mat:
    return fmpq_mat(m.nrows, m.ncols, [fmpq(x.numerator, x.denominator) for x in m.entries])


def col(v: Sequence[Any]) -> fmpq_mat:
    return fmpq_mat(len(v), 1, [q(x) for x in v])


def entries(m: fmpq_mat) -> Vector:
    return tuple(Fraction(int(x.p), int(x.q)) for x in m.entries())


def rows_of(m: fmpq_mat) -> list[list[fmpq]]:
    return m.tolist()


def js(x: Fraction | fmpq | int) -> int | str:
    """JSON form of an exact rational: an int, or the exact string "p/q"."""
    f = frac(x)
    return int(f) if f.denominator == 1 else str(f)


def js_vec(v: Iterable[Any]) -> list[int | str]:
    return [js(x) for x in v]


def js_mat(m: fmpq_mat | RatMatrix) -> list[list[int | str]]:
    if isinstance(m, RatMatrix):
        return m.to_json()
    return [[js(x) for x in row] for row in m.tolist()]


def arb_to_fracs(x: arb) -> tuple[Fraction, Fraction]:
    """Exact rational endpoints [lo, hi] of a finite ball."""
    if not x.is_finite():
        raise ArithmeticError("ball is not finite")

    def ex(a: Any) -> Fraction:
        m, e = a.man_exp()
        return Fraction(int(m)) * (Fraction(2) ** int(e))

    return ex(x.lower()), ex(x.upper())


def frac_to_arb(lo: Fraction, hi: Fraction | None = None) -> arb:
    """A ball containing [lo, hi] (or the single rational lo), at the current flint precision."""
    a = arb(fmpq(lo.numerator, lo.denominator))
    if hi is None or hi == lo:
        return a
    return a.union(arb(fmpq(hi.numerator, hi.denominator)))


def dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))
