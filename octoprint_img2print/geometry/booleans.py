"""Solid booleans through manifold3d, for parts that must become one closed shell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..processes import native_code
from .budget import require_room_for_booleans
from .mesh import Mesh
from .topology import components

if TYPE_CHECKING:
    import manifold3d


def manifold() -> Any:
    """manifold3d, imported on first use: pictures made into heightfields never need it."""
    import manifold3d

    return manifold3d


NULL_EDGE_MM = 2e-5


@native_code()
def to_manifold(mesh: Mesh) -> manifold3d.Manifold:
    """A manifold3d solid from a closed Mesh, refused first when the memory left could not hold booleans on it."""
    require_room_for_booleans(len(mesh.faces))
    return manifold().Manifold(manifold().Mesh(vert_properties=mesh.vertices.astype(np.float32),
                                               tri_verts=mesh.faces.astype(np.uint32)))


@native_code()
def from_manifold(solid: manifold3d.Manifold, on_bed: bool = False) -> Mesh:
    """A Mesh from a manifold3d solid (``on_bed``: moved first, in manifold3d's double precision, as Mesh.on_bed
    moves a mesh: onto z = 0 with its bounding box starting at x = y = 0)."""
    if on_bed:
        solid = solid.translate(tuple(-value for value in solid.bounding_box()[:3]))
    result = solid.to_mesh()  # copied out: arrays that only view its memory would keep manifold3d's mesh alive
    # (past the interpreter's end, where nanobind reports it leaked, when a thread drawing a preview still holds it)
    return _without_null_edges(Mesh(np.array(result.vert_properties[:, :3]), np.array(result.tri_verts)))


def _without_null_edges(mesh: Mesh) -> Mesh:
    """The mesh with every edge whose ends are one point as 32-bit floats (or closer than NULL_EDGE_MM, the
    rounding of 32-bit floats at a few centimetres) collapsed, and the faces on it, which have no area, dropped.
    Only such edges: manifold3d keeps apart, on purpose, the vertices of parts that touch."""
    corners = mesh.vertices[mesh.faces].astype(np.float64)
    ends = [mesh.faces[np.linalg.norm(corners[:, i] - corners[:, j], axis=1) < NULL_EDGE_MM][:, [i, j]]
            for i, j in ((0, 1), (1, 2), (2, 0))]
    null = np.concatenate(ends)
    if not len(null):
        return mesh
    label = components(len(mesh.vertices), null[:, 0], null[:, 1])
    vertices = np.zeros((int(label.max()) + 1, 3), dtype=mesh.vertices.dtype)
    vertices[label] = mesh.vertices
    faces = label[mesh.faces]
    a, b, c = faces.T
    return Mesh(vertices, faces[(a != b) & (b != c) & (a != c)])


@native_code()
def box(low: tuple[float, float, float], high: tuple[float, float, float]) -> manifold3d.Manifold:
    """An axis-aligned box between two corners."""
    size = np.subtract(high, low)
    return manifold().Manifold.cube(tuple(float(v) for v in size)).translate(tuple(float(v) for v in low))

