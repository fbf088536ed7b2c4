"""Files written so that a reader never sees half of one: a temporary file in the same folder, flushed,
then renamed over the target (atomic on POSIX and Windows)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from verifier._errors import UsageError


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write `data` to `path` atomically, creating its folder; an unwritable path is a usage error."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as e:
        raise UsageError(f"cannot write {p}: {e.strerror or e}") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files: give the target the usual mode
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {p}: {e.strerror or e}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["atomic_write"]
