"""Where findings live between runs: one instance file per (search, kind, claim), replayed first.

Layout: `OUT/search/<theorem>/<search>/<kind>-<claim>.json`, where `<search>` is `plain`,
`drop-<assumption>` or `threshold<offset>`. A file always holds the smallest certified
counterexample found so far; the next run re-checks it before searching (and Hypothesis' own
example database, under `.verifier/hypothesis/`, replays the choices that led to it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from verifier._findings import check_command, safe_name, save_instance, search_replay_command
from verifier._records import Instance


class Store:
    """Instance files of one theorem's search findings under `out_dir/search/<theorem>/`."""

    def __init__(self, out_dir: str, theorem_id: str, spec_files: Sequence[str] = ()) -> None:
        self.root = Path(out_dir) / "search" / safe_name(theorem_id)
        self.theorem_id = theorem_id
        self.spec_files = tuple(spec_files)

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

    def check_command(self, path: str, claim: str | None, level: str, drop: str | None = None) -> str:
        """`verifier check` replaying one instance (with `--drop` when an assumption was dropped)."""
        return check_command(self.theorem_id, path, claim=claim, level=level, drop=(drop,) if drop else (),
                             spec_files=self.spec_files)

    def search_replay_command(self, path: str, claim: str, offset: int) -> str:
        """`verifier search --replay`: re-checks an instance against a claim with a shifted threshold."""
        return search_replay_command(self.theorem_id, path, claim=claim, offset=offset, spec_files=self.spec_files)
