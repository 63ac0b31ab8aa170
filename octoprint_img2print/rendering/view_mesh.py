"""The solid for the pages' 3D view: a compact binary of its vertices and faces (decimated for display above a
bound, never for the file), with the light a lithophane passes at each vertex of its picture's surface.

The file holds, little-endian: four uint32 (vertices, faces, what follows them: 0 nothing, 1 light, 2 colour; how
many of the faces, listed first, are the picture's surface), float32 x, y, z per vertex, uint32 a, b, c per face,
then one uint8 of light (0 dark to 255 full) per vertex, or three uint8 of sRGB colour per vertex (a painting in its
predicted colours).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..geometry.mesh import Mesh
from ..geometry.shells import Wall
from .preview import transmitted

MAX_VIEW_TRIANGLES = 200_000
OUTWARD = 0.3  # a face of a shell's picture looks outwards at least this much (cosine)
OFF_THE_BACK_MM = 0.05  # and lies off its back
HEADER = struct.Struct("<4I")
NOTHING, LIGHT, COLOUR = 0, 1, 2


@dataclass(frozen=True)
class Backlight:
    """How a lithophane sheet looks with a light behind it: the share of light (0 to 1) that passes at each vertex of
    its picture's surface, and which faces are that surface."""

    light: np.ndarray
    surface: np.ndarray


def sheet_inward(mesh: Mesh) -> tuple[np.ndarray, np.ndarray, float]:
    """A sheet in any pose: the unit direction from its back (its largest plane) into it, every face's unit
    normal, and the back's depth along that direction."""
    normals = mesh.face_normals().astype(np.float64)
    doubled = np.linalg.norm(normals, axis=1)
    unit = normals / np.maximum(doubled, 1e-12)[:, None]
    steps = np.round(unit * 1000).astype(np.int64) + 1000  # each direction to a thousandth, as one number
    key = (steps[:, 0] * 2001 + steps[:, 1]) * 2001 + steps[:, 2]
    keys, group = np.unique(key, return_inverse=True)
    largest = int(np.argmax(np.bincount(group.ravel(), weights=doubled)))
    direction = np.array([keys[largest] // 2001 // 2001, keys[largest] // 2001 % 2001, keys[largest] % 2001]) - 1000
    inward = -direction / max(float(np.linalg.norm(direction)), 1e-12)
    back_corners = mesh.vertices[mesh.faces[group.ravel() == largest]].reshape(-1, 3).astype(np.float64)
    return inward, unit, float(np.median(back_corners @ inward))


def lit_from_behind(mesh: Mesh, transmittance: float) -> Backlight:
    """A lithophane sheet in any pose (lying, or standing on a foot): its back is the largest plane, its picture the
    faces that look the other way, and each point passes the light its depth from the back lets through (the
    picture's thinnest part all of it)."""
    inward, unit, _back = sheet_inward(mesh)
    depth = mesh.vertices.astype(np.float64) @ inward
    surface = unit @ inward > 0.05
    picture = np.unique(mesh.faces[surface])
    thinnest = float(depth[picture].min()) if len(picture) else 0.0
    return Backlight(np.clip(transmitted(depth - thinnest, transmittance), 0.0, 1.0), surface)


def lit_through(mesh: Mesh, wall: Wall, transmittance: float) -> Backlight:
    """A shell lit from inside (a bent lithophane, a shade, a dome): its picture is the faces that look out and lie
    off its back, and each point passes the light its depth lets through (the picture's thinnest part all of it)."""
    normals = mesh.face_normals().astype(np.float64)
    unit = normals / np.maximum(np.linalg.norm(normals, axis=1), 1e-12)[:, None]
    outward = wall.outward[mesh.faces].mean(axis=1)
    surface = (np.einsum("ij,ij->i", unit, outward) > OUTWARD) & (wall.depth[mesh.faces].min(axis=1) > OFF_THE_BACK_MM)
    picture = np.unique(mesh.faces[surface])
    thinnest = float(wall.depth[picture].min()) if len(picture) else 0.0
    return Backlight(np.clip(transmitted(wall.depth - thinnest, transmittance), 0.0, 1.0), surface)


def decimated(mesh: Mesh, max_triangles: int = MAX_VIEW_TRIANGLES) -> tuple[Mesh, np.ndarray, np.ndarray]:
    """The mesh with at most ``max_triangles`` faces for display (vertices merged on a grid, each cell's mean; faces
    that collapse dropped), which old vertex became which new one, and which faces were kept (in their order)."""
    if len(mesh.faces) <= max_triangles:
        return mesh, np.arange(len(mesh.vertices)), np.ones(len(mesh.faces), dtype=bool)
    low = mesh.vertices.min(axis=0)
    area = float(np.linalg.norm(mesh.face_normals(), axis=1).sum()) / 2
    step = math.sqrt(2 * area / max_triangles)  # a surface in cells of this side has about that many triangles
    while True:
        index = np.floor((mesh.vertices - low) / step).astype(np.int64)
        across = index.max(axis=0) + 1
        _cells, cluster = np.unique(index[:, 0] + across[0] * (index[:, 1] + across[1] * index[:, 2]),
                                    return_inverse=True)
        faces = cluster[mesh.faces]
        kept = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
        if kept.sum() <= max_triangles:
            break
        step *= 1.2
    merged = np.stack([_cluster_mean(mesh.vertices[:, axis], cluster) for axis in range(3)], axis=1)
    return Mesh(merged.astype(np.float32), faces[kept].astype(np.int32)), cluster, kept


def _cluster_mean(values: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """The mean of ``values`` in each cluster."""
    return np.bincount(cluster, weights=values) / np.bincount(cluster)


def write_view(path: Path, mesh: Mesh, lit: Backlight | None = None, colours: np.ndarray | None = None,
               max_triangles: int = MAX_VIEW_TRIANGLES) -> dict[str, int | bool]:
    """Write the view's file (decimated above ``max_triangles``), with a lithophane's light or a painting's sRGB
    ``colours`` (0 to 1, per vertex), and say how many triangles it shows of how many."""
    surface = lit.surface if lit is not None else np.zeros(len(mesh.faces), dtype=bool)
    order = np.argsort(~surface, kind="stable")  # the picture's surface first
    shown, cluster, kept = decimated(Mesh(mesh.vertices, mesh.faces[order]), max_triangles)
    follows = LIGHT if lit is not None else COLOUR if colours is not None else NOTHING
    parts = [HEADER.pack(len(shown.vertices), len(shown.faces), follows, int(kept[:int(surface.sum())].sum())),
             shown.vertices.astype("<f4").tobytes(), shown.faces.astype("<u4").tobytes()]
    if lit is not None:
        parts.append(np.round(_cluster_mean(lit.light, cluster) * 255).astype(np.uint8).tobytes())
    elif colours is not None:
        merged = np.stack([_cluster_mean(colours[:, channel], cluster) for channel in range(3)], axis=1)
        parts.append(np.round(np.clip(merged, 0, 1) * 255).astype(np.uint8).tobytes())
    Path(path).write_bytes(b"".join(parts))
    return {"triangles": len(shown.faces), "solid_triangles": len(mesh.faces), "decimated": bool(not kept.all())}
