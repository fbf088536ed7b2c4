"""Certified ball arithmetic on python-flint `arb_mat`, at an explicit precision with a ceiling.

Every number is a ball that contains the true value. Where the inputs are exact rationals and the
operations rational (products, sums, transposes, inverses, slices), the context also keeps the
exact value of each matrix, computed lazily: ranks are then exact, singular values beyond the
exact rank are exactly 0, and a comparison the balls leave undecided (a tie, an exact zero) is
decided exactly with real algebraic numbers where that is within budget. Such decisions are
marked `exact`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from flint import arb, arb_mat, fmpq, fmpq_mat

from verifier._backends._algebraic import TooComplex
from verifier._backends._ballkit import Exact as _Exact
from verifier._backends._ballkit import Keyed as _Keyed
from verifier._backends._ballkit import alg as _alg
from verifier._backends._ballkit import arb_str, rat_to_fmpq, working_prec
from verifier._backends._ballkit import compare as _compare
from verifier._backends._ballkit import exact_sv as _exact_sv
from verifier._backends._ballkit import qsub as _qsub
from verifier._backends._ballkit import shadow_small as _small
from verifier._backends._ballkit import to_float as _to_float
from verifier._backends._ballkit import to_fmpq as _fmpq
from verifier._backends._base import Context, Decision
from verifier._backends.linalg import _posteriori as post
from verifier._backends.linalg import _svd as cl
from verifier._errors import PrecisionExhausted, UsageError
from verifier._matrix import RatMatrix
from verifier._records import Comparison


class CertifiedContext(Context):
    """Ball arithmetic: every number is an enclosure; comparisons are tri-state."""

    level = "certified"
    name = "certified"
    exact_rank = False  # exact only where the matrix is known exactly (see `rank`)

    def __init__(self, prec: int = 170, max_prec: int = 1360, quick: bool = False) -> None:
        """`quick`: singular values are first certified from float64 (or hinted) factors without
        refinement, and refined to `prec` bits only for a comparison they leave undecided."""
        if not 53 <= prec <= max_prec:
            raise UsageError(
                f"certified precision must satisfy 53 <= prec <= max_prec, got prec={prec}, max_prec={max_prec}"
            )
        self.prec = prec
        self.max_prec = max_prec
        self.quick = quick
        self._exact = _Exact()
        self._hints: _Keyed = _Keyed(64)
        self._certs: _Keyed = _Keyed(64)
        self._lazy: _Keyed = _Keyed(64)  # each refiner keeps its matrix alive: few, at D = 256
        self._estimates: _Keyed = _Keyed(4096)  # float values of one-sided quick enclosures, for reports

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level, "prec_bits": self.prec, "max_prec_bits": self.max_prec}

    # -- a-posteriori witnesses ----------------------------------------------------------------
    def witness_context(self) -> Context:
        """Midpoint arithmetic at 3/4 of this precision (the witness tolerance is 2^-(prec/2): a
        witness at 3 prec/4 bits meets it with prec/4 bits to spare for the conditioning, and that
        spare grows as the checker doubles prec); singular vectors refined past the tolerance,
        so certificates built on them decide tolerance claims."""
        from verifier._backends._approx import ApproxContext

        return ApproxContext(bits=max(53, 3 * self.prec // 4 + 8), svd_bits=min(self.prec, self.prec // 2 + 12))

    def adopt(self, source: Context, m: Any) -> Any:
        """An exact point matrix of the witness arithmetic, taken as the exact input it is."""
        from verifier._backends._approx import exact_point

        if isinstance(m, RatMatrix):
            return self.load([m])
        if not isinstance(m, arb_mat):
            raise UsageError(f"cannot adopt a {type(m).__name__} from the {source.name} arithmetic")
        with working_prec(self.prec):
            out = arb_mat(m.nrows(), m.ncols(), m.entries())
        # the exact value, only if a decision asks for it (an entry with a radius has none, and
        # then stays a ball: sound either way)
        return self._exact.put(out, lambda: exact_point(m))

    def svd_hint(self, a: Any, u: Any, v: Any) -> None:
        if isinstance(a, arb_mat) and isinstance(u, arb_mat) and isinstance(v, arb_mat) \
                and (u.nrows(), v.nrows()) == (a.nrows(), a.ncols()):
            self._hints.put(a, (u, v))

    def session(self) -> contextlib.AbstractContextManager[None]:
        return working_prec(self.prec)

    # -- exact shadows -------------------------------------------------------------------------
    def exact_value(self, x: Any) -> Any:
        """The exact rational value (fmpq_mat, fmpq or RealAlgebraic) of `x`, when it is known."""
        if isinstance(x, (int, Fraction, fmpq)):
            return _fmpq(x)
        if isinstance(x, arb) and x.rad() == 0 and x.is_finite():
            return fmpq(x.mid().man_exp()[0]) * fmpq(2) ** int(x.mid().man_exp()[1]) if x != 0 else fmpq(0)
        return self._exact.get(x)

    def _derive(self, out: Any, f: Callable[..., Any], *args: Any) -> Any:
        """Record that `out` = f(exact values of args), if every arg is known exactly."""
        def thunk() -> Any:
            vals = [self.exact_value(a) if not isinstance(a, (int, str)) else a for a in args]
            if any(v is None for v in vals):
                return None
            r = f(*vals)
            return r if not isinstance(r, fmpq_mat) or _small(r) else None
        if all(isinstance(a, (int, str)) or id(a) in self._exact._d or isinstance(a, (Fraction, fmpq))
               for a in args):
            self._exact.put(out, thunk)
        return out

    # -- matrices ------------------------------------------------------------------------------
    def load(self, mats: Sequence[RatMatrix]) -> arb_mat:
        q = rat_to_fmpq(mats[0])
        with working_prec(self.prec):
            out = arb_mat(q)
        return self._exact.put(out, lambda: q)

    def mm(self, *ms: Any) -> Any:
        with working_prec(self.prec):
            out = ms[0]
            for m in ms[1:]:
                out = self._derive(out * m, lambda a, b: a * b, out, m)
            return out

    def add(self, a: Any, b: Any) -> Any:
        with working_prec(self.prec):
            return self._derive(a + b, lambda x, y: x + y, a, b)

    def sub(self, a: Any, b: Any) -> Any:
        with working_prec(self.prec):
            return self._derive(a - b, lambda x, y: x - y, a, b)

    def T(self, a: Any) -> Any:
        return self._derive(a.transpose(), lambda x: x.transpose(), a)

    def inv(self, a: arb_mat) -> arb_mat:
        with working_prec(self.prec):
            try:
                out = a.inv()
            except ZeroDivisionError:
                raise PrecisionExhausted(
                    f"could not certify that a {a.nrows()}x{a.ncols()} matrix is invertible at "
                    f"prec={self.prec} bits; it may be singular, or try a higher prec"
                ) from None
            return self._derive(out, lambda x: x.inv(), a)

    def eye(self, n: int) -> arb_mat:
        return self._exact.put(cl.identity(n), lambda: fmpq_mat(n, n, [int(i == j) for i in range(n)
                                                                          for j in range(n)]))

    def zeros(self, m: int, n: int) -> arb_mat:
        return self._exact.put(arb_mat(m, n), lambda: fmpq_mat(m, n))

    def cols(self, a: Any, start: int, stop: int) -> Any:
        out = cl.submatrix(a, range(a.nrows()), range(start, min(stop, a.ncols())))
        return self._derive(out, lambda x: _qsub(x, 0, x.nrows(), start, min(stop, x.ncols())), a)

    def rows(self, a: Any, start: int, stop: int) -> Any:
        out = cl.submatrix(a, range(start, min(stop, a.nrows())), range(a.ncols()))
        return self._derive(out, lambda x: _qsub(x, start, min(stop, x.nrows()), 0, x.ncols()), a)

    def shape(self, a: Any) -> tuple[int, int]:
        return (a.nrows(), a.ncols())

    def scale(self, a: Any, c: Any) -> Any:
        with working_prec(self.prec):
            cc = c if isinstance(c, arb) else arb(_fmpq(c))
            out = a * cc
            if isinstance(c, (int, Fraction, float, fmpq)):
                q = _fmpq(c)
                return self._derive(out, lambda x: x * q, a)
            return out

    def entry(self, a: arb_mat, i: int, j: int) -> arb:
        x = a[i, j]
        return self._derive(x, lambda m: m[i, j], a) if id(a) in self._exact._d else x

    def hadamard(self, a: arb_mat, b: arb_mat) -> arb_mat:
        if (a.nrows(), a.ncols()) != (b.nrows(), b.ncols()):
            raise UsageError("entrywise product of matrices of different shapes")
        with working_prec(self.prec):
            out = arb_mat(a.nrows(), a.ncols(), [x * y for x, y in zip(a.entries(), b.entries(), strict=True)])
        return self._derive(out, lambda x, y: fmpq_mat(x.nrows(), x.ncols(), [u * v for u, v in
                                                                                zip(x.entries(), y.entries(),
                                                                                    strict=True)]), a, b)

    def const(self, x: Any) -> arb:
        """A Python number as a ball; a rational keeps its exact value (so 1/3 can still be compared exactly)."""
        q = _fmpq(x)
        with working_prec(self.prec):
            out = arb(q)
        return out if out.rad() == 0 else self._exact.put(out, lambda: q)

    def ones(self, m: int, n: int) -> arb_mat:
        return self._exact.put(arb_mat(m, n, [1] * (m * n)), lambda: fmpq_mat(m, n, [1] * (m * n)))

    def sum_entries(self, a: arb_mat) -> arb:
        with working_prec(self.prec):
            out = sum(a.entries(), arb(0))
        return self._derive(out, lambda x: sum(x.entries(), fmpq(0)), a) if id(a) in self._exact._d else out

    def trace(self, a: arb_mat) -> arb:
        with working_prec(self.prec):
            out = a.trace()
        return self._derive(out, lambda x: sum((x[i, i] for i in range(x.nrows())), fmpq(0)), a) \
            if id(a) in self._exact._d else out

    def sqrt(self, x: Any) -> arb:
        with working_prec(self.prec):
            x = x if isinstance(x, arb) else arb(_fmpq(x))
            if x < 0:
                raise UsageError("sqrt of a negative number")
            if not x > 0:  # a ball touching 0: sqrt of max(0, x), an enclosure [0, sqrt(upper)]
                u = x.upper().sqrt().upper()
                out = arb(u / 2, u / 2)
            else:
                out = x.sqrt()
        ex = self._exact.get(x) if id(x) in self._exact._d else None
        if ex is not None or (x.rad() == 0 and x.is_finite()):
            self._exact.put(out, lambda: _alg(self.exact_value(x)).sqrt())
        return out

    def _scalar(self, x: Any) -> arb:
        return x if isinstance(x, arb) else self.const(x)

    def smul(self, a: Any, b: Any) -> arb:
        a, b = self._scalar(a), self._scalar(b)
        with working_prec(self.prec):
            return self._derive(a * b, lambda u, v: u * v, a, b)

    def sdiv(self, a: Any, b: Any) -> arb:
        a, b = self._scalar(a), self._scalar(b)
        with working_prec(self.prec):
            return self._derive(a / b, lambda u, v: u / v, a, b)

    def abs(self, x: Any) -> arb:
        x = self._scalar(x)
        with working_prec(self.prec):
            return self._derive(abs(x), lambda u: abs(u), x)

    def smin(self, a: Any, b: Any) -> arb:
        a, b = self._scalar(a), self._scalar(b)
        with working_prec(self.prec):
            return self._derive(a.min(b), lambda u, v: u if _alg(u).compare(_alg(v)) <= 0 else v, a, b)

    def smax(self, a: Any, b: Any) -> arb:
        a, b = self._scalar(a), self._scalar(b)
        with working_prec(self.prec):
            return self._derive(a.max(b), lambda u, v: u if _alg(u).compare(_alg(v)) >= 0 else v, a, b)

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
        res = arb_mat(a.nrows(), a.ncols(), out)
        return self._derive(res, lambda m: fmpq_mat(m.nrows(), m.ncols(), [v if v > 0 else fmpq(0)
                                                                            for v in m.entries()]), a)

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
        return self._derive(out, lambda m: max((abs(v) for v in m.entries()), default=fmpq(0)), a) \
            if id(a) in self._exact._d else out

    # -- spectra -------------------------------------------------------------------------------
    def svd(self, a: arb_mat) -> tuple[arb_mat, arb_mat]:
        u, _s, v = cl.approx_svd(a, self.prec)
        return u, v

    def sv(self, a: arb_mat, i: int) -> arb:
        """Enclosure of s_i(a); exactly 0 beyond the exact rank when `a` is known exactly."""
        if i > min(a.nrows(), a.ncols()):
            return arb(0)
        if not self.quick and self._hints.get(a) is None:
            q = self._exact.get(a)  # the full path decides exact zeros first, as it always did
            if q is not None and i > int(q.rank()):
                return self._exact.put(arb(0), lambda: fmpq(0))
        hint = self._hints.get(a)
        if self.quick:
            out = self._certificate(a, hint, refine=False).enclosures[i - 1]
            self._lazy.put(out, lambda: self._certificate(a, hint, refine=True).enclosures[i - 1])
        elif hint is not None:
            out = self._certificate(a, hint, refine=True).enclosures[i - 1]
        else:
            out = cl.singular_value(a, i, self.prec)
        if id(a) in self._exact._d:
            if not out > 0:  # the enclosure touches 0: the exact rank says whether it is 0
                q = self._exact.get(a)
                if q is not None and i > int(q.rank()):
                    return self._exact.put(arb(0), lambda: fmpq(0))
            # the exact shadow of a witness-sized product is costly: computed only if a decision needs it
            self._exact.put(out, lambda: _exact_sv(self._exact.get(a), i))
        return out

    def norm2(self, a: arb_mat) -> arb:
        """||a||_2. Quick and unhinted: [certified lower bound from the float64 top singular pair,
        Frobenius norm], refined only if a comparison needs the upper end."""
        if not self.quick or self._hints.get(a) is not None or min(a.nrows(), a.ncols()) == 0:
            return self.sv(a, 1)
        with working_prec(self.prec):
            low = post.norm_lower(a)
            if low is None:
                return self.sv(a, 1)
            out = low[0].union(cl.frobenius_upper(a))
        self._lazy.put(out, lambda: self._certificate(a, None, refine=True).enclosures[0])
        self._estimates.put(out, low[1])
        if id(a) in self._exact._d:
            self._exact.put(out, lambda: _exact_sv(self._exact.get(a), 1))
        return out

    def _certificate(self, a: arb_mat, hint: Any, refine: bool) -> post.Certificate:
        """Certified singular values of `a` from the hinted (else float64) factors, refined to
        `prec` bits first when `refine` and they are not that accurate already."""
        key = (a, refine)
        found = self._certs.get(key)
        if found is not None:
            return found
        u, v = hint if hint is not None else post.seed_factors(a)
        cert = post.certify(a, u, v, self.prec)
        if refine and not cert.relative_width() <= 2.0 ** (8 - self.prec):
            u, v = post.refine_factors(a, u, v, self.prec)
            cert = post.certify(a, u, v, self.prec)
        self._certs.put(key, cert)
        return cert

    def rank(self, a: arb_mat) -> int:
        """Exact when `a` is known exactly; otherwise counted from certified singular values, and
        undecided (PrecisionExhausted, so the checker escalates) while one of them straddles 0."""
        q = self._exact.get(a)
        if q is not None:
            return int(q.rank())
        encl = cl.singular_value_enclosures(a, self.prec)
        if any(not (s > 0) and not (s == 0) for s in encl):
            raise PrecisionExhausted(f"rank undecided at prec={self.prec}: a singular value's enclosure contains 0")
        return sum(1 for s in encl if s > 0)

    # -- deciding ------------------------------------------------------------------------------
    def witness_tol(self, scale: Any) -> arb:
        with working_prec(self.prec):
            return arb(2) ** (-(self.prec // 2)) * (1 + abs(arb(scale)).upper())

    def _exact_decision(self, cmp: Comparison) -> bool | None:
        """Decide an undecided comparison exactly, if both sides are known exactly (and no tolerance)."""
        if cmp.tol is not None and self.exact_value(cmp.tol) != 0:
            return None
        lhs, rhs = self.exact_value(cmp.lhs), self.exact_value(cmp.rhs)
        if lhs is None or rhs is None or isinstance(lhs, fmpq_mat) or isinstance(rhs, fmpq_mat):
            return None
        try:
            c = _alg(lhs).compare(_alg(rhs))
        except TooComplex:
            return None
        return {"<=": c <= 0, ">=": c >= 0, "==": c == 0}[cmp.relation]

    def _refined(self, x: Any) -> Any:
        """The refined enclosure of a quick singular value (itself if it has none)."""
        thunk = self._lazy.get(x)
        return x if thunk is None else thunk()

    def decide(self, cmp: Comparison) -> list[Decision]:
        with working_prec(self.prec):
            lhs = cmp.lhs if isinstance(cmp.lhs, arb) else arb(_fmpq(cmp.lhs))
            rhs = cmp.rhs if isinstance(cmp.rhs, arb) else arb(_fmpq(cmp.rhs))
            tol = (cmp.tol if isinstance(cmp.tol, arb) else arb(_fmpq(cmp.tol))) if cmp.tol is not None else arb(0)
            status, margin = _compare(lhs, rhs, tol, cmp.relation)
            if status == "unknown" and (self._lazy.get(cmp.lhs) is not None or self._lazy.get(cmp.rhs) is not None):
                # a quick enclosure left it open: refine the singular values compared and decide again
                if self._lazy.get(cmp.lhs) is not None:
                    lhs = self._refined(cmp.lhs)
                if self._lazy.get(cmp.rhs) is not None:
                    rhs = self._refined(cmp.rhs)
                status, margin = _compare(lhs, rhs, tol, cmp.relation)
            exact = status != "unknown" and lhs.rad() == 0 and rhs.rad() == 0 and tol == 0
            if status == "unknown":
                ok = self._exact_decision(cmp)
                if ok is not None:
                    status, exact = ("holds" if ok else "fails"), True
            lm, lr = arb_str(lhs)
            rm, rr = arb_str(rhs)
            lv, rv, mf = _to_float(lhs), _to_float(rhs), _to_float(margin)
            el, er = self._estimates.get(lhs), self._estimates.get(rhs)
            if el is not None or er is not None:  # a one-sided enclosure: its sharp end is the value
                lv, rv = (lv if el is None else el), (rv if er is None else er)
                lm, rm = (lm if el is None else f"{lv:.17g}"), (rm if er is None else f"{rv:.17g}")
                mf = {"<=": rv - lv, ">=": lv - rv, "==": -abs(lv - rv)}[cmp.relation]
            return [Decision(status, lm, rm, lr, rr, mf, None if cmp.tol is None else arb_str(tol)[0],
                             lv, relation=cmp.relation, rhs_value=rv, exact=exact)]


__all__ = ["CertifiedContext", "arb_str", "working_prec"]
