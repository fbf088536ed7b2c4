"""Exact helpers on `RatMatrix` for specs: products, ranks, determinants (python-flint, loaded lazily)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from verifier._matrix import RatMatrix


def _fm(m: RatMatrix):  # type: ignore[no-untyped-def]
    from flint import fmpq, fmpq_mat

    return fmpq_mat(m.nrows, m.ncols, [fmpq(x.numerator, x.denominator) for x in m.entries])


def _back(a) -> RatMatrix:  # type: ignore[no-untyped-def]
    return RatMatrix(a.nrows(), a.ncols(), tuple(Fraction(int(x.p), int(x.q)) for x in a.entries()))


def exact_product(mats: Sequence[RatMatrix], n: int | None = None) -> RatMatrix:
    """Ordered product `mats[-1] ... mats[0]` (the first acts first), exactly; identity if empty."""
    if not mats:
        if n is None:
            raise ValueError("empty product needs the dimension n")
        return RatMatrix.identity(n)
    out = _fm(mats[0])
    for m in mats[1:]:
        out = _fm(m) * out
    return _back(out)


def exact_sub(a: RatMatrix, b: RatMatrix) -> RatMatrix:
    return _back(_fm(a) - _fm(b))


def exact_rank(m: RatMatrix) -> int:
    """Rank over the rationals (exact)."""
    return int(_fm(m).rank())


def exact_det(m: RatMatrix) -> Fraction:
    d = _fm(m).det()
    return Fraction(int(d.p), int(d.q))


def exact_inv(m: RatMatrix) -> RatMatrix:
    """Exact inverse. Raises ZeroDivisionError when `m` is singular."""
    return _back(_fm(m).inv())
