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


def _mitres(points: np.ndarray, closed: bool, half: float, limit: float) -> np.ndarray:
    """The wedges (k, 4, 2) that turn bevelled corners into miters, for corners whose miter stays within the
    limit (the ratio of the miter's length to the stroke's width is 1 / sin(angle / 2))."""
    corners = np.vstack([points[-1:], points, points[:1]]) if closed else points
    before, corner, after = corners[:-2], corners[1:-1], corners[2:]
    d1, d2 = corner - before, after - corner
    d1 = d1 / np.linalg.norm(d1, axis=1)[:, None]
    d2 = d2 / np.linalg.norm(d2, axis=1)[:, None]
    turn = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]
    cos_inside = -np.einsum("ij,ij->i", d1, d2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = 1 / np.sqrt((1 - cos_inside) / 2)
    keep = (np.abs(turn) > 1e-12) & (cos_inside < 1.0) & (ratio <= limit)
    side = -np.sign(turn[keep])[:, None]
    n1 = side * np.column_stack([-d1[keep, 1], d1[keep, 0]]) * half
    n2 = side * np.column_stack([-d2[keep, 1], d2[keep, 0]]) * half
    bisector = (n1 + n2) / np.linalg.norm(n1 + n2, axis=1)[:, None]
    tip = corner[keep] + bisector * half * ratio[keep, None]
    return np.stack([corner[keep], corner[keep] + n1, tip, corner[keep] + n2], axis=1)


def _dashed(points: np.ndarray, pen: Pen) -> list[np.ndarray]:
    """The dashes along a polyline, each a polyline."""
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    length, period = float(along[-1]), sum(pen.dashes)
    if period <= 0 or length / period * len(pen.dashes) > MAX_DASHES:
        raise TooManyPoints
    shift = pen.dash_offset % period  # the pattern starts this far before the line
    edges = np.cumsum(np.tile(pen.dashes, int((length + shift) // period) + 2)) - shift
    starts, ends = np.concatenate([[-shift], edges[:-1]])[::2], edges[::2]
    dashes = []
    for start, end in zip(starts, ends):
        if end > 0 and start < length and end > start:
            start, end = max(start, 0.0), min(end, length)
            inside = (along > start) & (along < end)
            xs = np.concatenate([[start], along[inside], [end]])
        elif end == start and 0 <= start <= length and pen.cap != "butt":  # a dot: its caps still draw, turned
            step = pen.width * 1e-6  # along the segment it starts (at a corner too), or the last one at the end
            xs = np.array([start, start + step]) if start + step <= length else np.array([start - step, start])
        else:
            continue
        dashes.append(np.column_stack([np.interp(xs, along, points[:, 0]), np.interp(xs, along, points[:, 1])]))
    return dashes


def _dot(point: np.ndarray, pen: Pen) -> list[np.ndarray]:
    """What the caps of a zero-length subpath draw: a disc (round), a square (square) or nothing (butt)."""
    half = pen.width / 2
    if pen.cap == "round":
        turns = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        return [point + half * np.column_stack([np.cos(turns), np.sin(turns)])]
    if pen.cap == "square":
        return [point + half * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])]
    return []


def stroke(subpaths: list[Subpath], pen: Pen) -> BaseGeometry:
    """The area the stroke of these subpaths covers, in their units: the lines and rings buffered together in
    one call, with miter wedges where the joins are miters within the limit."""
    import shapely

    lines: list[np.ndarray] = []
    rings: list[np.ndarray] = []
    areas: list[np.ndarray] = []
    for subpath in subpaths:
        points = _distinct(subpath.points)
        if subpath.closed and len(points) > 1 and np.array_equal(points[0], points[-1]):
            points = points[:-1]
        if len(points) == 1:
            areas += _dot(points[0], pen)
        elif pen.dashes:
            lines += _dashed(np.vstack([points, points[:1]]) if subpath.closed else points, pen)
        elif subpath.closed and len(points) >= 3:
            rings.append(points)
        else:
            lines.append(points)
    half, join = pen.width / 2, {"round": "round"}.get(pen.join, "bevel")
    shapes = [shapely.buffer(shapely.linestrings(line), half, quad_segs=16, cap_style=CAPS.get(pen.cap, "flat"),
                             join_style=join) for line in lines if len(_distinct(line)) > 1]
    shapes += [shapely.buffer(shapely.linearrings(ring), half, quad_segs=16, join_style=join) for ring in rings]
    if pen.join in ("miter", "miter-clip", "arcs"):
        wedges = [_mitres(_distinct(line), False, half, pen.miter_limit) for line in lines if len(_distinct(line)) > 2]
        wedges += [_mitres(ring, True, half, pen.miter_limit) for ring in rings]
        areas += [w for group in wedges for w in group]
    shapes += [shapely.polygons(area) for area in areas]
    return shapely.union_all(shapes)
