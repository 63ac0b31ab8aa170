"""SVG <text> laid out as glyph outlines: spans with their own style and positions (x, y, dx, dy, rotate), text
chunks anchored by text-anchor, letter- and word-spacing, textLength on the text or any span, white space collapsed
or preserved; shaped by HarfBuzz across spans (so kerning holds) with the font asked for when it is installed,
else a shipped DejaVu face."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import bidi
from .glyphs import MAX_CHARACTERS, Glyph
from .svg_path import Subpath
from .svg_tree import local
from .svg_values import strict_numbers

if TYPE_CHECKING:
    from .svg_draw import Drawer, Place

SPANS = {"tspan", "a"}
ANCHORS = {"start": 0.0, "middle": 0.5, "end": 1.0}
RUN_DIRECTION = ("ltr", "rtl")  # a run of an even bidirectional level, and of an odd one
NONZERO_TEXT = {"fill-rule": "nonzero", "clip-rule": "nonzero"}  # glyphs are filled as fonts draw them
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
INKLESS = {"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"}  # characters that may well have no outline of their own


# the cursive scripts (CSS Text 3, 8.2 and Appendix E: Arabic, Hanifi Rohingya, Mandaic, Mongolian, N'Ko, Phags-pa,
# Syriac), whose letters join: letter-spacing does not pull them apart
CURSIVE = ((0x0600, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF), (0x1EE00, 0x1EEFF), (0x10D00, 0x10D3F),
           (0x1800, 0x18AF), (0x11660, 0x1167F), (0xA840, 0xA87F))
MAX_TEXT_CHARACTERS = 5_000  # characters in one drawing, <use> copies counted: 5,000 on one line fill in about 3 s


class TextFailed(Exception):
    """A font could not be read."""


class TooMuchText(Exception):
    """The drawing's text has more characters than MAX_TEXT_CHARACTERS."""


@dataclass
class _Character:
    """One character of the text with the span it belongs to and what its spans say about its position."""

    text: str
    place: Place
    spans: tuple[tuple[Any, Place], ...]  # the text element and the spans holding the character, outermost first
    preserve: bool = False
    x: float | None = None
    y: float | None = None
    dx: float = 0.0
    dy: float = 0.0
    rotate: float | None = None


@dataclass
class _Placed:
    """A glyph's rings on the line (before anchoring and textLength), the character it draws, the pen's x before
    and after it, and the y of its font's ascent and descent there (its cell is from start to end between them)."""

    rings: list[np.ndarray]
    character: _Character
    start: float
    end: float
    top: float
    bottom: float

    def cell(self) -> np.ndarray:
        """The glyph's cell (advance by ascent and descent), the rectangle SVG's text bounding box unites."""
        return np.array([[self.start, self.top], [self.end, self.top], [self.end, self.bottom],
                         [self.start, self.bottom]])


def _values(element: Any, name: str, place: Place, axis: str) -> list[float]:
    """A list of lengths (x, y, dx, dy) of a text element."""
    return [v for v in (place.lengths.px(word, axis) for word in (element.get(name) or "").replace(",", " ")
                        .split()) if v is not None]


def _characters(drawer: Drawer, element: Any, place: Place, into: list[_Character],
                spans: tuple[tuple[Any, Place], ...] = (), preserve: bool = False) -> None:
    """The characters of a text element or span, in order, each with its span's place and the spans it is in."""
    spans = (*spans, (element, place))
    preserve = element.get(XML_SPACE, "preserve" if preserve else "default") == "preserve"
    if element.text:
        into.extend(_Character(c, place, spans, preserve) for c in element.text)
    for child in element:
        kind = local(child)
        if kind in SPANS:
            inner = drawer.enter(child, place)
            if inner is not None:  # a span takes no transform and no clip-path of its own
                _characters(drawer, child, replace(inner, ctm=place.ctm, clip=place.clip), into, spans, preserve)
        elif kind == "textPath":
            drawer.drawing.ignored.add("textPath")
        if child.tail:
            into.extend(_Character(c, place, spans, preserve) for c in child.tail)


def _collapsed(characters: list[_Character]) -> list[_Character]:
    """White space as SVG text has it: newlines and tabs are spaces; unless xml:space is "preserve", runs of spaces
    are one and there are none at the ends."""
    kept: list[_Character] = []
    for character in characters:
        blank = character.text in " \t\n\r"
        if blank and not character.preserve and (not kept or kept[-1].text == " "):
            continue
        kept.append(replace(character, text=" ") if blank else character)
    while kept and kept[-1].text == " " and not kept[-1].preserve:
        kept.pop()
    return kept


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
        turns = strict_numbers(element.get("rotate"))
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


