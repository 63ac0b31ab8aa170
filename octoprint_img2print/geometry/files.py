"""Reading and writing model files by extension, never leaving a half-written file behind."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

from ..errors import BadInput
from ..i18n import _
from ..imaging.file_limits import MAX_MODEL_BYTES, require_file, require_size
from .gltf import read_glb, read_gltf
from .mesh import Mesh
from .obj import read_obj
from .stl import read_stl, write_stl
from .threemf import read_3mf, write_3mf

READERS: dict[str, Callable[[Path, str], Mesh]] = {
    "stl": read_stl,
    "3mf": read_3mf,
    "obj": read_obj,
    "glb": read_glb,
    "gltf": read_gltf,
}
READ_MODEL_EXTENSIONS = tuple(f".{fmt}" for fmt in READERS)
WRITTEN_MODEL_EXTENSIONS = (".stl", ".3mf")


def _format(path: Path, extensions: tuple[str, ...], message: str) -> str:
    """The format named by the file's extension if it is one of ``extensions``, else a BadInput with ``message``."""
    suffix = path.suffix.lower()
    if suffix not in extensions:
        raise BadInput("unknown_model_format", message.format(file=path.name, formats=", ".join(extensions)),
                       file=str(path))
    return suffix[1:]


def model_format(path: Path) -> str:
    """The format img2print writes for this file name ('stl' or '3mf'), or a BadInput error naming the file."""
    return _format(path, WRITTEN_MODEL_EXTENSIONS,
                   _("{file}: img2print writes these model files: {formats}. Use one of these extensions."))


def read_format(path: Path) -> str:
    """The format img2print reads for this file name ('stl', '3mf', 'obj', 'glb' or 'gltf'), or a BadInput."""
    return _format(path, READ_MODEL_EXTENSIONS,
                   _("{file}: img2print reads these model files: {formats}. Export the model in one of these formats."))


def write_atomically(path: Path, write: Callable[[Path], None]) -> int:
    """Let ``write`` fill a temporary file beside ``path``, then move it into place; return the size in bytes."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise BadInput("cannot_write", _("{file}: this is a folder or a special file (a device or a pipe), not a "
                                         "file img2print may replace; give a file name.").format(file=path),
                       file=str(path))
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
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise BadInput("cannot_write", _("{file}: could not be written ({reason}). Free some space or choose a "
                                         "folder you may write to.").format(file=path, reason=error.strerror),
                       file=str(path)) from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path.stat().st_size


def write_mesh(mesh: Mesh, path: Path, ascii: bool = False, extra: Mapping[str, str] | None = None) -> int:
    """Write ``mesh`` to ``path`` atomically (format by extension; ``extra``: more parts of a 3MF) and return the
    file size in bytes."""
    path = Path(path)
    if model_format(path) == "3mf":
        return write_atomically(path, lambda target: write_3mf(mesh, target, name=path.stem, extra=extra))
    return write_atomically(path, lambda target: write_stl(mesh, target, ascii=ascii))


def read_mesh(path: Path, name: str | None = None) -> Mesh:
    """Read a model file (format from ``name``, else the path), every failure a BadInput naming the file."""
    path = Path(path)
    name = name or path.name
    fmt = read_format(Path(name))
    require_file(path, name)
    if path.stat().st_size == 0:
        raise BadInput("empty_file", _("{file}: the file is empty.").format(file=name), file=name)
    require_size(path, MAX_MODEL_BYTES, name)
    try:
        return READERS[fmt](path, name)
    except (ValueError, KeyError, TypeError, AssertionError, OSError, SyntaxError, zipfile.BadZipFile,
            NotImplementedError, RuntimeError) as error:  # zipfile: unknown compression, encryption
        raise BadInput("unreadable_model",
                       _("{file}: this is not a readable {format} file ({reason}). Export the model again.")
                       .format(file=name, format=fmt.upper(), reason=error), file=name) from error
