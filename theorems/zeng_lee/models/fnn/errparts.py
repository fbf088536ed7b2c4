"""The quantities of Theorem 5's bound and proof, in one arithmetic, for x uniform on the columns of X.

`parts(ctx, b, blocks, ranks)` loads the exact witness (`err.witness_of`) and evaluates everything
the statement and the steps T1-T14 compare: the intermediate values zhat_i (adapted blocks) and
zbar_i (target layers) at every support point, A_i, B_i, the block weights What_i, E^(i), the
singular values, Sigma = E[x x^T] and the printed beta. Expectations over the finite law are finite
sums, so the certified level decides them with exact rational shadows (ties exactly).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from theorems.zeng_lee.models.fnn.err import Witness, block_rank, witness_of
from theorems.zeng_lee.models.fnn.model import Blocks
from verifier import exact_product


def exact_zero(ctx: Any, x: Any) -> bool:
    """x is known to be exactly 0 (an exact ball or rational; never in float, which only screens)."""
    if ctx.level == "float":
        return False
    if ctx.level == "certified":
        from flint import arb

        return isinstance(x, arb) and x.rad() == 0 and x == 0
    try:
        return bool(x == 0)
    except (TypeError, ValueError):
        return False


def plus(ctx: Any, a: Any, b: Any) -> Any:
    """a + b, returning the other operand itself when one is exactly 0 (so its exact shadow survives and a
    tie with it is still decided exactly)."""
    if exact_zero(ctx, b):
        return a
    if exact_zero(ctx, a):
        return b
    return a + b


def vmax(ctx: Any, a: Any, b: Any) -> Any:
    """max(a, b) of two scalars of the context (per instance in float); in certified arithmetic the larger
    operand itself when the balls decide it (keeping its exact shadow)."""
    if ctx.level == "float":
        import torch

        return torch.maximum(torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64))
    if ctx.level == "certified":
        from flint import arb

        from verifier.linalg import working_prec

        with working_prec(ctx.prec):
            a = a if isinstance(a, arb) else ctx.const(a)
            b = b if isinstance(b, arb) else ctx.const(b)
            if a >= b:
                return a
            if b >= a:
                return b
            return a.max(b)
    return a if a >= b else b


def vmin(ctx: Any, a: Any, b: Any) -> Any:
    return -vmax(ctx, -a, -b)


def col_norms(ctx: Any, v: Any) -> list[Any]:
    """||v_j||_2 for every column j (one scalar of the context per column); a column known to be exactly 0
    gives an exact 0."""
    exact = getattr(ctx, "exact_value", None)
    q = exact(v) if exact is not None and ctx.level == "certified" else None
    out = []
    for j in range(ctx.shape(v)[1]):
        if q is not None and all(q[i, j] == 0 for i in range(q.nrows())):
            out.append(ctx.const(0))
        else:
            out.append(ctx.vnorm2(ctx.cols(v, j, j + 1)))
    return out


def mean(ctx: Any, values: Sequence[Any]) -> Any:
    total = values[0]
    for x in values[1:]:
        total = plus(ctx, total, x)
    if exact_zero(ctx, total):
        return total
    return total * ctx.const(Fraction(1, len(values))) if ctx.level != "float" else total / len(values)


def mean_norm(ctx: Any, v: Any) -> Any:
    """E||v(x)||_2 for x uniform on the support: the mean of the column norms."""
    return mean(ctx, col_norms(ctx, v))


def run(ctx: Any, layers: Sequence[tuple[Any, Any]], z: Any, relu_last: bool) -> Any:
    """Layers (W, b) applied to the columns of z, ReLU after each (after the last only if relu_last)."""
    ones = ctx.ones(1, ctx.shape(z)[1])
    for k, (w, bias) in enumerate(layers):
        z = ctx.add(ctx.mm(w, z), ctx.mm(bias, ones))
        if k < len(layers) - 1 or relu_last:
            z = ctx.relu(z)
    return z


def sv_each(ctx: Any, b: Any, e: Any, ks: Sequence[int]) -> Any:
    """s_{k}(E) where k may differ per instance of a float batch (one index per instance)."""
    if ctx.level != "float" or len(set(ks)) == 1:
        return ctx.sv(e, ks[0])
    import torch

    return torch.stack([ctx.sv(e, k)[n] for n, k in enumerate(ks)])


@dataclass(frozen=True)
class Parts:
    """Everything Theorem 5's statement and proof compare, for one instance (or float batch).

    Per block i (0-based lists): zbar[i] / zhat[i] are the values after i blocks (zbar[0] = zhat[0] = X),
    f_on_bar[i] = f_{i+1}(zbar[i]); What[i] the block's composed weight; E[i] = Wbar_i - prod W;
    rm[i] = sum of the block's ranks, rt[i] = rank(E^(i)) (per instance); Ei[i] = s_{rm+1}(E^(i)).
    """

    witness: tuple[Witness, ...]
    X: Any
    n: int
    zbar: tuple[Any, ...]
    zhat: tuple[Any, ...]
    f_on_bar: tuple[Any, ...]
    What: tuple[Any, ...]
    E: tuple[Any, ...]
    rm: tuple[int, ...]
    rt: tuple[tuple[int, ...], ...]
    Ei: tuple[Any, ...]
    fro: tuple[Any, ...]
    bnorm: tuple[Any, ...]
    sigma: Any
    sqrt_sigma_f: Any
    sqrt_trace: Any
    mean_x: Any
    blocks: Blocks
    output_relu: bool

    @property
    def rounded(self) -> bool:
        """Some block's adapters are the float64 construction rounded to rationals (not the exact one)."""
        return any(not all(w.exact_blocks) for w in self.witness)

    @property
    def lbar(self) -> int:
        return len(self.blocks)

    def delta(self, ctx: Any, i: int) -> Any:
        """E||zhat_i - zbar_i|| (i = 0..Lbar; 0 for i = 0)."""
        return mean_norm(ctx, ctx.sub(self.zhat[i], self.zbar[i]))

    def a_term(self, ctx: Any, i: int) -> Any:
        """A_i = E||f_i(zhat_{i-1}) - f_i(zbar_{i-1})|| (i = 1..Lbar)."""
        return mean_norm(ctx, ctx.sub(self.zhat[i], self.f_on_bar[i - 1]))

    def b_term(self, ctx: Any, i: int) -> Any:
        """B_i = E||f_i(zbar_{i-1}) - fbar_i(zbar_{i-1})|| (i = 1..Lbar)."""
        return mean_norm(ctx, ctx.sub(self.f_on_bar[i - 1], self.zbar[i]))

    def relu_on(self, i: int) -> bool:
        return i < self.lbar - 1 or self.output_relu


