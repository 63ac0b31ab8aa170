"""SVG <text> laid out as glyph outlines: spans with their own style and positions (x, y, dx, dy, rotate), text
chunks anchored by text-anchor, letter- and word-spacing, textLength; shaped by HarfBuzz with the font asked for
when it is installed, else a shipped DejaVu face."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .svg_path import Subpath
from .svg_values import numbers

if TYPE_CHECKING:
    from .svg_draw import Drawer, Place

SPANS = {"tspan", "a"}
ANCHORS = {"start": 0.0, "middle": 0.5, "end": 1.0}
WEIGHTS = {"normal": 400, "bold": 700, "bolder": 700, "lighter": 300}
NONZERO_TEXT = {"fill-rule": "nonzero", "clip-rule": "nonzero"}  # glyphs are filled as fonts draw them


@dataclass
class _Character:
    """One character of the text with the span it belongs to and what its span says about its position."""

    text: str
    place: Place
    spans: tuple[tuple[Any, Place], ...]  # the text element and the spans holding the character, outermost first
    x: float | None = None
    y: float | None = None
    dx: float = 0.0
    dy: float = 0.0
    rotate: float | None = None


def _values(element: Any, name: str, place: Place, axis: str) -> list[float]:
    """A list of lengths (x, y, dx, dy) of a text element."""
    return [v for v in (place.lengths.px(word, axis) for word in (element.get(name) or "").replace(",", " ")
                        .split()) if v is not None]


def _characters(drawer: Drawer, element: Any, place: Place, into: list[_Character],
                spans: tuple[tuple[Any, Place], ...] = ()) -> None:
    """The characters of a text element or span, in order, each with its span's place and the spans it is in."""
    spans = (*spans, (element, place))
    if element.text:
        into.extend(_Character(c, place, spans) for c in element.text)
    for child in element:
        kind = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if kind in SPANS:
            inner = drawer.enter(child, place)
            if inner is not None:
                _characters(drawer, child, inner, into, spans)
        elif kind == "textPath":
            drawer.drawing.ignored.add("textPath")
        if child.tail:
            into.extend(_Character(c, place, spans) for c in child.tail)


def _positioned(characters: list[_Character]) -> None:
    """Give the characters (white space already collapsed) the x, y, dx, dy and rotate lists of the spans they are
    in, each list counted over its span's characters; an inner span's values win."""
    members: dict[int, tuple[int, Any, Place, list[_Character]]] = {}
    for character in characters:
        for depth, (element, place) in enumerate(character.spans):
            members.setdefault(id(element), (depth, element, place, []))[3].append(character)
    for _depth, element, place, held in sorted(members.values(), key=lambda member: -member[0]):
        lists = {name: _values(element, name, place, "y" if name.endswith("y") else "x")
                 for name in ("x", "y", "dx", "dy")}
        turns = numbers(element.get("rotate"))
        for index, character in enumerate(held):
            if index < len(lists["x"]) and character.x is None:
                character.x = lists["x"][index]
            if index < len(lists["y"]) and character.y is None:
                character.y = lists["y"][index]
            if index < len(lists["dx"]):
                character.dx = character.dx or lists["dx"][index]
            if index < len(lists["dy"]):
                character.dy = character.dy or lists["dy"][index]
            if turns and character.rotate is None:
                character.rotate = turns[min(index, len(turns) - 1)]


def _collapsed(characters: list[_Character]) -> list[_Character]:
    """White space as CSS collapses it in SVG text: newlines and tabs are spaces, runs of spaces one, none at the
    ends."""
    kept: list[_Character] = []
    for character in characters:
        blank = character.text in " \t\n\r"
        if blank and (not kept or kept[-1].text == " "):
            continue
        kept.append(replace(character, text=" ") if blank else character)
    while kept and kept[-1].text == " ":
        kept.pop()
    return kept


def _font(drawer: Drawer, place: Place) -> Any:
    from .fonts import find_font

    style = place.style
    families = [f.strip().strip("'\"") for f in style.get("font-family", "sans-serif").split(",") if f.strip()]
    word = style.get("font-weight", "normal").strip().lower()
    weight = WEIGHTS.get(word) or (int(word) if word.isdigit() else 400)
    font = find_font(families, weight, style.get("font-style", "normal").strip() in ("italic", "oblique"))
    drawer.drawing.fonts.add(font.family)
    return font


def _spacing(place: Place, name: str) -> float:
    value = place.style.get(name, "normal").strip()
    return 0.0 if value == "normal" else place.lengths.px(value, "x") or 0.0


@dataclass
class _Placed:
    """A glyph's rings placed on the line (before anchoring), and the span it paints with."""

    rings: list[np.ndarray]
    place: Place
    advance_end: float


