"""Specs as pytest tests: a pytest plugin (registered through the `pytest11` entry point) and helpers.

In a test module:

    from verifier.testing import theorem_tests
    test_eym = theorem_tests("docs/examples/eym.py", examples=10)   # one test per claim

or let the plugin collect spec files directly: `pytest --verifier-spec "docs/examples/*.py"` (or
the ini option `verifier_specs`); each claim of each theorem becomes a test item. A claim passes
when it holds (or is not applicable); it fails when violated (the message has the counterexample
and its replay command), when it errs, and when it is inconclusive (unless
`--verifier-inconclusive=skip`).
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from verifier._records import Theorem
from verifier._verdicts import CheckSettings, ClaimVerdict


class TheoremCheckFailed(AssertionError):
    """A claim was violated, erred, or (when asked) stayed inconclusive."""


def _load(target: Theorem | str | Path) -> list[Theorem]:
    if isinstance(target, Theorem):
        return [target]
    from verifier._registry import get_theorem, load_spec_file

    text = str(target)
    return load_spec_file(text) if text.endswith(".py") or ".py:" in text else [get_theorem(text)]


def _message(thm: Theorem, c: ClaimVerdict) -> str:
    lines = [f"{thm.id} / {c.id}: {c.status.upper()} (evidence {c.evidence or '-'}, {c.instances} instances)"]
    cx = c.counterexample
    if cx is not None:
        lines.append(f"  counterexample ({cx.evidence}), parameters {dict(cx.instance.parameters)}: {cx.detail}")
        if cx.replay:
            lines.append(f"  replay: {cx.replay}")
    lines += [f"  note: {n}" for n in c.notes[:5]]
    return "\n".join(lines)


def check_claims(thm: Theorem | str | Path, *, claims: Sequence[str] | None = None, inconclusive: str = "fail",
                 out_dir: str | Path | None = None, **settings: Any) -> list[ClaimVerdict]:
    """Check a theorem (a Theorem, an id, or a spec file with one theorem) and raise
    `TheoremCheckFailed` on a violated, erring or (with inconclusive="fail") inconclusive claim."""
    from verifier._check import check_theorem
    from verifier._findings import record_findings

    thms = _load(thm)
    out: list[ClaimVerdict] = []
    for t in thms:
        v = check_theorem(t, CheckSettings(**settings), None, claims)
        if out_dir is not None:
            v = record_findings(v, out_dir)
        bad = [c for c in v.claims if c.status in ("violated", "error")
               or (c.status == "inconclusive" and inconclusive == "fail")]
        if bad:
            raise TheoremCheckFailed("\n".join(_message(t, c) for c in bad))
        out += list(v.claims)
    return out


def theorem_tests(target: Theorem | str | Path, **settings: Any) -> Any:
    """A pytest test function parametrised over every (theorem, claim) of `target`."""
    import pytest

    thms = _load(target)
    cases = [(t, cid) for t in thms for cid in [c.id for c in t.claims] + [c.id for c in t.identities]]

    @pytest.mark.parametrize(("thm", "claim"), cases, ids=[f"{t.id}::{c}" for t, c in cases])
    def test_claim(thm: Theorem, claim: str) -> None:
        check_claims(thm, claims=[claim], **settings)

    return test_claim


# -- the pytest plugin --------------------------------------------------------------------------

def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("verifier", "verifier: specs as tests")
    group.addoption("--verifier-spec", action="append", default=[], metavar="GLOB",
                    help="collect the theorems of these spec files as tests (repeatable)")
    group.addoption("--verifier-examples", type=int, default=None, help="random instances per theorem")
    group.addoption("--verifier-level", default="exact", choices=["exact", "certified", "mp", "float"])
    group.addoption("--verifier-inconclusive", default="fail", choices=["fail", "skip"],
                    help="what an inconclusive claim does to its test (default: fail)")
    parser.addini("verifier_specs", "globs of spec files collected as tests", type="linelist", default=[])


def _patterns(config: Any) -> list[str]:
    return [*config.getoption("--verifier-spec"), *config.getini("verifier_specs")]


def pytest_load_initial_conftests(early_config: Any, parser: Any, args: list[str]) -> None:
    """`pytest --verifier-spec FILE` alone collects FILE (it is added to the paths pytest visits)."""
    specs, files = [], [a for a in args if not a.startswith("-")]
    for i, a in enumerate(args):
        if a == "--verifier-spec" and i + 1 < len(args):
            specs.append(args[i + 1])
        elif a.startswith("--verifier-spec="):
            specs.append(a.split("=", 1)[1])
    if specs and not files:
        import glob

        args += [p for s in specs for p in sorted(glob.glob(s))]


def pytest_collect_file(file_path: Path, parent: Any) -> Any:
    if file_path.suffix != ".py":
        return None
    pats = _patterns(parent.config)
    rel = str(file_path)
    if not any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, str(Path(parent.config.rootpath) / p))
               or Path(p).resolve() == file_path.resolve() for p in pats):
        return None
    spec_file, _item = _item_classes()
    return spec_file.from_parent(parent, path=file_path)


@functools.lru_cache(maxsize=1)
def _item_classes() -> tuple[Any, Any]:
    import pytest

    class _SpecFile(pytest.File):
        def collect(self) -> Iterator[Any]:
            from verifier._registry import load_spec_file

            for thm in load_spec_file(str(self.path)):
                for cid in [c.id for c in thm.claims] + [c.id for c in thm.identities]:
                    yield _ClaimItem.from_parent(self, name=f"{thm.id}::{cid}", thm=thm, claim=cid)

    class _ClaimItem(pytest.Item):
        def __init__(self, *, thm: Theorem, claim: str, **kw: Any) -> None:
            super().__init__(**kw)
            self.thm, self.claim = thm, claim

        def runtest(self) -> None:
            cfg = self.config
            mode = cfg.getoption("--verifier-inconclusive")
            try:
                check_claims(self.thm, claims=[self.claim], level=cfg.getoption("--verifier-level"),
                             examples=cfg.getoption("--verifier-examples"), inconclusive="fail")
            except TheoremCheckFailed as e:
                if mode == "skip" and "INCONCLUSIVE" in str(e).splitlines()[0]:
                    pytest.skip(str(e).splitlines()[0])
                raise

        def repr_failure(self, excinfo: Any, style: Any = None) -> str:
            if isinstance(excinfo.value, TheoremCheckFailed):
                return str(excinfo.value)
            return str(super().repr_failure(excinfo))

        def reportinfo(self) -> tuple[Any, int, str]:
            return self.path, 0, f"verifier: {self.name}"

    return _SpecFile, _ClaimItem


def __getattr__(name: str) -> Any:
    # pytest is imported only when the plugin's collector is needed
    if name in ("SpecFile", "ClaimItem"):
        spec_file, claim_item = _item_classes()
        globals()["SpecFile"], globals()["ClaimItem"] = spec_file, claim_item
        return globals()[name]
    raise AttributeError(name)


__all__ = ["TheoremCheckFailed", "check_claims", "theorem_tests"]
