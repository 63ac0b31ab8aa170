"""Putting a model that came from elsewhere on the bed: on its base or its largest flat face, at the height asked."""

from __future__ import annotations

import numpy as np

from .mesh import Mesh

FLAT_DIGITS = 3  # normals equal to this many decimals lie in one flat side of the hull
BASE_SHARE = 0.5  # the model's own base wins when it is at least this share of the largest flat face
DOWN = np.array([0.0, 0.0, -1.0])


def flat_sides(mesh: Mesh) -> tuple[np.ndarray, np.ndarray]:
    """The flat sides of the model's convex hull: outward normals (rounded, so that the triangles of one side agree)
    and areas, largest first; none for a flat or degenerate model."""
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull = ConvexHull(mesh.vertices.astype(np.float64))
    except (QhullError, ValueError):
        return np.zeros((0, 3)), np.zeros(0)
    corners = hull.points[hull.simplices]
    areas = np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1) / 2
    normals, side = np.unique(np.round(hull.equations[:, :3], FLAT_DIGITS), axis=0, return_inverse=True)
    totals = np.bincount(side.reshape(-1), weights=areas)
    order = np.argsort(-totals)
    return normals[order], totals[order]


def rotation_to_floor(direction: np.ndarray) -> np.ndarray:
    """The rotation that points ``direction`` straight down (Rodrigues' formula)."""
    d = direction / np.linalg.norm(direction)
    axis = np.cross(d, DOWN)
    sine, cosine = np.linalg.norm(axis), float(np.dot(d, DOWN))
    if sine < 1e-9:
        return np.eye(3) if cosine > 0 else np.diag([1.0, -1.0, -1.0])
    k = axis / sine
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + sine * cross + (1 - cosine) * cross @ cross


def standing(mesh: Mesh) -> Mesh:
    """The model on its own base (the flat face of its hull that points down) when that base is a fair share of
    its largest flat face, else on that largest flat face; moved onto the bed."""
    normals, areas = flat_sides(mesh)
    if not len(areas):
        return mesh.on_bed()
    base = int(np.argmax(normals @ DOWN / np.linalg.norm(normals, axis=1)))
    chosen = base if areas[base] >= BASE_SHARE * areas[0] else 0
    turned = mesh.vertices.astype(np.float64) @ rotation_to_floor(normals[chosen]).T
    return Mesh(turned, mesh.faces).on_bed()


def scaled_to_height(mesh: Mesh, height_mm: float) -> Mesh:
    """The model scaled evenly so that it stands ``height_mm`` tall."""
    scale = height_mm / float(mesh.size()[2])
    return Mesh(mesh.vertices.astype(np.float64) * scale, mesh.faces).on_bed()
