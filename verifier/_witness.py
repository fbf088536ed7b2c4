"""A-posteriori certification: compute a witness fast and approximately, certify it exactly as given.

A construction's witness (weight corrections, biases, singular vectors: whatever makes an existential
claim true) need not be computed inside ball arithmetic. Inverting ill-conditioned products there makes
radii explode (a depth-4 product of 64 x 64 layers ran out of precision at 166 bits). The standard remedy in
verified numerics (Rump; INTLAB's `verify*`) is a posteriori: compute the witness in floating
point, fix it as exact numbers, and verify the claim about *that* witness with products and
residuals only. Inverses then appear in the certified path only where a claim is about them.

How a spec opts in (inside its construction, written once against `Context`):

    def construction(ctx, b):
        w = witness(ctx, b, lambda actx, ab: my_witness(actx, ab))  # computed in actx, exact in ctx
        ...                                                           # certify claims about w in ctx
        ctx.svd_hint(E, w.u, w.v)                                     # optional: certify s_i(E) from w

`witness` runs `fn(ctx, b)` itself where the context computes its own witnesses (float, mpmath,
exact: nothing changes there). For a certified context it runs `fn` in that context's
`witness_context()` (python-flint midpoints at the same precision, `verifier._backends._approx`),
then hands the certified context the exact values of the result: every matrix in it (also inside
tuples, lists and frozen dataclasses) is adopted as an exact point, so the certified claims are
about a fixed rational witness. Singular vectors passed to `ctx.svd_hint` let certified singular
values of E, or of a residual, come from three products (`linalg._posteriori.certify`) instead of
an SVD in ball arithmetic.

Escalation: the witness is computed at the certified precision p, its singular vectors to about
p/2 + 32 bits, and claims allow the witness tolerance 2^-(p/2). When a claim still fails within
the tolerance at the rounded witness, the checker retries at 2p, which recomputes the witness with
twice the digits; it never settles for a weaker verdict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from verifier._backends._base import Bound, Context

W = TypeVar("W")


def witness(ctx: Context, b: Bound, fn: Callable[[Context, Bound], W], *, using: Context | None = None) -> W:
    """The witness `fn(actx, ab)` for the instances bound in `b`, as exact values of `ctx`.

    Args:
        ctx: the arithmetic the claims are checked in.
        b: the bound instances (the witness arithmetic binds the same instances).
        fn: computes the witness against any `Context`; returns matrices, or tuples, lists and
            frozen dataclasses of them (None, numbers and strings pass through).
        using: compute the witness in this arithmetic instead of `ctx.witness_context()` (its
            matrices must be ones `ctx.adopt` takes).

    Returns:
        `fn(ctx, b)` where `ctx.witness_context()` is None; else `fn`'s result in the witness
        arithmetic, every matrix adopted by `ctx` as the exact point it is.
    """
    actx = using if using is not None and ctx.witness_context() is not None else ctx.witness_context()
    if actx is None:
        return fn(ctx, b)
    with actx.session():
        ab = actx.bind(b.instances)
        out = fn(actx, ab)
    return _adopt(ctx, actx, out)


def _adopt(ctx: Context, actx: Context, x: Any) -> Any:
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, tuple):
        return tuple(_adopt(ctx, actx, y) for y in x)
    if isinstance(x, list):
        return [_adopt(ctx, actx, y) for y in x]
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        fields = {f.name: _adopt(ctx, actx, getattr(x, f.name)) for f in dataclasses.fields(x)}
        return dataclasses.replace(x, **fields)
    return ctx.adopt(actx, x)


__all__ = ["witness"]
