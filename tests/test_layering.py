"""The engine knows no paper: nothing under verifier/ imports a spec package or names a model of one.

Spec packages depend on the engine's public API only; the engine finds them through entry points
and `--spec`. A module that slips a paper's name or an import of `theorems` into `verifier/`
fails here."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = sorted((ROOT / "verifier").rglob("*.py"))
# names of the paper's models and results (case-insensitive where they are words)
FORBIDDEN = re.compile(r"\blora\b|low-rank adaptation|\bfnns?\b|transformer|\btfn\b|\bzeng\b|zeng_lee|"
                       r"\bR-(LIN|FNN1|UNI|GEN|ERR|FLT|TFN|ABS|RAND)\b|\badapters?\b", re.IGNORECASE)
PUBLIC = {"verifier", "verifier.linalg", "verifier.report", "verifier.strategies", "verifier.testing",
          "verifier.evidence"}


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_module_imports_no_spec_package_and_names_no_model(path: Path) -> None:
    src = path.read_text()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "theorems" for a in node.names), f"{path}: imports theorems"
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.module.split(".")[0] != "theorems", f"{path}: imports {node.module}"
    hits = [(i, m.group(0)) for i, line in enumerate(src.splitlines(), 1) for m in FORBIDDEN.finditer(line)]
    assert not hits, f"{path.relative_to(ROOT)} names a paper's model or result: {hits[:5]}"


def _imports(path: Path) -> set[str]:
    mods: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            mods |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.add(node.module)
    return mods


@pytest.mark.parametrize("pkg", ["zeng_lee", "linalg"])
def test_spec_packages_use_only_the_public_api(pkg: str) -> None:
    for path in sorted((ROOT / "theorems" / pkg).rglob("*.py")):
        private = sorted(m for m in _imports(path) if m.startswith("verifier") and m not in PUBLIC)
        assert not private, f"{path.relative_to(ROOT)} imports private engine modules {private}"


def test_importing_the_engine_loads_no_spec_package_and_no_heavy_library() -> None:
    code = ("import sys, verifier, verifier.linalg, verifier.report, verifier.strategies, verifier.testing; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('theorems', 'torch', 'flint', 'sympy', "
            "'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout


def test_spec_packages_are_found_through_entry_points_only() -> None:
    from importlib import metadata

    eps = {e.name: e.value for e in metadata.entry_points(group="verifier.specs")}
    assert {"zeng_lee", "linalg"} <= set(eps), eps
    registry = (ROOT / "verifier" / "_registry.py").read_text()
    assert "import_module(\"theorems" not in registry and "theorems." not in registry
