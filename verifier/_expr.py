"""Claims that read like their statement: `forall`/`exists` over expressions in any arithmetic.

    @forall("lower-bound", r"$\\|A - B\\|_2 \\ge \\sigma_{k+1}(A)$ whenever rank B <= k")
    def lower_bound(x):
        return x.norm2(x.A - x.B) >= x.sv(x.A, x.k + 1)

`x` is a view of one bound instance (or float batch): `x.A` is the matrix A wrapped as an
expression, `x.k` the parameter k, `x.c` the construction (its fields wrapped on access). Matrix
expressions support `+ - @`, `* scalar`, `.T`, `.inv()`, `abs` (entrywise), `a[i, j]` (an entry)
and `a[:, j0:j1]` (a block); scalar expressions support `+ - * / **k abs` and `sum(...)`.
`<=`, `>=` and `==` between expressions (or numbers) give comparisons labelled with the
expression's own text (`.named(label)` renames one, `.approx(scale)` allows a finite-precision
witness's slack), and the function may return one comparison or a list of them. Everything runs
through the context, so one function serves the float, mp, certified and exact levels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from verifier._backends._base import Bound, Context
from verifier._errors import SpecError
from verifier._records import Claim, Comparison


def _text(v: Any) -> str:
    return v.text if isinstance(v, Expr) else str(v)


#: Precedence of an expression's text: atoms and postfix forms, products, sums.
ATOM, PRODUCT, SUM = 0, 1, 2


def _paren(e: Any, above: int = ATOM) -> str:
    """The text of `e`, parenthesised if it binds looser than `above` allows."""
    t = _text(e)
    return f"({t})" if isinstance(e, Expr) and e.prec > above else t


def _plain(v: Any) -> bool:
    """A Python number (a parameter, a size, a rank): arithmetic on it needs no context."""
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


def _span(k: Any, size: int) -> tuple[int, int]:
    if isinstance(k, int):
        return k, k + 1
    if isinstance(k, slice) and k.step in (None, 1):
        return slice(k.start, k.stop).indices(size)[:2]
    raise TypeError(f"an index is an int or a slice without step, got {k!r}")


def _key(k: Any) -> str:
    if isinstance(k, int):
        return str(k)
    return f"{'' if k.start is None else k.start}:{'' if k.stop is None else k.stop}"


class Rel:
    """A pending comparison `lhs relation rhs` (a claim returns these)."""

    __slots__ = ("label", "lhs", "relation", "rhs", "scale", "tol")

    def __init__(self, lhs: Any, relation: str, rhs: Any, tol: Any = None, label: str | None = None,
                 scale: Any = None) -> None:
        self.lhs, self.relation, self.rhs, self.tol, self.scale = lhs, relation, rhs, tol, scale
        self.label = label or f"{_text(lhs)} {relation} {_text(rhs)}"

    def named(self, label: str) -> Rel:
        """The same comparison under another label."""
        return Rel(self.lhs, self.relation, self.rhs, self.tol, label, self.scale)

    def within(self, tol: Any) -> Rel:
        """Allow slack `tol` (an expression or a number of the same arithmetic; reports say so)."""
        return Rel(self.lhs, self.relation, self.rhs, tol, self.label, self.scale)

    def approx(self, scale: Any = None) -> Rel:
        """Allow the arithmetic's own slack for a witness computed at finite precision (an SVD):
        `ctx.witness_tol(scale)`, 0 in exact arithmetic, about 2^-(prec/2) relative to `scale` in
        certified. Use it only where a side is such a witness (`x.lowrank`, say)."""
        ctx = next((v.ctx for v in (self.lhs, self.rhs, scale) if isinstance(v, Expr)), None)
        if ctx is None:
            raise TypeError(f"approx() needs an expression on one side of {self.label!r}")
        sv = scale.value if isinstance(scale, Expr) else (1 if scale is None else scale)
        return Rel(self.lhs, self.relation, self.rhs, ctx.witness_tol(sv), self.label, sv)

    def comparison(self) -> Comparison:
        def raw(v: Any) -> Any:
            return v.value if isinstance(v, Expr) else v

        return Comparison(self.label, raw(self.lhs), self.relation, raw(self.rhs),  # type: ignore[arg-type]
                          raw(self.tol), raw(self.scale))

    def __bool__(self) -> bool:
        raise TypeError("a comparison of expressions is not a bool: return it from the claim (it is decided by the "
                        "checker, possibly as 'unknown')")


class Expr:
    """A matrix or scalar of some arithmetic, with the text it was written as."""

    __slots__ = ("ctx", "is_matrix", "prec", "text", "value")
    __hash__ = None  # type: ignore[assignment]  # == builds a comparison

    def __init__(self, ctx: Context, value: Any, text: str, is_matrix: bool, prec: int = ATOM) -> None:
        self.ctx, self.value, self.text, self.is_matrix, self.prec = ctx, value, text, is_matrix, prec

    def _wrap(self, value: Any, text: str, is_matrix: bool, prec: int = PRODUCT) -> Expr:
        return Expr(self.ctx, value, text, is_matrix, prec)

    def _other(self, o: Any) -> tuple[Any, bool]:
        if isinstance(o, Expr):
            return o.value, o.is_matrix
        return (self.ctx.const(o) if isinstance(o, float) else o), False

    # -- arithmetic ----------------------------------------------------------------------------
    # Scalars go through the context too (`add`, `sub`, `scale`, and `mm` where a context is not
    # batched): the certified context then keeps the exact value of each number beside its ball,
    # so a tie such as s_1(A) + 0 vs s_1(A) is decided exactly instead of staying undecided.
    def _sadd(self, a: Any, b: Any, sub: bool) -> Any:
        if _plain(a) and _plain(b):
            return a - b if sub else a + b
        return self.ctx.sub(a, b) if sub else self.ctx.add(a, b)

    def _scale(self, a: Any, c: Any) -> Any:
        try:
            return self.ctx.scale(a, c)
        except TypeError:  # a back end that takes only its own scalars (or ints) for c
            return self.ctx.scale(a, self.ctx.const(c))

    def _smul(self, a: Any, b: Any) -> Any:
        if _plain(a) and _plain(b):
            return a * b
        return self.ctx.smul(a, b)

    def __add__(self, o: Any) -> Expr:
        v, om = self._other(o)
        if self.is_matrix and om:
            return self._wrap(self.ctx.add(self.value, v), f"{self.text} + {_text(o)}", True, SUM)
        if self.is_matrix or om:
            raise TypeError(f"cannot add a matrix and a scalar: {self.text} + {_text(o)}")
        return self._wrap(self._sadd(self.value, v, False), f"{self.text} + {_text(o)}", False, SUM)

    def __radd__(self, o: Any) -> Expr:
        if not isinstance(o, Expr) and _plain(o) and o == 0:
            return self  # sum(...) starts from 0, for matrices too
        if isinstance(o, Expr):
            return o.__add__(self)
        v, _ = self._other(o)
        if self.is_matrix:
            raise TypeError(f"cannot add a scalar and a matrix: {_text(o)} + {self.text}")
        return self._wrap(self._sadd(v, self.value, False), f"{_text(o)} + {self.text}", False, SUM)

    def __sub__(self, o: Any) -> Expr:
        v, om = self._other(o)
        if self.is_matrix and om:
            return self._wrap(self.ctx.sub(self.value, v), f"{self.text} - {_paren(o, PRODUCT)}", True, SUM)
        if self.is_matrix or om:
            raise TypeError(f"cannot subtract a matrix and a scalar: {self.text} - {_text(o)}")
        return self._wrap(self._sadd(self.value, v, True), f"{self.text} - {_paren(o, PRODUCT)}", False, SUM)

    def __rsub__(self, o: Any) -> Expr:
        if self.is_matrix:
            raise TypeError(f"cannot subtract a matrix from a scalar: {_text(o)} - {self.text}")
        text = f"{_text(o)} - {_paren(self, PRODUCT)}"
        return self._wrap(self._sadd(self._other(o)[0], self.value, True), text, False, SUM)

    def __neg__(self) -> Expr:
        v = -self.value if _plain(self.value) else self.ctx.scale(self.value, -1)
        return self._wrap(v, f"-{_paren(self, PRODUCT)}", self.is_matrix, SUM)  # A (-B), not A -B

    def __mul__(self, o: Any) -> Expr:
        if isinstance(o, Expr) and o.is_matrix and self.is_matrix:
            raise TypeError(f"use @ for a matrix product: {self.text} @ {_text(o)}")
        v = self._other(o)[0]
        both_scalar = not self.is_matrix and not (isinstance(o, Expr) and o.is_matrix)
        text = f"{_paren(self, PRODUCT)}{' * ' if both_scalar else ' '}{_paren(o, PRODUCT)}"
        if self.is_matrix:
            return self._wrap(self._scale(self.value, v), text, True)
        if isinstance(o, Expr) and o.is_matrix:
            return self._wrap(self._scale(v, self.value), text, True)
        return self._wrap(self._smul(self.value, v), text, False)

    def __rmul__(self, o: Any) -> Expr:
        v = self._other(o)[0]
        if self.is_matrix:
            return self._wrap(self._scale(self.value, v), f"{_paren(o, PRODUCT)} {_paren(self, PRODUCT)}", True)
        return self._wrap(self._smul(v, self.value), f"{_paren(o, PRODUCT)} * {_paren(self, PRODUCT)}", False)

    def __pow__(self, k: int) -> Expr:
        if self.is_matrix or isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise TypeError(f"** takes a scalar and a positive integer power, got {self.text} ** {k!r}")
        v = self.value
        for _ in range(k - 1):
            v = self._smul(v, self.value)
        return self._wrap(v, f"{_paren(self)}^{k}", False, ATOM)

    def __truediv__(self, o: Any) -> Expr:
        if self.is_matrix or (isinstance(o, Expr) and o.is_matrix):
            raise TypeError("division is for scalars")
        v = o.value if isinstance(o, Expr) else self.ctx.const(o)
        return self._wrap(self.ctx.sdiv(self.value, v), f"{_paren(self, PRODUCT)} / {_paren(o)}", False)

    def __abs__(self) -> Expr:
        if self.is_matrix:
            return self._wrap(self.ctx.absolute(self.value), f"|{self.text}|", True, ATOM)
        return self._wrap(abs(self.value) if _plain(self.value) else self.ctx.abs(self.value), f"|{self.text}|",
                          False, ATOM)

    def __matmul__(self, o: Expr) -> Expr:
        if not (self.is_matrix and isinstance(o, Expr) and o.is_matrix):
            raise TypeError(f"@ multiplies two matrices: {self.text} @ {_text(o)}")
        return self._wrap(self.ctx.mm(self.value, o.value), f"{_paren(self, PRODUCT)} {_paren(o, PRODUCT)}", True)

    def __getitem__(self, key: Any) -> Expr:
        """`a[i, j]` an entry (a scalar); `a[:, j0:j1]`, `a[i0:i1, :]`, `a[:, j]` a block (a matrix)."""
        if not self.is_matrix or not (isinstance(key, tuple) and len(key) == 2):
            raise TypeError(f"index a matrix with two indices, got {self.text}[{key!r}]")
        i, j = key
        if isinstance(i, int) and isinstance(j, int):
            return Expr(self.ctx, self.ctx.entry(self.value, i, j), f"{_paren(self)}[{i},{j}]", False)
        m, n = self.ctx.shape(self.value)
        r0, r1 = _span(i, m)
        c0, c1 = _span(j, n)
        out = self.ctx.cols(self.ctx.rows(self.value, r0, r1), c0, c1)
        return Expr(self.ctx, out, f"{_paren(self)}[{_key(i)},{_key(j)}]", True)

    @property
    def T(self) -> Expr:
        return Expr(self.ctx, self.ctx.T(self.value), f"{_paren(self)}^T", True)

    def inv(self) -> Expr:
        return Expr(self.ctx, self.ctx.inv(self.value), f"{_paren(self)}^-1", True)

    # -- comparisons ---------------------------------------------------------------------------
    def __le__(self, o: Any) -> Rel:
        return Rel(self, "<=", o)

    def __ge__(self, o: Any) -> Rel:
        return Rel(self, ">=", o)

    def __eq__(self, o: Any) -> Rel:  # type: ignore[override]
        return Rel(self, "==", o)

    def __lt__(self, o: Any) -> Rel:
        raise TypeError("strict < is not decidable by enclosures: state the claim with <= (and a margin if needed)")

    __gt__ = __lt__

    def __repr__(self) -> str:
        return f"Expr({self.text})"


class _ConstructionView:
    def __init__(self, view: View, c: Any) -> None:
        self._view, self._c = view, c

    def __getattr__(self, name: str) -> Any:
        if self._c is None:
            raise AttributeError(f"x.c.{name}: the theorem has no construction (pass construction= to Theorem)")
        if not hasattr(self._c, name):
            fields = sorted(getattr(type(self._c), "__dataclass_fields__", {}))
            raise AttributeError(f"the construction {type(self._c).__name__} has no field {name!r} (fields {fields})")
        return self._view.wrap(getattr(self._c, name), name)


class View:
    """One bound instance seen from a claim: matrices, parameters, options, the construction."""

    def __init__(self, ctx: Context, b: Bound, c: Any) -> None:
        self.ctx, self.b = ctx, b
        self.c = _ConstructionView(self, c)
        self.raw_construction = c
        self.options = b.options

    def wrap(self, value: Any, text: str) -> Any:
        """A context value (matrix, scalar, or tuple of them) as an expression."""
        if isinstance(value, (tuple, list)):
            return tuple(self.wrap(v, f"{text}_{k + 1}") for k, v in enumerate(value))
        if isinstance(value, (int, float, str, bool)) or value is None:
            return value
        try:
            self.ctx.shape(value)
            is_matrix = True
        except Exception:  # not a matrix of this arithmetic: a scalar
            is_matrix = False
        return Expr(self.ctx, value, text, is_matrix)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self.b.params:
            return self.b.params[name]
        if self.b.has(name):
            return self.wrap(self.b.m(name), name)
        raise AttributeError(f"no parameter or matrix named {name!r} (parameters {sorted(self.b.params)})")

    # -- functions -----------------------------------------------------------------------------
    def _s(self, value: Any, text: str) -> Expr:
        return Expr(self.ctx, value, text, False)

    def norm2(self, a: Expr) -> Expr:
        """Spectral norm ||a||_2 (Euclidean norm for a vector)."""
        return self._s(self.ctx.norm2(a.value), f"||{a.text}||_2")

    def fro(self, a: Expr) -> Expr:
        """Frobenius norm ||a||_F."""
        return self._s(self.ctx.frobenius(a.value), f"||{a.text}||_F")

    def tr(self, a: Expr) -> Expr:
        return self._s(self.ctx.trace(a.value), f"tr({a.text})")

    def sv(self, a: Expr, i: int) -> Expr:
        """The i-th largest singular value (1-based; 0 beyond the size)."""
        return self._s(self.ctx.sv(a.value, i), f"s_{i}({a.text})")

    def fro2(self, a: Expr) -> Expr:
        """Squared Frobenius norm ||a||_F^2 (a rational in exact arithmetic: no square root)."""
        return self._s(self.ctx.frobenius_sq(a.value), f"||{a.text}||_F^2")

    def rank(self, a: Expr) -> Expr:
        """The rank: exact in exact arithmetic and, for exactly known matrices, in certified."""
        return self._s(self.ctx.rank(a.value), f"rank({a.text})")

    def min(self, *args: Any) -> Any:
        """The smallest of scalars (expressions or numbers)."""
        return self._extreme(args, False)

    def max(self, *args: Any) -> Any:
        """The largest of scalars (expressions or numbers)."""
        return self._extreme(args, True)

    def _extreme(self, args: Sequence[Any], want_max: bool) -> Any:
        if not args or any(isinstance(a, Expr) and a.is_matrix for a in args):
            raise TypeError(f"{'max' if want_max else 'min'} takes one or more scalars")
        vals = [a.value if isinstance(a, Expr) else a for a in args]
        out = vals[0]
        for v in vals[1:]:
            out = self.ctx.smax(out, v) if want_max else self.ctx.smin(out, v)
        text = f"{'max' if want_max else 'min'}({', '.join(_text(a) for a in args)})"
        return self._s(out, text) if any(isinstance(a, Expr) for a in args) else out

    def sqrt(self, s: Expr | int | float) -> Expr:
        v = s.value if isinstance(s, Expr) else self.ctx.const(s)
        return self._s(self.ctx.sqrt(v), f"sqrt({_text(s)})")

    def entry(self, a: Expr, i: int, j: int) -> Expr:
        return self._s(self.ctx.entry(a.value, i, j), f"{_paren(a)}[{i},{j}]")

    def relu(self, a: Expr) -> Expr:
        return Expr(self.ctx, self.ctx.relu(a.value), f"relu({a.text})", True)

    def maxabs(self, a: Expr) -> Expr:
        return self._s(self.ctx.maxabs(a.value), f"max|{a.text}|")

    def eye(self, n: int) -> Expr:
        return Expr(self.ctx, self.ctx.eye(n), "I", True)

    def zeros(self, m: int, n: int) -> Expr:
        return Expr(self.ctx, self.ctx.zeros(m, n), "0", True)

    def lowrank(self, a: Expr, r: int) -> Expr:
        """LR_r(a): a best rank-r approximation (from an approximate SVD: a witness, not exact)."""
        _u, v = self.ctx.svd(a.value)
        k = min(r, self.ctx.shape(v)[1])
        vr = self.ctx.cols(v, 0, k)
        return Expr(self.ctx, self.ctx.mm(a.value, vr, self.ctx.T(vr)), f"LR_{r}({a.text})", True)


def _claim(quantifier: str, claim_id: str, statement: str, **kwargs: Any) -> Callable[[Callable[[View], Any]], Claim]:
    def deco(fn: Callable[[View], Any]) -> Claim:
        def evaluate(ctx: Context, b: Bound, c: Any) -> list[Comparison]:
            out = fn(View(ctx, b, c))
            rels: Sequence[Any] = out if isinstance(out, (list, tuple)) else [out]
            bad = [r for r in rels if not isinstance(r, (Rel, Comparison))]
            if bad:
                raise TypeError(f"claim {claim_id}: return comparisons (a <= b, a >= b, a == b), got "
                                f"{type(bad[0]).__name__}")
            return [r.comparison() if isinstance(r, Rel) else r for r in rels]

        evaluate.__qualname__ = getattr(fn, "__qualname__", claim_id)
        evaluate.__doc__ = fn.__doc__
        try:
            return Claim(claim_id, statement=statement, evaluate=evaluate, quantifier=quantifier,  # type: ignore[arg-type]
                         **kwargs)
        except (SpecError, TypeError) as e:  # name the decorated function: the record does not know it
            raise SpecError(f"@{quantifier} on {getattr(fn, '__qualname__', fn)!s}: {e}") from None

    return deco


def forall(claim_id: str, statement: str, **kwargs: Any) -> Callable[[Callable[[View], Any]], Claim]:
    """Decorator: a universal claim (every instance, every comparison) from a function of the view."""
    return _claim("forall", claim_id, statement, **kwargs)


def exists(claim_id: str, statement: str, **kwargs: Any) -> Callable[[Callable[[View], Any]], Claim]:
    """Decorator: an existential claim whose comparisons check the construction's witness
    (`x.c`); pass `refute=` for an impossibility certificate."""
    return _claim("exists", claim_id, statement, **kwargs)


__all__ = ["Expr", "Rel", "View", "exists", "forall"]
