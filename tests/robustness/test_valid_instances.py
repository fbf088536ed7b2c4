"""Valid instances are checked, however ill-conditioned: never a crash, never a vacuous "inconclusive"."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.robustness.conftest import LIN, Run, edit
from verifier import get_theorem, instance_from_json

W2 = [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
WBAR = [[5, 1, 0], [0, -2, 3], [1, 0, 7]]  # rank(E) = 3 > R L = 2: below exact-above-threshold's threshold

ILL: dict[str, list[list[Any]]] = {
    "det-1e-30": [[1, 0, 0], [0, "1e-15", 0], [0, 0, "1e-15"]],
    "span-1e30": [["1e30", 0, 0], [0, 1, 0], [0, 0, "1e-30"]],
    "near-singular-dense": [[1, 1, 1], [1, "1.000000000000001", 1], [1, 1, "1.000000000000002"]],
}


def _lin(w1: list[list[Any]], wbar: list[list[Any]] = WBAR) -> dict[str, Any]:
    return edit(LIN, lambda d: d["matrices"].update(W=[w1, W2], Wbar=wbar))


@pytest.mark.parametrize("name", sorted(ILL))
def test_probes_never_raise_on_ill_conditioned_instances(name: str) -> None:
    thm = get_theorem("R-LIN")
    inst = instance_from_json(thm, _lin(ILL[name]))
    aux = thm.probes(inst, np.random.default_rng(0))  # type: ignore[misc]
    assert aux["probe_B"] and len(aux["probe_B"]) == len(aux["probe_A"])


def test_an_ill_conditioned_r_lin_instance_is_checked(cli: Callable[..., Run], write: Callable[..., Path],
                                                      tmp_path: Path) -> None:
    r = cli("check", "R-LIN", "--instance", write("ill.json", _lin(ILL["span-1e30"])), "--claim",
            "no-better-adapters", "--json", tmp_path / "r.json")
    assert r.code in (0, 3), (r.code, r.out, r.err)  # holds, or inconclusive with its reason: never an error
    doc = json.loads((tmp_path / "r.json").read_text())
    assert not doc["theorems"][0]["errors"]


def test_below_the_threshold_exact_above_threshold_is_not_applicable(cli: Callable[..., Run],
                                                                     write: Callable[..., Path],
                                                                     tmp_path: Path) -> None:
    # the statement's claims (R-LIN's printed proof steps have gaps, e.g. L9: tests/theorems)
    r = cli("check", "R-LIN", "--instance", write("below.json", _lin(LIN["matrices"]["W"][0])), "--role", "statement",
            "--json", tmp_path / "r.json")
    assert r.code == 0, (r.out, r.err)
    claims = {c["id"]: c["status"] for c in json.loads((tmp_path / "r.json").read_text())["theorems"][0]["claims"]}
    assert claims["exact-above-threshold"] == "not-applicable"
    assert "exact-above-threshold        not-applicable" in r.out