def _font_key(place: Place) -> tuple[str, ...]:
    """What picks the font and its size: characters that share it are shaped together."""
    style = place.style
    return (style.get("font-family", "sans-serif"), style.get("font-weight", "400"),
            style.get("font-style", "normal").strip(), str(place.lengths.font_size))


def _font(drawer: Drawer, place: Place) -> Any:
    from .fonts import find_font

    style = place.style
    families = [f.strip().strip("'\"") for f in style.get("font-family", "sans-serif").split(",") if f.strip()]
    weight = int(style.get("font-weight", "400")) if style.get("font-weight", "400").isdigit() else 400
    font = find_font(families, weight, style.get("font-style", "normal").strip() in ("italic", "oblique"))
    drawer.drawing.fonts.add(font.family)
    return font


def _cursive(text: str) -> bool:
    """True for a character of a cursive script (which letter-spacing leaves joined)."""
    return any(low <= ord(text[0]) <= high for low, high in CURSIVE)


def _spacing(place: Place, name: str) -> float:
    value = place.style.get(name, "normal").strip()
    return 0.0 if value == "normal" else place.lengths.px(value, "x") or 0.0


def _rtl(place: Place) -> bool:
    return place.style.get("direction", "ltr").strip() == "rtl"


def _levels(characters: list[_Character]) -> list[int]:
    """Each character's bidirectional level in the text's direction (a span whose ``unicode-bidi`` is
    ``bidi-override`` sets its characters' direction outright)."""
    base = 1 if _rtl(characters[0].spans[0][1]) else 0
    forced = [(base + (base % 2 != _rtl(c.place))) if c.place.style.get("unicode-bidi", "").strip() == "bidi-override"
              else None for c in characters]
    return bidi.levels("".join(c.text for c in characters), base, forced)


def _runs(characters: list[_Character], levels: list[int]) -> list[list[list[tuple[_Character, int]]]]:
    """Chunks (from one absolute position to the next) of runs shaped together: the same font and size and one
    bidirectional level (and at most what HarfBuzz is given at once); each character with its level."""
    chunks: list[list[list[tuple[_Character, int]]]] = []
    for character, level in zip(characters, levels):
        if not chunks or character.x is not None or character.y is not None:
            chunks.append([[(character, level)]])
            continue
        run = chunks[-1][-1]
        if len(run) < MAX_CHARACTERS and run[-1][1] == level and _font_key(run[-1][0].place) == _font_key(
                character.place):
            run.append((character, level))
        else:
            chunks[-1].append([(character, level)])
    return chunks


@dataclass
class _Chunk:
    """Glyphs from one absolute position on: text-anchor aligns each chunk on its own."""

    start: float
    glyphs: list[_Placed]
    rtl: bool = False  # the text's direction: text-anchor's start is the chunk's right end


def _rotated(rings: tuple[np.ndarray, ...], degrees: float | None) -> list[np.ndarray]:
    if not degrees:
        return list(rings)
    turn = math.radians(degrees)
    rotation = np.array([[math.cos(turn), math.sin(turn)], [-math.sin(turn), math.cos(turn)]])
    return [ring @ rotation for ring in rings]


def _shaped(drawer: Drawer, runs: list[list[tuple[_Character, int]]],
            tolerance: float) -> list[tuple[_Character, Glyph, tuple[float, float]]]:
    """A chunk's runs shaped, each in its direction, in the order they are seen: every glyph with the character it
    draws and its font's ascent and descent; characters the font lacks are counted."""
    from .glyphs import ascent_descent, shape

    shaped: list[tuple[_Character, Glyph, tuple[float, float]]] = []
    missing = drawer.drawing.missing_glyphs
    for run in bidi.visual_order(runs, [run[0][1] for run in runs]):
        size = run[0][0].place.lengths.font_size
        if size <= 0:
            continue
        drawer.drawing.characters += len(run)
        if drawer.drawing.characters > MAX_TEXT_CHARACTERS:
            raise TooMuchText
        font = _font(drawer, run[0][0].place)
        glyphs = shape("".join(c.text for c, _ in run), font, size, tolerance, direction=RUN_DIRECTION[run[0][1] % 2])
        for glyph in glyphs:
            if not glyph.rings and unicodedata.category(run[glyph.cluster][0].text) not in INKLESS:
                missing[font.family] = missing.get(font.family, 0) + 1
        extent = ascent_descent(font, size)
        shaped.extend((run[glyph.cluster][0], glyph, extent) for glyph in glyphs)
    return shaped


