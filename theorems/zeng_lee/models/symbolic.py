"""Symbolic proof of the LoRA Lemma 1 telescoping identity with SymPy matrix expressions.

With ``dW_l = (W_L...W_{l+1})^{-1} T_l S_{l-1}^{-1}``, ``S_l = (W_l + dW_l) S_{l-1}``,
``S_0 = I`` and symbolic dimension ``D``, ``S_L = prod (W_l + dW_l) = W_L...W_1 + sum T_l``
(``T_l = E Q_l`` for form ``"svd"``, ``T_l = C_l F_l`` for ``"rank_factor"``).  The proof is an
induction over ``l`` on ``S_l = A_l^{-1} (P + T_1 + ... + T_l)`` (``A_l = W_L...W_{l+1}``,
``P = W_L...W_1``) with each ``S_{l-1}`` an opaque invertible symbol; each step's residual is
rewritten to ``ZeroMatrix`` using only ``X^{-1}X = XX^{-1} = I``, ``(XY)^{-1} = Y^{-1}X^{-1}``,
distributivity, associativity and SymPy's ``MatAdd`` collection - never numeric sampling.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass
from typing import Literal

import sympy
from sympy import Identity, Inverse, MatAdd, MatMul, MatrixSymbol, ZeroMatrix
from sympy.matrices.expressions.matexpr import MatrixExpr

__all__ = ["SymbolicProof", "check_numerically", "prove_sum_of_terms", "prove_telescoping",
           "telescoping_statement_latex"]

Form = Literal["svd", "rank_factor"]
_VARIANTS = ("correct", "last_only", "swapped", "reversed_A")


@dataclass(frozen=True, slots=True)
class SymbolicProof:
    """Outcome of a symbolic proof attempt of the telescoping identity."""

    identity: str
    latex: str
    L: int
    proved: bool
    steps: tuple[str, ...]
    method: str
    seconds: float


@dataclass(frozen=True)
class _Construction:
    """Symbols and expressions of the construction for one ``L``, form and variant."""

    L: int
    form: str
    variant: str
    D: sympy.Symbol
    W: tuple[MatrixSymbol, ...]          # W[l-1] is W_l
    T: tuple[MatrixExpr, ...]            # T[l-1] is the l-th term (E Q_l or C_l F_l)
    extra: dict                          # E, Q or C, F symbols and block matrices


def _prod(factors) -> MatrixExpr:
    """Return the unevaluated ordered product of the non-empty sequence ``factors``."""
    factors = list(factors)
    if not factors:
        raise ValueError("empty product needs a dimension")
    return factors[0] if len(factors) == 1 else MatMul(*factors)


def _build(L: int, form: str = "svd", variant: str = "correct") -> _Construction:
    """Create the matrix symbols (symbolic dimension ``D``) for the construction.

    Args:
        L: number of layers (>= 1; ``"swapped"`` needs >= 2, ``"reversed_A"`` >= 3).
        form: ``"svd"`` (``T_l = E Q_l``) or ``"rank_factor"`` (``T_l = C_l F_l``).
        variant: ``"correct"`` or a planted wrong variant: ``"last_only"`` (rhs keeps only
            ``T_L``), ``"swapped"`` (``dW_2 = S_1^{-1} T_2 A_2^{-1}``) or ``"reversed_A"``
            (``dW_l = (W_{l+1} ... W_L)^{-1} T_l S_{l-1}^{-1}``).

    Returns:
        The construction record.
    """
    if L < 1:
        raise ValueError("L must be >= 1")
    if form not in ("svd", "rank_factor"):
        raise ValueError(f"unknown form {form!r}")
    if variant not in _VARIANTS or {"swapped": 2, "reversed_A": 3}.get(variant, 1) > L:
        raise ValueError(f"bad variant {variant!r} for L={L}")
    D = sympy.Symbol("D", integer=True, positive=True)
    W = tuple(MatrixSymbol(f"W_{l}", D, D) for l in range(1, L + 1))
    if form == "svd":
        E = MatrixSymbol("E", D, D)
        Q = tuple(MatrixSymbol(f"Q_{l}", D, D) for l in range(1, L + 1))
        return _Construction(L, form, variant, D, W, tuple(MatMul(E, q) for q in Q),
                             {"E": E, "Q": Q})
    k = [sympy.Symbol(f"k_{l}", integer=True, positive=True) for l in range(1, L + 1)]
    C = tuple(MatrixSymbol(f"C_{l}", D, k[l - 1]) for l in range(1, L + 1))
    F = tuple(MatrixSymbol(f"F_{l}", k[l - 1], D) for l in range(1, L + 1))
    blocks = {"C": C, "F": F, "Cb": sympy.BlockMatrix([list(C)]),
              "Fb": sympy.BlockMatrix([[f] for f in F])}
    return _Construction(L, form, variant, D, W, tuple(MatMul(c, f) for c, f in zip(C, F, strict=True)), blocks)


def _A(c: _Construction, l: int) -> MatrixExpr:
    """Return ``A_l = W_L ... W_{l+1}`` (identity for ``l = L``)."""
    return Identity(c.D) if l == c.L else _prod(c.W[j - 1] for j in range(c.L, l, -1))


def _dW(c: _Construction, l: int, S_prev: MatrixExpr) -> MatrixExpr:
    """Return ``dW_l`` in terms of the (opaque) previous partial product ``S_prev``."""
    if c.variant == "swapped" and l == 2:   # planted error: factor order swapped
        return MatMul(Inverse(S_prev), c.T[l - 1], Inverse(_A(c, l)))
    if c.variant == "reversed_A" and l < c.L:  # planted error: (W_(l+1) ... W_L)^-1
        return MatMul(Inverse(_prod(c.W[l:])), c.T[l - 1], Inverse(S_prev))
    return MatMul(Inverse(_A(c, l)), c.T[l - 1], Inverse(S_prev))


def _claimed_rhs(c: _Construction) -> MatrixExpr:
    """Return the claimed right-hand side ``P + sum_l T_l`` (or the wrong variant)."""
    P = _A(c, 0)
    terms = c.T[-1:] if c.variant == "last_only" else c.T
    return MatAdd(P, *terms)


# ----------------------------------------------------------------------------- rewriting
def _push_inverse(e):
    """Rewrite ``(XY)^{-1} -> Y^{-1} X^{-1}`` and ``I^{-1} -> I`` everywhere in ``e``."""
    if isinstance(e, Inverse):
        inner = _push_inverse(e.arg)
        if isinstance(inner, Identity):
            return inner
        if isinstance(inner, MatMul):
            if any(a.is_number for a in inner.args):
                raise ValueError("scalar factor inside an inverse is not supported")
            return MatMul(*[_push_inverse(Inverse(a)) for a in reversed(inner.args)])
        return Inverse(inner)
    if isinstance(e, (MatMul, MatAdd)):
        return type(e)(*[_push_inverse(a) for a in e.args])
    return e


def _monomials(e) -> list[tuple[sympy.Expr, list]]:
    """Distribute products over sums, returning ``(coefficient, factors)`` monomials."""
    if isinstance(e, MatAdd):
        return [m for a in e.args for m in _monomials(a)]
    if isinstance(e, MatMul):
        parts = [[(a, [])] if a.is_number else _monomials(a) for a in e.args]
        out = []
        for combo in itertools.product(*parts):
            coeff = sympy.Mul(*[m[0] for m in combo])
            out.append((coeff, [f for m in combo for f in m[1]]))
        return out
    if isinstance(e, Identity):
        return [(sympy.S.One, [])]
    if isinstance(e, ZeroMatrix):
        return []
    return [(sympy.S.One, [e])]


def _cancel(factors: list) -> tuple[list, int]:
    """Cancel adjacent ``X^{-1} X`` and ``X X^{-1}`` pairs; return factors and #cancellations."""
    stack: list = []
    count = 0
    for f in factors:
        top = stack[-1] if stack else None
        if top is not None and ((isinstance(f, Inverse) and f.arg == top)
                                or (isinstance(top, Inverse) and top.arg == f)):
            stack.pop()
            count += 1
        else:
            stack.append(f)
    return stack, count


