"""Where findings live between runs: one SQLite store that many processes write safely, replayed first.

Every certified counterexample a search keeps is written twice, each write atomic: an instance
file `OUT/search/<theorem>/<search>/<kind>-<claim>-<digest>.json` (named by its content, so two
processes never write the same file; the replay command names it) and a row of
`OUT/findings.sqlite` (WAL mode: writers in many processes, each insert one transaction, readers
never blocked). A finding is in the store the moment it is certified, so a search or a campaign
worker that is killed afterwards loses nothing; the next run replays the smallest stored findings
of each claim before searching. A row whose JSON does not parse, or does not match its digest,
is reported (`Store.corrupt`) and skipped, never replayed; a store file that is not SQLite is moved
aside (`findings.sqlite.corrupt-<time>`) and a fresh one started, with a note.

Files of the older layout (`<kind>-<claim>.json`, one per claim) are still replayed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from verifier._fileio import atomic_write
from verifier._findings import check_command, safe_name, search_replay_command
from verifier._instances import instance_to_json
from verifier._records import Instance

_DIGESTED = re.compile(r"-[0-9a-f]{12}$")

#: Findings per (search, kind, claim) replayed at the start of a run (the smallest first).
REPLAYED = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    theorem TEXT NOT NULL, search TEXT NOT NULL, kind TEXT NOT NULL, claim TEXT NOT NULL,
    size TEXT NOT NULL, digest TEXT NOT NULL, instance TEXT NOT NULL, path TEXT NOT NULL,
    worker TEXT NOT NULL, created REAL NOT NULL,
    UNIQUE (theorem, search, kind, claim, digest)
)
"""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class FindingsDB:
    """The SQLite file of findings under one output folder (one connection per process)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.notes: list[str] = []
        self._conn: sqlite3.Connection | None = None
        self._pid = -1

    def conn(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # a forked child opens its own
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._conn = self._open()
            except sqlite3.DatabaseError as e:
                aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
                os.replace(self.path, aside)
                self.notes.append(f"findings store {self.path} could not be read ({e}); moved aside to {aside} "
                                  f"and started afresh")
                self._conn = self._open()
            self._pid = os.getpid()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        c = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a committed row survives a killed process
        c.execute(_SCHEMA)
        c.execute("SELECT count(*) FROM findings").fetchone()  # a damaged file fails here
        return c

    def add(self, theorem: str, search: str, kind: str, claim: str, size: Sequence[int], instance_json: str,
            path: str, worker: str = "") -> None:
        """Insert one finding in its own transaction (a duplicate of a stored one is ignored)."""
        with self._write():
            self.conn().execute(
                "INSERT OR IGNORE INTO findings (theorem, search, kind, claim, size, digest, instance, path, worker,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (theorem, search, kind, claim, json.dumps(list(size)), _digest(instance_json), instance_json, path,
                 worker, time.time()))

    def _write(self) -> _Transaction:
        return _Transaction(self.conn())

    def rows(self, theorem: str, search: str | None = None) -> list[tuple]:
        q = "SELECT id, search, kind, claim, size, digest, instance, path FROM findings WHERE theorem = ?"
        args: tuple = (theorem,)
        if search is not None:
            q += " AND search = ?"
            args += (search,)
        return self.conn().execute(q + " ORDER BY id", args).fetchall()

    def count(self, theorem: str | None = None) -> int:
        if theorem is None:
            return int(self.conn().execute("SELECT count(*) FROM findings").fetchone()[0])
        return int(self.conn().execute("SELECT count(*) FROM findings WHERE theorem = ?", (theorem,)).fetchone()[0])


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): one writer at a time, all or nothing."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.c = conn

    def __enter__(self) -> None:
        self.c.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.c.execute("ROLLBACK" if exc_type else "COMMIT")


class Store:
    """Findings of one theorem's searches: instance files under `out_dir/search/<theorem>/` and
    rows of `out_dir/findings.sqlite`."""

    def __init__(self, out_dir: str, theorem_id: str, spec_files: Sequence[str] = (), worker: str = "") -> None:
        self.root = Path(out_dir) / "search" / safe_name(theorem_id)
        self.theorem_id = theorem_id
        self.spec_files = tuple(spec_files)
        self.worker = worker or f"pid{os.getpid()}"
        self.db = FindingsDB(Path(out_dir) / "findings.sqlite")
        #: (row id or file, why) of stored findings that could not be read
        self.corrupt: list[tuple[str, str]] = []

    def path(self, search: str, kind: str, claim: str, digest: str = "") -> Path:
        tail = f"-{digest[:12]}" if digest else ""
        return self.root / safe_name(search) / f"{kind}-{safe_name(claim)}{tail}.json"

    def save(self, inst: Instance, search: str, kind: str, claim: str) -> str:
        """Store a finding (file, then row); returns the instance file's path."""
        from verifier._search._simplify import size_key

        text = json.dumps(instance_to_json(inst), indent=1)
        path = self.path(search, kind, claim, _digest(text))
        atomic_write(path, text)
        self.db.add(self.theorem_id, search, kind, claim, size_key(inst), text, str(path), self.worker)
        return str(path)

    def stored(self, search: str) -> list[tuple[str, str, Path]]:
        """(kind, claim as in the file name, path) of the findings to replay for `search`: the
        smallest `REPLAYED` rows per (kind, claim), then files of the older layout."""
        best: dict[tuple[str, str], list[tuple[list[int], int, Path]]] = {}
        for rid, _search, kind, claim, size, digest, text, path in self.db.rows(self.theorem_id, search):
            try:
                if _digest(text) != digest:
                    raise ValueError("the instance does not match its digest")
                json.loads(text)
                key_size = json.loads(size)
            except (ValueError, TypeError) as e:
                self.corrupt.append((f"row {rid}", str(e)))
                continue
            p = Path(path)
            if not p.is_file():  # the file went away: the row still has the instance
                p = self.path(search, kind, claim, digest)
                atomic_write(p, text)
            best.setdefault((kind, safe_name(claim)), []).append((key_size, rid, p))
        out = [(kind, claim, p) for (kind, claim), rows in sorted(best.items())
               for _s, _r, p in sorted(rows, key=lambda r: (r[0], r[1]))[:REPLAYED]]
        d = self.root / safe_name(search)
        for p in sorted(d.glob("*.json")) if d.is_dir() else []:
            if not _DIGESTED.search(p.stem):  # a file of the older layout, one per claim
                kind, _, claim = p.stem.partition("-")
                out.append((kind, claim, p))
        return out

    def notes(self) -> list[str]:
        """What went wrong reading the store, for the search's notes."""
        out = list(self.db.notes)
        out += [f"corrupt finding in {self.db.path} ({where}): {why}; skipped" for where, why in self.corrupt]
        return out

    def check_command(self, path: str, claim: str | None, level: str, drop: str | None = None) -> str:
        """`verifier check` replaying one instance (with `--drop` when an assumption was dropped)."""
        return check_command(self.theorem_id, path, claim=claim, level=level, drop=(drop,) if drop else (),
                             spec_files=self.spec_files)

    def search_replay_command(self, path: str, claim: str, offset: int) -> str:
        """`verifier search --replay`: re-checks an instance against a claim with a shifted threshold."""
        return search_replay_command(self.theorem_id, path, claim=claim, offset=offset, spec_files=self.spec_files)


__all__ = ["REPLAYED", "FindingsDB", "Store", "safe_name"]
