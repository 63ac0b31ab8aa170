"""Where outer-wall seams go: off the picture face of a solid that stands with its face vertical.

Every layer's outer wall starts somewhere, and where it starts leaves a small blob; on a lithophane held to the
light a column of blobs across the picture shows. The slicers are told to start the walls at one side of the
solid instead: the end of a standing sheet or arc (its side edge), or a point a mode names (a cylinder's weld).
The facts come from the placed solid: the share of its upper half's surface that stands vertical, and the shape of
that half's footprint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.mesh import Mesh

VERTICAL_SHARE = 0.6
SHEET_ELONGATION = 1.8  # a 180-degree arc is twice as wide as deep
STEEP_NORMAL_Z = 0.5
SIDE_BAND_MM = 0.5
END_WINDOW_MM = 10.0  # how far from a sheet's end its direction is measured, and its seam side painted


@dataclass(frozen=True)
class Seam:
    """Where outer walls start: near the point (x, y), the side of the solid farthest along the horizontal
    direction (dx, dy); millimetres from the centre of the solid's footprint."""

    x: float
    y: float
    dx: float
    dy: float

    def side_faces(self, mesh: Mesh, band_mm: float = SIDE_BAND_MM) -> np.ndarray:
        """Which faces of ``mesh`` (placed as planned) lie on that side: within END_WINDOW_MM of the point and no
        more than ``band_mm`` short of it along the direction."""
        middles = mesh.triangles.astype(np.float64)[:, :, :2].mean(axis=1) - _footprint_centre(mesh)
        near = np.hypot(middles[:, 0] - self.x, middles[:, 1] - self.y) <= END_WINDOW_MM
        reach = middles @ np.array([self.dx, self.dy])
        return near & (reach >= self.x * self.dx + self.y * self.dy - band_mm)


def _footprint_centre(mesh: Mesh) -> np.ndarray:
    xy = mesh.vertices[:, :2].astype(np.float64)
    return (xy.min(axis=0) + xy.max(axis=0)) / 2


def _upper(mesh: Mesh) -> np.ndarray:
    """Which vertices are in the upper half of the solid: the picture of a sheet standing on a foot or a stand."""
    z = mesh.vertices[:, 2].astype(np.float64)
    return z >= (z.min() + z.max()) / 2


def _vertical_share(mesh: Mesh, upper: np.ndarray) -> float:
    """The share of the upper half's surface that stands vertical."""
    normals = mesh.face_normals().astype(np.float64)[upper[mesh.faces].all(axis=1)]
    doubled = np.linalg.norm(normals, axis=1)
    steep = np.abs(normals[:, 2]) < STEEP_NORMAL_Z * np.maximum(doubled, 1e-12)
    total = float(doubled.sum())
    return float(doubled[steep].sum()) / total if total > 0 else 0.0


def _edge(mesh: Mesh) -> Seam | None:
    """The end of a standing sheet or arc: one end of the long axis of its upper half's footprint (above any
    foot), and there the direction the sheet runs out in (an arc's tangent); None when that half does not stand
    mostly vertical or is not long and thin."""
    upper = _upper(mesh)
    if _vertical_share(mesh, upper) < VERTICAL_SHARE:
        return None
    xy = mesh.vertices[upper, :2].astype(np.float64) - _footprint_centre(mesh)
    along, across = _axes(xy)
    if np.ptp(xy @ along) < SHEET_ELONGATION * max(float(np.ptp(xy @ across)), 1e-9):
        return None
    end = xy[np.argmax(xy @ along)]
    near = xy[np.hypot(*(xy - end).T) <= END_WINDOW_MM]
    out, _across = _axes(near)
    out = out if out @ (end - near.mean(axis=0)) >= 0 else -out
    x, y = near[np.argmax(near @ out)]
    return Seam(round(float(x), 3), round(float(y), 3), round(float(out[0]), 6), round(float(out[1]), 6))


def _axes(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The long and the short principal axis of points in the plane."""
    centred = xy - (xy.min(axis=0) + xy.max(axis=0)) / 2
    _values, axes = np.linalg.eigh(centred.T @ centred)
    return axes[:, -1], axes[:, 0]


def nearest_vertex(mesh: Mesh, point: tuple[float, float, float]) -> int:
    """The vertex nearest to a point of the solid (a mode's fact, such as a cylinder's weld, in the solid as
    built); turning, scaling and moving the solid keep vertices in order, so the index finds it after placing."""
    return int(np.argmin(np.linalg.norm(mesh.vertices.astype(np.float64) - np.asarray(point, float), axis=1)))


def seam_for(placed: Mesh, vertex: int | None = None) -> Seam | None:
    """Where the placed solid's seams go: at ``vertex`` (a mode's fact) on the side facing away from the
    footprint's centre, else at a standing sheet's end; None when neither applies."""
    if len(placed.vertices) == 0:
        return None
    if vertex is None:
        return _edge(placed)
    x, y = placed.vertices[vertex, :2].astype(np.float64) - _footprint_centre(placed)
    reach = float(np.hypot(x, y))
    if reach == 0:
        return None
    return Seam(round(float(x), 3), round(float(y), 3), round(float(x) / reach, 6), round(float(y) / reach, 6))
