"""The solid for the pages' 3D view: a compact binary of its vertices and faces (decimated for display above a
bound, never for the file), with the light a lithophane passes at each vertex.

The file holds, little-endian: three uint32 (vertices, faces, 1 if light follows), float32 x, y, z per vertex,
uint32 a, b, c per face, then (if any) one uint8 of light (0 dark to 255 full) per vertex.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ..geometry.mesh import Mesh
from .preview import transmitted

MAX_VIEW_TRIANGLES = 200_000
HEADER = struct.Struct("<3I")


def vertex_light(mesh: Mesh, transmittance: float) -> np.ndarray:
    """The share of light (0 to 1) a flat lithophane lying on its back (z = 0) passes at each vertex: the front
    surface's thinnest part passes all of it."""
    front = np.unique(mesh.faces[mesh.face_normals()[:, 2] > 0])
    thinnest = float(mesh.vertices[front, 2].min()) if len(front) else 0.0
    return np.clip(transmitted(mesh.vertices[:, 2].astype(np.float64) - thinnest, transmittance), 0.0, 1.0)


def decimated(mesh: Mesh, light: np.ndarray | None,
              max_triangles: int = MAX_VIEW_TRIANGLES) -> tuple[Mesh, np.ndarray | None]:
    """The mesh with at most about ``max_triangles`` faces for display: vertices merged on a grid (each cell's
    mean), faces that collapse dropped. Small meshes come back as they are."""
    if len(mesh.faces) <= max_triangles:
        return mesh, light
    low, high = mesh.bounds()
    extent = np.maximum(high - low, 1e-6).astype(np.float64)
    cells = mesh.vertices.shape[0] * max_triangles / len(mesh.faces) / 2  # about half as many vertices as faces
    while True:
        step = (float(np.prod(extent)) / max(cells, 1.0)) ** (1 / 3)
        index = np.floor((mesh.vertices - low) / step).astype(np.int64)
        _keys, cluster, counts = np.unique(index, axis=0, return_inverse=True, return_counts=True)
        cluster = cluster.ravel()
        faces = cluster[mesh.faces]
        keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
        if keep.sum() <= max_triangles:
            break
        cells *= 0.7
    merged = np.zeros((len(counts), 3))
    np.add.at(merged, cluster, mesh.vertices)
    merged /= counts[:, None]
    shades = None
    if light is not None:
        shades = np.zeros(len(counts))
        np.add.at(shades, cluster, light)
        shades /= counts
    return Mesh(merged.astype(np.float32), faces[keep].astype(np.int32)), shades


def write_view(path: Path, mesh: Mesh, light: np.ndarray | None = None) -> dict[str, int | bool]:
    """Write the view's file (decimated if needed) and say how many triangles it shows of how many."""
    shown, shades = decimated(mesh, light)
    parts = [HEADER.pack(len(shown.vertices), len(shown.faces), int(shades is not None)),
             shown.vertices.astype("<f4").tobytes(), shown.faces.astype("<u4").tobytes()]
    if shades is not None:
        parts.append(np.round(shades * 255).astype(np.uint8).tobytes())
    Path(path).write_bytes(b"".join(parts))
    return {"triangles": len(shown.faces), "solid_triangles": len(mesh.faces), "decimated": shown is not mesh}
