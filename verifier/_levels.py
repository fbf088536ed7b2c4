"""Evidence levels, ordered weakest first."""

from __future__ import annotations

from typing import Literal

Level = Literal["float", "mp", "certified", "exact"]

#: Weakest first: a verdict never claims more than the level it reached.
LEVELS: tuple[Level, ...] = ("float", "mp", "certified", "exact")

LEVEL_NAMES: dict[str, str] = {
    "float": "float (PyTorch)",
    "mp": "high precision (mpmath)",
    "certified": "certified enclosure (python-flint balls)",
    "exact": "exact (rationals / symbolic)",
}


def rank(level: str) -> int:
    """Return the strength of `level` (0 = float, 3 = exact)."""
    return LEVELS.index(level)  # type: ignore[arg-type]


def at_most(level: str) -> tuple[Level, ...]:
    """All levels up to and including `level`, weakest first."""
    return LEVELS[: rank(level) + 1]
