"""Read an SVG safely into the area it paints, in millimetres (the drawing itself is in ``svg_draw``).

Hostile files are refused before any geometry is made: DTDs and entities (billion laughs, external
entities), external references, absurd sizes and element counts.
"""

from __future__ import annotations

import math
import re
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeTree

from ..errors import BadInput
from ..geometry import outline
from ..i18n import _
from .crossings import TooManyCrossings
from .svg_draw import MAX_REACH_PX, Drawing, TooFar, draw_document
from .svg_path import Budget, TooManyPoints
from .svg_style import TooManyRules
from .svg_text import MAX_TEXT_CHARACTERS, TextFailed, TooMuchText
from .svg_tree import href, local

MAX_SVG_BYTES = 20 * 1024 * 1024
MAX_ELEMENTS = 20_000  # also counted with every <use> drawn out; 20,000 small paths take about 6 s here
MAX_PATH_COMMANDS = 100_000  # path commands and polygon points in the whole drawing; 100,000 take about 3 s
MAX_DEPTH = 200  # elements inside elements
MAX_SEGMENTS = 2_000_000
MAX_SIZE_MM = 5000.0
MM_PER_PX = 25.4 / 96.0
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
COMMAND = re.compile(r"[MLHVCSQTAZmlhvcsqtaz]")
# elements that draw another file's content (or an embedded bitmap) where they stand; any other href to outside
# the drawing (a hyperlink, a gradient's template, a text path) draws nothing of it, as in a browser showing the SVG
# as a picture
DRAWS_WHAT_IT_REFERS_TO = {"use", "image", "feImage"}


def looks_like_svg(data: bytes, name: str) -> bool:
    """True for an .svg name or a document whose root is <svg>."""
    return name.lower().endswith((".svg", ".svgz")) or b"<svg" in data[:4096]


def _refuse(code: str, message: str, name: str) -> BadInput:
    return BadInput(code, message, file=name)


def _vet(data: bytes, name: str) -> tuple[Any, set[int]]:
    """The document's root, parsed with a safe parser, and the <use> elements that draw themselves; what must not
    reach the geometry is refused."""
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
        value = href(element)
        if value and not value.startswith("#") and local(element) in DRAWS_WHAT_IT_REFERS_TO:
            raise _refuse("svg_external_reference",
                          _("{file}: the SVG refers to another file or an embedded bitmap ({reference}), which "
                            "img2print does not follow. Keep only vector shapes in it.")
                          .format(file=name, reference=value[:60]), name)
    circular = _vet_structure(root, name)
    for key in ("width", "height", "viewBox"):
        for number in NUMBER.findall(root.get(key, "")):
            if not math.isfinite(float(number)) or abs(float(number)) > 1e7:
                raise _refuse("svg_absurd_size", _("{file}: the SVG's {attribute} is absurd ({value}).")
                              .format(file=name, attribute=key, value=root.get(key)), name)
    return root, circular


def _reference(element: Any, ids: dict[str, Any]) -> Any | None:
    """The element a <use> draws, or None."""
    if local(element) != "use":
        return None
    target = href(element)
    return ids.get(target[1:]) if target.startswith("#") else None


