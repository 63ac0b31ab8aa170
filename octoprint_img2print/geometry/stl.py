"""STL files: binary written straight from the arrays, ASCII when asked; binary read straight into arrays, ASCII
read a few megabytes at a time, every 'solid' block of it (some exporters write one per part)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .mesh import Mesh, welded
from .obj import check_triangle_count

EMPTY_BINARY_STL_BYTES = 84
HEADER = b"img2print binary STL".ljust(80, b" ")
RECORD = np.dtype([("normal", "<f4", (3,)), ("corners", "<f4", (3, 3)), ("attribute", "<u2")])
VERTEX = re.compile(rb"^[ \t]*vertex[ \t]+(\S+)[ \t]+(\S+)[ \t]+(\S+)", re.M | re.I)
ASCII_STRETCH_BYTES = 8 << 20


def _unit_normals(mesh: Mesh) -> np.ndarray:
    normals = mesh.face_normals()
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    return np.divide(normals, lengths, out=np.zeros_like(normals), where=lengths > 0)


def write_stl(mesh: Mesh, path: Path, ascii: bool = False) -> None:
    """Write ``mesh`` as a binary (default) or ASCII STL file."""
    normals = _unit_normals(mesh)
    corners = mesh.vertices[mesh.faces]
    if ascii:
        with open(path, "w", encoding="ascii") as handle:
            handle.write("solid img2print\n")
            for normal, (a, b, c) in zip(normals, corners):
                handle.write(f"facet normal {normal[0]:e} {normal[1]:e} {normal[2]:e}\n outer loop\n"
                             f"  vertex {a[0]:e} {a[1]:e} {a[2]:e}\n  vertex {b[0]:e} {b[1]:e} {b[2]:e}\n"
                             f"  vertex {c[0]:e} {c[1]:e} {c[2]:e}\n endloop\nendfacet\n")
            handle.write("endsolid img2print\n")
        return
    records = np.zeros(len(mesh.faces), dtype=RECORD)
    records["normal"] = normals
    records["corners"] = corners
    with open(path, "wb") as handle:
        handle.write(HEADER)
        handle.write(np.uint32(len(records)).tobytes())
        records.tofile(handle)


def _binary_corners(path: Path, name: str) -> np.ndarray | None:
    """The corners of a binary STL, its triangles counted from the file's size (a header's count may lie, and
    some exporters write 0); None for an ASCII STL. A file that ends inside a triangle is truncated."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(EMPTY_BINARY_STL_BYTES)
    declared = int.from_bytes(head[80:], "little") if len(head) == EMPTY_BINARY_STL_BYTES else -1
    if head[:5].lower() == b"solid" and size != EMPTY_BINARY_STL_BYTES + declared * RECORD.itemsize:
        return None
    if size < EMPTY_BINARY_STL_BYTES:
        raise ValueError(f"it holds {size} bytes, fewer than a binary STL's {EMPTY_BINARY_STL_BYTES}-byte header")
    records, rest = divmod(size - EMPTY_BINARY_STL_BYTES, RECORD.itemsize)
    if rest:
        raise ValueError(f"it is truncated: it ends inside triangle {records + 1}")
    check_triangle_count(records, name)
    return np.fromfile(path, RECORD, count=records, offset=EMPTY_BINARY_STL_BYTES)["corners"].reshape(-1, 3)


def _ascii_corners(path: Path, name: str) -> np.ndarray:
    """The corners of every facet of an ASCII STL, its 'vertex' lines read a few megabytes at a time."""
    found: list[np.ndarray] = []
    rest = b""
    with open(path, "rb") as handle:
        while block := handle.read(ASCII_STRETCH_BYTES):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest, block = (block[cut:], block[:cut]) if cut else (block, b"")
            found.append(np.array(VERTEX.findall(block), dtype=np.float64).reshape(-1, 3))
            check_triangle_count(sum(len(part) for part in found) // 3, name)
        found.append(np.array(VERTEX.findall(rest), dtype=np.float64).reshape(-1, 3))
    corners = np.concatenate(found)
    if not len(corners):
        raise ValueError("no triangles could be read from it")
    if len(corners) % 3:
        raise ValueError(f"a facet has {len(corners) % 3} corners instead of 3")
    return corners


def read_stl(path: Path, name: str | None = None) -> Mesh:
    """Read a binary or ASCII STL file (every solid of an ASCII one) and merge corners at identical positions;
    more triangles than img2print reads are refused before they are read (counted as they come in ASCII)."""
    name = name or path.name
    corners = _binary_corners(path, name)
    if corners is None:
        corners = _ascii_corners(path, name)
    corners = np.ascontiguousarray(corners, dtype=np.float32)
    faces = np.arange(len(corners), dtype=np.int32).reshape(-1, 3)
    return welded(Mesh(corners, faces))
