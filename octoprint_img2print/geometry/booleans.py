"""Solid booleans through manifold3d, for parts that must become one closed shell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .mesh import Mesh, welded

if TYPE_CHECKING:
    import manifold3d


def manifold() -> Any:
    """manifold3d, imported on first use: pictures made into heightfields never need it."""
    import manifold3d

    return manifold3d


def to_manifold(mesh: Mesh) -> manifold3d.Manifold:
    """A manifold3d solid from a closed Mesh."""
    return manifold().Manifold(manifold().Mesh(vert_properties=mesh.vertices.astype(np.float32),
                                               tri_verts=mesh.faces.astype(np.uint32)))


def from_manifold(solid: manifold3d.Manifold, on_bed: bool = False) -> Mesh:
    """A Mesh from a manifold3d solid (``on_bed``: moved first, in manifold3d's double precision, as Mesh.on_bed
    moves a mesh: onto z = 0 with its bounding box starting at x = y = 0).

    Vertices that become one point as 32-bit floats are made one vertex and the faces between them, which would
    have no area, are dropped (the edge between them collapses)."""
    if on_bed:
        solid = solid.translate(tuple(-value for value in solid.bounding_box()[:3]))
    result = solid.to_mesh()
    mesh = welded(Mesh(np.asarray(result.vert_properties)[:, :3], np.asarray(result.tri_verts)))
    a, b, c = mesh.faces.T
    return Mesh(mesh.vertices, mesh.faces[(a != b) & (b != c) & (a != c)])


def box(low: tuple[float, float, float], high: tuple[float, float, float]) -> manifold3d.Manifold:
    """An axis-aligned box between two corners."""
    size = np.subtract(high, low)
    return manifold().Manifold.cube(tuple(float(v) for v in size)).translate(tuple(float(v) for v in low))

