"""Read an SVG safely into a filled region in millimetres: paths, shapes, transforms, units, fill rules, strokes.

Hostile files are refused before any geometry is made: DTDs and entities (billion laughs, external
entities), external references, text without fonts, absurd sizes and element counts.
"""

from __future__ import annotations

import io
import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeTree

from ..errors import BadInput
from ..geometry import outline
from ..i18n import _

if TYPE_CHECKING:
    import svgelements as svg

MAX_SVG_BYTES = 20 * 1024 * 1024
MAX_ELEMENTS = 20_000  # also counted with every <use> drawn out; 20,000 small paths take about 6 s here
MAX_PATH_COMMANDS = 100_000  # path commands and polygon points in the whole drawing; 100,000 take about 3 s
MAX_DEPTH = 200  # elements inside elements
MAX_SEGMENTS = 2_000_000
MAX_SIZE_MM = 5000.0
MM_PER_PX = 25.4 / 96.0
MAX_REACH_PX = 1e9  # about 260 km; the geometry kernel refuses coordinates not far beyond
LINE_CAPS = {"butt": "flat", "round": "round", "square": "square"}
LINE_JOINS = {"miter": "mitre", "round": "round", "bevel": "bevel"}
IDENTITY = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
COMMAND = re.compile(r"[MLHVCSQTAZmlhvcsqtaz]")


class _TooFar(Exception):
    """A transformed shape reaches further out than the geometry kernel can hold."""


def looks_like_svg(data: bytes, name: str) -> bool:
    """True for an .svg name or a document whose root is <svg>."""
    return name.lower().endswith((".svg", ".svgz")) or b"<svg" in data[:4096]


def _refuse(code: str, message: str, name: str) -> BadInput:
    return BadInput(code, message, file=name)


def _vet(data: bytes, name: str) -> None:
    """Parse with a safe parser and refuse what must not reach the geometry."""
    if len(data) > MAX_SVG_BYTES:
        raise _refuse("svg_too_large", _("{file}: the SVG is larger than 20 MB.").format(file=name), name)
    try:
        root = SafeTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise _refuse("svg_unsafe", _("{file}: the SVG declares a DTD or entities, which img2print refuses for "
                                      "safety. Save it again as plain SVG.").format(file=name), name) from error
    except (SyntaxError, ValueError) as error:
        raise _refuse("svg_damaged", _("{file}: this is not a well-formed SVG ({reason}).")
                      .format(file=name, reason=error), name) from error
    if not root.tag.endswith("svg"):
        raise _refuse("svg_damaged", _("{file}: the document is not an SVG drawing.").format(file=name), name)
    commands = 0
    for count, element in enumerate(root.iter(), start=1):
        commands += len(COMMAND.findall(element.get("d", ""))) + len(NUMBER.findall(element.get("points", ""))) // 2
        if commands > MAX_PATH_COMMANDS:
            raise _refuse("svg_too_complex", _("{file}: the SVG's paths have more than {limit:,} commands; simplify "
                                               "it (Inkscape: Path > Simplify).").format(file=name,
                                                                                         limit=MAX_PATH_COMMANDS),
                          name)
        if count > MAX_ELEMENTS:
            raise _refuse("svg_too_complex", _("{file}: the SVG has more than {limit:,} elements.")
                          .format(file=name, limit=MAX_ELEMENTS), name)
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("text", "tspan", "textPath", "flowRoot"):
            raise _refuse("svg_text", _("{file}: the SVG contains text, which needs fonts to become a shape. "
                                        "Convert the text to paths first (Inkscape: Path > Object to Path; "
                                        "Illustrator: Create Outlines).").format(file=name), name)
        for key, value in element.attrib.items():
            if key.rsplit("}", 1)[-1] == "href" and not value.startswith("#"):
                raise _refuse("svg_external_reference",
                              _("{file}: the SVG refers to another file or an embedded bitmap ({reference}), which "
                                "img2print does not follow. Keep only vector shapes in it.")
                              .format(file=name, reference=value[:60]), name)
    _vet_structure(root, name)
    for key in ("width", "height", "viewBox"):
        for number in NUMBER.findall(root.get(key, "")):
            if not math.isfinite(float(number)) or abs(float(number)) > 1e7:
                raise _refuse("svg_absurd_size", _("{file}: the SVG's {attribute} is absurd ({value}).")
                              .format(file=name, attribute=key, value=root.get(key)), name)


