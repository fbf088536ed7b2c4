"""ReLU networks with exact rational weights: the record, exact evaluation, and evaluation in any arithmetic.

`ReLUNet` is `x -> L_k(... ReLU(L_1 x))` with affine layers `L_i(z) = W_i z + b_i`: ReLU after
every hidden layer, and after the last one too when `output_relu` (as in networks whose output
layer is rectified). Weights are exact rationals, so evaluation at a rational point is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flint import fmpq_mat

from verifier._errors import UsageError
from verifier._evidence._rat import Vector, as_matrix, col, entries, fm, js_mat, vector
from verifier._matrix import RatMatrix


@dataclass(frozen=True, slots=True)
class ReLUNet:
    """A feed-forward ReLU network with exact rational weights.

    Args:
        layers: (W, b) per layer, first layer first; W is out x in, b is out x 1 (RatMatrix).
        output_relu: apply ReLU after the last layer as well.
    """

    layers: tuple[tuple[RatMatrix, RatMatrix], ...]
    output_relu: bool = False

    def __post_init__(self) -> None:
        if not self.layers:
            raise UsageError("a ReLUNet needs at least one layer")
        width = self.layers[0][0].ncols
        for k, (w, b) in enumerate(self.layers):
            if not isinstance(w, RatMatrix) or not isinstance(b, RatMatrix):
                raise UsageError(f"layer {k}: W and b must be RatMatrix (use ReLUNet.build to convert)")
            if w.ncols != width:
                raise UsageError(f"layer {k}: W has {w.ncols} columns but the previous layer outputs {width}")
            if b.shape != (w.nrows, 1):
                raise UsageError(f"layer {k}: b must be {w.nrows}x1, got {b.nrows}x{b.ncols}")
            width = w.nrows

    @classmethod
    def build(cls, weights: Sequence[Any], biases: Sequence[Any] | None = None,
              output_relu: bool = False) -> ReLUNet:
        """From weights (RatMatrix, fmpq_mat or rows of exact numbers) and biases (None: zero biases)."""
        ws = [as_matrix(w, f"W[{k}]") for k, w in enumerate(weights)]
        if biases is None:
            bs = [RatMatrix(w.nrows, 1, (Fraction(0),) * w.nrows) for w in ws]
        else:
            if len(biases) != len(ws):
                raise UsageError(f"got {len(ws)} weight matrices but {len(biases)} biases")
            bs = []
            for k, b in enumerate(biases):
                m = as_matrix(b if not _flat(b) else [[v] for v in b], f"b[{k}]")
                bs.append(m if m.ncols == 1 else RatMatrix(m.ncols * m.nrows, 1, m.entries))
        return cls(tuple(zip(ws, bs, strict=True)), output_relu)

    @property
    def input_dim(self) -> int:
        return self.layers[0][0].ncols

    @property
    def output_dim(self) -> int:
        return self.layers[-1][0].nrows

    @property
    def depth(self) -> int:
        return len(self.layers)

    def rectified(self, k: int) -> bool:
        """Whether layer k (0-based) is followed by a ReLU."""
        return k < self.depth - 1 or self.output_relu

    def neurons(self) -> int:
        """How many ReLUs the network has (the hyperplanes its regions are cut by)."""
        return sum(w.nrows for k, (w, _b) in enumerate(self.layers) if self.rectified(k))

    def __call__(self, x: Sequence[Any]) -> Vector:
        """f(x) exactly, at a rational point."""
        return self.upto(x, self.depth)

    def upto(self, x: Sequence[Any], k: int) -> Vector:
        """The output of the first k layers (after their ReLUs) at a rational point; k = 0 is x."""
        if not 0 <= k <= self.depth:
            raise UsageError(f"k must be in 0..{self.depth}, got {k}")
        xv = vector(x, "x")
        if len(xv) != self.input_dim:
            raise UsageError(f"x has {len(xv)} coordinates but the network takes {self.input_dim}")
        z = col(xv)
        for i in range(k):
            w, b = self.layers[i]
            z = fm(w) * z + fm(b)
            if self.rectified(i):
                z = fmpq_mat(z.nrows(), 1, [v if v > 0 else 0 for v in z.entries()])
        return entries(z)

    def precompose(self, N: fmpq_mat, x0: fmpq_mat) -> ReLUNet:
        """The network y -> f(x0 + N y) (the first layer absorbs the affine map)."""
        w, b = self.layers[0]
        w1 = fm(w) * N
        b1 = fm(w) * x0 + fm(b)
        first = (as_matrix(w1), as_matrix(b1))
        return ReLUNet((first, *self.layers[1:]), self.output_relu)

    def load(self, ctx: Any) -> tuple[tuple[Any, Any], ...]:
        """The layers as matrices of `ctx`'s arithmetic (for `forward`)."""
        return tuple((ctx.load([w]), ctx.load([b])) for w, b in self.layers)

    def to_json(self) -> dict[str, Any]:
        return {"layers": [{"W": js_mat(w), "b": js_mat(b)} for w, b in self.layers], "output_relu": self.output_relu}


def _flat(b: Any) -> bool:
    return isinstance(b, (list, tuple)) and bool(b) and not isinstance(b[0], (list, tuple))


def forward(ctx: Any, layers: Sequence[tuple[Any, Any]], X: Any, output_relu: bool) -> Any:
    """The network applied to every column of X, in `ctx`'s arithmetic (batched in float).

    Args:
        ctx: a verifier Context.
        layers: (W, b) as matrices of ctx (e.g. `ReLUNet.load(ctx)`, or matrices from a Bound).
        X: D x N matrix of ctx whose columns are inputs.
        output_relu: ReLU after the last layer.
    """
    n = ctx.shape(X)[1]
    ones = ctx.ones(1, n)
    z = X
    for k, (w, b) in enumerate(layers):
        z = ctx.add(ctx.mm(w, z), ctx.mm(b, ones))
        if k < len(layers) - 1 or output_relu:
            z = ctx.relu(z)
    return z


def first_layers_agree(net: ReLUNet, x1: Sequence[Any], x2: Sequence[Any], k: int) -> dict[str, Any]:
    """Whether the first k layers map two rational points to the same vector, exactly, with both outputs."""
    a, b = net.upto(x1, k), net.upto(x2, k)
    from verifier._evidence._rat import js_vec

    return {"kind": "first-layers-agree", "k": k, "equal": a == b, "x1": js_vec(vector(x1)), "x2": js_vec(vector(x2)),
            "z1": js_vec(a), "z2": js_vec(b), "evidence": "exact"}


__all__ = ["ReLUNet", "first_layers_agree", "forward"]
