"""Where a batch's jobs run: a process pool on this machine, or an existing Dask cluster. Both are a
``concurrent.futures.Executor``, so the batch hands out jobs and reads results the same way."""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import BadInput
from ..i18n import _
from ..processes import end_with_parent
from ..scratch import remove_stale, scratch_folder

CONNECT_TIMEOUT_S = 5
NO_WORKERS_TIMEOUT_S = 60.0


class Workers:
    """Workers that run jobs: ``slots`` jobs at a time; ``generation`` grows each time they are started again."""

    slots: int = 1
    generation: int = 0
    executor: Executor

    def submit(self, function: Callable[..., Any], *args: Any) -> Future:
        """Run ``function(*args)`` on a worker."""
        return self.executor.submit(function, *args)

    def recover(self, error: BaseException, generation: int) -> None:
        """After a job's worker died with ``error``: start the workers again if that broke them."""

    def check(self) -> None:
        """Raise an Img2PrintError when the workers cannot finish the jobs any more (a cluster that is gone)."""

    def close(self) -> None:
        """Stop the workers; jobs not started are dropped (the ledger still has them)."""
        self.executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _usable_cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's share), else all of them."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _answered_in_a_file(folder: str, function: Callable[..., Any], *args: Any) -> str:
    """On a worker: run ``function(*args)`` and leave its answer pickled in a file in ``folder``; return the file's
    name. The pool's pipe then carries only that name, a message small enough to be written at once: a worker
    killed while it answers can no longer leave half a message that the pool waits for forever."""
    with tempfile.NamedTemporaryFile("wb", dir=folder, suffix=".answer", delete=False) as handle:
        pickle.dump(function(*args), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return handle.name


def _read_answer(outer: Future, inner: Future) -> None:
    """Give ``outer`` the answer whose file ``inner`` names (or ``inner``'s error), and remove the file."""
    if inner.cancelled():
        outer.cancel()
        return
    error = inner.exception()
    if error is not None or outer.done():
        if error is not None and not outer.done():
            outer.set_exception(error)
        return
    try:
        with open(inner.result(), "rb") as handle:
            outer.set_result(pickle.load(handle))
    except (OSError, pickle.UnpicklingError, EOFError) as failure:
        outer.set_exception(failure)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(inner.result())


class LocalWorkers(Workers):
    """A pool of processes on this machine, one job each at a time; they end when the batch ends, even killed.
    Answers come back through files in a scratch folder (see ``_answered_in_a_file``)."""

    def __init__(self, workers: int | None) -> None:
        self.slots = workers or _usable_cpus()
        self.answers = scratch_folder("answers")
        self.executor = self._started()

    def _started(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.slots, initializer=end_with_parent)

    def submit(self, function: Callable[..., Any], *args: Any) -> Future:
        """Run ``function(*args)`` on a worker, in a new pool if a killed worker broke this one."""
        try:
            inner = self.executor.submit(_answered_in_a_file, self.answers.name, function, *args)
        except BrokenProcessPool as error:
            self.recover(error, self.generation)
            inner = self.executor.submit(_answered_in_a_file, self.answers.name, function, *args)
        outer: Future = Future()
        inner.add_done_callback(lambda done: _read_answer(outer, done))
        return outer

    def close(self) -> None:
        """Stop the workers and remove the answers' folder."""
        super().close()
        self.answers.cleanup()

    def recover(self, error: BaseException, generation: int) -> None:
        """A killed worker process breaks the whole pool: start a new one (once per breakage)."""
        if isinstance(error, BrokenProcessPool) and generation == self.generation:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self._started()
            self.generation += 1


class ClusterWorkers(Workers):
    """An existing Dask distributed cluster; its scheduler runs a job again elsewhere when a worker dies. A scheduler
    that stops answering, or one without workers for ``wait_s``, ends the batch with a clear error (what is done
    stays done: the next run goes on from there)."""

    def __init__(self, address: str, wait_s: float = NO_WORKERS_TIMEOUT_S) -> None:
        self.address, self.wait_s = address, wait_s
        self._no_workers_since: float | None = None
        try:
            from distributed import Client
        except ImportError as error:
            raise BadInput("dask_missing", _("--cluster needs Dask distributed; install it with 'pip install "
                                             "distributed'.")) from error
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise BadInput("cluster_unreachable", _("{address}: no Dask scheduler answers there ({reason}). Start "
                                                    "one ('dask scheduler') or check the address.")
                           .format(address=address, reason=error or type(error).__name__),
                           address=address) from error
        self.slots = max(1, sum(self.client.nthreads().values()))
        self.executor = self.client.get_executor(pure=False)
        self.client.run(remove_stale)  # what killed workers left in their temporary folders

    def check(self) -> None:
        """The scheduler still answers and has had workers within ``wait_s``."""
        if self.client.status in ("closing", "closed"):
            raise BadInput("cluster_lost", _("{address}: the Dask scheduler stopped answering, so the batch stopped. "
                                             "Run it again once the scheduler is back: the jobs done are kept.")
                           .format(address=self.address), address=self.address)
        workers = len((self.client.scheduler_info() or {}).get("workers", {}))
        now = time.monotonic()
        if workers:
            self._no_workers_since = None
        elif self._no_workers_since is None:
            self._no_workers_since = now
        elif now - self._no_workers_since > self.wait_s:
            raise BadInput("cluster_without_workers", _("{address}: the Dask scheduler has had no workers for "
                                                        "{seconds:g} s, so the batch stopped. Start workers ('dask "
                                                        "worker {address}') and run it again.")
                           .format(address=self.address, seconds=self.wait_s), address=self.address)

    def close(self) -> None:
        """Drop the jobs not finished and leave the cluster (without waiting long for a scheduler that is gone; a
        client that gave up on it has closed itself already)."""
        from distributed.client import ClosedClientError

        if self.client.status not in ("closing", "closed"):
            with contextlib.suppress(ClosedClientError):  # it may give up between the look and the shutdown
                self.executor.shutdown(wait=False)
        self.client.close(timeout=CONNECT_TIMEOUT_S)


def open_workers(workers: int | None, cluster: str | None, wait_s: float = NO_WORKERS_TIMEOUT_S) -> Workers:
    """The cluster at ``cluster`` when given (Dask is imported only then), else ``workers`` local processes (after
    removing what killed ones left in the temporary folder)."""
    if cluster:
        return ClusterWorkers(cluster, wait_s)
    remove_stale()
    return LocalWorkers(workers)
