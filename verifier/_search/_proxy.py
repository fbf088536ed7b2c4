"""A numpy-Generator stand-in through which Hypothesis steers a spec's own instance generator.

A spec's `generate(rng, index, params)` builds relations search must keep (a target equal to the
frozen product plus an exact rank-k correction, say). Passing it a `SteeredRNG` instead of a numpy
Generator keeps that code in charge while Hypothesis chooses:

- every *scalar* integer the generator draws (a rank k, a mode): one shrinkable choice each;
- the *style* of every array it draws (small integers, sparse, or the distribution it asked for),
  one choice per call; the array itself comes from a numpy Generator seeded by a drawn seed.

So a generator never draws a large array entry by entry through Hypothesis, and shrinking moves its
scalars down and its arrays towards small integers. A recorded `SteeredRNG` can be replayed with
another seed: same choices, fresh arrays (a batch of variants of one structure).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

ArrayStyle = Literal["integers", "sparse", "asked"]
ARRAY_STYLES: tuple[ArrayStyle, ...] = ("integers", "sparse", "asked")


class SteeredRNG:
    """Duck-types the `numpy.random.Generator` methods specs use; other attributes go to numpy.

    Args:
        chooser: where decisions come from (`strategies.Chooser`: Hypothesis or uniform random),
            or None to replay `record`.
        seed: seed of the numpy Generator that fills arrays.
        record: decisions of an earlier run to replay (in call order); extra calls fall back to
            numpy, so a generator whose call sequence changes still runs.
        force_asked: ignore styles and draw every array as asked (a fallback that keeps the
            spec's own distribution, e.g. to meet a non-singularity assumption).
    """

    def __init__(self, chooser: Any, seed: int, record: list[Any] | None = None,
                 force_asked: bool = False) -> None:
        self._ch = chooser
        self._np = np.random.default_rng(seed)
        self._replay = list(record) if record is not None else None
        self.record: list[Any] = []
        self._force = force_asked
        self._ints = 0

    # -- decisions ----------------------------------------------------------------------------
    def _decide(self, make: Callable[[Any], Any], fallback: Callable[[], Any],
                valid: Callable[[Any], bool] = lambda v: True) -> Any:
        if self._replay is not None:  # a replayed value of the wrong kind means the calls diverged
            value = self._replay.pop(0) if self._replay else None
            if value is None or not valid(value):
                value = fallback()
        elif self._ch is None:
            value = fallback()
        else:
            value = make(self._ch)
        self.record.append(value)
        return value

    def _style(self) -> ArrayStyle:
        style = self._decide(lambda ch: ch.choice(ARRAY_STYLES, "gen:style"), lambda: "asked",
                             lambda v: v in ARRAY_STYLES)
        return "asked" if self._force else style

    def _styled(self, asked: Callable[[], np.ndarray], size: Any) -> Any:
        style = self._style()
        if size is None:
            if style == "integers":
                return float(self._np.integers(-1, 2))
            return float(asked())
        if style == "integers":
            return self._np.integers(-2, 3, size=size).astype(np.float64)
        out = np.asarray(asked(), dtype=np.float64)
        if style == "sparse":
            out = out * (self._np.random(out.shape) < 0.5)
        return out

    # -- the Generator API specs use ------------------------------------------------------------
    def integers(self, low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False) -> Any:
        lo, hi = (0, low) if high is None else (low, high)
        hi = int(hi) if endpoint else int(hi) - 1
        lo = int(lo)
        if size is not None:
            style = self._style()
            if style == "integers" and lo <= 1 and hi >= -1:  # the narrowest values in range
                return self._np.integers(max(lo, -1), min(hi, 1) + 1, size=size).astype(dtype)
            return self._np.integers(lo, hi + 1, size=size).astype(dtype)
        self._ints += 1
        site = f"gen:int{self._ints}"
        value = self._decide(lambda ch: ch.integer(lo, hi, site), lambda: int(self._np.integers(lo, hi + 1)),
                             lambda v: isinstance(v, int) and lo <= v <= hi)
        return dtype(value) if callable(dtype) else value

    def standard_normal(self, size: Any = None, dtype: Any = np.float64, out: Any = None) -> Any:
        return self._styled(lambda: self._np.standard_normal(size), size)

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Any = None) -> Any:
        return loc + scale * self._styled(lambda: self._np.standard_normal(size), size)

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None) -> Any:
        style = self._style()
        if style == "integers":  # a coarse grid on [low, high]: exact, simple rationals
            grid = self._np.integers(0, 5, size=size) / 4
            return low + (high - low) * grid
        return self._np.uniform(low, high, size)

    def random(self, size: Any = None, dtype: Any = np.float64, out: Any = None) -> Any:
        return self.uniform(0.0, 1.0, size)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None, axis: int = 0,
               shuffle: bool = True) -> Any:
        if size is None and p is None:
            n = a if isinstance(a, int) else len(a)
            k = self.integers(0, n)
            return k if isinstance(a, int) else a[k]
        return self._np.choice(a, size=size, replace=replace, p=p)

    def permutation(self, x: Any) -> Any:
        return self._np.permutation(x)

    def shuffle(self, x: Any) -> None:
        self._np.shuffle(x)

    def __getattr__(self, name: str) -> Any:  # anything else: the plain numpy Generator
        return getattr(self._np, name)
