"""Files people give img2print are measured (stat) before a byte of them is read: each kind has its limit."""

from __future__ import annotations

from pathlib import Path

from .errors import BadInput
from .i18n import _

MAX_PICTURE_BYTES = 256 * 1024**2  # far beyond any photo; a bigger "picture" is a bomb
MAX_MODEL_BYTES = 1024**3  # a binary STL of 20 million triangles, img2print's triangle limit


def require_size(path: Path, limit: int, name: str) -> None:
    """Refuse ``path`` when it holds more than ``limit`` bytes."""
    size = Path(path).stat().st_size
    if size > limit:
        raise BadInput("file_too_large", _("{file}: the file holds {size} MB; img2print reads at most {limit} MB of "
                                           "this kind of file.").format(file=name, size=size // 2**20,
                                                                        limit=limit // 2**20),
                       file=name, bytes=size, limit=limit)


def read_bounded(path: Path, limit: int, name: str) -> bytes:
    """The whole file, once it is known to be no larger than ``limit``."""
    require_size(path, limit, name)
    return Path(path).read_bytes()
