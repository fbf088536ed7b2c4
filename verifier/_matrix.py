"""Exact rational matrices: the one representation every instance is stored in.

Every back end starts from the same exact data: floats are exact dyadic rationals, so a float
instance loses nothing when stored here, and each arithmetic converts from it on its own terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verifier._errors import InstanceError

if TYPE_CHECKING:
    import numpy as np

Entry = Fraction


#: Ceilings on one entry, checked before any big number is built (a 13-byte "1e100000000" would
#: otherwise cost minutes): at most this many decimal digits in a numerator or denominator ...
MAX_DIGITS = 1000
#: ... and a magnitude at most 2^1000 (about 1.07e301): float64 must hold every entry with room
#: to spare, or no float screen could even load the instance.
MAX_ABS = Fraction(2) ** 1000
_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_RATIONAL = re.compile(r"([+-]?\d+)/(\d+)")


def _digits(n: int) -> int:
    """Decimal digits of |n| (within one; exact enough for a ceiling, and never builds a string)."""
    return max(1, int(abs(n).bit_length() * 0.30103) + 1)


def _bounded(x: Fraction, text: Any, where: str) -> Fraction:
    if _digits(x.numerator) > MAX_DIGITS or _digits(x.denominator) > MAX_DIGITS:
        raise InstanceError(f"{where}: {str(text)[:40]!r} has more than {MAX_DIGITS} digits in its numerator or "
                            f"denominator")
    if abs(x) > MAX_ABS:
        raise InstanceError(f"{where}: {str(text)[:40]!r} is too large (magnitude above 2^1000, about 1.07e301)")
    return x


def _parse_text(text: str, where: str) -> Fraction:
    t = text.strip()
    bad = InstanceError(f"{where}: cannot read {text[:40]!r} as an exact number (use e.g. \"-3/7\" or \"0.125\")")
    if len(t) > 2 * MAX_DIGITS + 16:
        raise InstanceError(f"{where}: an exact string of {len(t)} characters is too long "
                            f"(at most {MAX_DIGITS} digits per numerator or denominator)")
    m = _RATIONAL.fullmatch(t)
    if m:
        if int(m.group(2)) == 0:
            raise InstanceError(f"{where}: cannot read {text[:40]!r} as an exact number: it divides by zero")
        return _bounded(Fraction(int(m.group(1)), int(m.group(2))), text, where)
    m = _DECIMAL.fullmatch(t)
    if not m or not (m.group(2) or m.group(3)):
        raise bad
    mantissa = (m.group(2) or "") + (m.group(3) or "")
    exp = int(m.group(4) or 0) if len(m.group(4) or "") <= 8 else 10**9
    if len(mantissa.lstrip("0")) > MAX_DIGITS:
        raise InstanceError(f"{where}: {text[:40]!r}... has more than {MAX_DIGITS} digits")
    # the exponent is checked before 10**exp is built: its size alone decides the cost
    if abs(exp - len(m.group(3) or "")) > MAX_DIGITS + 301:
        raise InstanceError(f"{where}: {text[:40]!r} has an exponent out of range (magnitudes 1e-{MAX_DIGITS}.."
                            f"2^1000 are accepted)")
    return _bounded(Fraction(t), text, where)


def parse_entry(value: Any, where: str) -> Fraction:
    """Convert a JSON entry (number or exact string such as "-3/7", "0.125", "1e-3") to a Fraction.

    Entries are bounded before they are built: at most `MAX_DIGITS` digits in a numerator or
    denominator, a magnitude at most 2^1000, and finite.

    Raises:
        InstanceError: when the entry is not a finite number or a parsable exact string within those bounds.
    """
    if isinstance(value, bool):
        raise InstanceError(f"{where}: expected a number but got a boolean {value!r}")
    if isinstance(value, int):
        if value.bit_length() > 4 * MAX_DIGITS:
            raise InstanceError(f"{where}: an integer with more than {MAX_DIGITS} digits")
        return _bounded(Fraction(value), value, where)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InstanceError(f"{where}: expected a finite number but got {value!r}")
        return _bounded(Fraction(value), value, where)
    if isinstance(value, Fraction):
        return _bounded(value, value, where)
    if isinstance(value, str):
        return _parse_text(value, where)
    raise InstanceError(f"{where}: expected a number or an exact string but got {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class RatMatrix:
    """An immutable m x n matrix of exact rationals, stored row-major."""

    nrows: int
    ncols: int
    entries: tuple[Fraction, ...]

    def __post_init__(self) -> None:
        if self.nrows < 0 or self.ncols < 0 or len(self.entries) != self.nrows * self.ncols:
            raise InstanceError(
                f"matrix of shape {self.nrows}x{self.ncols} needs {self.nrows * self.ncols} "
                f"entries but got {len(self.entries)}"
            )

    @property
    def shape(self) -> tuple[int, int]:
        return (self.nrows, self.ncols)

    def rows(self) -> list[list[Fraction]]:
        n = self.ncols
        return [list(self.entries[i * n : (i + 1) * n]) for i in range(self.nrows)]

    @classmethod
    def from_rows(cls, rows: Any, where: str = "matrix") -> RatMatrix:
        """Build from a list of rows (JSON form).

        Raises:
            InstanceError: on ragged, empty or non-numeric input.
        """
        if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
            raise InstanceError(f"{where}: expected a non-empty list of rows (lists of numbers)")
        ncols = len(rows[0])
        if ncols == 0:
            raise InstanceError(f"{where}: rows must not be empty")
        entries: list[Fraction] = []
        for i, row in enumerate(rows):
            if len(row) != ncols:
                raise InstanceError(
                    f"{where}: row {i} has {len(row)} entries but row 0 has {ncols} (ragged matrix)"
                )
            entries.extend(parse_entry(v, f"{where}[{i}][{j}]") for j, v in enumerate(row))
        return cls(len(rows), ncols, tuple(entries))

    @classmethod
    def from_numpy(cls, array: np.ndarray) -> RatMatrix:
        """Exact copy of a float64 (or integer) array: every float is a dyadic rational."""
        import numpy as np

        a = np.asarray(array)
        if a.ndim != 2:
            raise InstanceError(f"expected a 2-d array but got shape {a.shape}")
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise InstanceError("matrix has non-finite entries")
        conv = int if a.dtype.kind in "iu" else float
        return cls(a.shape[0], a.shape[1], tuple(Fraction(conv(x)) for x in a.ravel()))

    @classmethod
    def identity(cls, n: int) -> RatMatrix:
        return cls(n, n, tuple(Fraction(int(i == j)) for i in range(n) for j in range(n)))

    def to_numpy(self) -> np.ndarray:
        """Float64 copy (rounded to nearest)."""
        import numpy as np

        return np.array([float(x) for x in self.entries], dtype=np.float64).reshape(self.shape)

    def to_json(self) -> list[list[int | str]]:
        """Rows with integers as ints and other rationals as exact strings ("p/q")."""
        return [[int(x) if x.denominator == 1 else str(x) for x in row] for row in self.rows()]

    def __matmul__(self, other: RatMatrix) -> RatMatrix:
        if self.ncols != other.nrows:
            raise InstanceError(f"cannot multiply {self.shape} by {other.shape}")
        a, b = self.rows(), other.rows()
        out = [
            sum((a[i][k] * b[k][j] for k in range(self.ncols)), Fraction(0))
            for i in range(self.nrows)
            for j in range(other.ncols)
        ]
        return RatMatrix(self.nrows, other.ncols, tuple(out))

    def __add__(self, other: RatMatrix) -> RatMatrix:
        if self.shape != other.shape:
            raise InstanceError(f"cannot add {self.shape} and {other.shape}")
        return RatMatrix(self.nrows, self.ncols, tuple(x + y for x, y in zip(self.entries, other.entries, strict=True)))

    def __sub__(self, other: RatMatrix) -> RatMatrix:
        if self.shape != other.shape:
            raise InstanceError(f"cannot subtract {other.shape} from {self.shape}")
        return RatMatrix(self.nrows, self.ncols, tuple(x - y for x, y in zip(self.entries, other.entries, strict=True)))