def _check(name: str, lhs, rhs, shape) -> tuple[bool, str]:
    """Rewrite ``lhs - rhs`` by the allowed rules and report whether it reduces to zero.

    Args:
        name: label of the step.
        lhs: left-hand side matrix expression.
        rhs: right-hand side matrix expression.
        shape: shape of both sides (for the zero matrix).

    Returns:
        ``(ok, text)`` where ``ok`` means the residual became ``ZeroMatrix``.
    """
    monos = _monomials(_push_inverse(MatAdd(lhs, MatMul(-1, rhs))))
    cancelled = 0
    terms = []
    for coeff, fs in monos:
        fs, n = _cancel(fs)
        cancelled += n
        terms.append(MatMul(coeff, *fs) if fs else coeff * Identity(shape[0]))
    residual = MatAdd(*terms).doit() if terms else ZeroMatrix(*shape)
    ok = isinstance(residual, ZeroMatrix) or residual == 0
    text = (f"{name}: {sympy.sstr(lhs, order='none')} = {sympy.sstr(rhs, order='none')}"
            f"  [push (XY)^-1, distribute into {len(monos)} monomials, cancel {cancelled}"
            f" X^-1 X pair(s), collect -> {residual}] {'OK' if ok else 'FAILED'}")
    return ok, text


