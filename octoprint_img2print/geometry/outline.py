"""Flat regions (filled outlines with holes) in millimetres, on manifold3d's CrossSection (Clipper2), which is
imported when a region is first made."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..processes import native_code
from .booleans import from_manifold, manifold
from .mesh import Mesh

if TYPE_CHECKING:
    import manifold3d

    Region = manifold3d.CrossSection

CLEAN_MM = 1e-3
ARC_TOLERANCE_MM = 0.005  # round corners of an offset stay this close to the true circle
MAX_ARC_SEGMENTS = 720  # per whole circle
APART_MM = 2e-3  # parts that touch at a point are moved this far apart (a printer cannot tell), so each is a solid
FILL_RULES = {"nonzero": "NonZero", "evenodd": "EvenOdd"}
NONZERO, EVENODD = "nonzero", "evenodd"


def _region_type() -> Any:
    return manifold().CrossSection


@native_code()
def region(rings: list[np.ndarray], fill_rule: str = EVENODD) -> Region:
    """A region from closed rings (each an (n, 2) array) under a fill rule (NONZERO or EVENODD)."""
    usable = [np.ascontiguousarray(r, dtype=np.float64) for r in rings if len(r) >= 3]
    rule = getattr(manifold().FillRule, FILL_RULES[fill_rule])
    return _region_type()(usable, rule) if usable else _region_type()()


def empty() -> Region:
    """The region that covers nothing."""
    return _region_type()()


def circle(radius: float, segments: int = 48) -> Region:
    """A disc of ``radius`` around the origin, as a polygon of ``segments`` sides."""
    return _region_type().circle(radius, segments)


@native_code()
def union(regions: list[Region]) -> Region:
    """Everything covered by any of the regions."""
    regions = [r for r in regions if not r.is_empty()]
    if not regions:
        return _region_type()()
    return _region_type().batch_boolean(regions, manifold().OpType.Add) if len(regions) > 1 else regions[0]


def rings(shape: Region) -> list[np.ndarray]:
    """The region's rings: outer boundaries counter-clockwise, holes clockwise."""
    return [np.asarray(p, dtype=np.float64) for p in shape.to_polygons()]


