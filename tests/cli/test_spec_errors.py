"""A malformed spec file is bad input: `verifier check --spec FILE` says what is wrong in one line
and exits 2. A spec that goes wrong only while it is checked (a construction returning a dict, a
comparison with an unknown relation) makes that claim an error (exit 4), never a verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier._cli import main

HEAD = '''
from verifier import Claim, Comparison, Instance, Parameter, RatMatrix, Source, Theorem, forall

SRC = Source(citation="test", kind="user")
N = (Parameter("n", low=1, high=2),)


@forall("c", "s")
def c(x):
    return x.tr(x.A) == x.tr(x.A.T)
'''

LOAD_ERRORS = {
    "relation": ('BAD = Comparison("c", 1, "<", 2)',
                 "relation must be one of ('<=', '>=', '=='), got '<'"),
    "shapes-vs-generate": ('''
def gen(rng, index=0, params=None):
    n = (params or {"n": 2})["n"]
    return Instance("T", {"n": n}, {"A": RatMatrix.identity(n + 1)})
T = Theorem(id="T", title="t", statement="s", source=SRC, parameters=N, shapes={"A": ("n", "n")}, generate=gen,
            claims=(c,))''', "generate returned A of shape (2, 2) but shapes declares (1, 1)"),
    "unknown-dimension": ('T = Theorem(id="T", title="t", statement="s", source=SRC, parameters=N, '
                          'shapes={"A": ("n", "m")}, claims=(c,))', "unknown parameter 'm'"),
    "range-too-large": ('T = Theorem(id="T", title="t", statement="s", source=SRC, '
                        'parameters=(Parameter("n", low=1, high=10**6),), shapes={"A": ("n", "n")}, claims=(c,))',
                        "need 0 <= low <= high <= 4096"),
    "range-reversed": ('T = Theorem(id="T", title="t", statement="s", source=SRC, '
                       'parameters=(Parameter("n", low=3, high=1),), shapes={"A": ("n", "n")}, claims=(c,))',
                       "got low=3, high=1"),
    "claim-id": ('@forall("bad id", "s")\ndef e(x):\n    return x.tr(x.A) >= 0', "@forall on e: claim id"),
    "claim-keyword": ('@forall("e", "s", levle=("exact",))\ndef e(x):\n    return x.tr(x.A) >= 0',
                      "@forall on e: Claim.__init__() got an unexpected keyword argument 'levle'"),
    "source": ('T = Theorem(id="T", title="t", statement="s", source="Horn & Johnson", parameters=N, '
               'shapes={"A": ("n", "n")}, claims=(c,))', "source must be a Source(...) record"),
    "no-theorem": ("X = 1", "defines no Theorem"),
}


def run(tmp_path: Path, case: str, body: str) -> int:
    spec = tmp_path / f"spec_{case.replace('-', '_')}.py"
    spec.write_text(HEAD + "\n" + body + "\n")
    return main(["check", "--spec", str(spec), "--examples", "2"])


@pytest.mark.parametrize("case", list(LOAD_ERRORS))
def test_a_malformed_spec_file_is_one_line_and_exit_2(case: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    body, message = LOAD_ERRORS[case]
    assert run(tmp_path, case, body) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("verifier: error: "), err
    assert message in err, err
    assert "Traceback" not in err


CHECK_ERRORS = {
    "construction-dict": ('''
@forall("d", "s")
def d(x):
    return x.c.E >= 0
T = Theorem(id="T", title="t", statement="s", source=SRC, parameters=N, shapes={"A": ("n", "n")},
            construction=lambda ctx, b: {"E": 1}, claims=(d,))''', "returned a dict; return a frozen dataclass"),
    "relation-at-check-time": ('''
T = Theorem(id="T", title="t", statement="s", source=SRC, parameters=N, shapes={"A": ("n", "n")},
            claims=(Claim("r", statement="s", evaluate=lambda ctx, b, c: [Comparison("r", 1, "<", 2)]),))''',
                               "relation must be one of"),
}


@pytest.mark.parametrize("case", list(CHECK_ERRORS))
def test_a_spec_failing_at_check_time_is_an_error_not_a_verdict(case: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    body, message = CHECK_ERRORS[case]
    assert run(tmp_path, case, body) == 4
    out = capsys.readouterr().out
    assert "T: ERROR" in out and message in out, out
    assert "VIOLATED" not in out and "HOLDS" not in out
