"""Closed parts that cut through themselves, for the repair tests: each is one connected surface, so only a union
of the part with itself (not a union of separate parts) can make it a printable solid."""

from __future__ import annotations

import numpy as np
import trimesh


def raw(vertices: np.ndarray, faces: np.ndarray) -> trimesh.Trimesh:
    return trimesh.Trimesh(vertices, faces, process=False)


def spiked_sphere() -> trimesh.Trimesh:
    """A sphere whose top corner is pulled down through its bottom: one part that cuts through itself."""
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=10.0)
    vertices = sphere.vertices.copy()
    vertices[np.argmax(vertices[:, 2])] = [0.0, 0.0, -14.0]
    return raw(vertices, sphere.faces)


def star_prism() -> trimesh.Trimesh:
    """A pentagram stood up as a prism: one closed part whose walls cross each other, every lobe wound outwards
    (its top and bottom are fans whose triangles overlap in one plane)."""
    angles = np.pi / 2 + np.arange(5) * 4 * np.pi / 5
    ring = np.stack([10 * np.cos(angles), 10 * np.sin(angles)], axis=1)
    vertices = np.vstack([np.c_[ring, np.zeros(5)], np.c_[ring, np.full(5, 5.0)], [[0, 0, 0], [0, 0, 5]]])
    faces = [face for i in range(5) for face in ([10, (i + 1) % 5, i], [11, i + 5, (i + 1) % 5 + 5],
                                                 [i, (i + 1) % 5, (i + 1) % 5 + 5], [i, (i + 1) % 5 + 5, i + 5])]
    return raw(vertices, np.array(faces))


def tube(path: np.ndarray, radius: float, sides: int, phase: float = 0.0) -> trimesh.Trimesh:
    """A closed tube of ``sides`` flat sides around a closed path (N, 3), wound outwards."""
    tangent = np.roll(path, -1, axis=0) - np.roll(path, 1, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    across = np.cross(tangent, [0.0, 0.0, 1.0])
    across /= np.linalg.norm(across, axis=1, keepdims=True)
    up = np.cross(across, tangent)
    angles = np.linspace(0, 2 * np.pi, sides, endpoint=False) + phase
    rings = path[:, None] + radius * (np.cos(angles)[None, :, None] * across[:, None]
                                      + np.sin(angles)[None, :, None] * up[:, None])
    ring, side = np.meshgrid(np.arange(len(path)), np.arange(sides), indexing="ij")
    here, ahead = ring * sides, (ring + 1) % len(path) * sides
    p, q, r, s = here + side, here + (side + 1) % sides, ahead + side, ahead + (side + 1) % sides
    faces = np.concatenate([np.stack([p, r, q], axis=-1).reshape(-1, 3), np.stack([q, r, s], axis=-1).reshape(-1, 3)])
    mesh = raw(rings.reshape(-1, 3), faces)
    return mesh if mesh.volume > 0 else raw(mesh.vertices, faces[:, ::-1])


def figure_eight(points: int = 120, sides: int = 24, wobble: float = 0.0, phase: float = 0.0) -> trimesh.Trimesh:
    """A tube 8 mm thick along a figure eight 60 mm long: at the crossing the tube runs through itself. With no
    ``wobble`` the path lies in one plane and passes through its own points at the crossing (corners on the other
    surface, a degenerate crossing); with four ``sides`` and a ``phase`` of 45 degrees the two branches' tops and
    bottoms lie in one plane."""
    t = np.linspace(0, 2 * np.pi, points, endpoint=False) + (0.0123 if wobble else 0.0)
    path = np.stack([30 * np.sin(t), 30 * np.sin(t) * np.cos(t) + wobble * np.cos(3 * t),
                     wobble * np.sin(2 * t)], axis=1)
    return tube(path, 4.0, sides, phase)


def three_petals() -> trimesh.Trimesh:
    """A tube 4 mm thick along a three-petalled rose 60 mm across, passing its middle three times at different
    heights: three stretches of tube run through one another, so three surfaces cross at points."""
    t = np.linspace(0, np.pi, 360, endpoint=False) + 0.01
    r = 30 * np.cos(3 * t)
    return tube(np.stack([r * np.cos(t), r * np.sin(t), np.cos(2 * t + 0.4)], axis=1), 2.0, 24)
