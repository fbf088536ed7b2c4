"""`verifier reproduce`: bad options are one line and exit 2; --quick runs end to end in seconds and
writes the protocol, the choices, the reductions, the checked statements and the certified values."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from theorems.zeng_lee.reproduce import ReproduceSettings
from verifier._cli import main


@pytest.mark.parametrize("args", [
    ["--steps", "0"], ["--steps", "many"], ["--seeds", "a,b"], ["--seeds", ""], ["--gd-ranks", "0,1"],
    ["--gd-ranks", "17"], ["--grid-seeds", "6"], ["--pretrain-stop", "1.5"], ["--pretrain-stop", "nan"],
    ["--experiments", "linear,nonsense"], ["--protocol", "bogus"], ["--jobs", "0"], ["--dtype", "float16"],
    ["--tfn-gd-ranks", "2,99"], ["--seeds", "1,1"], ["--quick", "--gd-ranks", "5"], ["--tfn-lrs", "0"],
    ["--final-sizes", "8"], ["--init", "he"], ["--quick", "--finite-ranks", "9"],
])
def test_a_bad_option_is_one_line_and_exit_2(args: list[str], capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    code = None
    try:
        code = main(["reproduce", "--out", str(tmp_path), "--quiet", *args])
    except SystemExit as e:
        code = e.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0], err
    assert not (tmp_path / "reproduction.json").exists()


def test_cuda_without_a_gpu_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    assert main(["reproduce", "--quick", "--device", "cuda", "--out", str(tmp_path), "--quiet"]) == 2
    assert "cuda" in capsys.readouterr().err


def test_the_printed_protocol_has_no_reduction_and_the_default_lists_its_own() -> None:
    assert ReproduceSettings.printed().reductions() == []
    default = ReproduceSettings()
    assert default.steps == 5000 and default.batch == 256 and len(default.seeds) == 5
    red = " ".join(default.reductions())
    assert "grid" in red and "TFN" in red
    assert default.grid(0) == [(lr, wd) for lr in (1e-2, 1e-3, 1e-4) for wd in (0.0, 1e-2, 1e-3, 1e-4)]
    assert default.grid(1) == [(1e-2, 0.0), (1e-3, 0.0)]


def test_quick_reproduction_end_to_end(tmp_path: Path) -> None:
    code = main(["reproduce", "--quick", "--no-stability", "--out", str(tmp_path), "--quiet"])
    assert code == 0
    doc = json.loads((tmp_path / "reproduction.json").read_text())
    rep = next(s["data"] for s in doc["sections"] if s["id"] == "reproduction")
    assert rep["reductions"] and rep["choices"] and rep["protocol"] and rep["not_reproduced"]
    exps = {e["id"]: e for e in rep["experiments"]}
    assert set(exps) == {"linear", "fnn", "tfn", "final-layers", "bias", "curves", "finite"}
    d = rep["settings"]["D"]
    for eid in ("linear", "fnn", "tfn"):
        for s in exps[eid]["series"]:
            if s["method"] == "construction":
                at = dict(zip(s["x"], s["median"], strict=True))[math.ceil(d / 2)]
                assert at < 1e-18, (eid, s["label"], at)
                assert s["median"][0] > 1e-4, "below the threshold the construction has an error"
        for c in exps[eid]["certified"]:  # theory beside practice: a tight enclosure for every row
            assert c["certified"] is not None and c["radius"] <= max(1e-6 * abs(c["certified"]), 1e-30)
            if c["rank"] >= math.ceil(d / 2):
                assert c["certified"] + c["radius"] <= 1e-20
    for ex in exps.values():
        for c in ex["checks"]:
            assert c["observed"] in (True, False, None) and c["detail"] and "shape" in c
    html = (tmp_path / "reproduction.html").read_text()
    assert "Reductions from the printed protocol" in html and "choices where the paper is silent" in html
    md = (tmp_path / "reproduction.md").read_text()
    assert "| the paper's statement |" in md and "certified" in md
    assert (tmp_path / "figures" / "curves.svg").exists()
