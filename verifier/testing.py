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
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from verifier._records import Theorem
from verifier._verdicts import CheckSettings, ClaimVerdict


class TheoremCheckFailed(AssertionError):
    """A claim was violated, erred, or (when asked) stayed inconclusive."""


def _is_file(target: Theorem | str | Path) -> bool:
    text = str(target)
    return not isinstance(target, Theorem) and (text.endswith(".py") or ".py:" in text)


def _load(target: Theorem | str | Path) -> list[Theorem]:
    if isinstance(target, Theorem):
        return [target]
    from verifier._registry import get_theorem, load_spec_file

    return load_spec_file(str(target)) if _is_file(target) else [get_theorem(str(target))]


def _message(thm: Theorem, c: ClaimVerdict) -> str:
    lines = [f"{thm.id} / {c.id}: {c.status.upper()} (evidence {c.evidence or '-'}, {c.instances} instances)"]
    cx = c.counterexample
    if cx is not None:
        lines.append(f"  counterexample ({cx.evidence}), parameters {dict(cx.instance.parameters)}: {cx.detail}")
        if cx.replay:
            lines.append(f"  replay: {cx.replay}")
    lines += [f"  note: {n}" for n in c.notes[:5]]
    return "\n".join(lines)


#: Where counterexamples found by a test are written (their replay commands name these files).
FINDINGS = Path(".verifier/counterexamples")


def check_claims(thm: Theorem | str | Path, *, claims: Sequence[str] | None = None, inconclusive: str = "fail",
                 out_dir: str | Path | None = FINDINGS, spec_files: Sequence[str] = (),
                 **settings: Any) -> list[ClaimVerdict]:
    """Check a theorem (a Theorem, an id, or a spec file) and raise `TheoremCheckFailed` on a
    violated, erring or (with inconclusive="fail") inconclusive claim.

    Args:
        claims: only these claims (default: all).
        inconclusive: "fail" (default) or "pass": what an inconclusive claim does.
        out_dir: where a counterexample's instance file is written (None: nowhere, and no replay
            command); the failure message ends with the command that replays it.
        spec_files: the spec files the replay command loads (default: `thm` itself if it is one).
        settings: `CheckSettings` fields (level, examples, seed, ...); a `None` value means the default.
    """
    from verifier._check import check_theorem
    from verifier._findings import record_findings

    thms = _load(thm)
    files = tuple(spec_files) or ((str(thm),) if _is_file(thm) else ())
    given = {k: v for k, v in settings.items() if v is not None}
    out: list[ClaimVerdict] = []
    for t in thms:
        v = check_theorem(t, CheckSettings(**given), None, claims)
        if out_dir is not None:
            v = record_findings(v, out_dir, files)
        bad = [c for c in v.claims if c.status in ("violated", "error")
               or (c.status == "inconclusive" and inconclusive == "fail")]
        if bad:
            raise TheoremCheckFailed("\n".join(_message(t, c) for c in bad))
        out += list(v.claims)
    return out


def theorem_tests(target: Theorem | str | Path, **settings: Any) -> Any:
    """A pytest test function parametrised over every (theorem, claim) of `target` (a Theorem, an
    id, or a spec file); `settings` are passed to `check_claims` (examples=, level=, seed=, ...)."""
    import pytest

    thms = _load(target)
    files = (str(target),) if _is_file(target) else ()
    cases = [(t, cid) for t in thms for cid in [c.id for c in t.claims] + [c.id for c in t.identities]]

    @pytest.mark.parametrize(("thm", "claim"), cases, ids=[f"{t.id}::{c}" for t, c in cases])
    def test_claim(thm: Theorem, claim: str) -> None:
        check_claims(thm, claims=[claim], **{"spec_files": files, **settings})

    return test_claim


# -- the pytest plugin --------------------------------------------------------------------------

