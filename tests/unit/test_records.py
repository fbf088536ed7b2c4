"""Records validate when built; instance files are read exactly or rejected with a named reason."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction

import pytest

from verifier import (
    Claim,
    Comparison,
    InstanceError,
    Parameter,
    RatMatrix,
    SpecError,
    get_theorem,
    instance_from_json,
    instance_to_json,
)


def test_ratmatrix_reads_exact_strings_and_numbers() -> None:
    m = RatMatrix.from_rows([[1, "-3/7"], ["0.125", 0.5]])
    assert m.entries == (Fraction(1), Fraction(-3, 7), Fraction(1, 8), Fraction(1, 2))
    assert RatMatrix.from_rows(m.to_json()) == m


def test_float_entries_are_stored_exactly() -> None:
    m = RatMatrix.from_rows([[0.1]])
    assert m.entries[0] == Fraction(0.1)  # the dyadic rational 0.1 really is, not 1/10
    assert m.entries[0] != Fraction(1, 10)


@pytest.mark.parametrize(("rows", "message"), [
    ([[1, 2], [3]], "ragged"),
    ([[1, "x"]], "cannot read"),
    ([[1, True]], "boolean"),
    ([[float("nan")]], "finite"),
    ([], "non-empty"),
    ([[1, None]], "expected a number"),
])
def test_bad_matrices_are_rejected_with_reason(rows: list, message: str) -> None:
    with pytest.raises(InstanceError, match=message):
        RatMatrix.from_rows(rows)


def test_spec_errors_name_the_problem() -> None:
    with pytest.raises(SpecError, match="low=3, high=1"):
        Parameter("D", description="width", low=3, high=1)
    with pytest.raises(SpecError, match="0 <= low <= high <= 4096"):
        Parameter("D", low=-1, high=4)
    with pytest.raises(SpecError, match="relation must be one of"):
        Comparison("x", 1, "<", 2)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="refute is for 'exists' claims"):
        Claim("c", statement="s", evaluate=lambda *a: [], refute=lambda inst: None)
    with pytest.raises(SpecError, match="levels"):
        Claim("c", statement="s", quantifier="forall", levels=("quantum",), evaluate=lambda *a: [])  # type: ignore[arg-type]
    thm = get_theorem("R-LIN")
    with pytest.raises(SpecError, match="duplicate claim ids"):
        replace(thm, claims=thm.claims + thm.claims[:1])
    with pytest.raises(SpecError, match="source must be a Source"):
        replace(thm, source="a paper")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="unknown parameter 'm'"):
        replace(thm, shapes={"W": ("m", "D")})
    with pytest.raises(SpecError, match="generate returned matrices"):
        replace(thm, shapes={"A": ("D", "D")}).validate()
    with pytest.raises(TypeError, match="unexpected keyword argument 'confidence'"):
        replace(thm, confidence="guessed")  # type: ignore[call-arg]


def _lin_instance() -> dict:
    return {"theorem": "R-LIN", "parameters": {"D": 2, "L": 2, "R": 1},
            "matrices": {"W": [[[1, 0], [0, 2]], [[1, 1], [0, 1]]], "Wbar": [["1/2", 0], [0, 3]]}}


def test_instance_round_trip() -> None:
    thm = get_theorem("R-LIN")
    inst = instance_from_json(thm, _lin_instance())
    again = instance_from_json(thm, json.loads(json.dumps(instance_to_json(inst))))
    assert again.matrices == inst.matrices and again.parameters == inst.parameters


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["parameters"].pop("R"), "missing parameter 'R'"),
    (lambda d: d["parameters"].update(R=0), "must be in 1..4096"),
    (lambda d: d["parameters"].update(Q=1), "unknown parameter"),
    (lambda d: d["matrices"].pop("Wbar"), "missing matrix 'Wbar'"),
    (lambda d: d["matrices"]["W"].pop(), "list of 2 matrices"),
    (lambda d: d["matrices"].update(Wbar=[[1, 2, 3], [4, 5, 6]]), "expected shape 2x2"),
    (lambda d: d.update(theorem="R-UNI"), "is for theorem"),
    (lambda d: d["parameters"].update(D="2"), "must be an integer"),
])
def test_malformed_instances_are_rejected(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = _lin_instance()
    mutate(data)
    with pytest.raises(InstanceError, match=message):
        instance_from_json(get_theorem("R-LIN"), data)
