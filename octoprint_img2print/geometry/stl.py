"""STL files (binary and ASCII) through numpy-stl."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from stl import mesh as stl_mesh
from stl.stl import Mode

from .mesh import Mesh, welded

EMPTY_BINARY_STL_BYTES = 84


def write_stl(mesh: Mesh, path: Path, ascii: bool = False) -> None:
    """Write ``mesh`` as a binary (default) or ASCII STL file."""
    data = np.zeros(len(mesh.faces), dtype=stl_mesh.Mesh.dtype)
    data["vectors"] = mesh.vertices[mesh.faces]
    solid = stl_mesh.Mesh(data, calculate_normals=True)
    solid.save(str(path), mode=Mode.ASCII if ascii else Mode.BINARY, update_normals=False)


def read_stl(path: Path) -> Mesh:
    """Read a binary or ASCII STL file and merge corners at identical positions."""
    solid = stl_mesh.Mesh.from_file(str(path), calculate_normals=False)
    if len(solid.vectors) == 0 and (path.stat().st_size > EMPTY_BINARY_STL_BYTES or b"facet" in path.read_bytes()):
        raise ValueError("no triangles could be read from it")
    corners = np.asarray(solid.vectors, dtype=np.float32).reshape(-1, 3)
    faces = np.arange(len(corners), dtype=np.int32).reshape(-1, 3)
    return welded(Mesh(corners, faces))
