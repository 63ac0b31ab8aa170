"""The area an SVG stroke covers: dashes, caps, and joins, with a miter beyond the miter limit becoming a bevel
as SVG says (GEOS would clip it instead)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .svg_path import Subpath, TooManyPoints

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

CAPS = {"butt": "flat", "round": "round", "square": "square"}
MAX_DASHES = 100_000


@dataclass(frozen=True)
class Pen:
    """How a stroke is drawn, lengths in the user units of the path."""

    width: float
    cap: str = "butt"
    join: str = "miter"
    miter_limit: float = 4.0
    dashes: tuple[float, ...] = ()
    dash_offset: float = 0.0


def _distinct(points: np.ndarray) -> np.ndarray:
    """The points without repeats of the one before."""
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.any(np.diff(points, axis=0) != 0, axis=1)
    return points[keep]


def _mitres(points: np.ndarray, closed: bool, half: float, limit: float) -> list[np.ndarray]:
    """The wedges that turn bevelled corners into miters, for corners whose miter stays within the limit."""
    corners = np.vstack([points[-1:], points, points[:1]]) if closed else points
    wedges = []
    for before, corner, after in zip(corners[:-2], corners[1:-1], corners[2:]):
        d1, d2 = corner - before, after - corner
        d1, d2 = d1 / np.linalg.norm(d1), d2 / np.linalg.norm(d2)
        turn = d1[0] * d2[1] - d1[1] * d2[0]
        cos_inside = -float(np.dot(d1, d2))
        if abs(turn) < 1e-12 or cos_inside >= 1.0:
            continue
        ratio = 1 / np.sqrt((1 - cos_inside) / 2)  # 1 / sin(angle / 2)
        if ratio > limit:
            continue
        side = -np.sign(turn)
        n1, n2 = side * np.array([-d1[1], d1[0]]) * half, side * np.array([-d2[1], d2[0]]) * half
        bisector = (n1 + n2) / np.linalg.norm(n1 + n2)
        wedges.append(np.array([corner, corner + n1, corner + bisector * half * ratio, corner + n2]))
    return wedges


def _dashed(points: np.ndarray, pen: Pen) -> list[np.ndarray]:
    """The dashes along a polyline, each a polyline."""
    from shapely.geometry import LineString
    from shapely.ops import substring

    line = LineString(points)
    period = sum(pen.dashes)
    if line.length / period * len(pen.dashes) > MAX_DASHES:
        raise TooManyPoints
    position, index = -(pen.dash_offset % period), 0
    dashes = []
    while position < line.length:
        length = pen.dashes[index % len(pen.dashes)]
        if index % 2 == 0 and length > 0 and position + length > 0:
            piece = substring(line, max(0.0, position), min(line.length, position + length))
            dashes.append(np.asarray(piece.coords))
        position += length
        index += 1
    return dashes


def _stroked_line(points: np.ndarray, closed: bool, pen: Pen) -> list[BaseGeometry]:
    """The stroke of one polyline (or closed ring) without dashes."""
    from shapely.geometry import LinearRing, LineString, Point, Polygon

    half = pen.width / 2
    points = _distinct(points)
    if closed and len(points) > 1 and np.array_equal(points[0], points[-1]):
        points = points[:-1]
    if len(points) == 1 or (len(points) == 2 and closed and np.array_equal(points[0], points[1])):
        if pen.cap == "round":
            return [Point(points[0]).buffer(half, quad_segs=16)]
        if pen.cap == "square":
            x, y = points[0]
            return [Polygon([(x - half, y - half), (x + half, y - half), (x + half, y + half), (x - half, y + half)])]
        return []
    join = {"round": "round"}.get(pen.join, "bevel")
    ring = closed and len(points) >= 3
    shape = (LinearRing(points) if ring else LineString(points)).buffer(
        half, quad_segs=16, cap_style=CAPS.get(pen.cap, "flat"), join_style=join)
    parts = [shape]
    if pen.join in ("miter", "miter-clip", "arcs"):
        parts += [Polygon(w) for w in _mitres(points, ring, half, pen.miter_limit)]
    return parts


def stroke(subpaths: list[Subpath], pen: Pen) -> BaseGeometry:
    """The area the stroke of these subpaths covers, in their units."""
    from shapely import unary_union

    pieces: list[BaseGeometry] = []
    for subpath in subpaths:
        if pen.dashes:
            points = np.vstack([subpath.points, subpath.points[:1]]) if subpath.closed else subpath.points
            for dash in _dashed(_distinct(points), pen) if len(_distinct(points)) > 1 else []:
                pieces += _stroked_line(dash, False, pen)
        else:
            pieces += _stroked_line(subpath.points, subpath.closed, pen)
    return unary_union(pieces)
