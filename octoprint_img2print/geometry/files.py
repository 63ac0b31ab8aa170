"""Reading and writing model files by extension, never leaving a half-written file behind."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..errors import BadInput
from ..i18n import _
from .mesh import Mesh
from .stl import read_stl, write_stl
from .threemf import read_3mf, write_3mf

MODEL_EXTENSIONS = (".stl", ".3mf")


def model_format(path: Path) -> str:
    """'stl' or '3mf' from the file name, or a BadInput error naming the file."""
    suffix = path.suffix.lower()
    if suffix not in MODEL_EXTENSIONS:
        raise BadInput("unknown_model_format",
                       _("{file}: img2print writes and reads .stl and .3mf files; use one of these extensions.")
                       .format(file=path.name), file=str(path))
    return suffix[1:]


def write_atomically(path: Path, write: Callable[[Path], None]) -> int:
    """Let ``write`` fill a temporary file beside ``path``, then move it into place; return the size in bytes."""
    path = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    except OSError as error:
        raise BadInput("cannot_write", _("{file}: cannot write there ({reason}). Choose a folder that exists "
                                         "and that you may write to.").format(file=path, reason=error.strerror),
                       file=str(path)) from error
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path.stat().st_size


def write_mesh(mesh: Mesh, path: Path, ascii: bool = False) -> int:
    """Write ``mesh`` to ``path`` atomically (format by extension) and return the file size in bytes."""
    path = Path(path)
    if model_format(path) == "3mf":
        return write_atomically(path, lambda target: write_3mf(mesh, target, name=path.stem))
    return write_atomically(path, lambda target: write_stl(mesh, target, ascii=ascii))


def read_mesh(path: Path, name: str | None = None) -> Mesh:
    """Read an STL or 3MF file (format from ``name``, else the path), every failure a BadInput naming the file."""
    path = Path(path)
    name = name or path.name
    fmt = model_format(Path(name))
    if not path.is_file():
        raise BadInput("file_not_found", _("{file}: no such file.").format(file=path), file=str(path))
    if path.stat().st_size == 0:
        raise BadInput("empty_file", _("{file}: the file is empty.").format(file=name), file=name)
    try:
        return read_3mf(path) if fmt == "3mf" else read_stl(path)
    except (ValueError, KeyError, TypeError, AssertionError, OSError, SyntaxError, zipfile.BadZipFile) as error:
        raise BadInput("unreadable_model",
                       _("{file}: this is not a readable {format} file ({reason}). Export the model again.")
                       .format(file=name, format=fmt.upper(), reason=error), file=name) from error
