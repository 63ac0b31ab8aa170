"""Text shaped with HarfBuzz into positioned glyphs, each with its outline as flattened rings.

Units are the caller's: ``size`` is the em size in them. The y axis points down (SVG's convention), so a capital
letter lies at negative y and a positive ``y_advance`` moves down.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .fonts import Font
from .svg_path import cubic, quadratic

MAX_CHARACTERS = 10_000  # per call of shape()
DIRECTIONS = ("ltr", "rtl", "ttb", "btt")

Point = tuple[float, float]


@dataclass(frozen=True)
class Glyph:
    """One shaped glyph: ``cluster`` is the index (in characters of the str) of the first character it comes from;
    advances and offsets are in the caller's units, y down; ``rings`` are its closed outlines ((n, 2) float64
    arrays, the first point not repeated) around the glyph's origin (0, 0).

    Rings keep the font's orientation, to be filled with the nonzero rule: TrueType outer contours have a positive
    shoelace area in these y-down coordinates, holes a negative one (CFF fonts the other way round). A glyph the
    font lacks (.notdef, id 0) keeps its advance and has no rings.
    """

    cluster: int
    x_advance: float
    y_advance: float
    x_offset: float
    y_offset: float
    rings: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class _Loaded:
    shaper: Any  # uharfbuzz.Font
    glyph_set: Any  # fontTools glyph set (default instance of a variable font)
    glyph_order: list[str]
    units_per_em: int


@functools.lru_cache(maxsize=4)
def _load(path: str, index: int) -> _Loaded:
    """The HarfBuzz font and the fontTools glyph set of one face, read from the file once."""
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    data = Path(path).read_bytes()  # read whole: no file stays open
    face = hb.Face(hb.Blob(data), index)
    try:
        font = TTFont(io.BytesIO(data), fontNumber=index, lazy=True)
        return _Loaded(hb.Font(face), font.getGlyphSet(), font.getGlyphOrder(), face.upem)
    except Exception as error:  # whatever fontTools raises for a damaged file
        raise OSError(f"{path}: the font cannot be read ({error})") from error


@functools.lru_cache(maxsize=1)
def _pen_class() -> type:
    """The class of a pen turning a glyph's contours into rings, scaled with y flipped (made once, on first use)."""
    from fontTools.pens.basePen import BasePen

    class RingPen(BasePen):
        def __init__(self, glyph_set: Any, scale: float, tolerance: float) -> None:
            super().__init__(glyph_set)
            self.scale, self.tolerance = scale, tolerance
            self.rings: list[np.ndarray] = []
            self.points: list[Point] = []

        def _point(self, pt: Point) -> Point:
            return pt[0] * self.scale, -pt[1] * self.scale

        def _moveTo(self, pt: Point) -> None:  # noqa: N802 - the pen protocol
            self._end()
            self.points = [self._point(pt)]

        def _lineTo(self, pt: Point) -> None:  # noqa: N802 - the pen protocol
            self.points.append(self._point(pt))

        def _qCurveToOne(self, pt1: Point, pt2: Point) -> None:  # noqa: N802 - the pen protocol
            ends = np.array([self.points[-1], self._point(pt1), self._point(pt2)])
            self.points += [tuple(p) for p in quadratic(*ends, self.tolerance)]

        def _curveToOne(self, pt1: Point, pt2: Point, pt3: Point) -> None:  # noqa: N802 - the pen protocol
            ends = np.array([self.points[-1], self._point(pt1), self._point(pt2), self._point(pt3)])
            self.points += [tuple(p) for p in cubic(*ends, self.tolerance)]

        def _closePath(self) -> None:  # noqa: N802 - the pen protocol
            self._end()

        def _endPath(self) -> None:  # noqa: N802 - the pen protocol
            self._end()  # an open contour is closed, as a fill closes it

        def _end(self) -> None:
            points, self.points = self.points, []
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            if len(points) >= 3:
                self.rings.append(np.array(points, dtype=np.float64))

    return RingPen


def _outline(loaded: _Loaded, glyph_id: int, scale: float, tolerance: float) -> tuple[np.ndarray, ...]:
    """The rings of one glyph; none for a missing glyph (id 0) or an id outside the font."""
    if glyph_id <= 0 or glyph_id >= len(loaded.glyph_order):
        return ()
    pen = _pen_class()(loaded.glyph_set, scale, tolerance)
    try:
        loaded.glyph_set[loaded.glyph_order[glyph_id]].draw(pen)
    except Exception as error:  # a damaged glyph, a component drawing itself
        raise OSError(f"glyph {glyph_id} of the font cannot be read ({error})") from error
    return tuple(pen.rings)


def shape(text: str, font: Font, size: float, tolerance: float, features: dict[str, bool] | None = None,
          direction: str | None = None) -> list[Glyph]:
    """``text`` shaped in ``font`` at em size ``size`` (kerning and ligatures on unless ``features`` says otherwise;
    the direction, script and language guessed unless ``direction`` is one of DIRECTIONS), each glyph's curves
    flattened within ``tolerance``. ValueError for more than MAX_CHARACTERS characters or a bad argument, OSError for
    a font that cannot be read."""
    import uharfbuzz as hb

    if len(text) > MAX_CHARACTERS:
        raise ValueError(f"text of {len(text)} characters; at most {MAX_CHARACTERS} are shaped at once")
    if not (math.isfinite(size) and size > 0 and math.isfinite(tolerance) and tolerance > 0):
        raise ValueError("size and tolerance must be positive")
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
    loaded = _load(str(font.path), font.index)
    buffer = hb.Buffer()
    buffer.add_codepoints([ord(character) for character in text])  # clusters count characters of the str
    if direction is not None:
        buffer.direction = direction
    buffer.guess_segment_properties()
    hb.shape(loaded.shaper, buffer, features)
    scale = size / loaded.units_per_em
    outlines: dict[int, tuple[np.ndarray, ...]] = {}
    glyphs = []
    for info, position in zip(buffer.glyph_infos, buffer.glyph_positions):
        if info.codepoint not in outlines:
            outlines[info.codepoint] = _outline(loaded, info.codepoint, scale, tolerance)
        glyphs.append(Glyph(info.cluster, position.x_advance * scale, -position.y_advance * scale,
                            position.x_offset * scale, -position.y_offset * scale, outlines[info.codepoint]))
    return glyphs


def ascent_descent(font: Font, size: float) -> tuple[float, float]:
    """The font's ascent above and descent below the baseline at em size ``size``, both positive distances
    (HarfBuzz's choice: OS/2 typographic values when the font asks for them, else hhea)."""
    loaded = _load(str(font.path), font.index)
    extents = loaded.shaper.get_font_extents("ltr")
    scale = size / loaded.units_per_em
    return extents.ascender * scale, -extents.descender * scale