def parts(ctx: Any, b: Any, blocks: Blocks, ranks: Sequence[int], output_relu: bool) -> Parts:
    """Load the witness of every instance of `b` and evaluate Theorem 5's quantities."""
    wits = tuple(witness_of(inst, blocks, ranks, output_relu) for inst in b.instances)
    d = b.params["D"]
    big_l = len(wits[0].weights)
    ws = [ctx.load([w.weights[li] for w in wits]) for li in range(big_l)]
    bs = [ctx.load([w.biases[li] for w in wits]) for li in range(big_l)]
    wbar, bbar, frozen = list(b.m("Wbar")), list(b.m("bbar")), list(b.m("W"))
    X = b.m("X")
    n = ctx.shape(X)[1]
    zbar, zhat, fob, what, es, rms, rts, eis = [X], [X], [], [], [], [], [], []
    for i, blk in enumerate(blocks):
        relu_last = i < len(blocks) - 1 or output_relu
        layers = [(ws[li], bs[li]) for li in blk]
        zhat.append(run(ctx, layers, zhat[-1], relu_last))
        fob.append(run(ctx, layers, zbar[-1], relu_last))
        zbar.append(run(ctx, [(wbar[i], bbar[i])], zbar[-1], relu_last))
        what.append(ctx.prod([ws[li] for li in blk], d))
        e = ctx.sub(wbar[i], ctx.prod([frozen[li] for li in blk], d))
        es.append(e)
        rm = sum(ranks[li] for li in blk)
        rms.append(rm)
        rts.append(tuple(block_rank(inst.matrices["Wbar"][i] - exact_product([inst.matrices["W"][li] for li in blk], d))
                         for inst in b.instances))
        eis.append(ctx.sv(e, rm + 1))
    sigma = ctx.scale(ctx.mm(X, ctx.T(X)), Fraction(1, n))
    return Parts(wits, X, n, tuple(zbar), tuple(zhat), tuple(fob), tuple(what), tuple(es), tuple(rms), tuple(rts),
                 tuple(eis), tuple(ctx.frobenius(w) for w in wbar), tuple(ctx.vnorm2(v) for v in bbar), sigma,
                 ctx.sqrt(ctx.frobenius(sigma)), ctx.sqrt(ctx.trace(sigma)), mean_norm(ctx, X), blocks, output_relu)


