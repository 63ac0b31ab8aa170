"""Files people give img2print are measured (stat) before a byte of them is read: each kind has its limit."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import BadInput
from ..i18n import _

MAX_PICTURE_BYTES = 256 * 1024**2  # far beyond any photo; a bigger "picture" is a bomb
MAX_MODEL_BYTES = 1024**3  # a binary STL of 20 million triangles, img2print's triangle limit


def require_file(path: Path, name: str) -> None:
    """Refuse ``path`` unless it is a file this process may read: missing, a folder and locked are each clear."""
    path = Path(path)
    if not path.exists():
        raise BadInput("file_not_found", _("{file}: no such file.").format(file=path), file=name)
    if not path.is_file():
        raise BadInput("not_a_file", _("{file}: this is a folder or a device, not a file.").format(file=name),
                       file=name)
    if not os.access(path, os.R_OK):
        raise BadInput("file_unreadable", _("{file}: img2print may not read this file (permission denied); "
                                            "give it read permission.").format(file=name), file=name)


def require_size(path: Path, limit: int, name: str) -> None:
    """Refuse ``path`` when it holds more than ``limit`` bytes."""
    size = Path(path).stat().st_size
    if size > limit:
        raise BadInput("file_too_large", _("{file}: the file holds {size} MB; img2print reads at most {limit} MB of "
                                           "this kind of file.").format(file=name, size=size // 2**20,
                                                                        limit=limit // 2**20),
                       file=name, bytes=size, limit=limit)


def read_bounded(path: Path, limit: int, name: str) -> bytes:
    """The whole file, once it is known to be a readable file no larger than ``limit``."""
    require_file(path, name)
    require_size(path, limit, name)
    return Path(path).read_bytes()