# ----------------------------------------------------------------------------- public API
def telescoping_statement_latex(L: int, form: Form = "svd") -> str:
    """Return the LaTeX of the telescoping identity for ``L`` layers.

    Args:
        L: number of layers.
        form: ``"svd"`` or ``"rank_factor"``.

    Returns:
        LaTeX string of ``prod (W_l + dW_l) = prod W_l + ...`` with the definition of ``dW_l``.
    """
    return _statement(_build(L, form))[1]


def _statement(c: _Construction) -> tuple[str, str]:
    """Return the plain-text and LaTeX forms of the claimed identity."""
    dW = [MatrixSymbol(f"dW_{l}", c.D, c.D) for l in range(1, c.L + 1)]
    lhs = _prod(MatAdd(c.W[l - 1], dW[l - 1]) for l in range(c.L, 0, -1))
    if c.form == "svd" and c.variant != "last_only":
        rhs = MatAdd(_A(c, 0), MatMul(c.extra["E"], MatAdd(*c.extra["Q"])))
    elif c.form == "rank_factor" and c.variant != "last_only":
        rhs = MatAdd(_A(c, 0), MatMul(c.extra["Cb"], c.extra["Fb"]))
    else:
        rhs = _claimed_rhs(c)
    names = {d: rf"\Delta W_{{{i}}}" for i, d in enumerate(dW, 1)}
    t = "E Q_l" if c.form == "svd" else "C_l F_l"
    text = (f"{sympy.sstr(lhs, order='none')} = {sympy.sstr(rhs, order='none')}"
            f"  where dW_l = (W_L...W_(l+1))^-1 {t} (prod_(i<l) (W_i + dW_i))^-1")
    tex = (f"{sympy.latex(lhs, order='none', symbol_names=names)} = "
           f"{sympy.latex(rhs, order='none')}"
           rf", \quad \Delta W_l = (W_L \cdots W_{{l+1}})^{{-1}} {t.replace('_l', '_{l}')}"
           r" \Big(\prod_{i<l} (W_i + \Delta W_i)\Big)^{-1}")
    return text, tex


def _prove(c: _Construction) -> SymbolicProof:
    """Run the inductive symbolic proof for a construction (possibly a wrong variant)."""
    start = time.perf_counter()
    L, D = c.L, c.D
    steps = [("S_0 := I, S_l := (W_l + dW_l) S_(l-1); so S_L = prod (W_l + dW_l) "
              "by associativity; each S_l, W_l is assumed invertible")]
    ok_all = True
    S_prev: MatrixExpr = Identity(D)
    hyp: MatrixExpr = Identity(D)           # value of S_(l-1) given by the invariant
    for l in range(1, L + 1):
        S_l_def = MatMul(MatAdd(c.W[l - 1], _dW(c, l, S_prev)), S_prev)
        step_a = MatAdd(MatMul(c.W[l - 1], S_prev), MatMul(Inverse(_A(c, l)), c.T[l - 1]))
        ok, txt = _check(f"l={l} (a) expand S_{l}", S_l_def, step_a, (D, D))
        ok_all &= ok
        steps.append(txt)
        invariant = MatMul(Inverse(_A(c, l)), MatAdd(_A(c, 0), *c.T[:l]))
        ok, txt = _check(f"l={l} (b) use hypothesis S_{l - 1} = {hyp}",
                         step_a.xreplace({S_prev: hyp}), invariant, (D, D))
        ok_all &= ok
        steps.append(txt + f"  => invariant S_{l} = {invariant}")
        hyp = invariant
        S_prev = MatrixSymbol(f"S_{l}", D, D)
    ok, txt = _check(f"final: S_{L} = claimed rhs", hyp, _claimed_rhs(c), (D, D))
    ok_all &= ok
    steps.append(txt)
    if c.form == "rank_factor":
        collapsed = sympy.block_collapse(MatMul(c.extra["Cb"], c.extra["Fb"]))
        ok, txt = _check("block product [C_1..C_L][F_1;..;F_L] = sum C_l F_l",
                         collapsed, MatAdd(*c.T), (D, D))
        ok_all &= ok
        steps.append(txt)
    text, tex = _statement(c)
    return SymbolicProof(
        identity=text, latex=tex, L=L, proved=bool(ok_all), steps=tuple(steps),
        method=("induction on partial products S_l with opaque invertible S_(l-1); rules "
                "X^-1 X = I, X X^-1 = I, (XY)^-1 = Y^-1 X^-1, distributivity, associativity; "
                f"residuals collected by SymPy MatAdd to ZeroMatrix (symbolic D; form={c.form})"),
        seconds=time.perf_counter() - start)


