"""Static checks run as tests: ruff over the tree, mypy over the typed core."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TYPED_CORE = ["_errors.py", "_levels.py", "_matrix.py", "_records.py", "_types.py", "_shapes.py", "_package.py",
              "_instances.py", "_verdicts.py", "_registry.py", "_check.py", "_evaluate.py", "_findings.py",
              "_fileio.py",
              "_expr.py", "_backends/_base.py", "_cli/__init__.py", "_cli/_common.py", "_cli/check.py",
              "_report/_json.py", "_report/_write.py", "_report/_search_merge.py", "testing.py", "strategies.py"]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (pip install -e '.[test]')")
def test_ruff_is_clean() -> None:
    r = subprocess.run(["ruff", "check", "verifier", "theorems", "tests", "benchmarks"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:]


def test_mypy_on_typed_core() -> None:
    pytest.importorskip("mypy")
    files = [str(ROOT / "verifier" / f) for f in TYPED_CORE]
    r = subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", "--follow-imports=silent",
                        "--no-error-summary", *files], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:]
