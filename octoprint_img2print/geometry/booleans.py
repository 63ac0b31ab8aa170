"""Solid booleans through manifold3d, for parts that must become one closed shell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .mesh import Mesh

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


def from_manifold(solid: manifold3d.Manifold) -> Mesh:
    """A Mesh from a manifold3d solid."""
    result = solid.to_mesh()
    return Mesh(np.asarray(result.vert_properties)[:, :3], np.asarray(result.tri_verts))


def box(low: tuple[float, float, float], high: tuple[float, float, float]) -> manifold3d.Manifold:
    """An axis-aligned box between two corners."""
    size = np.subtract(high, low)
    return manifold().Manifold.cube(tuple(float(v) for v in size)).translate(tuple(float(v) for v in low))


def union(*solids: manifold3d.Manifold) -> Mesh:
    """One closed shell per touching group of solids."""
    return from_manifold(manifold().Manifold.batch_boolean(list(solids), manifold().OpType.Add))