def signed_area(ring: np.ndarray) -> float:
    """Positive for a counter-clockwise ring."""
    x, y = ring[:, 0], ring[:, 1]
    return float(0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def filled(shape: Region) -> Region:
    """The region with every hole filled."""
    return region([r for r in rings(shape) if signed_area(r) > 0], NONZERO)


@dataclass(frozen=True)
class Cleaned:
    """A region without its small parts and small holes, and how many of each went (with their area in mm²)."""

    region: Region
    parts_dropped: int = 0
    parts_area: float = 0.0
    holes_filled: int = 0
    holes_area: float = 0.0


def without_small_parts(shape: Region, min_part_mm2: float, min_hole_mm2: float) -> Cleaned:
    """Drop parts smaller than ``min_part_mm2`` and fill holes smaller than ``min_hole_mm2``.

    Each connected part is judged with its own holes, so a part lying in another part's hole (an island, to any
    depth of nesting) stays.
    """
    kept: list[Region] = []
    dropped = filled_holes = 0
    dropped_area = filled_area = 0.0
    for part in shape.decompose():
        outer, *holes = sorted(rings(part), key=signed_area, reverse=True)
        area = signed_area(outer)
        if area < min_part_mm2:
            dropped, dropped_area = dropped + 1, dropped_area + float(part.area())
            continue
        small = [h for h in holes if -signed_area(h) < min_hole_mm2]
        filled_holes, filled_area = filled_holes + len(small), filled_area - sum(signed_area(h) for h in small)
        big = [h[::-1] for h in holes if -signed_area(h) >= min_hole_mm2]
        kept.append(region([outer], NONZERO) - region(big, NONZERO) if big else region([outer], NONZERO))
    return Cleaned(union(kept), dropped, dropped_area, filled_holes, filled_area)


@native_code()
def offset(shape: Region, distance: float) -> Region:
    """Grow (positive) or shrink (negative) the region by ``distance`` with round corners."""
    if not distance:
        return shape
    segments = math.ceil(math.pi / math.acos(1 - min(ARC_TOLERANCE_MM / abs(distance), 1.0)))
    return shape.offset(distance, manifold().JoinType.Round, 2.0, min(MAX_ARC_SEGMENTS, max(24, segments)))


def bounds(shape: Region) -> tuple[float, float, float, float]:
    """min x, min y, max x, max y."""
    box = shape.bounds()
    return float(box[0]), float(box[1]), float(box[2]), float(box[3])


def clean(shape: Region) -> Region:
    """The region without contour points within a micron of the line through their neighbours, and with parts
    that touch only at a point (a checkerboard, a path crossing itself under the even-odd rule) a few microns
    apart: joined at a point, their prisms would share an edge between four faces, which no slicer prints as a
    solid. Shrinking and growing back by APART_MM rounds convex corners by that much and nothing else."""
    join = manifold().JoinType.Round
    return shape.offset(-APART_MM, join, 2.0, 8).offset(APART_MM, join, 2.0, 8).simplify(CLEAN_MM)


@native_code()
def extrude(shape: Region, bottom: float, top: float) -> manifold3d.Manifold:
    """A prism of the cleaned region between two heights (give parts that share an outline the same cleaned
    region: cleaned part by part, their copies of it can differ)."""
    return manifold().Manifold.extrude(clean(shape), top - bottom).translate((0.0, 0.0, bottom))


@native_code()
def body(parts: list[manifold3d.Manifold], cut: list[manifold3d.Manifold] | None = None) -> manifold3d.Manifold:
    """Union of the parts minus the cuts."""
    whole = manifold().Manifold.batch_boolean(parts, manifold().OpType.Add) if len(parts) > 1 else parts[0]
    for tool in cut or []:
        whole = whole - tool
    return whole


def solid(parts: list[manifold3d.Manifold], cut: list[manifold3d.Manifold] | None = None) -> Mesh:
    """Union of the parts minus the cuts, as one mesh on the bed with one closed shell per separate piece.

    Edges shorter than a micron, which booleans and offsets leave behind, are collapsed so that no face
    loses its area when the vertices become 32-bit floats. The union first forgets which part each face came
    from: manifold3d keeps the seams between faces of different parts, collapsing a short edge on one only
    when it lies in line with the seam, so a seam could keep a nanometre-long edge.
    """
    return from_manifold(body(parts, cut).as_original().simplify(CLEAN_MM), on_bed=True)


@dataclass(frozen=True)
class Piece:
    """One connected part of a region: its area and bounding box in mm."""

    area: float
    perimeter: float
    box: tuple[float, float, float, float]

    @property
    def centre(self) -> tuple[float, float]:
        """Centre of the bounding box."""
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


    @property
    def typical_width(self) -> float:
        """Twice the area over the outline's length: the width of a long strip."""
        return 2 * self.area / self.perimeter if self.perimeter else 0.0


def perimeter(shape: Region) -> float:
    """Total length of all rings."""
    return float(sum(np.linalg.norm(r - np.roll(r, -1, axis=0), axis=1).sum() for r in rings(shape)))


def pieces(shape: Region) -> list[Piece]:
    """The connected parts of a region."""
    return [Piece(float(p.area()), perimeter(p), bounds(p)) for p in shape.decompose()]


def mask(shape: Region, px_per_mm: float, margin_px: int = 0) -> np.ndarray:
    """The region as pixels (True inside) over its bounding box plus ``margin_px``, row 0 at the top."""
    from PIL import Image, ImageDraw

    x0, y0, x1, y1 = bounds(shape)
    size = (round((x1 - x0) * px_per_mm) + 2 * margin_px + 1, round((y1 - y0) * px_per_mm) + 2 * margin_px + 1)
    image = Image.new("1", size, 0)
    draw = ImageDraw.Draw(image)

    def box_area(piece: Region) -> float:
        left, bottom, right, top = bounds(piece)
        return (right - left) * (top - bottom)

    for piece in sorted(shape.decompose(), key=box_area, reverse=True):  # a part in a hole comes after its ring
        for ring in rings(piece):
            points = [(margin_px + (x - x0) * px_per_mm, size[1] - 1 - margin_px - (y - y0) * px_per_mm)
                      for x, y in ring]
            draw.polygon(points, fill=1 if signed_area(ring) > 0 else 0)
    return np.asarray(image, dtype=bool)


def to_svg(shape: Region, width: float, height: float) -> str:
    """The region as an SVG document in millimetres (y pointing down, as SVG has it)."""
    paths = []
    for ring in rings(shape):
        points = " L ".join(f"{x:.4f} {height - y:.4f}" for x, y in ring)
        paths.append(f"M {points} Z")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
            f'width="{width:.4f}mm" height="{height:.4f}mm" viewBox="0 0 {width:.4f} {height:.4f}">\n'
            f'<path fill="#000000" fill-rule="evenodd" d="{" ".join(paths)}"/>\n</svg>\n')
