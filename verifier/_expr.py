"""Claims that read like their statement: `forall`/`exists` over expressions in any arithmetic.

    @forall("lower-bound", r"$\\|A - B\\|_2 \\ge \\sigma_{k+1}(A)$ whenever rank B <= k")
    def lower_bound(x):
        return x.norm2(x.A - x.B) >= x.sv(x.A, x.k + 1)

`x` is a view of one bound instance (or float batch): `x.A` is the matrix A wrapped as an
expression, `x.k` the parameter k, `x.c` the construction (its fields wrapped on access). Matrix
expressions support `+ - @`, `* scalar`, `.T`, `.inv()`; scalar expressions support `+ - * /`.
`<=`, `>=` and `==` between expressions (or numbers) give comparisons labelled with the
expression's own text, and the function may return one comparison or a list of them. Everything
runs through the context, so one function serves the float, mp, certified and exact levels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from verifier._backends._base import Bound, Context
from verifier._records import Claim, Comparison


def _text(v: Any) -> str:
    return v.text if isinstance(v, Expr) else str(v)


def _paren(e: Any) -> str:
    t = _text(e)
    return f"({t})" if isinstance(e, Expr) and e.compound else t


class Rel:
    """A pending comparison `lhs relation rhs` (a claim returns these)."""

    __slots__ = ("label", "lhs", "relation", "rhs", "tol")

    def __init__(self, lhs: Any, relation: str, rhs: Any, tol: Any = None, label: str | None = None) -> None:
        self.lhs, self.relation, self.rhs, self.tol = lhs, relation, rhs, tol
        self.label = label or f"{_text(lhs)} {relation} {_text(rhs)}"

    def named(self, label: str) -> Rel:
        """The same comparison under another label."""
        return Rel(self.lhs, self.relation, self.rhs, self.tol, label)

    def within(self, tol: Any) -> Rel:
        """Allow slack `tol` (for a witness computed at finite precision; reports say so)."""
        return Rel(self.lhs, self.relation, self.rhs, tol, self.label)

    def comparison(self) -> Comparison:
        def raw(v: Any) -> Any:
            return v.value if isinstance(v, Expr) else v

        scale = None
        return Comparison(self.label, raw(self.lhs), self.relation, raw(self.rhs), raw(self.tol), scale)  # type: ignore[arg-type]

    def __bool__(self) -> bool:
        raise TypeError("a comparison of expressions is not a bool: return it from the claim (it is decided by the "
                        "checker, possibly as 'unknown')")


class Expr:
    """A matrix or scalar of some arithmetic, with the text it was written as."""

    __slots__ = ("compound", "ctx", "is_matrix", "text", "value")
    __hash__ = None  # type: ignore[assignment]  # == builds a comparison

    def __init__(self, ctx: Context, value: Any, text: str, is_matrix: bool, compound: bool = False) -> None:
        self.ctx, self.value, self.text, self.is_matrix, self.compound = ctx, value, text, is_matrix, compound

    def _wrap(self, value: Any, text: str, is_matrix: bool) -> Expr:
        return Expr(self.ctx, value, text, is_matrix, compound=True)

    def _other(self, o: Any) -> tuple[Any, bool]:
        if isinstance(o, Expr):
            return o.value, o.is_matrix
        return (self.ctx.const(o) if self.is_matrix else o), False

    # -- arithmetic ----------------------------------------------------------------------------
    def __add__(self, o: Any) -> Expr:
        v, om = self._other(o)
        if self.is_matrix and om:
            return self._wrap(self.ctx.add(self.value, v), f"{self.text} + {_text(o)}", True)
        if self.is_matrix or om:
            raise TypeError(f"cannot add a matrix and a scalar: {self.text} + {_text(o)}")
        return self._wrap(self.value + v, f"{self.text} + {_text(o)}", False)

    def __radd__(self, o: Any) -> Expr:
        return self.__add__(o)

    def __sub__(self, o: Any) -> Expr:
        v, om = self._other(o)
        if self.is_matrix and om:
            return self._wrap(self.ctx.sub(self.value, v), f"{self.text} - {_paren(o)}", True)
        if self.is_matrix or om:
            raise TypeError(f"cannot subtract a matrix and a scalar: {self.text} - {_text(o)}")
        return self._wrap(self.value - v, f"{self.text} - {_paren(o)}", False)

    def __rsub__(self, o: Any) -> Expr:
        return (-self).__add__(o)

    def __neg__(self) -> Expr:
        v = self.ctx.neg(self.value) if self.is_matrix else -self.value
        return self._wrap(v, f"-{_paren(self)}", self.is_matrix)

    def __mul__(self, o: Any) -> Expr:
        v, om = self._other(o) if isinstance(o, Expr) else (o, False)
        text = f"{_paren(self)} {_paren(o)}"
        if self.is_matrix and om:
            raise TypeError(f"use @ for a matrix product: {self.text} @ {_text(o)}")
        if self.is_matrix:
            return self._wrap(self.ctx.scale(self.value, v), text, True)
        if om:
            return self._wrap(self.ctx.scale(v, self.value), text, True)
        return self._wrap(self.value * (self.ctx.const(v) if not isinstance(o, Expr) else v), text, False)

    def __rmul__(self, o: Any) -> Expr:
        return self.__mul__(o)

    def __truediv__(self, o: Any) -> Expr:
        if self.is_matrix or (isinstance(o, Expr) and o.is_matrix):
            raise TypeError("division is for scalars")
        v = o.value if isinstance(o, Expr) else self.ctx.const(o)
        return self._wrap(self.value / v, f"{_paren(self)} / {_paren(o)}", False)

    def __matmul__(self, o: Expr) -> Expr:
        if not (self.is_matrix and isinstance(o, Expr) and o.is_matrix):
            raise TypeError("@ multiplies two matrices")
        return self._wrap(self.ctx.mm(self.value, o.value), f"{_paren(self)} {_paren(o)}", True)

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
        return self._view.wrap(getattr(self._c, name), name)


class View:
    """One bound instance seen from a claim: matrices, parameters, options, the construction."""

    def __init__(self, ctx: Context, b: Bound, c: Any) -> None:
        self.ctx, self.b = ctx, b
        self.c = _ConstructionView(self, c) if c is not None else None
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

    def rank(self, a: Expr) -> Expr:
        return self._s(self.ctx.rank(a.value), f"rank({a.text})")

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
        return Claim(claim_id, statement=statement, evaluate=evaluate, quantifier=quantifier,  # type: ignore[arg-type]
                     **kwargs)

    return deco


def forall(claim_id: str, statement: str, **kwargs: Any) -> Callable[[Callable[[View], Any]], Claim]:
    """Decorator: a universal claim (every instance, every comparison) from a function of the view."""
    return _claim("forall", claim_id, statement, **kwargs)


def exists(claim_id: str, statement: str, **kwargs: Any) -> Callable[[Callable[[View], Any]], Claim]:
    """Decorator: an existential claim whose comparisons check the construction's witness
    (`x.c`); pass `refute=` for an impossibility certificate."""
    return _claim("exists", claim_id, statement, **kwargs)


__all__ = ["Expr", "Rel", "View", "exists", "forall"]