def _circular_uses(root: Any, ids: dict[str, Any]) -> set[int]:
    """The <use> elements whose drawing would contain themselves (a loop of references), which SVG says are in
    error and browsers leave out: those in a cycle of the graph of children and references (Tarjan's strongly
    connected components, without recursion)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[Any] = []
    circular: set[int] = set()
    for start in root.iter():
        if id(start) in index:
            continue
        work: list[tuple[Any, Any]] = [(start, iter(_next_elements(start, ids)))]
        index[id(start)] = low[id(start)] = len(index)
        stack.append(start)
        on_stack.add(id(start))
        while work:
            element, following = work[-1]
            successor = next(following, None)
            if successor is not None:
                if id(successor) not in index:
                    index[id(successor)] = low[id(successor)] = len(index)
                    stack.append(successor)
                    on_stack.add(id(successor))
                    work.append((successor, iter(_next_elements(successor, ids))))
                elif id(successor) in on_stack:
                    low[id(element)] = min(low[id(element)], index[id(successor)])
                continue
            work.pop()
            if work:
                low[id(work[-1][0])] = min(low[id(work[-1][0])], low[id(element)])
            if low[id(element)] == index[id(element)]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(id(member))
                    component.append(member)
                    if member is element:
                        break
                looping = len(component) > 1 or _reference(element, ids) is element
                circular |= {id(m) for m in component if looping and local(m) == "use"}
    return circular


def _next_elements(element: Any, ids: dict[str, Any]) -> list[Any]:
    """What drawing an element draws next: its children, and for a <use> what it refers to."""
    reference = _reference(element, ids)
    return [*element, *([reference] if reference is not None else [])]


def _vet_structure(root: Any, name: str) -> set[int]:
    """Refuse nesting deeper than MAX_DEPTH and more than MAX_ELEMENTS elements once every <use> is drawn out (a
    billion laughs made of <use>), without recursion; the <use> elements that draw themselves, left out."""
    ids = {element.get("id"): element for element in root.iter() if element.get("id")}
    circular = _circular_uses(root, ids)
    size: dict[int, int] = {}
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        element, depth, finished = stack.pop()
        reference = None if id(element) in circular else _reference(element, ids)
        if finished:
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
        stack.append((element, depth, True))
        stack.extend((child, depth + 1, False) for child in element)
        if reference is not None:
            stack.append((reference, depth + 1, False))
    return circular


def load_svg(data: bytes, name: str, tolerance_mm: float) -> Drawing:
    """What an SVG paints, in mm with y up: a point at user units (x, y) lands at (x, -y) x 25.4/96."""
    root, circular = _vet(data, name)
    try:
        drawing = draw_document(root, tolerance_mm / MM_PER_PX, Budget(MAX_SEGMENTS), circular)
    except TooManyPoints as error:
        raise _refuse("svg_too_complex", _("{file}: the SVG has more than {limit:,} path points.")
                      .format(file=name, limit=MAX_SEGMENTS), name) from error
    except TooManyRules as error:
        raise _refuse("svg_too_complex", _("{file}: the SVG's style sheet has too many rules for its many "
                                           "elements; save it with presentation attributes instead (Inkscape: "
                                           "Preferences > Input/Output > SVG output).").format(file=name),
                      name) from error
    except TooManyCrossings as error:
        raise _refuse("svg_too_complex", _("{file}: a path in the SVG crosses itself about {count:,.0f} times, more "
                                           "than img2print fills in reasonable time; simplify it (Inkscape: Path > "
                                           "Simplify).").format(file=name, count=error.crossings), name) from error
    except TooMuchText as error:
        raise _refuse("svg_too_complex", _("{file}: the SVG's text has more than {limit:,} characters, counted with "
                                           "every <use> drawn out.").format(file=name, limit=MAX_TEXT_CHARACTERS),
                      name) from error
    except TextFailed as error:
        raise _refuse("svg_text_failed", _("{file}: the SVG's text could not be drawn ({reason}); convert it to "
                                           "paths in the drawing program (Inkscape: Path > Object to Path).")
                      .format(file=name, reason=error), name) from error
    except TooFar as error:
        raise _refuse("svg_absurd_size", _("{file}: a shape is transformed to lie more than {limit:,.0f} km out; "
                                           "nothing printable is that large.")
                      .format(file=name, limit=MAX_REACH_PX * MM_PER_PX / 1e6), name) from error
    if drawing.region.is_empty():
        raise _refuse("svg_empty", _("{file}: the SVG paints no filled shape or stroke.").format(file=name), name)
    drawing.region = drawing.region.scale((MM_PER_PX, -MM_PER_PX))
    x0, y0, x1, y1 = outline.bounds(drawing.region)
    if max(x1 - x0, y1 - y0) > MAX_SIZE_MM:
        raise _refuse("svg_absurd_size", _("{file}: the drawing is {size:,.0f} mm across; nothing printable is "
                                           "that large.").format(file=name, size=max(x1 - x0, y1 - y0)), name)
    return drawing
