"""Orientation and overhangs: which faces need support, and how a model should lie on the bed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..geometry.mesh import Mesh
from ..geometry.placing import flat_sides, rotation_to_floor
from ..i18n import _

ON_BED_MM = 0.05
FLAT_DOWN = 0.999  # a face whose unit normal points down this much lies flat (bed contact when lowest)
CANDIDATES_FROM_HULL = 24
MIN_FOOTING_MM2 = 1.0  # a turn resting on less face than this stands on edges or points: it would not stick
TOPPLES_ABOVE = 10.0  # a model standing on an edge taller than this many times the edge's depth may topple

UPRIGHT = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class Orientation:
    """How the model is turned before slicing, what it leaves to support, and why it was chosen."""

    name: str
    rotation: np.ndarray
    overhang_mm2: float
    base_mm2: float
    reason: str

    def as_dict(self) -> dict:
        """Plain data for JSON answers."""
        return {"name": self.name, "rotation": np.round(self.rotation, 6).tolist(),
                "overhang_mm2": round(self.overhang_mm2, 2), "base_mm2": round(self.base_mm2, 2),
                "reason": self.reason}


def turned(mesh: Mesh, rotation: np.ndarray) -> Mesh:
    """The mesh rotated and put back on the bed at the origin."""
    return Mesh(mesh.vertices.astype(np.float64) @ np.asarray(rotation).T, mesh.faces).on_bed()


def _unit_normals(mesh: Mesh) -> tuple[np.ndarray, np.ndarray]:
    normals = mesh.face_normals()
    doubled = np.linalg.norm(normals, axis=1)
    return normals / np.maximum(doubled, 1e-12)[:, None], doubled / 2


def _overhang_and_base_at(heights: np.ndarray, normal_z: np.ndarray, areas: np.ndarray, faces: np.ndarray,
                          angle_deg: float) -> tuple[float, float]:
    """Overhang and bed contact of a solid whose vertices stand at ``heights`` and whose faces' unit normals point up
    by ``normal_z``. Only the few faces facing down with a first corner on the bed are looked at whole."""
    steep = math.cos(math.radians(angle_deg))
    on_bed = heights <= float(heights.min()) + ON_BED_MM
    lowest = np.flatnonzero((normal_z < -min(steep, FLAT_DOWN)) & on_bed[faces[:, 0]])  # only these can count
    lowest = lowest[on_bed[faces[lowest, 1]] & on_bed[faces[lowest, 2]]]
    resting = np.zeros(len(faces), dtype=bool)
    resting[lowest] = True
    return (float(np.sum(areas, where=(normal_z < -steep) & ~resting)),
            float(np.sum(areas, where=resting & (normal_z < -FLAT_DOWN))))


def overhang_and_base(mesh: Mesh, angle_deg: float = 45.0) -> tuple[float, float]:
    """Area of faces steeper than ``angle_deg`` from vertical that are not on the bed, and the bed contact area."""
    normals, areas = _unit_normals(mesh)
    return _overhang_and_base_at(mesh.vertices[:, 2].astype(np.float64), normals[:, 2], areas, mesh.faces, angle_deg)


def _candidate_directions(mesh: Mesh) -> list[np.ndarray]:
    """As built first (it wins ties), the other axes, then the normals of the convex hull's largest sides."""
    directions = [np.array(v, dtype=float) for v in ((0, 0, -1), (0, 0, 1), (1, 0, 0), (-1, 0, 0), (0, 1, 0),
                                                     (0, -1, 0))]
    normals, _areas = flat_sides(mesh)
    directions.extend(normals[:CANDIDATES_FROM_HULL])
    return directions


def best_orientation(mesh: Mesh, angle_deg: float = 45.0) -> Orientation:
    """The turn that rests on a face (not on edges or points, which would not stick to the bed) and leaves the least
    overhang to support, then has the largest footing, then the lowest height.

    Each candidate turn is scored from the heights of the turned vertices and the turned normals' upward part,
    without turning the whole mesh."""
    normals, areas = _unit_normals(mesh)
    vertices = mesh.vertices.astype(np.float64)
    scored = []
    for direction in _candidate_directions(mesh):
        rotation = rotation_to_floor(direction)
        heights = vertices @ rotation[2]
        overhang, base = _overhang_and_base_at(heights, normals @ rotation[2], areas, mesh.faces, angle_deg)
        scored.append((base < MIN_FOOTING_MM2, round(overhang, 0), -round(base, 0), float(np.ptp(heights)), rotation,
                       overhang, base))
    scored.sort(key=lambda s: s[:4])
    *_ranks, rotation, overhang, base = scored[0]
    as_built, _base = _overhang_and_base_at(vertices[:, 2], normals[:, 2], areas, mesh.faces, angle_deg)
    reason = _("Turned to leave {overhang:.0f} mm² of overhang (as built: {built:.0f} mm²) on a footing of "
               "{base:.0f} mm².").format(overhang=overhang, built=as_built, base=base)
    return Orientation("auto", rotation, overhang, base, reason)


def fixed_orientation(mesh: Mesh, name: str, angle_deg: float = 45.0) -> Orientation:
    """A mode's own orientation: 'flat' (as built) or 'upright' (standing on the picture's lower edge)."""
    rotation = UPRIGHT if name == "upright" else np.eye(3)
    placed = turned(mesh, rotation)
    overhang, base = overhang_and_base(placed, angle_deg)
    return Orientation(name, rotation, overhang, base, _standing_reason(placed, name, base))


def _standing_reason(placed: Mesh, name: str, base_mm2: float) -> str:
    """How the model stands, in words: upright on an edge (and whether it may topple), or as built: standing (taller
    than wide, or on less than half its footprint: a foot, a rim) or lying."""
    (wide, deep, tall) = (float(v) for v in placed.size())
    edge = min(wide, deep)
    if name == "upright" and tall > TOPPLES_ABOVE * edge:
        return _("Standing upright on its {edge:.1f} mm lower edge, as lithophanes print best; {tall:.0f} mm tall, it "
                 "may topple: a foot holds it (--stand foot).").format(edge=edge, tall=tall)
    if name == "upright":
        return _("Standing upright on its lower edge, as lithophanes print best.")
    standing = tall > edge or base_mm2 < 0.5 * wide * deep
    return _("Standing as built, on its foot or rim.") if standing else _("Lying as built, on its flat base.")