def _reference(element: Any, ids: dict[str, Any]) -> Any | None:
    """The element a <use> draws, or None."""
    if element.tag.rsplit("}", 1)[-1] != "use":
        return None
    target = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "href"), "")
    return ids.get(target[1:]) if target.startswith("#") else None


def _vet_structure(root: Any, name: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, <use> elements that draw themselves (a loop), and more than
    MAX_ELEMENTS elements once every <use> is drawn out (a billion laughs made of <use>); without recursion."""
    ids = {element.get("id"): element for element in root.iter() if element.get("id")}
    size: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        element, depth, finished = stack.pop()
        reference = _reference(element, ids)
        if finished:
            visiting.discard(id(element))
            size[id(element)] = 1 + sum(size[id(child)] for child in element) + (
                size[id(reference)] if reference is not None else 0)
            if size[id(element)] > MAX_ELEMENTS:
                raise _refuse("svg_too_complex", _("{file}: the SVG has more than {limit:,} elements once its <use> "
                                                   "copies are drawn out.").format(file=name, limit=MAX_ELEMENTS),
                              name)
            continue
        if id(element) in size:
            continue
        if depth > MAX_DEPTH:
            raise _refuse("svg_too_deep", _("{file}: the SVG nests elements more than {limit} deep; flatten its "
                                            "groups (Inkscape: Ungroup).").format(file=name, limit=MAX_DEPTH), name)
        visiting.add(id(element))
        stack.append((element, depth, True))
        stack.extend((child, depth + 1, False) for child in element)
        if reference is not None:
            if id(reference) in visiting:
                raise _refuse("svg_use_loop", _("{file}: a <use> in the SVG draws itself (a loop of references); "
                                                "save the drawing again without it.").format(file=name), name)
            stack.append((reference, depth + 1, False))


def _flatten(segment: svg.PathSegment, tolerance: float) -> np.ndarray:
    """Points along a curved segment, doubled until the chords stay within the tolerance."""
    count = 4
    while True:
        points = segment.npoint(np.linspace(0.0, 1.0, count + 1))
        middle = segment.npoint(np.linspace(0.0, 1.0, 2 * count + 1)[1::2])
        chords = (points[:-1] + points[1:]) / 2
        if count >= 4096 or np.abs(middle - chords).max() <= tolerance:
            return points[1:]
        count *= 2


def _subpaths(path: svg.Path, tolerance: float, budget: list[int]) -> list[np.ndarray]:
    """Every subpath of a path as a polyline, in the path's own (untransformed) units."""
    import svgelements as svg

    lines = []
    for subpath in path.as_subpaths():
        points: list[np.ndarray] = []
        for segment in subpath:
            if isinstance(segment, svg.Move):
                points.append(np.array([[segment.end.x, segment.end.y]]))
            elif isinstance(segment, (svg.Line, svg.Close)):
                if segment.end is not None:
                    points.append(np.array([[segment.end.x, segment.end.y]]))
            else:
                points.append(_flatten(segment, tolerance))
            budget[0] += len(points[-1]) if points else 0
        if budget[0] > MAX_SEGMENTS:
            raise OverflowError
        if points:
            lines.append(np.concatenate(points))
    return lines


def _affine(shape: svg.Shape) -> np.ndarray:
    """The element's whole transform (its own, its groups' and the viewBox's) as a 3 x 2 matrix for row points;
    _TooFar for one that overflowed."""
    m = shape.transform
    affine = np.array([[m.a, m.b], [m.c, m.d], [m.e, m.f]], dtype=np.float64)
    if not np.all(np.isfinite(affine)):
        raise _TooFar
    return affine


def _apply(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Points (n, 2) through an affine 3 x 2 matrix; _TooFar when any lands out of reach (or is not a number)."""
    with np.errstate(over="ignore", invalid="ignore"):
        moved = points @ affine[:2] + affine[2]
    if not np.all(np.abs(moved) < MAX_REACH_PX):
        raise _TooFar
    return moved


def _paints(color: svg.Color | None) -> bool:
    """True for a fill or stroke that puts down any ink."""
    return color is not None and color.value is not None and color.alpha > 0


def _stroke_region(shape: svg.Shape, lines: list[np.ndarray], affine: np.ndarray) -> outline.Region:
    """The stroke's area in px: drawn in the element's own units, then transformed with it (so it skews and
    stretches like the shape), unless the stroke is non-scaling."""
    from shapely.geometry import LineString  # strokes only

    width = float(shape.stroke_width)
    if "non-scaling-stroke" in str(shape.values.get("vector-effect", "")):
        lines, width, affine = [_apply(affine, line) for line in lines], float(shape.implicit_stroke_width), IDENTITY
    cap = LINE_CAPS.get(str(shape.values.get("stroke-linecap", "butt")).strip(), "flat")
    join = LINE_JOINS.get(str(shape.values.get("stroke-linejoin", "miter")).strip(), "mitre")
    limit = float(shape.values.get("stroke-miterlimit", 4) or 4)
    parts = []
    for line in lines:
        if len(line) >= 2:
            ribbon = LineString(line).buffer(width / 2, quad_segs=8, cap_style=cap, join_style=join, mitre_limit=limit)
            parts.append(outline.region([_apply(affine, np.asarray(ring.coords))
                                         for polygon in getattr(ribbon, "geoms", [ribbon])
                                         for ring in [polygon.exterior, *polygon.interiors]], outline.EVENODD))
    return outline.union(parts)


def _element_region(shape: svg.Shape, tolerance_px: float, budget: list[int]) -> outline.Region:
    """The area an element paints in px: its fill (by its fill rule) and its stroke, with its whole transform.

    The outline is flattened in the element's own units (svg.Path keeps them untransformed), finer by the
    transform's largest stretch, and then mapped through the transform.
    """
    import svgelements as svg

    affine = _affine(shape)
    stretch = float(np.linalg.norm(affine[:2], 2))
    if stretch == 0.0:
        return outline.empty()
    lines = _subpaths(svg.Path(shape), tolerance_px / stretch, budget)
    parts = []
    if _paints(shape.fill) and not isinstance(shape, svg.SimpleLine):
        rule = outline.EVENODD if str(shape.values.get("fill-rule", "nonzero")).strip() == "evenodd" \
            else outline.NONZERO
        parts.append(outline.region([_apply(affine, line) for line in lines if len(line) >= 3], rule))
    if _paints(shape.stroke) and float(shape.stroke_width or 0.0) > 0:
        parts.append(_stroke_region(shape, lines, affine))
    return outline.union(parts)


def load_svg(data: bytes, name: str, tolerance_mm: float) -> outline.Region:
    """The painted area of an SVG in mm, y up: a point at user units (x, y) lands at (x, -y) x 25.4/96."""
    import svgelements as svg  # drawings only

    _vet(data, name)
    try:
        document = svg.SVG.parse(io.BytesIO(data), reify=False, ppi=96.0)
        tolerance_px = tolerance_mm / MM_PER_PX
        budget = [0]
        regions = [_element_region(e, tolerance_px, budget) for e in document.elements()
                   if isinstance(e, svg.Shape) and e.values.get("visibility") != "hidden"
                   and e.values.get("display") != "none"]
    except OverflowError as error:
        raise _refuse("svg_too_complex", _("{file}: the SVG has more than {limit:,} path points.")
                      .format(file=name, limit=MAX_SEGMENTS), name) from error
    except _TooFar as error:
        raise _refuse("svg_absurd_size", _("{file}: a shape is transformed to lie more than {limit:,.0f} km out; "
                                           "nothing printable is that large.")
                      .format(file=name, limit=MAX_REACH_PX * MM_PER_PX / 1e6), name) from error
    except (ValueError, TypeError, AttributeError, IndexError, ZeroDivisionError) as error:
        raise _refuse("svg_damaged", _("{file}: the SVG could not be read ({reason}).")
                      .format(file=name, reason=error), name) from error
    painted = outline.union(regions)
    if painted.is_empty():
        raise _refuse("svg_empty", _("{file}: the SVG paints no filled shape or stroke.").format(file=name), name)
    flipped = painted.scale((MM_PER_PX, -MM_PER_PX))
    x0, y0, x1, y1 = outline.bounds(flipped)
    if max(x1 - x0, y1 - y0) > MAX_SIZE_MM:
        raise _refuse("svg_absurd_size", _("{file}: the drawing is {size:,.0f} mm across; nothing printable is "
                                           "that large.").format(file=name, size=max(x1 - x0, y1 - y0)), name)
    return flipped
