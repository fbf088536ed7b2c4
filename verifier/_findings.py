"""The one writer of findings: counterexample instance files and the commands that replay them.

File names are built from ids through `safe_name` (any id, however hostile, gives one file name
in the intended folder), files are written atomically, and every replay command is shell-quoted
word by word, so pasting it runs exactly `verifier` with those arguments.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from verifier._fileio import atomic_write
from verifier._instances import instance_to_json
from verifier._records import Instance
from verifier._verdicts import TheoremVerdict

_SAFE = re.compile(r"[^A-Za-z0-9_.+-]+")


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name-safe form of an id: letters, digits and `_.+-` only, never `.`/`..`, bounded in
    length; an id that had to be changed gets a short hash so two ids never share a name."""
    clean = _SAFE.sub("_", text).strip(".") or "_"
    if clean != text or len(clean) > limit:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        clean = f"{clean[:limit - 9]}-{digest}"
    return clean


def save_instance(inst: Instance, path: str | Path) -> Path:
    """Write an instance file atomically (a reader never sees half of it)."""
    return atomic_write(path, json.dumps(instance_to_json(inst), indent=1))


def _spec_args(spec_files: Sequence[str]) -> list[str]:
    return [a for f in spec_files for a in ("--spec", f)]


def check_command(theorem_id: str, instance: str | Path, *, claim: str | None = None, level: str = "exact",
                  drop: Sequence[str] = (), spec_files: Sequence[str] = ()) -> str:
    """`verifier check ID --instance FILE ...`, every word shell-quoted."""
    words = ["verifier", "check", theorem_id, *_spec_args(spec_files), "--instance", str(instance)]
    if claim:
        words += ["--claim", claim]
    words += ["--level", level if level in ("exact", "certified", "mp", "float") else "exact"]
    for d in drop:
        words += ["--drop", d]
    return shlex.join(words)


def search_replay_command(theorem_id: str, instance: str | Path, *, claim: str, offset: int,
                          spec_files: Sequence[str] = ()) -> str:
    """`verifier search ID --threshold-offset K --claim C --replay FILE`, shell-quoted."""
    return shlex.join(["verifier", "search", theorem_id, *_spec_args(spec_files), "--threshold-offset", str(offset),
                       "--claim", claim, "--replay", str(instance)])


def record_findings(v: TheoremVerdict, out_dir: str | Path, spec_files: Sequence[str] = ()) -> TheoremVerdict:
    """Write each claim's counterexample under `out_dir` and fill in its file and replay command."""
    claims = []
    for c in v.claims:
        cx = c.counterexample
        if cx is not None and cx.file is None:
            path = Path(out_dir) / f"{safe_name(v.id)}-{safe_name(c.id)}-{v.settings.seed}-{cx.index}.json"
            # stamped with the id of the theorem checked: specs derived from others reuse their generators
            save_instance(replace(cx.instance, theorem=v.id), path)
            cmd = check_command(v.id, path, claim=c.id, level=cx.evidence, drop=v.settings.drop,
                                spec_files=spec_files)
            c = replace(c, counterexample=replace(cx, file=str(path), replay=cmd))
        claims.append(c)
    return replace(v, claims=tuple(claims))


__all__ = ["check_command", "record_findings", "safe_name", "save_instance", "search_replay_command"]