def prove_telescoping(L: int, form: Form = "svd") -> SymbolicProof:
    """Prove ``prod (W_l + dW_l) = prod W_l + sum_l T_l`` symbolically for ``L`` layers.

    Args:
        L: number of layers (>= 1).
        form: ``"svd"`` (``T_l = E Q_l``) or ``"rank_factor"`` (``T_l = C_l F_l``).

    Returns:
        A :class:`SymbolicProof`; ``proved`` is True only if every rewriting step reduced
        its residual to ``ZeroMatrix``.
    """
    return _prove(_build(L, form))


def prove_sum_of_terms(L: int) -> SymbolicProof:
    """Prove (3) ``prod (W_l + dW_l) - prod W_l = sum_l (W_L...W_{l+1}) dW_l prod_{i<l} (W_i + dW_i)``
    for ``L`` layers with arbitrary (symbolic) adapters ``dW_l``, by distributing and collecting.

    Args:
        L: number of layers (>= 1).

    Returns:
        A :class:`SymbolicProof`; no inverse is involved, so the rewriting is pure distributivity.
    """
    start = time.perf_counter()
    if L < 1:
        raise ValueError("L must be >= 1")
    D = sympy.Symbol("D", integer=True, positive=True)
    W = [MatrixSymbol(f"W_{l}", D, D) for l in range(1, L + 1)]
    dW = [MatrixSymbol(f"dW_{l}", D, D) for l in range(1, L + 1)]
    adapted = [MatAdd(w, d) for w, d in zip(W, dW, strict=True)]
    lhs = MatAdd(_prod(adapted[::-1]), MatMul(-1, _prod(W[::-1])))
    terms = []
    for l in range(1, L + 1):
        later = W[l:][::-1]
        earlier = adapted[: l - 1][::-1]
        terms.append(_prod([*later, dW[l - 1], *earlier]))
    rhs = MatAdd(*terms)
    ok, txt = _check(f"(3) for L={L}", lhs, rhs, (D, D))
    ident = f"prod(W_l + dW_l) - prod W_l = {sympy.sstr(rhs, order='none')}"
    return SymbolicProof(identity=ident, latex=sympy.latex(rhs, order="none"), L=L, proved=bool(ok), steps=(txt,),
                         method="distributivity and MatAdd collection to ZeroMatrix (symbolic D, no inverses)",
                         seconds=time.perf_counter() - start)


# ----------------------------------------------------------------------------- numerics
def _numeric_residual(L: int, D: int, seed: int, form: str, variant: str) -> float:
    """Evaluate the non-inductive ``lhs - rhs`` exactly on random rational matrices."""
    rng = random.Random(seed)

    def rand(rows: int, cols: int) -> sympy.Matrix:
        return sympy.Matrix(rows, cols, lambda i, j: sympy.Rational(rng.randint(-9, 9),
                                                                    rng.randint(1, 5)))

    def invertible() -> sympy.Matrix:
        while True:
            m = rand(D, D)
            if m.det() != 0:
                return m

    for _ in range(100):
        W = [invertible() for _ in range(L)]
        if form == "svd":
            E = rand(D, D)
            T = [E * rand(D, D) for _ in range(L)]
        else:
            T = [rand(D, 1) * rand(1, D) for _ in range(L)]
        S, dW = sympy.eye(D), []
        try:
            for l in range(1, L + 1):
                A = sympy.eye(D)
                order = range(l + 1, L + 1) if variant == "reversed_A" else range(L, l, -1)
                for j in order:
                    A = A * W[j - 1]
                swapped = variant == "swapped" and l == 2
                d = S.inv() * T[l - 1] * A.inv() if swapped else A.inv() * T[l - 1] * S.inv()
                dW.append(d)
                S = (W[l - 1] + d) * S
        except ValueError:  # singular partial product: resample
            continue
        lhs = sympy.eye(D)
        for l in range(L, 0, -1):
            lhs = lhs * (W[l - 1] + dW[l - 1])
        P = sympy.prod(W[::-1], sympy.eye(D))
        rhs = P + (T[-1] if variant == "last_only" else sum(T, sympy.zeros(D, D)))
        return float(max(abs(x) for x in (lhs - rhs)))
    raise RuntimeError("could not sample invertible partial products")


def check_numerically(proof_L: int, D: int = 4, seed: int = 0, *, form: Form = "svd") -> float:
    """Cross-check the identity exactly on random rational matrices (never used as the proof).

    Args:
        proof_L: number of layers.
        D: matrix dimension.
        seed: random seed.
        form: ``"svd"`` or ``"rank_factor"``.

    Returns:
        The maximum absolute entry of ``prod (W_l + dW_l) - (prod W_l + sum T_l)`` (exactly 0.0).
    """
    return _numeric_residual(proof_L, D, seed, form, "correct")
