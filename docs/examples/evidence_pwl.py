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
from verifier.evidence import Polyhedron, ReLUNet, decide_equal, equality_claim, equality_comparison

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
    # the decision is exact whichever arithmetic asks (and cached: the float screen and the exact
    # level enumerate once); equality_claim gives each instance of a float batch its own value
    return [equality_claim(ctx, b, lambda inst: decide_equal(*_split(inst.matrices["W"])),
                           "W x = [I, -I] ReLU([W; -W] x)")]


def split_on_box(ctx: Any, b: Any, c: Any) -> list[Any]:
    d = b.params["D"]
    box = Polyhedron.box([-1] * d, [1] * d)
    return [equality_claim(ctx, b, lambda inst: decide_equal(*_split(inst.matrices["W"]), box),
                           "W x = [I, -I] ReLU([W; -W] x)")]


def relu_is_identity(ctx: Any, b: Any, c: Any) -> list[Any]:
    # one instance at a time (exact level only): equality_comparison takes one decision
    rows = b.instances[0].matrices["W"].rows()
    return [equality_comparison(ctx, decide_equal(ReLUNet.build([rows], output_relu=True), ReLUNet.build([rows])),
                                "ReLU(W x) = W x")]


THEOREM = Theorem(
    id="EVIDENCE-PWL-SPLIT", title="A linear map as a ReLU network, on all of R^D",
    statement=r"For every $W \in \mathbb{Q}^{D\times D}$: $Wx = [I, -I]\,\mathrm{ReLU}([W; -W]x)$ "
              r"for all $x \in \mathbb{R}^D$.",
    source=SOURCE, parameters=(D,), shapes={"W": ("D", "D")}, default_examples=3,
    claims=(Claim("on-RD", statement=r"$f = g$ on $\mathbb{R}^D$", evaluate=split_identity),
            Claim("on-box", statement=r"$f = g$ on $[-1, 1]^D$", evaluate=split_on_box)),
)

PLANTED = Theorem(
    id="EVIDENCE-PWL-PLANTED", title="Planted false claim: ReLU(Wx) = Wx on R^D",
    statement=r"$\mathrm{ReLU}(Wx) = Wx$ for all $x \in \mathbb{R}^D$ (false).",
    source=Source(citation="planted false claim (docs example)", kind="user"), parameters=(D,),
    shapes={"W": ("D", "D")}, default_examples=2,
    claims=(Claim("relu-identity", statement=r"$\mathrm{ReLU}(Wx) = Wx$", evaluate=relu_is_identity,
                  levels=("exact",)),),
)
