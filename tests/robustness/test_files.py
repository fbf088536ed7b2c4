"""Findings survive anything: unwritable outputs never lose a verdict, concurrent writers never
leave half a file, hostile ids never escape their folder nor run anything when a replay line is pasted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from tests.robustness.conftest import SPECS, Run, assert_one_line_error

REPO = Path(__file__).resolve().parents[2]


def test_an_unwritable_json_path_keeps_the_verdict(cli: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    bad = tmp_path / "a-file" / "out.json"  # a folder that cannot exist
    r = cli("check", "--spec", f"{SPECS}:VACUOUS", "--quiet", "--json", bad)
    assert r.code == 2
    assert r.out.strip() == "PLANTED-VACUOUS: HOLDS"  # the verdict, printed even with --quiet
    assert len(r.err.strip().splitlines()) == 1 and str(bad) in r.err and "Traceback" not in r.err
    r = cli("check", "--spec", f"{SPECS}:VACUOUS", "--json", bad)
    assert r.code == 2 and "PLANTED-VACUOUS: HOLDS" in r.out


def test_an_unwritable_report_dir_keeps_the_verdict(cli: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    r = cli("check", "--spec", f"{SPECS}:FIVE_PERCENT", "--quiet", "--report", tmp_path / "a-file" / "rep")
    assert r.code == 2 and r.out.strip() == "PLANTED-5PCT: VIOLATED", (r.out, r.err)
    assert "cannot write" in r.err and len(r.err.strip().splitlines()) == 1


def test_an_unwritable_search_json_keeps_the_summary(cli: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    r = cli("search", "--spec", f"{SPECS}:FIVE_PERCENT", "--time-budget", "5", "--max-examples", "5", "--quiet",
            "--json", tmp_path / "a-file" / "s.json")
    assert r.code == 2 and r.out.strip() == "PLANTED-5PCT: VIOLATED", (r.out, r.err)
    assert "cannot write" in r.err


def test_concurrent_writers_never_leave_half_a_file(tmp_path: Path) -> None:
    from verifier._fileio import atomic_write

    target = tmp_path / "shared.json"
    atomic_write(target, json.dumps({"writer": -1, "data": []}))
    seen_bad: list[str] = []
    stop = threading.Event()

    def writer(k: int) -> None:
        for i in range(40):
            atomic_write(target, json.dumps({"writer": k, "i": i, "data": list(range(5000 + k))}))

    def reader() -> None:
        while not stop.is_set():
            try:
                json.loads(target.read_text())
            except ValueError as e:
                seen_bad.append(str(e))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    r = threading.Thread(target=reader)
    r.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    r.join()
    assert not seen_bad
    assert len(json.loads(target.read_text())["data"]) >= 5000
    assert [p.name for p in tmp_path.iterdir()] == ["shared.json"]  # no temporary file left behind


def test_concurrent_processes_writing_one_finding(tmp_path: Path) -> None:
    code = ("import json, sys; from verifier._fileio import atomic_write\n"
            "for i in range(30): atomic_write(sys.argv[1], json.dumps({'p': sys.argv[2], 'x': [i] * 20000}))\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "f.json"), str(k)], env=env)
             for k in range(4)]
    for p in procs:
        assert p.wait(timeout=60) == 0
    assert len(json.loads((tmp_path / "f.json").read_text())["x"]) == 20000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.json"]


HOSTILE = '''
from verifier import Claim, Comparison, Parameter, Source, Theorem

def _false(ctx, b, c):
    return [Comparison("a_11 < a_11", ctx.entry(b.m("A"), 0, 0), ">=", ctx.entry(b.m("A"), 0, 0) + 1)]

T = Theorem(id="../../../escaped$(touch${IFS}PWNED_T)", title="t", statement="s",
            source=Source(citation="c", kind="user"), parameters=(Parameter("n", low=1, high=1),),
            shapes={"A": ("n", "n")}, default_examples=1,
            claims=(Claim("x;touch${IFS}PWNED_C;`touch${IFS}PWNED_B`'\\"", statement="s", evaluate=_false),))
'''


def test_hostile_ids_stay_in_their_folder_and_run_nothing(cli: Callable[..., Run], tmp_path: Path) -> None:
    spec = tmp_path / "hostile.py"
    spec.write_text(HOSTILE)
    r = cli("check", "--spec", spec, "--json", tmp_path / "r.json")
    assert r.code == 1, (r.out, r.err)
    claim = json.loads((tmp_path / "r.json").read_text())["theorems"][0]["claims"][0]
    cx = claim["counterexample"]
    path = Path(cx["instance_file"]).resolve()
    assert path.parent == (tmp_path / ".verifier" / "counterexamples").resolve()  # one file, no traversal
    assert not (tmp_path.parent / "escaped").exists()
    env = {**os.environ, "PYTHONPATH": str(REPO), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    replay = cx["replay"].replace("verifier ", f"{sys.executable} -m verifier ", 1)
    p = subprocess.run(["bash", "-c", replay + " --quiet"], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 1, (p.stdout, p.stderr)  # the pasted line replays the violation ...
    assert not list(tmp_path.rglob("PWNED*")) and not list(Path.cwd().rglob("PWNED*"))  # ... and runs nothing else


def test_a_hostile_instance_file_name_is_only_a_name(cli: Callable[..., Run], tmp_path: Path) -> None:
    name = tmp_path / "$(touch PWNED).json"
    name.write_text("{")
    assert_one_line_error(cli("check", "R-LIN", "--instance", name), 2, "not valid JSON")
    assert not list(tmp_path.rglob("PWNED"))
