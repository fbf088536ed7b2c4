"""The tutorial runs as written: its example specs are short and load, and every command it shows
(`$ verifier ...`, `$ pytest ...`) and every test module it shows gives the status it claims, from a
folder holding a copy of `docs/examples/` (as a reader's working copy would)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from verifier._cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs"
TUTORIAL = (DOCS / "tutorial.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", TUTORIAL, flags=re.S)


def commands() -> list[tuple[str, str]]:
    """(command, the first line of its shown output) for every `$ ...` line of a console block."""
    out = []
    for block in blocks("console"):
        lines = block.splitlines()
        for k, line in enumerate(lines):
            if line.startswith("$ "):
                out.append((line[2:], lines[k + 1] if k + 1 < len(lines) else ""))
    return out


VERIFIER = [(c, shown) for c, shown in commands() if c.startswith("verifier ")]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(DOCS / "examples", tmp_path / "docs" / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_example_specs_are_short_and_shown_whole() -> None:
    for name in ("eym.py", "weyl.py"):
        assert len((DOCS / "examples" / name).read_text().splitlines()) <= 30, name
    assert (DOCS / "examples" / "eym.py").read_text() in TUTORIAL
    for name in ("false_weyl.py", "false_rank.py", "weyl.py"):  # their claims appear as written
        src = (DOCS / "examples" / name).read_text()
        claim = src[src.index("@forall"):src.index("\n\n\n", src.index("@forall"))]
        assert claim in TUTORIAL, name


def test_every_command_of_the_tutorial_is_run_here() -> None:
    kinds = {c.split()[0] + " " + c.split()[1] for c, _ in VERIFIER}
    assert kinds >= {"verifier check", "verifier search", "verifier report"}
    assert {c for c, _ in commands()} == {c for c, _ in VERIFIER} | {"pytest --verifier-spec docs/examples/eym.py"}


@pytest.mark.parametrize(("command", "shown"), VERIFIER, ids=[c for c, _ in VERIFIER])
def test_tutorial_command(command: str, shown: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = 1 if "VIOLATED" in shown else 0
    code = main(shlex.split(command)[1:])
    out = capsys.readouterr().out
    assert code == expected, out
    theorem = shlex.split(command)[2]
    assert theorem in out
    # the shrunk counterexamples the tutorial shows are the ones search finds
    for params in re.findall(r"\{'m'[^}]*\}", TUTORIAL[TUTORIAL.index("$ " + command):][:1500].split("```")[0]):
        assert params in out, (params, out)
    if command.startswith("verifier report"):
        folder = workdir / shlex.split(command)[shlex.split(command).index("--out") + 1]
        doc = json.loads((folder / "report.json").read_text())
        assert [t["id"] for t in doc["theorems"]] == [theorem]  # that theorem alone
        assert "sections" not in doc and (folder / "report.html").is_file()


def _pytest(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_tutorial_pytest_command_and_test_modules(workdir: Path) -> None:
    r = _pytest(["--verifier-spec", "docs/examples/eym.py"], workdir)
    assert r.returncode == 0 and "2 passed" in r.stdout, r.stdout + r.stderr
    modules = [b for b in blocks("python") if "def test_" in b or "theorem_tests(" in b]
    assert len(modules) == 2
    for k, src in enumerate(modules):
        (workdir / f"test_tutorial_{k}.py").write_text(src)
    r = _pytest([f"test_tutorial_{k}.py" for k in range(len(modules))], workdir)
    assert r.returncode == 0 and "4 passed" in r.stdout, r.stdout + r.stderr


def test_writing_specs_examples_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / "writing-specs.md").read_text()
    code = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    minimal = next(b for b in code if "TRACE = Theorem(" in b)
    construction = next(b for b in code if "class Truncation" in b)
    strategies = next(b for b in code if "test_rank_is_subadditive" in b)
    spec = tmp_path / "doc_specs.py"
    spec.write_text("from dataclasses import dataclass\nfrom typing import Any\n\nfrom verifier import Parameter, "
                    "Source, Theorem, exists\n" + minimal + "\n" + construction + "\n"
                    "TRUNC = Theorem(id='TRUNC', title='t', statement='s', source=Source(citation='c', kind='user'),\n"
                    "    parameters=(Parameter('m', low=1, high=4), Parameter('n', low=1, high=4),\n"
                    "                Parameter('k', low=0, high=3)),\n"
                    "    shapes={'A': ('m', 'n')}, construction=truncate, claims=(attained,))\n")
    assert main(["check", "--spec", str(spec), "--examples", "5"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "MY-TRACE: HOLDS" in out and "TRUNC: HOLDS" in out
    ns: dict[str, object] = {}
    exec(compile(strategies, "writing-specs.md", "exec"), ns)  # a property test, run by Hypothesis
    ns["test_rank_is_subadditive"]()  # type: ignore[operator]
