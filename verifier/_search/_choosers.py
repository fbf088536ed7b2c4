"""Where a search's choices come from: Hypothesis (shrinkable, targetable), plain uniform random, or an
adaptive cross-entropy sampler that learns a distribution per choice site."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, Protocol, TypeVar

import numpy as np

T = TypeVar("T")


class Chooser(Protocol):
    """Where the choices come from: Hypothesis (shrinkable, targetable) or plain uniform random.

    The builders below are written once against it, so `verifier search --sampler random`
    samples exactly the same structures without Hypothesis' guidance (the benchmark baseline).
    `site` names what a choice decides ("param:D", "plan:W[0]:kind", ...): the adaptive sampler
    learns a distribution per site.
    """

    def integer(self, lo: int, hi: int, site: str = "") -> int: ...
    def choice(self, options: Sequence[T], site: str = "") -> T: ...
    def reject(self) -> NoReturn: ...


@functools.lru_cache(maxsize=4096)
def _integers(lo: int, hi: int) -> Any:
    from hypothesis import strategies as st

    if hi - lo < 64:  # uniform when generating (st.integers puts ~1/3 on `lo`), still shrinks to `lo`
        return st.sampled_from(range(lo, hi + 1))
    return st.integers(lo, hi)


@functools.lru_cache(maxsize=4096)
def _sampled(options: tuple[Any, ...]) -> Any:
    from hypothesis import strategies as st

    return st.sampled_from(options)


class HypothesisChooser:
    """Choices drawn by Hypothesis (`draw` from `st.composite` or `st.data()`); the strategies are
    cached (building one per draw cost more than the draw)."""

    def __init__(self, draw: Callable[[Any], Any]) -> None:
        self._draw = draw

    def integer(self, lo: int, hi: int, site: str = "") -> int:
        return self._draw(_integers(lo, hi))

    def choice(self, options: Sequence[T], site: str = "") -> T:
        return self._draw(_sampled(tuple(options)))

    def reject(self) -> NoReturn:
        from hypothesis import reject

        reject()
        raise AssertionError("unreachable")


class RejectedError(Exception):
    """A uniformly drawn structure broke an enforced assumption on every attempt."""


class RandomChooser:
    """Plain uniform random choices (no shrinking, no targeting, no bias towards small values)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng

    def integer(self, lo: int, hi: int, site: str = "") -> int:
        return int(self._rng.integers(lo, hi + 1))

    def choice(self, options: Sequence[T], site: str = "") -> T:
        return options[int(self._rng.integers(0, len(options)))]

    def reject(self) -> NoReturn:
        raise RejectedError()


class AdaptiveChooser:
    """Uniform choices re-weighted, per site, towards what the best recent candidates chose.

    The weights come from a `CrossEntropy` learner; the chosen (site, index) pairs are kept in
    `trace` so the learner can credit them. Sites with more than 64 options (seeds) stay uniform.
    """

    def __init__(self, rng: np.random.Generator, weights: Mapping[tuple[str, int], np.ndarray]) -> None:
        self._rng = rng
        self._w = weights
        self.trace: list[tuple[tuple[str, int], int]] = []

    def _pick(self, site: str, n: int) -> int:
        if not site or n > 64:
            return int(self._rng.integers(0, n))
        p = self._w.get((site, n))
        k = int(self._rng.choice(n, p=p)) if p is not None else int(self._rng.integers(0, n))
        self.trace.append(((site, n), k))
        return k

    def integer(self, lo: int, hi: int, site: str = "") -> int:
        return lo + self._pick(site, hi - lo + 1)

    def choice(self, options: Sequence[T], site: str = "") -> T:
        return options[self._pick(site, len(options))]

    def reject(self) -> NoReturn:
        raise RejectedError()


class CrossEntropy:
    """The cross-entropy method over choice sites: after every `every` scored candidates, move
    each site's distribution a step `alpha` towards the choices of the best `elite` fraction (by
    score: the smallest relative claim margin), keeping a `floor` of uniform mass to go on exploring."""

    def __init__(self, alpha: float = 0.3, floor: float = 0.2, elite: float = 0.25, every: int = 16) -> None:
        self.alpha, self.floor, self.elite, self.every = alpha, floor, elite, every
        self.weights: dict[tuple[str, int], np.ndarray] = {}
        self._pool: list[tuple[float, list[tuple[tuple[str, int], int]]]] = []

    def observe(self, score: float | None, trace: list[tuple[tuple[str, int], int]]) -> None:
        self._pool.append((np.inf if score is None else score, trace))
        if len(self._pool) >= self.every:
            self._update()
            self._pool = []

    def _update(self) -> None:
        scored = sorted((p for p in self._pool if np.isfinite(p[0])), key=lambda p: p[0])
        if len(scored) < 2:
            return
        elites = scored[:max(2, int(len(scored) * self.elite))]
        counts: dict[tuple[str, int], np.ndarray] = {}
        for _score, trace in elites:
            for key, k in trace:
                counts.setdefault(key, np.zeros(key[1]))[k] += 1
        for key, c in counts.items():
            n = key[1]
            p = self.weights.get(key, np.full(n, 1 / n))
            p = (1 - self.alpha) * p + self.alpha * c / c.sum()
            p = (1 - self.floor) * p + self.floor / n
            self.weights[key] = p / p.sum()
