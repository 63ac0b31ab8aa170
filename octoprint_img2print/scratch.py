"""Temporary work folders that name the process that made them (``img2print-<what>-<pid>-<random>``), so that a
later run removes those a killed process left behind (a Dask worker killed mid-job never cleans up)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

STALE = re.compile(r"^img2print-[a-z]+-(\d+)-[^/]+$")


def scratch_folder(what: str) -> tempfile.TemporaryDirectory:
    """A temporary folder for one piece of work, removed when it ends (a context manager)."""
    return tempfile.TemporaryDirectory(prefix=f"img2print-{what}-{os.getpid()}-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to clean
        return True
    return True


def remove_stale(folder: Path | None = None) -> int:
    """Remove the work folders whose process has ended, in ``folder`` (the temporary folder unless given); returns
    how many went."""
    removed = 0
    for path in Path(folder or tempfile.gettempdir()).iterdir():
        found = STALE.match(path.name)
        if found and path.is_dir() and not path.is_symlink() and not _alive(int(found.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed
