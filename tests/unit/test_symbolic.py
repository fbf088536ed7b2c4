"""Tests for the symbolic proof of the LoRA Lemma 1 telescoping identity."""

from __future__ import annotations

import ast
import dataclasses
import pathlib
import time

import pytest
import sympy
from sympy import Inverse, MatMul, MatrixSymbol

from theorems.zeng_lee.models.symbolic import (
    SymbolicProof,
    _build,
    _check,
    _numeric_residual,
    _prove,
    check_numerically,
    prove_telescoping,
    telescoping_statement_latex,
)

FORMS = ("svd", "rank_factor")
LS = (1, 2, 3, 4, 5)
WRONG = ("last_only", "swapped", "reversed_A")


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("L", LS)
def test_correct_identity_is_proved(L: int, form: str) -> None:
    proof = prove_telescoping(L, form)
    assert isinstance(proof, SymbolicProof)
    assert proof.proved is True
    assert proof.L == L
    assert len(proof.steps) >= 2 * L + 2
    assert all(not s.endswith("FAILED") for s in proof.steps)
    assert "ZeroMatrix" in proof.method
    assert proof.seconds < 5.0
    assert f"W_{L}" in proof.identity and "dW_1" in proof.identity


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("L", (2, 3))
def test_dimension_is_symbolic(L: int, form: str) -> None:
    c = _build(L, form)
    assert isinstance(c.D, sympy.Symbol) and c.D.name == "D"
    assert not c.D.is_number and c.D.is_integer and c.D.is_positive
    for w in c.W:
        assert w.shape == (c.D, c.D)
    for t in c.T:
        assert t.shape == (c.D, c.D)
    if form == "rank_factor":
        assert all(isinstance(f.shape[0], sympy.Symbol) for f in c.extra["F"])


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("variant", WRONG)
def test_wrong_variant_is_not_proved(variant: str, form: str) -> None:
    proof = _prove(_build(3, form, variant))
    assert proof.proved is False
    assert any(s.endswith("FAILED") for s in proof.steps)


@pytest.mark.parametrize("variant", ("last_only", "swapped"))
def test_wrong_variant_not_proved_l2(variant: str) -> None:
    assert _prove(_build(2, "svd", variant)).proved is False


def test_rewriter_respects_noncommutativity() -> None:
    D = sympy.Symbol("D", integer=True, positive=True)
    A, B = MatrixSymbol("A", D, D), MatrixSymbol("B", D, D)
    assert _check("comm", MatMul(A, B), MatMul(B, A), (D, D))[0] is False
    inv_ab = Inverse(MatMul(A, B))
    assert _check("bad inv", inv_ab, MatMul(Inverse(A), Inverse(B)), (D, D))[0] is False
    assert _check("inv", inv_ab, MatMul(Inverse(B), Inverse(A)), (D, D))[0] is True
    assert _check("cancel", MatMul(A, Inverse(B), B), A, (D, D))[0] is True
    assert _check("no cancel", MatMul(Inverse(B), A, B), A, (D, D))[0] is False


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("L", LS)
def test_numeric_cross_check_exact_zero(L: int, form: str) -> None:
    assert check_numerically(L, form=form) == 0.0
    assert check_numerically(L, D=3, seed=7, form=form) == 0.0


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("variant", WRONG)
def test_numeric_cross_check_wrong_variant_nonzero(variant: str, form: str) -> None:
    assert _numeric_residual(3, 4, 0, form, variant) > 0.0


def test_latex_statement() -> None:
    tex = telescoping_statement_latex(3)
    assert r"\Delta W_{3}" in tex and "Q_{3}" in tex and "W_{1}" in tex
    tex_rf = telescoping_statement_latex(2, "rank_factor")
    assert "C_{2}" in tex_rf and "F_{2}" in tex_rf
    assert prove_telescoping(3).latex == tex


def test_proof_is_frozen() -> None:
    proof = prove_telescoping(2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        proof.proved = False  # type: ignore[misc]


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        prove_telescoping(0)
    with pytest.raises(ValueError):
        prove_telescoping(2, "bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        _build(1, "svd", "swapped")


def test_no_heavy_imports() -> None:
    src = pathlib.Path(__file__).parents[2] / "theorems" / "zeng_lee" / "models" / "symbolic.py"
    tree = ast.parse(src.read_text())
    mods = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            mods |= {a.name.split(".")[0] for a in n.names}
        elif isinstance(n, ast.ImportFrom) and n.module:
            mods.add(n.module.split(".")[0])
    assert not mods & {"torch", "flint", "numpy"}


def test_runtime_budget() -> None:
    start = time.perf_counter()
    for form in FORMS:
        for L in LS:
            prove_telescoping(L, form)
    assert time.perf_counter() - start < 10.0