def _runs(characters: list[_Character]) -> list[list[_Character]]:
    """Runs shaped together: the same span, no absolute position or rotation inside."""
    runs: list[list[_Character]] = []
    for character in characters:
        if (runs and runs[-1][-1].place is character.place and character.x is None and character.y is None
                and not character.dx and not character.dy and character.rotate is None
                and runs[-1][-1].rotate is None):
            runs[-1].append(character)
        else:
            runs.append([character])
    return runs


@dataclass
class _Chunk:
    """Glyphs from one absolute position on: text-anchor aligns each chunk on its own."""

    start: float
    glyphs: list[_Placed]


def _chunks(drawer: Drawer, characters: list[_Character], tolerance: float) -> list[_Chunk]:
    """The glyphs, placed along the line, in chunks that each start at an absolute position."""
    from .glyphs import shape

    chunks: list[_Chunk] = []
    pen = np.zeros(2)
    for run in _runs(characters):
        first = run[0]
        if first.x is not None or first.y is not None or not chunks:
            pen = np.array([first.x if first.x is not None else pen[0], first.y if first.y is not None else pen[1]])
            chunks.append(_Chunk(float(pen[0]), []))
        pen = pen + np.array([first.dx, first.dy])
        place, text = first.place, "".join(c.text for c in run)
        letter, word = _spacing(place, "letter-spacing"), _spacing(place, "word-spacing")
        glyphs = shape(text, _font(drawer, place), place.lengths.font_size, tolerance)
        for index, glyph in enumerate(glyphs):
            origin = pen + np.array([glyph.x_offset, glyph.y_offset])
            turn = math.radians(first.rotate or 0.0)
            rotation = np.array([[math.cos(turn), math.sin(turn)], [-math.sin(turn), math.cos(turn)]])
            rings = [ring @ rotation + origin for ring in glyph.rings]
            pen = pen + np.array([glyph.x_advance, glyph.y_advance])
            ends_cluster = index + 1 == len(glyphs) or glyphs[index + 1].cluster != glyph.cluster
            if ends_cluster:
                pen[0] += letter + (word if text[glyph.cluster] == " " else 0.0)
            drawer.budget.spend(sum(len(r) for r in rings))
            chunks[-1].glyphs.append(_Placed(rings, place, float(pen[0])))
    return chunks


def _fitted(chunk: list[_Placed], start: float, length: float | None, adjust: str) -> list[_Placed]:
    """A chunk stretched to ``textLength``: by the space between glyphs, or glyphs and space alike."""
    natural = chunk[-1].advance_end - start
    if length is None or length <= 0 or natural <= 0:
        return chunk
    if adjust == "spacingAndGlyphs":
        factor = length / natural
        return [_Placed([np.column_stack([start + (r[:, 0] - start) * factor, r[:, 1]]) for r in p.rings], p.place,
                        start + (p.advance_end - start) * factor) for p in chunk]
    extra = (length - natural) / max(1, len(chunk) - 1)
    return [_Placed([r + np.array([extra * i, 0.0]) for r in p.rings], p.place, p.advance_end + extra * i)
            for i, p in enumerate(chunk)]


def layout(drawer: Drawer, element: Any, place: Place, tolerance: float) -> list[tuple[Place, list[Subpath]]]:
    """The outlines of a <text> element in its user units, grouped by the span whose style paints them."""
    characters: list[_Character] = []
    _characters(drawer, element, place, characters)
    characters = _collapsed(characters)
    if not characters:
        return []
    _positioned(characters)
    try:
        chunks = _chunks(drawer, characters, tolerance)
    except (ValueError, OSError) as error:
        raise TextFailed(str(error)) from error
    length = place.lengths.px(element.get("textLength"), "x")
    adjust = element.get("lengthAdjust", "spacing")
    painted: dict[int, tuple[Place, list[Subpath]]] = {}
    for chunk in chunks:
        if not chunk.glyphs:
            continue
        glyphs = _fitted(chunk.glyphs, chunk.start, length if len(chunks) == 1 else None, adjust)
        anchor = ANCHORS.get(glyphs[0].place.style.get("text-anchor", "start").strip(), 0.0)
        shift = -(glyphs[-1].advance_end - chunk.start) * anchor
        for placed in glyphs:
            span = painted.setdefault(id(placed.place), (
                replace(placed.place, style={**placed.place.style, **NONZERO_TEXT}), []))
            span[1].extend(Subpath(ring + np.array([shift, 0.0]), True) for ring in placed.rings if len(ring) >= 3)
    return [value for value in painted.values() if value[1]]


class TextFailed(Exception):
    """A font could not be read or the text is too long to shape."""