# -- the printed constants --------------------------------------------------------------------

def _chain(p: Parts, head: Any, last: int, i: int) -> Any:
    """head prod_{j<=last} ||Wbar_j||_F + sum_{j<=last} prod_{k=j+1..i-1} ||Wbar_k||_F ||bbar_j||_2: the shape
    every printed bound on E||zbar|| takes (they differ in the head and in where the products stop)."""
    term = head
    for j in range(1, last + 1):
        term = term * p.fro[j - 1]
    for j in range(1, last + 1):
        t = p.bnorm[j - 1]
        for k in range(j + 1, i):
            t = t * p.fro[k - 1]
        term = term + t
    return term


def z_bound(ctx: Any, p: Parts, i: int, input_size: Any) -> Any:
    """input_size prod_{j<=i} ||Wbar_j||_F + sum_{j<=i} prod_{k=j+1..i-1} ||Wbar_k||_F ||bbar_j||_2
    (beta's term for index i, with the printed product bounds; i = 0 gives input_size)."""
    return _chain(p, input_size, i, i)


def t8_bound(ctx: Any, p: Parts, i: int) -> Any:
    """T8's right side for E||zbar_{i-1}||: prod_{j<=i-1} ||Wbar_j||_F E||x|| + sum_{j<=i-1}
    prod_{k=j+1..i-1} ||Wbar_k||_F ||bbar_j|| (the product runs to i-1, one further than beta's term i-1)."""
    return _chain(p, p.mean_x, i - 1, i)


def t10_lhs(ctx: Any, p: Parts, i: int, input_size: Any) -> Any:
    """T10's left side: T8's right side with sqrt(||Sigma||_F) for E||x||."""
    return _chain(p, input_size, i - 1, i)


def beta(ctx: Any, p: Parts, input_size: Any) -> Any:
    """beta = max_i (beta's term i) v input_size; the paper's input_size is sqrt(||Sigma||_F)."""
    out = input_size
    for i in range(1, p.lbar + 1):
        out = vmax(ctx, out, z_bound(ctx, p, i, input_size))
    return out


def alpha_star(ctx: Any, p: Parts) -> Any:
    """max_k (||Wbar_k||_F + E_k) (T13's substitution)."""
    out = plus(ctx, p.fro[0], p.Ei[0])
    for k in range(1, p.lbar):
        out = vmax(ctx, out, plus(ctx, p.fro[k], p.Ei[k]))
    return out


def stated_bound(ctx: Any, p: Parts, input_size: Any | None = None) -> Any:
    """beta sum_i alpha*^(Lbar - i) E_i, with beta built from `input_size` (default sqrt(||Sigma||_F))."""
    bt = beta(ctx, p, p.sqrt_sigma_f if input_size is None else input_size)
    a = alpha_star(ctx, p)
    total = None
    for i in range(1, p.lbar + 1):
        t = p.Ei[i - 1]
        for _ in range(p.lbar - i):
            t = t if exact_zero(ctx, t) else t * a
        total = t if total is None else plus(ctx, total, t)
    return total if exact_zero(ctx, total) else bt * total


def tail(ctx: Any, e: Any, k: int, d: int) -> Any:
    """sqrt(sum_{j=k+1..D} s_j(E)^2): the Frobenius norm of E - LR_k(E)."""
    total = ctx.const(0)
    for j in range(k + 1, d + 1):
        s = ctx.sv(e, j)
        total = plus(ctx, total, s if exact_zero(ctx, s) else s * s)
    return total if exact_zero(ctx, total) else ctx.sqrt(total)


__all__ = ["Parts", "alpha_star", "beta", "col_norms", "exact_zero", "mean", "mean_norm", "parts", "plus", "run",
           "stated_bound", "sv_each", "t8_bound", "t10_lhs", "tail", "vmax", "vmin", "z_bound"]
