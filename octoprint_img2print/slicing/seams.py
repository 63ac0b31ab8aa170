"""Where outer-wall seams go: off the picture face of a solid that stands with its face vertical.

Every layer's outer wall starts somewhere, and where it starts leaves a small blob; on a lithophane held to the
light a column of blobs across the picture shows. The slicers are told to start the walls at one side of the
solid instead: the end of a standing sheet or arc (its side edge), or a point a mode names (a cylinder's weld).
The facts come from the placed solid: the share of its upper half's surface that stands vertical, and the shape of
that half's footprint: long and thin (a flat sheet, an arc up to about 180 degrees), or a band around a circle with a
gap (a wider arc, whose ends face each other across the gap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.circles import fitted_circle
from ..geometry.mesh import Mesh

VERTICAL_SHARE = 0.6
SHEET_ELONGATION = 1.8  # a 180-degree arc is twice as wide as deep
STEEP_NORMAL_Z = 0.5
SIDE_BAND_MM = 0.5
END_WINDOW_MM = 10.0  # how far from a sheet's end its direction is measured, and its seam side painted
BAND_SHARE = 0.35  # a band around a circle: its points no farther from the circle than this share of its radius
MIN_GAP_DEG = 2.0  # and an open gap between its ends (a ring all the way round has none)


@dataclass(frozen=True)
class Seam:
    """Where outer walls start: near the point (x, y), the side of the solid farthest along the horizontal
    direction (dx, dy), millimetres from the centre of the solid's footprint; at a ``weld``, the line through the
    point along that direction instead, across the whole wall (a ring's outside and inside)."""

    x: float
    y: float
    dx: float
    dy: float
    weld: bool = False

    def side_faces(self, mesh: Mesh, band_mm: float = SIDE_BAND_MM) -> np.ndarray:
        """Which faces of ``mesh`` (placed as planned) lie on that side, within END_WINDOW_MM of the point: no more
        than ``band_mm`` short of it or beyond it along the direction (a wide arc's other end lies beyond); at a
        weld, the faces the line crosses or touches on the point's side of the footprint."""
        corners = mesh.triangles.astype(np.float64)[:, :, :2] - _footprint_centre(mesh)
        middles = corners.mean(axis=1)
        near = np.hypot(middles[:, 0] - self.x, middles[:, 1] - self.y) <= END_WINDOW_MM
        reach = middles @ np.array([self.dx, self.dy])
        if not self.weld:
            return near & (np.abs(reach - (self.x * self.dx + self.y * self.dy)) <= band_mm)
        across = (corners - [self.x, self.y]) @ np.array([-self.dy, self.dx])
        return near & (reach > 0) & (across.min(axis=1) <= 0) & (across.max(axis=1) >= 0)


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
    """The end of a standing sheet or arc (above any foot), and there the direction the sheet runs out in (an
    arc's tangent); None when the upper half does not stand mostly vertical, or is neither long and thin nor a band
    around a circle with a gap."""
    upper = _upper(mesh)
    if _vertical_share(mesh, upper) < VERTICAL_SHARE:
        return None
    centre = _footprint_centre(mesh)
    xy = mesh.vertices[upper, :2].astype(np.float64) - centre
    end = _long_end(xy)
    if end is None:
        end = _arc_end(mesh.vertices[:, :2].astype(np.float64) - centre, mesh.faces[upper[mesh.faces].all(axis=1)])
    if end is None:
        return None
    (x, y), (dx, dy) = end
    return Seam(round(float(x), 3), round(float(y), 3), round(float(dx), 6), round(float(dy), 6))


def _long_end(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The farthest point of one end of a long and thin footprint, and the direction the footprint runs out in there
    (measured within END_WINDOW_MM of that end, so an arc's tangent); None when the footprint is not long and thin."""
    along, across = _axes(xy)
    if np.ptp(xy @ along) < SHEET_ELONGATION * max(float(np.ptp(xy @ across)), 1e-9):
        return None
    end = xy[np.argmax(xy @ along)]
    near = xy[np.hypot(*(xy - end).T) <= END_WINDOW_MM]
    out, _across = _axes(near)
    out = out if out @ (end - near.mean(axis=0)) >= 0 else -out
    return near[np.argmax(near @ out)], out


def _arc_end(xy: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """One end of a footprint (``faces`` over points ``xy``) that runs around a circle but leaves a gap (a wide arc),
    and the circle's tangent there pointing into the gap; None when the points do not lie in a band around the circle
    fitted through them or the faces go all the way round."""
    used = np.unique(faces)
    centre, radius = fitted_circle(xy[used])
    offsets = xy - centre
    if radius <= 0 or np.abs(np.hypot(*offsets[used].T) - radius).max() > BAND_SHARE * radius:
        return None
    angles = np.arctan2(offsets[:, 1], offsets[:, 0])
    gap = _uncovered(angles[faces])  # the gap runs counter-clockwise from there
    if gap is None:
        return None
    end = used[np.argmin(np.abs(np.angle(np.exp(1j * (angles[used] - gap)))))]
    return xy[end], np.array([-np.sin(angles[end]), np.cos(angles[end])])


def _uncovered(corners: np.ndarray, bins: int = 720) -> float | None:
    """Where the widest run of angles no face covers begins (faces given by their corners' angles, radians), or None
    when that run is narrower than MIN_GAP_DEG."""
    turns = np.angle(np.exp(1j * (corners - corners[:, :1])))  # each corner's angle from the first, within half a turn
    low = (corners[:, 0] + turns.min(axis=1)) % (2 * np.pi)
    spans = np.ceil((turns.max(axis=1) - turns.min(axis=1)) / (2 * np.pi) * bins).astype(np.int64) + 1
    first = np.floor(low / (2 * np.pi) * bins).astype(np.int64) % bins
    marks = np.zeros(2 * bins + 2, dtype=np.int64)
    np.add.at(marks, first, 1)
    np.add.at(marks, np.minimum(first + spans, 2 * bins + 1), -1)
    cover = np.cumsum(marks)[:2 * bins]
    covered = (cover[:bins] + cover[bins:]) > 0
    if covered.all():
        return None
    free = np.flatnonzero(~np.concatenate([covered, covered]))
    runs = np.split(free, np.flatnonzero(np.diff(free) != 1) + 1)
    widest = max(runs, key=len)
    if min(len(widest), bins) * 360.0 / bins < MIN_GAP_DEG:
        return None
    return float(widest[0] % bins) * 2 * np.pi / bins


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
    return Seam(round(float(x), 3), round(float(y), 3), round(float(x) / reach, 6), round(float(y) / reach, 6),
                weld=True)
