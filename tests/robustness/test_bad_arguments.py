"""Bad command lines and bad spec files: exit 2 with one line naming the problem, before any work."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.robustness.conftest import LIN, SPECS, Run, assert_one_line_error

CHECK_CASES: list[tuple[list[str], str]] = [
    (["--seed", "-1"], "--seed"),
    (["--seed", "abc"], "--seed"),
    (["--seed", str(2**64)], "--seed"),
    (["--examples", "0"], "--examples"),
    (["--examples", "-3"], "--examples"),
    (["--examples", "1e9"], "--examples"),
    (["--examples", "1000000000"], "--examples"),
    (["--level", "proof"], "--level"),
    (["--dtype", "float8"], "--dtype"),
    (["--dtype", ""], "--dtype"),
    (["--prec", "10"], "--prec"),
    (["--prec", "99999999"], "--prec"),
    (["--prec", "300", "--max-prec", "200"], "--max-prec"),
    (["--dps", "5"], "--dps"),
    (["--dps", "nan"], "--dps"),
    (["--claim", "no-such-claim"], "unknown claim"),
    (["--drop", "no-such-assumption"], "--drop names unknown assumption"),
    (["--tf32"], "TF32"),
    (["--frobnicate"], "unrecognized arguments"),
]


@pytest.mark.parametrize(("args", "needle"), CHECK_CASES, ids=[" ".join(a)[:40] for a, _ in CHECK_CASES])
def test_bad_check_arguments(cli: Callable[..., Run], args: list[str], needle: str) -> None:
    assert_one_line_error(cli("check", "R-LIN", "--examples", "1", *args), 2, needle)


def test_unknown_theorem_and_ambiguous_instance(cli: Callable[..., Run], write: Callable[..., Path]) -> None:
    assert_one_line_error(cli("check", "NO-SUCH-THEOREM"), 2, "NO-SUCH-THEOREM")
    f = write("inst.json", LIN)
    assert_one_line_error(cli("check", "R-LIN", "R-TFN", "--instance", f), 2, "exactly one theorem")


SEARCH_CASES: list[tuple[list[str], str]] = [
    (["--param", "D=0:0"], "outside the range"),
    (["--param", "D=100:200"], "outside the range"),
    (["--param", "D=abc"], "NAME=LO:HI"),
    (["--param", "D=5:2"], "low 5 > high 2"),
    (["--param", "Q=1:2"], "no parameter 'Q'"),
    (["--param", "=1:2"], "NAME=LO:HI"),
    (["--time-budget", "nan"], "--time-budget"),
    (["--time-budget", "-1"], "--time-budget"),
    (["--time-budget", "inf"], "--time-budget"),
    (["--max-examples", "0"], "--max-examples"),
    (["--threshold-offset", "1000"], "--threshold-offset"),
    (["--batch", "0"], "--batch"),
    (["--seed", "-1"], "--seed"),
    (["--drop", "no-such-assumption"], "unknown assumption"),
    (["--claim", "no-such-claim"], "unknown claim"),
    (["--sampler", "genetic"], "--sampler"),
]


@pytest.mark.parametrize(("args", "needle"), SEARCH_CASES, ids=[" ".join(a)[:40] for a, _ in SEARCH_CASES])
def test_bad_search_arguments(cli: Callable[..., Run], args: list[str], needle: str) -> None:
    assert_one_line_error(cli("search", "R-LIN", "--time-budget", "5", "--no-database", *args), 2, needle)


def test_bad_replay_files(cli: Callable[..., Run], write: Callable[..., Path], tmp_path: Path) -> None:
    assert_one_line_error(cli("search", "R-LIN", "--replay", tmp_path / "none.json"), 2, "not found")
    assert_one_line_error(cli("search", "R-LIN", "--replay", write("bad.json", "{")), 2, "not valid JSON")
    w1 = [[0, 0, 0], [0, 1, 0], [0, 0, 1]]
    singular = {**LIN, "matrices": {**LIN["matrices"], "W": [w1, LIN["matrices"]["W"][1]]}}
    r = cli("search", "R-LIN", "--replay", write("singular.json", singular), "--json", tmp_path / "r.json")
    assert_one_line_error(r, 2, "does not meet ['W-nonsingular']")
    assert not (tmp_path / "r.json").exists()


SPEC_FILES: list[tuple[str, str, str]] = [
    ("syntax-error.py", "def (:\n", "SyntaxError"),
    ("raises-at-import.py", "raise RuntimeError('boom at import')\n", "boom at import"),
    ("no-theorem.py", "X = 1\n", "no Theorem"),
    ("bad-record.py", "from verifier import Parameter\nP = Parameter('D', low=5, high=1)\n", "low <= high"),
]


@pytest.mark.parametrize(("name", "text", "needle"), SPEC_FILES, ids=[s[0] for s in SPEC_FILES])
def test_bad_spec_files(cli: Callable[..., Run], tmp_path: Path, name: str, text: str, needle: str) -> None:
    (tmp_path / name).write_text(text)
    r = cli("check", "--spec", tmp_path / name)
    assert r.code == 2 and len(r.lines) == 1 and "Traceback" not in r.err, (r.code, r.out, r.err)
    assert needle.lower() in r.err.lower(), r.err


def test_missing_spec_file_and_unknown_name(cli: Callable[..., Run], tmp_path: Path) -> None:
    assert_one_line_error(cli("check", "--spec", tmp_path / "none.py"), 2, "none.py")
    assert_one_line_error(cli("check", "--spec", f"{SPECS}:NO_SUCH_NAME"), 2, "NO_SUCH_NAME")


BROKEN_READER = """
from verifier import Claim, Comparison, Parameter, Source, Theorem

def _check(inst):
    raise RuntimeError("spec bug in check_instance")

T = Theorem(id="BROKEN-READER", title="t", statement="s", source=Source(citation="c", kind="user"),
            parameters=(Parameter("n", low=1, high=1),), shapes={"A": ("n", "n")}, check_instance=_check,
            claims=(Claim("c", statement="s", evaluate=lambda ctx, b, c: [Comparison("x", 0, "<=", 1)]),))
"""


def test_internal_errors_exit_4_with_a_traceback_only_under_debug(cli: Callable[..., Run], tmp_path: Path,
                                                                  write: Callable[..., Path]) -> None:
    (tmp_path / "broken.py").write_text(BROKEN_READER)
    inst = write("inst.json", {"parameters": {"n": 1}, "matrices": {"A": [[1]]}})
    r = cli("check", "--spec", tmp_path / "broken.py", "--instance", inst)
    assert_one_line_error(r, 4, "internal error: RuntimeError: spec bug in check_instance")
    assert "--debug" in r.err
    r = cli("check", "--spec", tmp_path / "broken.py", "--instance", inst, "--debug")
    assert r.code == 4 and "Traceback" in r.err


def test_spec_errors_inside_claims_are_errors_not_verdicts(cli: Callable[..., Run]) -> None:
    r = cli("check", "--spec", f"{SPECS}:RAISES")
    assert r.code == 4 and "Traceback" not in r.err
    assert "PLANTED-RAISES: ERROR" in r.out and "KeyError: 'planted spec bug'" in r.out
