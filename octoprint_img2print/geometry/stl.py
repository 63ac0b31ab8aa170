"""STL files: binary written straight from the arrays, ASCII when asked; read (binary or ASCII) through
numpy-stl."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .mesh import Mesh, welded

EMPTY_BINARY_STL_BYTES = 84
HEADER = b"img2print binary STL".ljust(80, b" ")
RECORD = np.dtype([("normal", "<f4", (3,)), ("corners", "<f4", (3, 3)), ("attribute", "<u2")])


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


def read_stl(path: Path) -> Mesh:
    """Read a binary or ASCII STL file and merge corners at identical positions."""
    from stl import mesh as stl_mesh  # reading models only

    solid = stl_mesh.Mesh.from_file(str(path), calculate_normals=False)
    if len(solid.vectors) == 0 and (path.stat().st_size > EMPTY_BINARY_STL_BYTES or b"facet" in path.read_bytes()):
        raise ValueError("no triangles could be read from it")
    corners = np.asarray(solid.vectors, dtype=np.float32).reshape(-1, 3)
    faces = np.arange(len(corners), dtype=np.int32).reshape(-1, 3)
    return welded(Mesh(corners, faces))
