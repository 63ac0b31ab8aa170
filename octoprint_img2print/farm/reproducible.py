"""The same G-code for the same job: the slicer a job starts runs on one CPU with a fixed memory layout.

PrusaSlicer 2.5 orders some paths by the timing of its threads and by memory addresses, so two runs on one model
differ by a thousand lines; on one CPU with address randomisation off (what ``setarch -R taskset -c N`` does) they
differ only in the date line. A child process inherits both from the thread that starts it (Linux), so a job pins
its own thread while it runs and lets go afterwards. A batch runs jobs side by side, so it loses no speed.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ADDR_NO_RANDOMIZE = 0x0040000
QUERY = 0xFFFFFFFF  # asks personality() for the current value without changing it
CPU_FIELD = 36  # "processor" in /proc/<pid>/stat, counted from the state after the command's name
_slot: int | None = None  # this worker's place in a process pool, so that each takes its own CPU


def _personality(value: int) -> int | None:
    try:
        return int(ctypes.CDLL(None, use_errno=True).personality(ctypes.c_ulong(value)))
    except (OSError, AttributeError):
        return None


def _current_cpu() -> int | None:
    try:
        return int(Path("/proc/thread-self/stat").read_text().rpartition(")")[2].split()[CPU_FIELD])
    except (OSError, IndexError, ValueError):
        return None


def take_slot(slot: int) -> None:
    """Remember this process's place in a pool (its CPU is the slot-th one it may use)."""
    global _slot
    _slot = slot


def _chosen(allowed: set[int]) -> int:
    ordered = sorted(allowed)
    if _slot is not None:
        return ordered[_slot % len(ordered)]
    current = _current_cpu()
    return current if current in allowed else ordered[0]


@contextmanager
def one_cpu_fixed_layout() -> Iterator[None]:
    """While inside: this thread, and every process it starts, run on one CPU without address randomisation."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    allowed = os.sched_getaffinity(0)
    before = _personality(QUERY)
    try:
        os.sched_setaffinity(0, {_chosen(allowed)})
    except OSError:  # a sandbox that forbids it: the job runs as it is, only less reproducible
        allowed = set()
    if before is not None:
        _personality(before | ADDR_NO_RANDOMIZE)
    try:
        yield
    finally:
        if allowed:
            os.sched_setaffinity(0, allowed)
        if before is not None:
            _personality(before)
