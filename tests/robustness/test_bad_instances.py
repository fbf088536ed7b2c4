"""Malformed instance files: each is refused before any work with exit 2 and one line naming the
problem, in well under a second or two, never a traceback, never "violated" or "inconclusive"."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.robustness.conftest import LIN, Run, assert_one_line_error, edit, generated


def _wbar(value: Any) -> dict[str, Any]:
    return edit(LIN, lambda d: d["matrices"]["Wbar"][0].__setitem__(0, value))


def _param(name: str, value: Any) -> dict[str, Any]:
    return edit(LIN, lambda d: d["parameters"].__setitem__(name, value))


LIN_TEXT = json.dumps(LIN)

# (case id, file content: a dict (JSON) or raw text, words the one-line error must contain)
LIN_CASES: list[tuple[str, Any, str]] = [
    ("empty-file", "", "not valid JSON"),
    ("truncated", LIN_TEXT[:40], "not valid JSON"),
    ("top-level-array", "[1, 2]", "must hold a JSON object"),
    ("top-level-string", '"R-LIN"', "must hold a JSON object"),
    ("nested-100000", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("nested-50-in-matrix", LIN_TEXT.replace('"1/2"', "[" * 50 + "1" + "]" * 50), "nested too deeply"),
    ("5000-digit-integer", LIN_TEXT.replace('"1/2"', "7" * 5000), "5000 digits"),
    ("1e400-string", _wbar("1e400"), "too large"),
    ("1e100000000-string", _wbar("1e100000000"), "exponent out of range"),
    ("1e-100000000-string", _wbar("1e-100000000"), "exponent out of range"),
    ("1000001-digit-string", _wbar("9" * 1_000_001), "too long"),
    ("huge-fraction", _wbar("1/" + "3" * 1500), "digits"),
    ("NaN-literal", LIN_TEXT.replace('"1/2"', "NaN"), "NaN"),
    ("Infinity-literal", LIN_TEXT.replace('"1/2"', "Infinity"), "Infinity"),
    ("minus-Infinity-literal", LIN_TEXT.replace('"1/2"', "-Infinity"), "Infinity"),
    ("1e400-number", LIN_TEXT.replace('"1/2"', "1e400"), "overflows"),
    ("1e300-integer-beyond-2^1000", _wbar(10**302), "too large"),
    ("abc-entry", _wbar("abc"), "cannot read 'abc'"),
    ("divide-by-zero", _wbar("1/0"), "divides by zero"),
    ("nan-string", _wbar("nan"), "cannot read 'nan'"),
    ("inf-string", _wbar("-inf"), "cannot read '-inf'"),
    ("hex-string", _wbar("0x10"), "cannot read"),
    ("underscore-digits", _wbar("1_000"), "cannot read"),
    ("boolean-entry", _wbar(True), "boolean"),
    ("null-entry", _wbar(None), "expected a number"),
    ("object-entry", _wbar({"re": 1}), "expected a number"),
    ("list-entry", _wbar([1]), "expected a number"),
    ("ragged-rows", edit(LIN, lambda d: d["matrices"]["Wbar"].__setitem__(1, [1, 2])), "ragged"),
    ("empty-matrix", edit(LIN, lambda d: d["matrices"].__setitem__("Wbar", [])), "non-empty list of rows"),
    ("empty-row", edit(LIN, lambda d: d["matrices"].__setitem__("Wbar", [[]])), "must not be empty"),
    ("wrong-shape", edit(LIN, lambda d: d["matrices"].__setitem__("Wbar", [[1, 2], [3, 4]])), "expected shape 3x3"),
    ("one-layer-for-L-2", edit(LIN, lambda d: d["matrices"]["W"].pop()), "list of 2 matrices"),
    ("matrix-for-a-list", edit(LIN, lambda d: d["matrices"].__setitem__("W", d["matrices"]["Wbar"])),
     "list of matrices"),
    ("missing-matrix", edit(LIN, lambda d: d["matrices"].pop("Wbar")), "missing matrix 'Wbar'"),
    ("unknown-matrix", edit(LIN, lambda d: d["matrices"].__setitem__("V", [[1]])), "unknown matrix 'V'"),
    ("matrices-not-object", edit(LIN, lambda d: d.__setitem__("matrices", [1])), "'matrices' must be an object"),
    ("missing-parameters", edit(LIN, lambda d: d.pop("parameters")), "missing 'parameters'"),
    ("parameters-not-object", edit(LIN, lambda d: d.__setitem__("parameters", [3, 2, 1])), "must be an object"),
    ("unknown-parameter", _param("Q", 1), "unknown parameter"),
    ("missing-parameter", edit(LIN, lambda d: d["parameters"].pop("R")), "missing parameter 'R'"),
    ("string-parameter", _param("D", "3"), "must be an integer"),
    ("float-parameter", _param("D", 3.0), "must be an integer"),
    ("bool-parameter", _param("R", True), "must be an integer"),
    ("negative-parameter", _param("D", -3), "must be in 1..4096"),
    ("parameter-above-ceiling", _param("L", 5000), "must be in 1..4096"),
    ("parameter-10^30", _param("R", 10**30), "must be in 1..4096"),
    ("sizes-beyond-memory", edit(LIN, lambda d: d["parameters"].update(D=4096, L=4096)), "GiB"),
    ("unknown-top-level-key", edit(LIN, lambda d: d.__setitem__("extra", 1)), "unknown key(s) ['extra']"),
    ("other-theorem", edit(LIN, lambda d: d.__setitem__("theorem", "R-TFN")), "is for theorem 'R-TFN'"),
    ("theorem-not-string", edit(LIN, lambda d: d.__setitem__("theorem", 123)), "'theorem' must be"),
    ("seed-string", edit(LIN, lambda d: d.__setitem__("seed", "abc")), "'seed' must be an integer"),
    ("seed-negative", edit(LIN, lambda d: d.__setitem__("seed", -1)), "'seed' must be an integer"),
    ("seed-float", edit(LIN, lambda d: d.__setitem__("seed", 2.5)), "'seed' must be an integer"),
    ("seed-2^64", edit(LIN, lambda d: d.__setitem__("seed", 2**64)), "'seed' must be an integer"),
    ("aux-not-object", edit(LIN, lambda d: d.__setitem__("aux", [1])), "'aux' must be an object"),
    ("aux-string", edit(LIN, lambda d: d.__setitem__("aux", {"probe_B": "x"})), "aux.probe_B"),
    ("aux-ragged", edit(LIN, lambda d: d.__setitem__("aux", {"probe_B": [[[1, 2], [3]]]})), "ragged"),
    ("aux-hostile-name", edit(LIN, lambda d: d.__setitem__("aux", {"../../x": [[1]]})), "identifiers"),
    ("aux-bad-entry", edit(LIN, lambda d: d.__setitem__("aux", {"probe_B": [["1e999999"]]})), "out of range"),
    ("option-not-declared", edit(LIN, lambda d: d.__setitem__("options", {"x": 1})), "unknown option"),
    ("options-not-object", edit(LIN, lambda d: d.__setitem__("options", [1])), "'options' must be an object"),
    ("breaks-an-assumption",
     edit(LIN, lambda d: d["matrices"]["W"].__setitem__(0, [[1, 0, 0], [0, 0, 0], [0, 0, 1]])),
     "does not meet assumption W-nonsingular"),
]


@pytest.mark.parametrize(("content", "needle"), [c[1:] for c in LIN_CASES], ids=[c[0] for c in LIN_CASES])
def test_malformed_lin_instance_is_refused_in_one_line(cli: Callable[..., Run], write: Callable[..., Path],
                                                       content: Any, needle: str) -> None:
    r = cli("check", "R-LIN", "--instance", write("inst.json", content))
    assert_one_line_error(r, 2, needle)


def test_missing_and_unreadable_files(cli: Callable[..., Run], tmp_path: Path) -> None:
    assert_one_line_error(cli("check", "R-LIN", "--instance", tmp_path / "nope.json"), 2, "not found")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00{")
    assert_one_line_error(cli("check", "R-LIN", "--instance", tmp_path / "bin.json"), 2, "not UTF-8")
    with open(tmp_path / "big.json", "wb") as f:  # sparse: refused by its size before it is read
        f.truncate(65 * 2**20)
    assert_one_line_error(cli("check", "R-LIN", "--instance", tmp_path / "big.json"), 2, "MiB")
    (tmp_path / "dir.json").mkdir()
    assert_one_line_error(cli("check", "R-LIN", "--instance", tmp_path / "dir.json"), 2, "not found")


def test_a_13_byte_entry_is_refused_in_milliseconds() -> None:
    import time

    from verifier import InstanceError, parse_entry

    for text in ("1e100000000", "1e-99999999", "9e9999999999999999999"):
        t0 = time.perf_counter()
        with pytest.raises(InstanceError):
            parse_entry(text, "x")
        assert time.perf_counter() - t0 < 0.01


def _fnn(options: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    return lambda d: d.__setitem__("options", options)


FNN_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("box-abc", {"box_lo": "abc"}, "options.box_lo"),
    ("box-infinity-string", {"box_hi": "Infinity"}, "options.box_hi"),
    ("box-reversed", {"box_lo": 1, "box_hi": -1}, "lo < hi"),
    ("box-wrong-length", {"box_lo": [0, 0, 0]}, "options.box_lo"),
    ("box-nested", {"box_lo": [[0], [0]]}, "options.box_lo"),
    ("bias-box-reversed", {"bias_box_lo": 2, "bias_box_hi": 1}, "lo < hi"),
    ("unknown-domain", {"domain": "sphere"}, "one of ['box', 'ball']"),
    ("domain-number", {"domain": 3}, "options.domain"),
    ("negative-radius", {"domain": "ball", "ball_radius": -1}, "ball_radius: must be > 0"),
    ("zero-radius", {"domain": "ball", "ball_radius": 0}, "ball_radius: must be > 0"),
    ("radius-abc", {"domain": "ball", "ball_radius": "abc"}, "options.ball_radius"),
    # Lemma 2's network has a ReLU on its output and is checked on the whole domain: no such options
    ("output-relu-as-printed", {"output_relu": False}, "unknown option(s) ['output_relu']"),
    ("samples-not-an-option", {"samples": 10}, "unknown option(s) ['samples']"),
    ("unknown-option", {"colour": "red"}, "unknown option(s) ['colour']"),
    ("option-object", {"box_lo": {"a": 1}}, "options.box_lo"),
]


@pytest.mark.parametrize(("options", "needle"), [c[1:] for c in FNN_CASES], ids=[c[0] for c in FNN_CASES])
def test_bad_fnn_options_are_refused_in_one_line(cli: Callable[..., Run], write: Callable[..., Path],
                                                 fnn: dict[str, Any], options: dict[str, Any], needle: str) -> None:
    r = cli("check", "R-FNN1", "--instance", write("inst.json", edit(fnn, _fnn(options))))
    assert_one_line_error(r, 2, needle)


def test_bad_tfn_instances_are_refused_in_one_line(cli: Callable[..., Run], write: Callable[..., Path],
                                                   tfn: dict[str, Any]) -> None:
    cases = [
        (edit(tfn, lambda d: d.__setitem__("aux", {"X": [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]})),
         "unknown aux data ['X']"),
        (edit(tfn, lambda d: d.__setitem__("aux", {"Y": [[1]]})), "unknown aux data ['Y']"),
        # the paper's transformer has no residual connections and no layer norm: no such options
        (edit(tfn, lambda d: d.__setitem__("options", {"residual": True})), "unknown option(s) ['residual']"),
        (edit(tfn, lambda d: d["parameters"].__setitem__("N", 4096)), "GiB"),  # N x N attention scores
    ]
    for content, needle in cases:
        assert_one_line_error(cli("check", "R-TFN", "--instance", write("inst.json", content)), 2, needle)


def test_bad_list_and_interval_options_are_refused(cli: Callable[..., Run], write: Callable[..., Path]) -> None:
    gen = generated("R-GEN", {"D": 2, "L": 2, "Lbar": 1})
    err = generated("R-ERR", {"D": 2, "L": 2, "Lbar": 1, "R": 1, "N": 2})
    cases = [
        ("R-GEN", edit(gen, _fnn({"output_relu": "no"})), "true or false"),
        ("R-GEN", edit(gen, _fnn({"output_relu": 1})), "true or false"),
        ("R-GEN", edit(gen, _fnn({"samples": -5})), "samples: must be >= 1"),
        ("R-GEN", edit(gen, _fnn({"samples": 2.5})), "expected an integer"),
        ("R-GEN", edit(gen, _fnn({"samples": 10**8})), "samples: must be <= 100000"),
        ("R-GEN", edit(gen, _fnn({"samples": "100"})), "expected an integer"),
        ("R-GEN", edit(gen, _fnn({"sample_seed": -1})), "must be >= 0"),
        ("R-GEN", edit(gen, _fnn({"partition": [1, 2]})), "list of Lbar=1 items"),
        ("R-GEN", edit(gen, _fnn({"partition": [3]})), "sum to L=2"),
        ("R-GEN", edit(gen, _fnn({"partition": ["a"]})), "expected an integer"),
        ("R-GEN", edit(gen, _fnn({"ranks": [1, 5]})), "integers in 0..D=2"),
        ("R-GEN", edit(gen, _fnn({"ranks": [-1, 1]})), "integers in 0..D=2"),
        ("R-ERR", edit(err, _fnn({"confidence": 1.5})), "unknown option(s) ['confidence']"),
    ]
    for tid, content, needle in cases:
        assert_one_line_error(cli("check", tid, "--instance", write("inst.json", content)), 2, needle)
