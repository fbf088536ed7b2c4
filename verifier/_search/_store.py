"""Where findings live between runs: one instance file per (search, kind, claim), replayed first.

Layout: `OUT/search/<theorem>/<search>/<kind>-<claim>.json`, where `<search>` is `plain`,
`drop-<assumption>` or `threshold<offset>`. A file always holds the smallest certified
counterexample found so far; the next run re-checks it before searching (and Hypothesis' own
example database, under `.verifier/hypothesis/`, replays the choices that led to it).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from verifier._instances import save_instance
from verifier._records import Instance


def safe_name(text: str) -> str:
    """A file-name-safe form of an id (theorem, claim, assumption)."""
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", text)


class Store:
    """Instance files of one theorem's search findings under `out_dir/search/<theorem>/`."""

    def __init__(self, out_dir: str, theorem_id: str, spec_file: str | None = None) -> None:
        self.root = Path(out_dir) / "search" / safe_name(theorem_id)
        self.theorem_id = theorem_id
        self.spec_file = spec_file

    def path(self, search: str, kind: str, claim: str) -> Path:
        return self.root / safe_name(search) / f"{kind}-{safe_name(claim)}.json"

    def save(self, inst: Instance, search: str, kind: str, claim: str) -> str:
        return str(save_instance(inst, self.path(search, kind, claim)))

    def stored(self, search: str) -> list[tuple[str, str, Path]]:
        """(kind, claim as in the file name, path) of every finding stored for `search`."""
        d = self.root / safe_name(search)
        out = []
        for p in sorted(d.glob("*.json")) if d.is_dir() else []:
            kind, _, claim = p.stem.partition("-")
            out.append((kind, claim, p))
        return out

    def _spec(self) -> str:
        return f" --spec {shlex.quote(self.spec_file)}" if self.spec_file else ""

    def check_command(self, path: str, claim: str | None, level: str, drop: str | None = None) -> str:
        """`verifier check` replaying one instance (with `--drop` when an assumption was dropped)."""
        cmd = f"verifier check {self.theorem_id}{self._spec()} --instance {shlex.quote(path)}"
        if claim:
            cmd += f" --claim {claim}"
        cmd += f" --level {level if level in ('exact', 'certified', 'mp', 'float') else 'exact'}"
        return cmd + (f" --drop {shlex.quote(drop)}" if drop else "")

    def search_replay_command(self, path: str, claim: str, offset: int) -> str:
        """`verifier search --replay`: re-checks an instance against a claim with a shifted threshold."""
        return (f"verifier search {self.theorem_id}{self._spec()} --threshold-offset {offset} "
                f"--claim {claim} --replay {shlex.quote(path)}")
