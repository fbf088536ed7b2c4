"""Example spec: ReLU networks decided on all of R^D (docs/evidence.md, "Piecewise-linear networks").

`W x = [I, -I] ReLU([W; -W] x)` holds for every W on all of R^D; the planted `ReLU(W x) = W x` fails
off the positive cone, and the verifier returns an exact rational witness. Run:
    verifier check --spec docs/examples/evidence_pwl.py:THEOREM
    verifier check --spec docs/examples/evidence_pwl.py:PLANTED
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from verifier import Claim, Parameter, Source, Theorem
from verifier.evidence import Polyhedron, ReLUNet, decide_equal, equality_comparison

SOURCE = Source(citation="ReLU(t) - ReLU(-t) = t, applied coordinatewise", kind="folklore")
D = Parameter("D", low=2, high=4, description="input dimension")


def _split(W: Any) -> tuple[ReLUNet, ReLUNet]:
    rows = W.rows()
    d = len(rows)
    eye = [[Fraction(int(i == j)) for j in range(d)] for i in range(d)]
    f = ReLUNet.build([rows])
    g = ReLUNet.build([rows + [[-v for v in r] for r in rows], [e + [-v for v in e] for e in eye]])
    return f, g


def split_identity(ctx: Any, b: Any, c: Any) -> list[Any]:
    f, g = _split(b.instances[0].matrices["W"])
    return [equality_comparison(ctx, decide_equal(f, g), "W x = [I, -I] ReLU([W; -W] x)")]


def split_on_box(ctx: Any, b: Any, c: Any) -> list[Any]:
    f, g = _split(b.instances[0].matrices["W"])
    d = b.params["D"]
    box = Polyhedron.box([-1] * d, [1] * d)
    return [equality_comparison(ctx, decide_equal(f, g, box), "W x = [I, -I] ReLU([W; -W] x)")]


def relu_is_identity(ctx: Any, b: Any, c: Any) -> list[Any]:
    rows = b.instances[0].matrices["W"].rows()
    return [equality_comparison(ctx, decide_equal(ReLUNet.build([rows], output_relu=True), ReLUNet.build([rows])),
                                "ReLU(W x) = W x")]


# The decision is exact whatever arithmetic asks, so the claims run only at the exact level
# (a float batch would need `verifier.evidence.lift` to keep instances apart).
THEOREM = Theorem(
    id="EVIDENCE-PWL-SPLIT", title="A linear map as a ReLU network, on all of R^D",
    statement=r"For every $W \in \mathbb{Q}^{D\times D}$: $Wx = [I, -I]\,\mathrm{ReLU}([W; -W]x)$ "
              r"for all $x \in \mathbb{R}^D$.",
    source=SOURCE, parameters=(D,), shapes={"W": ("D", "D")}, default_examples=3,
    claims=(Claim("on-RD", statement=r"$f = g$ on $\mathbb{R}^D$", evaluate=split_identity, levels=("exact",)),
            Claim("on-box", statement=r"$f = g$ on $[-1, 1]^D$", evaluate=split_on_box, levels=("exact",))),
)

PLANTED = Theorem(
    id="EVIDENCE-PWL-PLANTED", title="Planted false claim: ReLU(Wx) = Wx on R^D",
    statement=r"$\mathrm{ReLU}(Wx) = Wx$ for all $x \in \mathbb{R}^D$ (false).",
    source=Source(citation="planted false claim (docs example)", kind="user"), parameters=(D,),
    shapes={"W": ("D", "D")}, default_examples=2,
    claims=(Claim("relu-identity", statement=r"$\mathrm{ReLU}(Wx) = Wx$", evaluate=relu_is_identity,
                  levels=("exact",)),),
)