def _chunks(drawer: Drawer, characters: list[_Character], tolerance: float) -> list[_Chunk]:
    """The glyphs, placed along the line, in chunks that each start at an absolute position; a character's dx, dy
    and rotate move and turn the glyphs of its cluster."""
    chunks: list[_Chunk] = []
    pen = np.zeros(2)
    for runs in _runs(characters, _levels(characters)):
        first = runs[0][0][0]
        pen = np.array([first.x if first.x is not None else pen[0], first.y if first.y is not None else pen[1]])
        chunks.append(_Chunk(float(pen[0]), [], _rtl(first.spans[0][1])))
        shaped = _shaped(drawer, runs, tolerance)
        for index, (character, glyph, (ascent, descent)) in enumerate(shaped):
            if index == 0 or shaped[index - 1][0] is not character:  # the first glyph of its character
                pen = pen + np.array([character.dx, character.dy])
            start = float(pen[0])
            rings = [ring + pen + np.array([glyph.x_offset, glyph.y_offset])
                     for ring in _rotated(glyph.rings, character.rotate)]
            pen = pen + np.array([glyph.x_advance, glyph.y_advance])
            if index + 1 == len(shaped) or shaped[index + 1][0] is not character:
                pen[0] += (0.0 if _cursive(character.text) else _spacing(character.place, "letter-spacing")) + \
                    (_spacing(character.place, "word-spacing") if character.text == " " else 0.0)
            drawer.budget.spend(sum(len(r) for r in rings))
            baseline = float(pen[1] - glyph.y_advance)
            chunks[-1].glyphs.append(_Placed(rings, character, start, float(pen[0]), baseline - ascent,
                                             baseline + descent))
    return chunks


def _shift(glyphs: list[_Placed], by: float) -> None:
    for glyph in glyphs:
        glyph.rings = [r + np.array([by, 0.0]) for r in glyph.rings]
        glyph.start, glyph.end = glyph.start + by, glyph.end + by


def _fit_length(chunk: _Chunk, element: Any, length: float, adjust: str) -> None:
    """Stretch (or squeeze) the glyphs of ``element``'s characters in the chunk to ``length`` (textLength): by the
    space between them, or glyphs and space alike; the glyphs after them move along."""
    inside = [i for i, g in enumerate(chunk.glyphs) if any(e is element for e, _ in g.character.spans)]
    if not inside:
        return
    first, last = inside[0], inside[-1]
    start, natural = chunk.glyphs[first].start, chunk.glyphs[last].end - chunk.glyphs[first].start
    if natural <= 0:
        return
    if adjust == "spacingAndGlyphs":
        factor = length / natural
        for glyph in chunk.glyphs[first:last + 1]:
            glyph.rings = [np.column_stack([start + (r[:, 0] - start) * factor, r[:, 1]]) for r in glyph.rings]
            glyph.start, glyph.end = start + (glyph.start - start) * factor, start + (glyph.end - start) * factor
    else:
        clusters = [i for i in range(first, last + 1)
                    if i == first or chunk.glyphs[i].character is not chunk.glyphs[i - 1].character]
        extra = (length - natural) / max(1, len(clusters) - 1)
        for order, begin in enumerate(clusters):
            end = clusters[order + 1] if order + 1 < len(clusters) else last + 1
            _shift(chunk.glyphs[begin:end], extra * order)
    _shift(chunk.glyphs[last + 1:], length - natural)


def _lengths(chunks: list[_Chunk], characters: list[_Character]) -> None:
    """Apply every textLength of the text and its spans, innermost first."""
    elements: dict[int, tuple[int, Any, Place]] = {}
    for character in characters:
        for depth, (element, place) in enumerate(character.spans):
            elements.setdefault(id(element), (depth, element, place))
    for _depth, element, place in sorted(elements.values(), key=lambda item: -item[0]):
        length = place.lengths.px(element.get("textLength"), "x")
        if length is not None and length > 0:
            for chunk in chunks:
                _fit_length(chunk, element, length, element.get("lengthAdjust", "spacing"))


def layout(drawer: Drawer, element: Any, place: Place, tolerance: float,
           cells: bool = False) -> list[tuple[Place, list[Subpath]]]:
    """The outlines of a <text> element in its user units, grouped by the span whose style paints them (with
    ``cells`` the glyphs' cells instead, whose union is the text's bounding box)."""
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
    _lengths(chunks, characters)
    painted: dict[int, tuple[Place, list[Subpath]]] = {}
    for chunk in chunks:
        if not chunk.glyphs:
            continue
        anchor = ANCHORS.get(chunk.glyphs[0].character.place.style.get("text-anchor", "start").strip(), 0.0)
        anchor = 1.0 - anchor if chunk.rtl else anchor
        shift = -(chunk.glyphs[-1].end - chunk.start) * anchor
        for placed in chunk.glyphs:
            span = placed.character.place
            group = painted.setdefault(id(span), (replace(span, style={**span.style, **NONZERO_TEXT}), []))
            rings = [placed.cell()] if cells else placed.rings
            group[1].extend(Subpath(ring + np.array([shift, 0.0]), True) for ring in rings if len(ring) >= 3)
    return [value for value in painted.values() if value[1]]
