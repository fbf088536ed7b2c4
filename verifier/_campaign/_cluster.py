"""Getting a dask.distributed client: a LocalCluster of worker processes, or an existing scheduler."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from verifier._errors import BackendUnavailable, UsageError


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterSpec:
    """Where a campaign runs.

    Args:
        workers: worker processes of a LocalCluster on this machine (one thread each: every
            worker runs its own searches, and torch and BLAS stay single-threaded inside).
        scheduler: address of an existing Dask scheduler ("tcp://host:8786"); then `workers`
            only says how many shards to cut the work into.
    """

    workers: int = 1
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.workers, bool) or not 1 <= self.workers <= 4096:
            raise UsageError(f"--workers must be in 1..4096, got {self.workers}")
        if self.scheduler is not None and "://" not in self.scheduler and ":" not in self.scheduler:
            raise UsageError(f"--scheduler expects an address such as tcp://host:8786, got {self.scheduler!r}")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:  # an optional dependency: say how to get it
        raise BackendUnavailable("campaigns need dask.distributed: pip install 'dask[distributed]'") from None
    return distributed


@contextlib.contextmanager
def client(spec: ClusterSpec) -> Iterator[Any]:
    """A connected `distributed.Client` (and its LocalCluster, closed afterwards)."""
    distributed = _distributed()
    if spec.scheduler is not None:
        try:
            c = distributed.Client(spec.scheduler, timeout="30s")
        except (OSError, TimeoutError) as e:
            raise UsageError(f"--scheduler {spec.scheduler}: cannot connect ({e})") from None
        try:
            yield c
        finally:
            c.close()
        return
    # Workers inherit this environment (PYTHONPATH included) and do their own threading: one
    # thread each, so N workers use N cores.
    env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    os.environ.update({k: os.environ.get(k, v) for k, v in env.items()})
    with _quiet_logs(distributed):
        cluster = distributed.LocalCluster(n_workers=spec.workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=50)
        c = distributed.Client(cluster)
    try:
        yield c
    finally:
        with _quiet_logs(distributed), contextlib.suppress(Exception):
            c.close()
            cluster.close()


@contextlib.contextmanager
def _quiet_logs(distributed: Any) -> Iterator[None]:
    """Dask logs worker restarts and closing connections at WARNING; a campaign reports them itself."""
    import logging

    names = ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker",
             "distributed.core", "distributed.comm", "tornado")
    old = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.ERROR)
    try:
        yield
    finally:
        for n, lv in old.items():
            logging.getLogger(n).setLevel(lv)


class Progress:
    """Progress lines on stderr: overwritten in place every second on a terminal; in a log, a line
    when what is counted changes, or every `every` seconds."""

    def __init__(self, quiet: bool = False, every: float = 10.0) -> None:
        self.quiet, self.every = quiet, every
        self.tty = sys.stderr.isatty()
        self.last: tuple[float, str] = (0.0, "")

    def show(self, msg: str, counts: str = "") -> None:
        import time

        now = time.monotonic()
        if self.quiet or (not self.tty and counts == self.last[1] and now - self.last[0] < self.every):
            return
        self.last = (now, counts)
        print(msg.ljust(100), end="\r" if self.tty else "\n", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.tty and not self.quiet:
            print(" " * 100, end="\r", file=sys.stderr, flush=True)
