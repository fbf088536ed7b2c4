"""Shared pieces of the robustness suite: running the CLI in-process (one line out, the exit code
back) and small valid instances of three families to break in many ways."""

from __future__ import annotations

import copy
import json
import resource
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

SPECS = str(Path(__file__).with_name("specs.py"))

#: A valid R-LIN instance (README's example).
LIN: dict[str, Any] = {
    "theorem": "R-LIN", "parameters": {"D": 3, "L": 2, "R": 1},
    "matrices": {"W": [[[1, 0, 0], [0, 2, 0], [0, 0, 1]], [[1, 1, 0], [0, 1, 0], [0, 0, "1/2"]]],
                 "Wbar": [[2, 1, 0], [0, 2, 0], [1, 0, "-3/7"]]},
}


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return [x for x in (self.out + self.err).splitlines() if x.strip()]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Run]:
    """Run `verifier ARGS` in-process from `tmp_path` (findings land there); capture its output."""
    from verifier._cli import main

    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Run:
        capsys.readouterr()
        t0 = time.perf_counter()
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:  # argparse's one-line errors exit from inside main
            code = e.code if isinstance(e.code, int) else 2
        seconds = time.perf_counter() - t0
        cap = capsys.readouterr()
        return Run(code, cap.out, cap.err, seconds)

    return run


def assert_one_line_error(r: Run, code: int, needle: str, seconds: float = 5.0) -> None:
    """Exit `code`, exactly one line of output naming the problem, no traceback, quickly."""
    assert r.code == code, (r.code, r.out, r.err)
    assert len(r.lines) == 1, r.lines
    assert "Traceback" not in r.err and "verifier: " in r.err, r.err
    assert needle.lower() in r.err.lower(), (needle, r.err)
    assert r.seconds < seconds, r.seconds


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, Any], Path]:
    """Write JSON (or raw text) as a file under tmp_path."""

    def put(name: str, content: Any) -> Path:
        p = tmp_path / name
        p.write_text(content if isinstance(content, str) else json.dumps(content))
        return p

    return put


def edit(base: dict[str, Any], fn: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    d = copy.deepcopy(base)
    fn(d)
    return d


def generated(theorem_id: str, params: dict[str, int] | None = None, seed: int = 0) -> dict[str, Any]:
    """A valid instance file of `theorem_id` from its own generator."""
    from verifier import get_theorem, instance_to_json

    thm = get_theorem(theorem_id)
    inst = thm.generate(np.random.default_rng(seed), index=0, params=params)  # type: ignore[misc]
    return instance_to_json(inst)


@pytest.fixture(scope="session")
def fnn() -> dict[str, Any]:
    return generated("R-FNN1", {"D": 2, "L": 2, "R": 1})


@pytest.fixture(scope="session")
def tfn() -> dict[str, Any]:
    return generated("R-TFN", {"D": 2, "H": 1, "L": 1, "N": 2, "R": 1})


@pytest.fixture(scope="session", autouse=True)
def _libraries_loaded() -> None:
    """Import the heavy libraries once, so the memory bound below measures the cases, not the imports."""
    import flint  # noqa: F401
    import torch  # noqa: F401

    from verifier import all_theorems

    all_theorems()


@pytest.fixture(autouse=True)
def _bounded_memory(_libraries_loaded: None) -> Iterator[None]:
    """Every robustness case stays small: the process' peak memory grows by at most a few hundred MB."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is KiB on Linux, bytes on macOS
    assert (after - before) * scale < 400 * 2**20, f"peak memory grew by {(after - before) * scale / 2**20:.0f} MiB"
