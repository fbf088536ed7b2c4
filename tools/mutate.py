#!/usr/bin/env python3
"""Targeted mutation testing of the truth-critical code: does the test suite notice a lie?

Each mutant is one hand-made change to the decision, escalation, enclosure, tolerance,
combination, assumption or refutation code, of the kind that would make a verdict claim more (or
other) than its evidence. The script copies the repository (tracked and unignored files) to a
temporary folder, checks that the selected tests pass there unmutated, then applies one mutant at a
time, runs the tests (stopping at the first failure) and restores the file. A mutant is killed when
a test fails (or the run times out); it survives when every test passes.

    python3 tools/mutate.py                 # the default test selection, every mutant
    python3 tools/mutate.py --jobs 2        # two copies side by side
    python3 tools/mutate.py --only float-   # mutants whose id starts with "float-"
    python3 tools/mutate.py --tests tests   # the whole suite (slow: survivors run all of it)
    python3 tools/mutate.py --list

Prints one row per mutant, the kill ratio per module and in total; exits 1 if a mutant of a class
marked `required` (the lies the truth rules forbid outright) survives, 2 if the suite fails
unmutated or a mutant no longer applies.
Not run in CI (minutes, not seconds).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TESTS = ("tests/robustness", "tests/backends", "tests/unit", "tests/quality/test_planted_check.py",
                 "tests/cli/test_cli.py")


@dataclass(frozen=True)
class Mutant:
    id: str
    path: str
    old: str
    new: str
    what: str
    required: bool = False  # a class the truth rules forbid outright: the suite must kill it
    #: other (path, old, new) sites of the same mutation, tried in turn where the code has moved
    alts: tuple[tuple[str, str, str], ...] = ()

    def site(self, root: Path) -> tuple[str, str, str] | None:
        """The first (path, old, new) whose `old` occurs exactly once in its file under `root`."""
        for path, old, new in ((self.path, self.old, self.new), *self.alts):
            f = root / path
            if f.is_file() and f.read_text().count(old) == 1:
                return path, old, new
        return None


EV, CHK, VER = "verifier/_evaluate.py", "verifier/_check.py", "verifier/_verdicts.py"
CERT, FLT, MP = "verifier/_backends/_certified.py", "verifier/_backends/_float.py", "verifier/_backends/_mp.py"
EXA, SVD, REC = "verifier/_backends/_exact.py", "verifier/_backends/linalg/_svd.py", "verifier/_records.py"
LIN, CLI, COM = "theorems/zeng_lee/r_lin.py", "verifier/_cli/__init__.py", "verifier/_cli/_common.py"
KIT = "verifier/_backends/_ballkit.py"  # where later versions keep the ball comparison
MOD, MAT, CCHK = "verifier/_search/_model.py", "verifier/_matrix.py", "verifier/_cli/check.py"

MUTANTS: tuple[Mutant, ...] = (
    # -- decisions --------------------------------------------------------------------------------
    Mutant("undecided-counted-as-holds", EV, 'if all(x.status == "holds" for x in decs):\n        return '
           'InstanceOutcome(idx, "holds", ev', 'if all(x.status != "fails" for x in decs):\n        return '
           'InstanceOutcome(idx, "holds", ev', "an undecided ball comparison counted as holds", True),
    Mutant("undecided-counted-as-violated", EV, 'if any(x.status == "fails" for x in decs):',
           'if any(x.status != "holds" for x in decs):', "an undecided comparison at certified counted as violated",
           True),
    Mutant("ball-midpoints", CERT, "            diff = lhs - rhs\n",
           "            diff = arb(lhs.mid()) - arb(rhs.mid())\n",
           "ball comparisons made on midpoints (the enclosure dropped)", True,
           ((KIT, "    diff = lhs - rhs\n", "    diff = arb(lhs.mid()) - arb(rhs.mid())\n"),)),
    Mutant("ball-unknown-holds", CERT, 'holds, fails, margin = diff <= tol, diff > tol, -diff',
           'holds, fails, margin = not (diff > tol), diff > tol, -diff',
           "a ball that straddles the bound decided as holds (<=)",
           alts=((KIT, 'holds, fails, margin = diff <= tol, diff > tol, -diff',
                  'holds, fails, margin = not (diff > tol), diff > tol, -diff'),)),
    Mutant("exact-ties-fail", EXA, 'ok = {"<=": diff <= tol, ">=": diff >= -tol, "==": abs(diff) <= tol}',
           'ok = {"<=": diff < tol, ">=": diff > -tol, "==": abs(diff) <= tol}', "exact ties decided as failures"),
    Mutant("certified-exact-shadow-ties", CERT, 'return {"<=": c <= 0, ">=": c >= 0, "==": c == 0}[cmp.relation]',
           'return {"<=": c < 0, ">=": c > 0, "==": c == 0}[cmp.relation]',
           "ties settled by the exact shadow decided as failures"),
    Mutant("float-nonfinite-holds", FLT, 'status = "unknown" if not (math.isfinite(mv) and math.isfinite(sv)) else',
           'status = "holds" if not (math.isfinite(mv) and math.isfinite(sv)) else',
           "a float screen that overflowed (NaN/inf) counted as holds"),
    # -- escalation -------------------------------------------------------------------------------
    Mutant("mp-failure-violated", EV, "        lv = escalation_level(claim)  # an mp failure is a candidate too: "
           "escalate it\n", '        return InstanceOutcome(idx, "violated", "mp", worst(decs) if decs else None, '
           '"mp failure", False, float_lhs)\n', "mp-level failures counted as violations without escalation", True),
    Mutant("float-failure-violated", EV, "        lv: Level | None = escalation_level(claim)\n",
           '        return InstanceOutcome(idx, "violated", "float", worst(float_decs), "float failure", False, '
           'float_lhs)\n', "float failures counted as violations without escalation"),
    Mutant("low-precision-final", EV, 'if float_decs is not None and runner.context("float").screen_only:',
           "if False:", "a bfloat16/float16 screen taken as a verdict (not re-decided)"),
    Mutant("no-precision-retry", EV, 'if level == "certified" and any(d.status == "unknown" for d in decs) and '
           'prec * 2 <= self.s.max_prec:', "if False:", "certified never retries an undecided comparison at higher "
           "precision", alts=((EV, 'if level == "certified" and any(d.status == "unknown" for d in decs):\n',
                               "if False:\n"),)),
    Mutant("evidence-strongest", CHK, "else min(levels, key=LEVELS.index)", "else max(levels, key=LEVELS.index)",
           '"holds" reported at the strongest level reached, not the weakest'),
    # -- enclosures -------------------------------------------------------------------------------
    Mutant("svd-defect-halved", SVD, "f = frobenius_upper(U.transpose() * A * V - D)",
           "f = frobenius_upper(U.transpose() * A * V - D) / 2", "the certified SVD defect bound halved", True),
    Mutant("svd-orthogonality-ignored", SVD, "lo_fac = 1 / ((1 + gU) * (1 + gV)).sqrt()", "lo_fac = arb(1)",
           "the certified SVD ignores the non-orthogonality of U, V (lower end)"),
    # -- tolerances -------------------------------------------------------------------------------
    Mutant("witness-tol-x1000", CERT, "return arb(2) ** (-(self.prec // 2)) * (1 + abs(arb(scale)).upper())",
           "return 1000 * arb(2) ** (-(self.prec // 2)) * (1 + abs(arb(scale)).upper())",
           "the witness tolerance multiplied by 1000", True),
    Mutant("float-slack-sqrt-eps", FLT, "slack = gamma * (lhs.abs() + rhs.abs() + scale.abs()) + tol.abs()",
           "slack = (2 * self.unit_roundoff) ** 0.5 * (1 + lhs.abs() + rhs.abs() + scale.abs())",
           "the old float slack sqrt(eps) (1 + |lhs| + |rhs| + scale)"),
    Mutant("float-slack-x1e6", FLT, "gamma = nu / (1 - nu) if nu < 0.5 else", "gamma = 1e6 * nu if nu < 0.5 else",
           "float slack a million times the rounding bound"),
    Mutant("float-absolute-slack", FLT, "slack = gamma * (lhs.abs() + rhs.abs() + scale.abs()) + tol.abs()",
           "slack = gamma * (1e14 + lhs.abs() + rhs.abs() + scale.abs()) + tol.abs()",
           "an absolute term in the float slack"),
    Mutant("mp-old-slack", MP, "slack = gamma * (abs(lhs) + abs(rhs) + scale)",
           "slack = mpf(10) ** (-(self.dps // 2)) * (1 + abs(lhs) + abs(rhs))", "the old mp slack (absolute term)"),
    # -- combination ------------------------------------------------------------------------------
    Mutant("status-order", VER, 'STATUS_ORDER: tuple[Status, ...] = ("violated", "error", "inconclusive", "holds", '
           '"not-applicable")', 'STATUS_ORDER: tuple[Status, ...] = ("inconclusive", "violated", "error", "holds", '
           '"not-applicable")', "status combination reordered (inconclusive outranking violated)", True),
    Mutant("vacuous-holds", VER, '    if not counted:\n        return "not-applicable"',
           '    if not counted:\n        return "holds"', "a vacuous combination called holds"),
    Mutant("errors-ignored", CHK, 'if errors and status in ("holds", "not-applicable", "inconclusive"):',
           "if False:", "errors outside claims (generation, assumptions) not turned into an error status"),
    Mutant("exit-error-as-violated", COM, '"inconclusive": 3, "error": 4}', '"inconclusive": 3, "error": 1}',
           "an error exits 1 (the code for violated)"),
    Mutant("exit-internal-as-violated", CLI, "            return EXIT_INTERNAL\n    finally:",
           "            return 1\n    finally:", "an internal error exits 1 (the code for violated)"),
    Mutant("search-errors-not-refuted", MOD, 'return "error" if self.counts.get("errored", 0) or self.errors else '
           '"not refuted"', 'return "not refuted"', 'a search whose claims raise says "not refuted"'),
    # -- assumptions and applicability ------------------------------------------------------------
    Mutant("assumptions-ignored", CHK, "        if ok:\n            eligible.append(i)",
           "        eligible.append(i)", "assumption checks ignored in check_theorem", True),
    Mutant("user-assumption-ignored", CCHK, '        if res.status == "violated":\n            raise InstanceError',
           '        if False:\n            raise InstanceError',
           "a user instance breaking an assumption checked anyway"),
    Mutant("threshold-off-by-one", REC, "inst.p(self.threshold_param) < self.threshold(inst)",
           "inst.p(self.threshold_param) <= self.threshold(inst)", "a claim's declared threshold shifted by one",
           alts=((REC, 'inst.p(self.threshold_param or "") < self.threshold(inst)',
                  'inst.p(self.threshold_param or "") <= self.threshold(inst)'),)),
    # -- refutation -------------------------------------------------------------------------------
    Mutant("exists-unrefuted-violated", EV, 'return InstanceOutcome(idx, "inconclusive", ev, d,\n'
           '                               f"construction failed ({ev}); the existential claim is unresolved',
           'return InstanceOutcome(idx, "violated", ev, d,\n'
           '                               f"construction failed ({ev}); the existential claim is unresolved',
           "an existential claim whose witness fails without refutation called violated", True),
    Mutant("exists-as-forall", EV, '        if claim.quantifier == "forall":\n            return InstanceOutcome('
           'idx, "violated"', '        if True:\n            return InstanceOutcome(idx, "violated"',
           "an existential claim refuted by its failing witness alone"),
    Mutant("refute-crash-violated", EV, 'return InstanceOutcome(idx, "error", ev, d, f"refute of',
           'return InstanceOutcome(idx, "violated", ev, d, f"refute of', "a refutation that crashes counted as one"),
    Mutant("rank-refutation-at-threshold", LIN, "    if k > rl:\n        return Refutation(",
           "    if k >= rl:\n        return Refutation(", "R-LIN's exact-rank refutation firing at rank(E) = R L",
           True),
    # -- input ceilings ---------------------------------------------------------------------------
    Mutant("magnitude-unbounded", MAT, "    if abs(x) > MAX_ABS:", "    if False:",
           "entries beyond 2^1000 accepted (float conversion then overflows)"),
)


def _copy_repo(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _pytest(copy: Path, tests: list[str], timeout: float, deselect: tuple[str, ...] = ()) -> tuple[str, str, float]:
    """('passed' | 'failed' | 'timeout', the first failing test, seconds)."""
    env = {**os.environ, "PYTHONPATH": str(copy), "HYPOTHESIS_PROFILE": "quick"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    cmd += [a for t in deselect for a in ("--deselect", t)]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", "", time.monotonic() - t0
    # "FAILED tests/x.py::test[a b] - AssertionError: ...": the node id may hold spaces, up to " - "
    first = next((m.group(1) for m in re.finditer(r"^(?:FAILED|ERROR) (.+?)(?: - .*)?$", p.stdout, re.M)), "")
    return ("passed" if p.returncode == 0 else "failed"), first, time.monotonic() - t0


def _run_one(m: Mutant, copy: Path, tests: list[str], timeout: float) -> tuple[Mutant, str, str, float]:
    """Apply `m` in `copy`, run the tests, restore. A kill is confirmed: the failing test must pass
    without the mutant, else it is flaky and the mutant is run again without it."""
    site = m.site(copy)
    if site is None:
        return m, "stale", f"none of its sites occurs exactly once (first: {m.path})", 0.0
    path, old, new = site
    target = copy / path
    text = target.read_text()
    flaky: list[str] = []
    total = 0.0
    for _attempt in range(3):
        target.write_text(text.replace(old, new))
        try:
            outcome, first, secs = _pytest(copy, tests, timeout, tuple(flaky))
        finally:
            target.write_text(text)
        total += secs
        if outcome != "failed" or not first:
            break
        if _pytest(copy, [first], timeout)[0] == "passed":
            break  # the test passes without the mutant: a real kill
        flaky.append(first)
    status = {"passed": "survived", "failed": "killed", "timeout": "killed"}[outcome]
    detail = (first or outcome) + (f"; flaky, set aside: {flaky}" if flaky else "")
    return m, status, detail, total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tests", nargs="+", default=list(DEFAULT_TESTS), help="pytest paths run against each mutant")
    ap.add_argument("--only", default="", help="only mutants whose id starts with this")
    ap.add_argument("--jobs", type=int, default=1, help="mutants run side by side (one repository copy each)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per mutant run (a timeout kills)")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    a = ap.parse_args(argv)
    mutants = [m for m in MUTANTS if m.id.startswith(a.only)]
    if a.list:
        for m in mutants:
            print(f"{m.id:<32} {m.path:<36} {'required ' if m.required else ''}{m.what}")
        return 0
    with tempfile.TemporaryDirectory(prefix="verifier-mutants-") as tmp:
        copies = [Path(tmp) / f"copy{k}" for k in range(max(1, a.jobs))]
        for c in copies:
            _copy_repo(c)
        outcome, first, secs = _pytest(copies[0], a.tests, a.timeout)
        print(f"unmutated: {outcome} in {secs:.0f} s ({' '.join(a.tests)})", flush=True)
        if outcome != "passed":
            print(f"the selected tests fail without any mutant ({first}); fix that first", file=sys.stderr)
            return 2
        free = list(copies)
        rows = []

        def work(m: Mutant) -> tuple[Mutant, str, str, float]:
            copy = free.pop()
            try:
                return _run_one(m, copy, a.tests, a.timeout)
            finally:
                free.append(copy)

        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            for m, status, detail, secs in pool.map(work, mutants):
                rows.append((m, status))
                mark = "*" if m.required else " "
                print(f"{status:<9}{mark} {m.id:<32} {secs:6.0f} s  {m.what}" + (f"  [{detail}]" if detail else ""),
                      flush=True)
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for m, status in rows:
        site = m.site(ROOT)
        path = site[0] if site else m.path
        per[path][1] += 1
        per[path][0] += status == "killed"
    print("\nkill ratio per module:")
    for path, (k, n) in sorted(per.items()):
        print(f"  {path:<40} {k}/{n}")
    killed = sum(s == "killed" for _m, s in rows)
    print(f"total: {killed}/{len(rows)} mutants killed ({100 * killed / max(len(rows), 1):.0f}%)")
    survivors = [m.id for m, s in rows if s == "survived" and m.required]
    stale = [m.id for m, s in rows if s == "stale"]
    if stale:
        print(f"stale mutants (the code they mutate has changed): {stale}", file=sys.stderr)
        return 2
    if survivors:
        print(f"required mutants that survived: {survivors}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
