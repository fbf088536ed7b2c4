"""The findings store: many processes write it at once, nothing is lost, corrupt entries are reported."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from pathlib import Path

import numpy as np

from verifier import get_theorem
from verifier._search._store import FindingsDB, Store


def _writer(out: str, k: int) -> None:
    thm = get_theorem("R-LIN")
    st = Store(out, "R-LIN", worker=f"w{k}")
    for j in range(8):
        inst = thm.generate(np.random.default_rng([k, j]), index=0, params={"D": 2, "L": 1, "R": 1})
        st.save(inst, "plain", "violation", "optimum-attained")


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), k)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    db = FindingsDB(tmp_path / "findings.sqlite")
    assert db.count("R-LIN") == 32
    with sqlite3.connect(tmp_path / "findings.sqlite") as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    st = Store(str(tmp_path), "R-LIN")
    stored = st.stored("plain")
    assert 1 <= len(stored) <= 3 and all(p.is_file() for _k, _c, p in stored)  # the smallest few are replayed
    assert not st.notes()


def test_corrupt_rows_are_reported_and_skipped(tmp_path: Path) -> None:
    thm = get_theorem("R-LIN")
    st = Store(str(tmp_path), "R-LIN")
    for j in range(2):
        st.save(thm.generate(np.random.default_rng(j), index=0, params={"D": 2, "L": 1, "R": 1}), "plain",
                "violation", "optimum-attained")
    with sqlite3.connect(tmp_path / "findings.sqlite") as c:
        c.execute("UPDATE findings SET instance = '{not json' WHERE id = 1")
    fresh = Store(str(tmp_path), "R-LIN")
    assert len(fresh.stored("plain")) == 1
    (note,) = fresh.notes()
    assert "row 1" in note and "skipped" in note


def test_a_damaged_store_file_is_moved_aside(tmp_path: Path) -> None:
    (tmp_path / "findings.sqlite").write_bytes(b"this is not a database" * 100)
    st = Store(str(tmp_path), "R-LIN")
    st.save(get_theorem("R-LIN").generate(np.random.default_rng(0), index=0, params={"D": 2, "L": 1, "R": 1}),
            "plain", "violation", "optimum-attained")
    assert st.db.count() == 1
    assert any("moved aside" in n for n in st.notes())
    assert list(tmp_path.glob("findings.sqlite.corrupt-*"))


def test_a_finding_whose_file_vanished_is_rewritten_from_the_store(tmp_path: Path) -> None:
    st = Store(str(tmp_path), "R-LIN")
    inst = get_theorem("R-LIN").generate(np.random.default_rng(0), index=0, params={"D": 2, "L": 1, "R": 1})
    path = Path(st.save(inst, "plain", "violation", "optimum-attained"))
    path.unlink()
    ((_k, _c, p),) = Store(str(tmp_path), "R-LIN").stored("plain")
    assert p.is_file()
