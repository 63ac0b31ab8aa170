"""Helpers for img2print's processes: children end when the process that started them ends, Ctrl-C waits for
native code that calls back into Python, and side work never holds up a cancel."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

Result = TypeVar("Result")

PR_SET_PDEATHSIG = 1
_native_depth = 0  # how many native_code blocks are running
_interrupted = False  # a Ctrl-C (or kill) came
_fork_held = False  # hold_interrupts_while_forking has registered its callbacks


def end_with_parent() -> None:
    """Ask the kernel (Linux) to end this process when its parent dies (safe between fork and exec)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return


def cancel_while_starting() -> None:
    """Ctrl-C while the command still imports its libraries (half a second) ends it as a cancel: exit 130 and one
    line, not a traceback. It ends the process at once: nothing is written yet, and an exception raised here may
    land in a callback of the import machinery, where Python prints and ignores it (the command went on to the
    end). The command puts its own handler in place once it runs. A Ctrl-C while the catalogue itself is read is
    kept and acted on right after, with the message in the reader's language."""
    came: list[int] = []
    signal.signal(signal.SIGINT, lambda number, _frame: came.append(number))
    from .i18n import _

    def cancelled(_signal: int, _frame: object) -> None:
        print(_("img2print: cancelled."), file=sys.stderr, flush=True)
        os._exit(130)

    signal.signal(signal.SIGINT, cancelled)
    if came:
        cancelled(signal.SIGINT, None)


def end_with_parent_or_now() -> None:
    """Ask the kernel (Linux) to end this process when its parent dies; end now if that already happened (not for
    a child between fork and exec: under a container's init, the parent may be process 1)."""
    end_with_parent()
    if os.getppid() == 1:
        sys.exit(1)


def interrupt(_signal: int, _frame: object) -> None:
    """Ctrl-C's (and kill's) handler for the command line: KeyboardInterrupt now, or as soon as native code that may
    call back into Python has returned, or at the next ``raise_if_interrupted`` after a fork (see
    ``hold_interrupts_while_forking``)."""
    global _interrupted
    _interrupted = True
    if _native_depth:
        return
    raise KeyboardInterrupt


def raise_if_interrupted() -> None:
    """KeyboardInterrupt if a Ctrl-C came while it had to wait."""
    if _interrupted and not _native_depth:
        raise KeyboardInterrupt


def _forking() -> None:
    global _native_depth
    if threading.current_thread() is threading.main_thread():  # only the main thread runs signal handlers
        _native_depth += 1


def _forked() -> None:
    global _native_depth
    if threading.current_thread() is threading.main_thread():
        _native_depth -= 1


def hold_interrupts_while_forking() -> None:
    """A Ctrl-C while a child is started waits for the start to end: logging's at-fork callbacks run Python code,
    and Python prints and ignores an exception raised in them (the command went on to the end). Registered after
    logging's (imported here first), as the callbacks before a fork run in reverse order and those after it in
    order, so ours enclose them."""
    global _fork_held
    if _fork_held:
        return
    import logging  # noqa: F401  (its callbacks first)

    os.register_at_fork(before=_forking, after_in_parent=_forked)
    _fork_held = True


@contextmanager
def native_code() -> Iterator[None]:
    """While inside (also as a decorator): a Ctrl-C waits for the block to end. manifold3d's bindings turn an
    exception raised while they run Python code (an argument's conversion) into an abort of the whole process."""
    global _native_depth
    _native_depth += 1
    try:
        yield
    finally:
        _native_depth -= 1
        if not _native_depth and _interrupted:
            raise KeyboardInterrupt


def in_background(function: Callable[..., Result], *args: Any) -> Future[Result]:
    """Run ``function`` on a thread of its own that never holds up the process's end (a Ctrl-C or a failed job
    does not wait for it, as a thread pool's would); its result or error comes through the future."""
    future: Future[Result] = Future()

    def run() -> None:
        future.set_running_or_notify_cancel()
        try:
            future.set_result(function(*args))
        except BaseException as error:  # handed to whoever asks for the result
            future.set_exception(error)

    threading.Thread(target=run, name=f"img2print-{function.__name__}", daemon=True).start()
    return future
