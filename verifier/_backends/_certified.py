"""Certified ball arithmetic on python-flint `arb_mat`, at an explicit precision with a ceiling."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import flint
from flint import arb, arb_mat, fmpq

from verifier import _certified_linalg as cl
from verifier._backends._base import Context, Decision
from verifier._errors import PrecisionExhausted, UsageError
from verifier._matrix import RatMatrix
from verifier._records import Comparison


@contextlib.contextmanager
def working_prec(bits: int) -> Iterator[None]:
    """Run a block at `bits` of precision and restore flint's previous precision afterwards."""
    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield
    finally:
        flint.ctx.prec = old


def arb_str(x: arb, digits: int = 20) -> tuple[str, str]:
    """Midpoint and radius of a ball as decimal strings."""
    mid = x.mid().str(digits, radius=False)
    rad = x.rad().str(3, radius=False)
    return mid, rad


def _to_float(x: arb) -> float:
    try:
        return float(x.mid())
    except (OverflowError, ValueError):
        return float("nan")


class CertifiedContext(Context):
    """Ball arithmetic: every number is an enclosure; comparisons are tri-state."""

    level = "certified"
    name = "certified"

    def __init__(self, prec: int = 170, max_prec: int = 1360) -> None:
        if not 53 <= prec <= max_prec:
            raise UsageError(
                f"certified precision must satisfy 53 <= prec <= max_prec, got prec={prec}, max_prec={max_prec}"
            )
        self.prec = prec
        self.max_prec = max_prec

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level, "prec_bits": self.prec, "max_prec_bits": self.max_prec}

    def session(self) -> contextlib.AbstractContextManager[None]:
        return working_prec(self.prec)

    def load(self, mats: Sequence[RatMatrix]) -> arb_mat:
        m = mats[0]
        with working_prec(self.prec):
            return arb_mat(m.nrows, m.ncols, [arb(fmpq(x.numerator, x.denominator)) for x in m.entries])

    def mm(self, *ms: Any) -> Any:
        with working_prec(self.prec):
            out = ms[0]
            for m in ms[1:]:
                out = out * m
            return out

    def add(self, a: Any, b: Any) -> Any:
        with working_prec(self.prec):
            return a + b

    def sub(self, a: Any, b: Any) -> Any:
        with working_prec(self.prec):
            return a - b

    def T(self, a: Any) -> Any:
        return a.transpose()

    def inv(self, a: arb_mat) -> arb_mat:
        with working_prec(self.prec):
            try:
                return a.inv()
            except ZeroDivisionError:
                raise PrecisionExhausted(
                    f"could not certify that a {a.nrows()}x{a.ncols()} matrix is invertible at "
                    f"prec={self.prec} bits; it may be singular, or try a higher prec"
                ) from None

    def eye(self, n: int) -> arb_mat:
        return cl.identity(n)

    def zeros(self, m: int, n: int) -> arb_mat:
        return arb_mat(m, n)

    def cols(self, a: Any, start: int, stop: int) -> Any:
        return cl.submatrix(a, range(a.nrows()), range(start, min(stop, a.ncols())))

    def rows(self, a: Any, start: int, stop: int) -> Any:
        return cl.submatrix(a, range(start, min(stop, a.nrows())), range(a.ncols()))

    def shape(self, a: Any) -> tuple[int, int]:
        return (a.nrows(), a.ncols())

    def scale(self, a: Any, c: float) -> Any:
        with working_prec(self.prec):
            return a * arb(c)

    def svd(self, a: arb_mat) -> tuple[arb_mat, arb_mat]:
        u, _s, v = cl.approx_svd(a, self.prec)
        return u, v

    def sv(self, a: arb_mat, i: int) -> arb:
        return cl.singular_value(a, i, self.prec)

    def ones(self, m: int, n: int) -> arb_mat:
        return arb_mat(m, n, [1] * (m * n))

    def relu(self, a: arb_mat) -> arb_mat:
        out = []
        for x in a.entries():
            if x > 0:
                out.append(x)
            elif x <= 0:
                out.append(arb(0))
            else:  # straddles 0: the enclosure of max(0, x) is [0, upper(x)]
                u = x.upper()
                out.append(arb(u / 2, u / 2))
        return arb_mat(a.nrows(), a.ncols(), out)

    def softmax_cols(self, a: arb_mat) -> arb_mat:
        with working_prec(self.prec):
            rows = a.tolist()
            m, n = a.nrows(), a.ncols()
            out = [[arb(0)] * n for _ in range(m)]
            for j in range(n):
                col = [rows[i][j] for i in range(m)]
                top = max((c.mid() for c in col), key=float)  # shift for range; exact in balls
                ex = [(c - top).exp() for c in col]
                tot = sum(ex[1:], ex[0])
                for i in range(m):
                    out[i][j] = ex[i] / tot
            return arb_mat(out)

    def maxabs(self, a: arb_mat) -> arb:
        with working_prec(self.prec):
            out = arb(0)
            for x in a.entries():
                out = out.max(abs(x))
            return out

    def witness_tol(self, scale: Any) -> arb:
        with working_prec(self.prec):
            return arb(2) ** (-(self.prec // 2)) * (1 + abs(arb(scale)).upper())

    def decide(self, cmp: Comparison) -> list[Decision]:
        with working_prec(self.prec):
            lhs, rhs = arb(cmp.lhs), arb(cmp.rhs)
            tol = arb(cmp.tol) if cmp.tol is not None else arb(0)
            diff = lhs - rhs
            if cmp.relation == "<=":
                holds, fails, margin = diff <= tol, diff > tol, -diff
            elif cmp.relation == ">=":
                holds, fails, margin = diff >= -tol, diff < -tol, diff
            else:
                holds, fails, margin = abs(diff) <= tol, abs(diff) > tol, -abs(diff)
            status = "holds" if holds else "fails" if fails else "unknown"
            lm, lr = arb_str(lhs)
            rm, rr = arb_str(rhs)
            return [
                Decision(
                    status,
                    lm,
                    rm,
                    lr,
                    rr,
                    _to_float(margin),
                    None if cmp.tol is None else arb_str(tol)[0],
                    _to_float(lhs),
                )
            ]
