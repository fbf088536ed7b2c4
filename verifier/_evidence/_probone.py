"""Refuting "with probability 1 over random weights, P holds".

A single draw where P fails refutes nothing (it may lie in a null set). Two records do:

- `OpenSetRefutation`: a rational centre and radius such that P fails at EVERY point of the box
  {theta : |theta_i - c_i| <= r} (proved by evaluating P's comparisons in ball arithmetic on the
  whole box at once): the box has positive probability under any law with a positive density.
- `EveryDrawRefutation`: where the statement quantifies over a deterministic object chosen before
  the draw ("for every target, almost surely ..."), that object with a witness that works for every
  draw, proved symbolically: the draw's entries are SymPy symbols and the failure condition must
  simplify to True for all of them.

`almost_surely` wraps a claim's evaluation so that, at the certified level, it is evaluated on a
box of weights around the instance: a failure found there is a failure on an open set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Literal

from verifier._errors import UsageError
from verifier._evidence._rat import frac, js, js_mat
from verifier._matrix import RatMatrix
from verifier._records import Comparison, Refutation

ProbOneKind = Literal["open-set", "every-draw"]


@dataclass(frozen=True, slots=True)
class OpenSetRefutation:
    """P fails on the whole box of radius `radius` (max-norm) around `center`, certified."""

    center: Mapping[str, RatMatrix]
    radius: Fraction
    comparison: str
    lhs: str
    rhs: str
    prec: int
    kind: ProbOneKind = "open-set"

    def certificate(self) -> dict[str, Any]:
        return {"kind": "probability-one-refutation", "form": "open-set", "center": {k: js_mat(v) for k, v in
                self.center.items()}, "radius": js(self.radius), "norm": "max over entries",
                "failing_comparison": self.comparison, "lhs_on_box": self.lhs, "rhs_on_box": self.rhs,
                "prec_bits": self.prec, "evidence": "certified",
                "why": "the comparison fails for every weight in the box (ball arithmetic over the whole box); "
                       "the box has positive probability under every law with a positive density"}

    def to_refutation(self) -> Refutation:
        return Refutation("certified", f"fails on the open box of radius {self.radius} around the given weights "
                                       f"({self.comparison}): positive probability under any positive density",
                          self.certificate())


@dataclass(frozen=True, slots=True)
class EveryDrawRefutation:
    """A deterministic object and a witness that make P fail for every draw, proved symbolically."""

    object: Mapping[str, Any]
    witness: Mapping[str, Any]
    statement: str
    simplified: str
    kind: ProbOneKind = "every-draw"

    def certificate(self) -> dict[str, Any]:
        return {"kind": "probability-one-refutation", "form": "every-draw", "object": dict(self.object),
                "witness": dict(self.witness), "failure_condition": self.statement, "simplified": self.simplified,
                "evidence": "exact",
                "why": "with every drawn entry a free real symbol, the failure condition simplifies to True: "
                       "the object (chosen before the draw) defeats the claim for every draw"}

    def to_refutation(self) -> Refutation:
        return Refutation("exact", "a fixed object, chosen before the draw, makes the claim fail for every draw "
                                   f"(symbolic proof: {self.simplified})", self.certificate())


def _ball_matrix(m: RatMatrix, radius: Fraction, prec: int) -> Any:
    from flint import arb, arb_mat, fmpq

    from verifier._backends._certified import working_prec

    with working_prec(prec):
        r = arb(fmpq(radius.numerator, radius.denominator)).upper()
        return arb_mat(m.nrows, m.ncols, [arb(fmpq(x.numerator, x.denominator), r) for x in m.entries])


def certify_open_set(fails: Callable[[Any, Mapping[str, Any]], Sequence[Comparison]],
                     center: Mapping[str, RatMatrix], radius: Any, prec: int = 170, halvings: int = 30) \
        -> OpenSetRefutation | None:
    """Find a box around `center` on which one of P's comparisons fails everywhere, or None.

    Args:
        fails: (ctx, weights) -> P's comparisons, written against the context; weights maps names
            to matrices of ctx (balls here).
        center: the weights where P fails (exact).
        radius: the first radius tried; it is halved up to `halvings` times.
    """
    from verifier._backends._certified import CertifiedContext

    r = frac(radius, "radius")
    if r <= 0:
        raise UsageError(f"radius must be > 0, got {r}")
    ctx = CertifiedContext(prec=prec, max_prec=max(prec, 1360))
    for _ in range(halvings + 1):
        with ctx.session():
            balls = {k: _ball_matrix(v, r, prec) for k, v in center.items()}
            for cmp in fails(ctx, balls):
                d = ctx.decide(cmp)[0]
                if d.status == "fails" and not d.exact:
                    return OpenSetRefutation(dict(center), r, cmp.label, f"{d.lhs} +/- {d.lhs_radius}",
                                             f"{d.rhs} +/- {d.rhs_radius}", prec)
        r /= 2
    return None


def certify_every_draw(obj: Mapping[str, Any], witness: Mapping[str, Any], draw_shapes: Mapping[str, tuple[int, int]],
                       condition: Callable[[Mapping[str, Any]], Any]) -> EveryDrawRefutation | None:
    """Prove symbolically that P fails for every draw, given a fixed object and witness.

    Args:
        obj, witness: JSON-ready descriptions (for the report).
        draw_shapes: the random matrices, name -> (rows, cols); each entry becomes a real symbol.
        condition: draws (SymPy matrices) -> a SymPy boolean or expression stating that P fails
            (an expression means "== 0").
    """
    import sympy as sp

    draws = {k: sp.Matrix(m, n, lambda i, j, k=k: sp.Symbol(f"{k}_{i}_{j}", real=True))
             for k, (m, n) in draw_shapes.items()}
    cond = condition(draws)
    if isinstance(cond, sp.Basic) and not isinstance(cond, sp.logic.boolalg.Boolean):
        cond = sp.Eq(sp.simplify(cond), 0)
    simp = sp.simplify(cond)
    if simp is sp.true or simp is True:
        return EveryDrawRefutation(dict(obj), dict(witness), str(cond), "True")
    return None


def almost_surely(evaluate: Callable[[Any, Any, Any, Mapping[str, Any]], Sequence[Comparison]],
                  names: Sequence[str], radius: Any = Fraction(1, 2**20)) -> Callable[[Any, Any, Any], Any]:
    """A claim's evaluation for "almost surely P(weights)": at the certified level the named weights
    are balls of `radius` around the instance's values, so a certified failure is a failure on an
    open set (a refutation), and "holds" still covers the instance itself. Other levels evaluate at
    the instance (screening only). Declare the claim with levels without "exact".

    Args:
        evaluate: (ctx, bound, construction, weights) -> comparisons; weights maps each name to a
            matrix (or tuple of matrices) of ctx.
        names: the instance matrices that are random.
    """
    r = frac(radius, "radius")
    if r <= 0:
        raise UsageError(f"radius must be > 0, got {r}")

    def run(ctx: Any, b: Any, c: Any) -> Any:
        if ctx.level == "exact":
            raise UsageError("an almost-sure claim is decided on open sets: declare levels without 'exact'")
        if ctx.level != "certified":
            return evaluate(ctx, b, c, {k: b.m(k) for k in names})
        inst = b.instances[0]
        weights: dict[str, Any] = {}
        for k in names:
            v = inst.matrices[k] if k in inst.matrices else inst.aux[k]
            weights[k] = tuple(_ball_matrix(m, r, ctx.prec) for m in v) if isinstance(v, tuple) else \
                _ball_matrix(v, r, ctx.prec)
        where = f" [for every {'/'.join(names)} within {r} of the instance, max-norm: an open set]"
        return [replace(cmp, label=cmp.label + where) for cmp in evaluate(ctx, b, c, weights)]

    run.__name__ = getattr(evaluate, "__name__", "almost_surely")
    return run


__all__ = ["EveryDrawRefutation", "OpenSetRefutation", "almost_surely", "certify_every_draw", "certify_open_set"]
