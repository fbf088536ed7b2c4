"""Command-line options shared by campaign-capable commands, and `--sizes` instances for `verifier check`."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from verifier._campaign._cluster import ClusterSpec
from verifier._errors import InstanceError, UsageError
from verifier._instances import check_parameters

#: Largest size a `--sizes` parameter may ask for (beyond it a check cannot finish on one machine).
MAX_SIZE = 4096


def add_campaign_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=_workers, default=None, metavar="N",
                   help="run on N worker processes (a dask.distributed LocalCluster on this machine)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786 (see docs/campaigns.md)")


def _workers(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of workers, got {text!r}") from None
    if not 1 <= v <= 4096:
        raise argparse.ArgumentTypeError(f"must be in 1..4096, got {v}")
    return v


def cluster_spec(a: argparse.Namespace) -> ClusterSpec | None:
    """The cluster asked for, or None for a run in this process."""
    if a.workers is None and a.scheduler is None:
        return None
    return ClusterSpec(workers=a.workers or 1, scheduler=a.scheduler)


def parse_size(text: str) -> tuple[tuple[str, int], ...]:
    """argparse type: NAME=V[,NAME=V...] (e.g. D=64,L=4)."""
    out: list[tuple[str, int]] = []
    for part in text.split(","):
        name, eq, val = part.strip().partition("=")
        try:
            if not eq or not name.isidentifier():
                raise ValueError
            v = int(val)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected NAME=VALUE[,NAME=VALUE...] (e.g. D=64,L=4), got {text!r}"
                                             ) from None
        if not 0 <= v <= MAX_SIZE:
            raise argparse.ArgumentTypeError(f"{text!r}: {name}={v} is outside 0..{MAX_SIZE}")
        out.append((name, v))
    if len({n for n, _ in out}) != len(out):
        raise argparse.ArgumentTypeError(f"{text!r} names a parameter twice")
    return tuple(out)


def sized_instances(thm: Any, sizes: Sequence[tuple[tuple[str, int], ...]], examples: int,
                    seed: int) -> list[Any] | None:
    """`examples` instances per size for `thm` from its own generator with the given parameters
    (the others as the generator draws them); None when no size names only parameters of `thm`."""
    names = {p.name: p for p in thm.parameters}
    usable = [dict(s) for s in sizes if all(n in names for n, _ in s)]
    if not usable:
        return None
    if thm.generate is None:
        raise UsageError(f"--sizes: {thm.id} has no generator to take parameters")
    out = []
    for j, size in enumerate(usable):
        for name, v in size.items():
            if v < names[name].low:
                raise UsageError(f"--sizes: {thm.id} needs {name} >= {names[name].low}, got {v}")
        for k in range(examples):
            rng = np.random.default_rng([seed, j, k])
            drawn: Mapping[str, int] = thm.generate(np.random.default_rng([seed, j, k, 1]), index=k).parameters
            params = {**drawn, **size}
            try:  # what an instance file gets: ranges, the spec's constraints, the memory they imply
                check_parameters(thm, params)
            except InstanceError as e:
                raise UsageError(f"--sizes {size}: {e}") from None
            try:
                out.append(thm.generate(rng, index=k, params=params))
            except (KeyError, ValueError, IndexError) as e:
                raise UsageError(f"--sizes {size}: the generator of {thm.id} cannot make {params}: {e}") from None
    return out


__all__ = ["MAX_SIZE", "add_campaign_arguments", "cluster_spec", "parse_size", "sized_instances"]