def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("verifier", "verifier: specs as tests")
    group.addoption("--verifier-spec", action="append", default=[], metavar="GLOB",
                    help="collect the theorems of these spec files as tests (repeatable)")
    group.addoption("--verifier-examples", type=int, default=None, help="random instances per theorem")
    group.addoption("--verifier-level", default="exact", choices=["exact", "certified", "mp", "float"])
    group.addoption("--verifier-seed", type=int, default=None, help="seed of the instance generator")
    group.addoption("--verifier-inconclusive", default="fail", choices=["fail", "skip"],
                    help="what an inconclusive claim does to its test (default: fail)")
    group.addoption("--verifier-findings", default=str(FINDINGS), metavar="DIR",
                    help="where counterexamples are written (default: .verifier/counterexamples)")
    parser.addini("verifier_specs", "globs of spec files collected as tests", type="linelist", default=[])


def _patterns(config: Any) -> list[str]:
    return [*config.getoption("--verifier-spec"), *config.getini("verifier_specs")]


def pytest_load_initial_conftests(early_config: Any, parser: Any, args: list[str]) -> None:
    """`pytest --verifier-spec FILE` alone collects FILE (it is added to the paths pytest visits)."""
    import glob

    ns = early_config.known_args_namespace
    specs = getattr(ns, "verifier_spec", None) or []
    # Positional paths as pytest parsed them (an option's value, like the spec's own path, is not one).
    if specs and not getattr(ns, "file_or_dir", None):
        args += [p for s in specs for p in sorted(glob.glob(s))]


def _is_spec(file_path: Path, config: Any) -> bool:
    if file_path.suffix != ".py":
        return False
    rel = str(file_path)
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, str(Path(config.rootpath) / p))
               or Path(p).resolve() == file_path.resolve() for p in _patterns(config))


def pytest_collect_file(file_path: Path, parent: Any) -> Any:
    if not _is_spec(file_path, parent.config):
        return None
    return _item_classes()[0].from_parent(parent, path=file_path)


def pytest_pycollect_makemodule(module_path: Path, parent: Any) -> Any:
    """A spec file named on the command line is not also imported as a test module (pytest's own
    collector takes any .py path it is given): it is collected once, by this plugin."""
    if _is_spec(module_path, parent.config):
        return _item_classes()[2].from_parent(parent, path=module_path)
    return None


@functools.lru_cache(maxsize=1)
def _item_classes() -> tuple[Any, Any, Any]:
    import pytest

    class _Nothing(pytest.File):
        def collect(self) -> Iterator[Any]:
            return iter(())

    class _SpecFile(pytest.File):
        def collect(self) -> Iterator[Any]:
            from verifier._errors import VerifierError
            from verifier._registry import load_spec_file

            try:
                thms = load_spec_file(str(self.path))
            except VerifierError as e:  # a malformed spec: one line, not a traceback
                raise self.CollectError(f"verifier: {e}") from None
            for thm in thms:
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
                             examples=cfg.getoption("--verifier-examples"), seed=cfg.getoption("--verifier-seed"),
                             out_dir=cfg.getoption("--verifier-findings"), spec_files=(self._spec_arg(),),
                             inconclusive="fail")
            except TheoremCheckFailed as e:
                if mode == "skip" and "INCONCLUSIVE" in str(e).splitlines()[0]:
                    pytest.skip(str(e).splitlines()[0])
                raise

        def _spec_arg(self) -> str:
            """The spec file as the replay command names it: relative to where pytest was run."""
            rel = os.path.relpath(self.path, self.config.invocation_params.dir)
            return str(self.path) if rel.startswith("..") else rel

        def repr_failure(self, excinfo: Any, style: Any = None) -> str:
            if isinstance(excinfo.value, TheoremCheckFailed):
                return str(excinfo.value)
            return str(super().repr_failure(excinfo))

        def reportinfo(self) -> tuple[Any, int, str]:
            return self.path, 0, f"verifier: {self.name}"

    return _SpecFile, _ClaimItem, _Nothing


def __getattr__(name: str) -> Any:
    # pytest is imported only when the plugin's collector is needed
    if name in ("SpecFile", "ClaimItem"):
        spec_file, claim_item, _nothing = _item_classes()
        globals()["SpecFile"], globals()["ClaimItem"] = spec_file, claim_item
        return globals()[name]
    raise AttributeError(name)


__all__ = ["TheoremCheckFailed", "check_claims", "theorem_tests"]
