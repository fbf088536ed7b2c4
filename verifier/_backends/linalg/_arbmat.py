"""Helpers on python-flint ball matrices: conversions, slicing, norms bounds, exact values of exact balls."""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from functools import lru_cache

import numpy as np
from flint import arb, arb_mat, ctx, fmpq, fmpq_mat, fmpz

__all__ = ["arb_mat_from_numpy", "exact_rank", "frobenius_upper", "hstack", "identity", "mid_to_numpy", "submatrix",
           "to_arb_mat"]


@contextmanager
def _working_prec(bits: int) -> Iterator[None]:
    """Temporarily set the flint precision, always restoring the caller's value."""
    old = ctx.prec
    ctx.prec = int(bits)
    try:
        yield
    finally:
        ctx.prec = old


@lru_cache(maxsize=1)
def _openblas_threads() -> tuple | None:
    """(get, set) for numpy's bundled OpenBLAS thread count, or None where it cannot be found."""
    try:
        lib = ctypes.CDLL(glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*"))[0])
        for name in ("scipy_openblas_%s_num_threads64_", "openblas_%s_num_threads64_", "openblas_%s_num_threads"):
            if hasattr(lib, name % "get"):
                return getattr(lib, name % "get"), getattr(lib, name % "set")
    except (OSError, IndexError):
        pass
    return None


@contextmanager
def _blas_one_thread() -> Iterator[None]:
    """Run numpy's LAPACK single-threaded: threaded OpenBLAS SVDs of ~64x64 were 100x slower on busy 2-core hosts."""
    fns = _openblas_threads()
    old = fns[0]() if fns else None
    if fns:
        fns[1](1)
    try:
        yield
    finally:
        if fns:
            fns[1](old)


# ----------------------------------------------------------------------------- helpers

def identity(n: int) -> arb_mat:
    """Return the n x n identity as an exact arb_mat."""
    return arb_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])


def submatrix(A: arb_mat, rows: range, cols: range) -> arb_mat:
    """Return the (rows, cols) block of A (entries copied, radii kept)."""
    return arb_mat(len(rows), len(cols), [A[i, j] for i in rows for j in cols])


def hstack(*blocks: arb_mat | Sequence[arb_mat]) -> arb_mat:
    """Concatenate matrices with equal row counts side by side (accepts varargs or one sequence)."""
    mats = list(blocks[0]) if len(blocks) == 1 and not isinstance(blocks[0], arb_mat) else list(blocks)
    m = mats[0].nrows()
    if any(b.nrows() != m for b in mats):
        raise ValueError("hstack: row counts differ")
    return arb_mat(m, sum(b.ncols() for b in mats),
                   [b[i, j] for i in range(m) for b in mats for j in range(b.ncols())])


def _to_arb(x: object) -> arb:
    if isinstance(x, arb):
        return x
    if isinstance(x, (bool, int, np.integer)):
        return arb(fmpz(int(x)))  # fmpz -> arb is exact, python int -> arb may round
    if isinstance(x, Fraction):
        return arb(fmpq(x.numerator, x.denominator))
    if isinstance(x, (fmpz, fmpq)):
        return arb(x)
    return arb(float(x))


def to_arb_mat(rows: list[list[float | Fraction | int]], prec: int) -> arb_mat:
    """Convert nested rows to an arb_mat.

    Floats and ints convert exactly; a Fraction p/q becomes a ball of radius about
    2^-prec |p/q| containing p/q (exact when q is a power of two).
    """
    m, n = len(rows), (len(rows[0]) if rows else 0)
    if any(len(r) != n for r in rows):
        raise ValueError("to_arb_mat: ragged rows")
    with _working_prec(prec):
        return arb_mat(m, n, [_to_arb(x) for r in rows for x in r])


def arb_mat_from_numpy(a: np.ndarray) -> arb_mat:
    """Exact conversion of a finite 2-D float64 array to an arb_mat."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or not np.all(np.isfinite(a)):
        raise ValueError("arb_mat_from_numpy needs a finite 2-D array")
    return arb_mat(a.shape[0], a.shape[1], [float(x) for x in a.ravel()])


def mid_to_numpy(A: arb_mat) -> np.ndarray:
    """Midpoints of A rounded to float64 (values outside the float range become +-inf or 0)."""
    return np.array([float(x) for x in A.entries()], dtype=np.float64).reshape(A.nrows(), A.ncols())


def frobenius_upper(A: arb_mat) -> arb:
    """Rigorous upper bound u >= ||A'||_F for every A' in the balls, as an exact arb point."""
    with _working_prec(64):  # a few bits of relative slack suffice for a bound
        acc = arb(0)
        for x in A.entries():
            u = x.abs_upper()
            acc += u * u
        return acc.sqrt().upper()


def exact_rank(A: fmpq_mat) -> int:
    """Exact rank of a rational matrix."""
    return int(A.rank())


def _exact_fmpq(x: arb) -> fmpq | None:
    if not (x.is_exact() and x.is_finite()):
        return None
    man, exp = x.mid().man_exp()
    e = int(exp)
    return fmpq(man * fmpz(2) ** e) if e >= 0 else fmpq(man, fmpz(2) ** (-e))
