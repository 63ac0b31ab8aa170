"""Helpers for img2print's child processes: they end when the process that started them ends."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def end_with_parent() -> None:
    """Ask the kernel (Linux) to end this process when its parent dies (safe between fork and exec)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return


def cancel_while_starting() -> None:
    """Ctrl-C while the command still imports its libraries (half a second) ends it as a cancel: exit 130 and one
    line, not a traceback. The command puts Python's own handler back once it runs."""
    from .i18n import _

    def cancelled(_signal: int, _frame: object) -> None:
        print(_("img2print: cancelled."), file=sys.stderr)
        raise SystemExit(130)

    signal.signal(signal.SIGINT, cancelled)


def die_with_parent() -> None:
    """Ask the kernel (Linux) to end this process when its parent dies; end now if that already happened."""
    end_with_parent()
    if os.getppid() == 1:
        sys.exit(1)
