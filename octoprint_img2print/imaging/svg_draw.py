"""Draw an SVG's elements in document order into the area that shows ink, as a browser paints it on a white page.

Viewports (the root, nested <svg>, <symbol> through <use>) scale and clip, groups pass on style, opacity and
transforms (with transform-origin), <switch> draws its first child whose conditions hold, clip-path clips, and
later shapes paint over earlier ones: a shape in the page's white cuts what lies below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..geometry import outline
from . import svg_path, svg_text
from .crossings import require_few_crossings
from .svg_paint import ERASE, INK, opacity, paint_effect
from .svg_path import SHAPES, shape_subpaths
from .svg_stroke import Pen, stroke
from .svg_style import Cascade, Style, computed, root_style
from .svg_tree import local, referenced
from .svg_values import Lengths, font_size, matrix, numbers, transform, transform_origin, translation, viewbox_matrix

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

MAX_REACH_PX = 1e9  # about 260 km; the geometry kernel refuses coordinates not far beyond
GROUPS = {"g", "a", "switch"}
FILLED = {"use", "text"} | SHAPES  # what a clipPath's child may be, and what has a bounding box of its own
DRAWN = GROUPS | FILLED | {"svg"}
LANGUAGES = ("en",)
HIDDEN_OVERFLOW = {"hidden", "scroll", "clip"}
ELEMENT_BOXES = ("fill-box", "stroke-box", "content-box", "border-box")  # transform-boxes that are the element's
STROKE_BOXES = ("stroke-box", "border-box")
UNSUPPORTED = {"mask": "mask", "filter": "filter", "marker-start": "marker", "marker-mid": "marker",
               "marker-end": "marker"}


class TooFar(Exception):
    """A transformed shape reaches further out than the geometry kernel can hold."""


@dataclass
class Drawing:
    """What an SVG paints (root px, y down), the fonts its text used, what of it was not drawn, and how many
    characters of its text each font lacked."""

    region: outline.Region
    fonts: set[str] = field(default_factory=set)
    ignored: set[str] = field(default_factory=set)
    missing_glyphs: dict[str, int] = field(default_factory=dict)
    characters: int = 0  # of its text, shaped so far


@dataclass(frozen=True)
class Place:
    """Where an element is drawn: its transform to root px, style, lengths, clip (root px) and opacity."""

    ctm: np.ndarray
    style: Style
    lengths: Lengths
    clip: outline.Region | None = None
    alpha: float = 1.0
    context: tuple[str | None, str | None] = (None, None)


def _conditions_hold(element: Any) -> bool:
    """requiredExtensions (none supported) and systemLanguage (English) of conditional processing."""
    if element.get("requiredExtensions") is not None:
        return False
    languages = element.get("systemLanguage")
    if languages is None:
        return True
    return any(word.strip().lower().split("-")[0] in LANGUAGES for word in languages.split(","))


def apply(ctm: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Points (n, 2) through a transform; TooFar when any lands out of reach (or is not a number)."""
    with np.errstate(over="ignore", invalid="ignore"):
        moved = points @ ctm[:2, :2].T + ctm[:2, 2]
    if not np.all(np.abs(moved) < MAX_REACH_PX):
        raise TooFar
    return moved


def geometry_region(geometry: BaseGeometry, ctm: np.ndarray) -> outline.Region:
    """A shapely area (disjoint polygons) through a transform, as a region."""
    rings = [apply(ctm, np.asarray(ring.coords)) for polygon in getattr(geometry, "geoms", [geometry])
             if not polygon.is_empty for ring in [polygon.exterior, *polygon.interiors]]
    return outline.region(rings, outline.EVENODD)


class Painter:
    """Paints ink and the page's white in order.

    Ink stays in separate pieces until the end, each with its bounding box, so that white painted over it cuts
    only the pieces it reaches: a drawing of many small shapes in black and white costs what its overlaps cost,
    not one growing boolean operation per shape.
    """

    def __init__(self) -> None:
        self._ink: list[outline.Region] = []
        self._boxes = np.empty((64, 4))

    def paint(self, effect: str | None, area: outline.Region, clip: outline.Region | None) -> None:
        """Add ``area`` as ink, or paint white over it."""
        if effect is None or area.is_empty():
            return
        if clip is not None:
            area = area ^ clip
            if area.is_empty():
                return
        box = outline.bounds(area)
        if effect == INK:
            if len(self._ink) == len(self._boxes):
                self._boxes = np.concatenate([self._boxes, np.empty_like(self._boxes)])
            self._boxes[len(self._ink)] = box
            self._ink.append(area)
        elif effect == ERASE and self._ink:
            boxes = self._boxes[:len(self._ink)]
            reached = np.nonzero((boxes[:, 0] < box[2]) & (boxes[:, 2] > box[0]) & (boxes[:, 1] < box[3])
                                 & (boxes[:, 3] > box[1]))[0]
            for index in reached:
                left = self._ink[index] - area
                self._ink[index] = left
                self._boxes[index] = outline.bounds(left) if not left.is_empty() else (0.0, 0.0, 0.0, 0.0)

    def result(self) -> outline.Region:
        """Everything painted as ink and not painted over."""
        return outline.union(self._ink)


class Drawer:
    """Walks one SVG document and paints it."""

    def __init__(self, root: Any, tolerance_px: float, budget: svg_path.Budget,
                 circular: set[int] | None = None) -> None:
        self.root, self.tolerance, self.budget = root, tolerance_px, budget
        self.circular = circular or set()  # the <use> elements that would draw themselves: in error, not drawn
        self.cascade = Cascade(root)
        self.ids = {element.get("id"): element for element in root.iter() if element.get("id")}
        self.parents = {id(child): parent for parent in root.iter() for child in parent}
        self.painter = Painter()
        self.drawing = Drawing(outline.empty())
        self._drawing_now: set[int] = set()
        self._measuring: set[int] = set()  # elements whose own bounding box is being found (for their transform-box)

    # --- places ------------------------------------------------------------------------------------------------

    def _style(self, element: Any, place: Place) -> tuple[Style, Lengths]:
        declared = self.cascade.declared(element)
        style = computed(place.style, declared)
        size = font_size(declared.get("font-size"), place.lengths, place.lengths.font_size)
        return style, place.lengths.with_font_size(size)

    def _transform(self, style: Style, lengths: Lengths, element: Any = None, place: Place | None = None) -> np.ndarray:
        """The element's transform (the attribute, or CSS's property) about its transform-origin, which is in its
        transform-box: the viewport, or the element's own bounding box."""
        own = transform(style.get("transform"))
        if own is None or np.array_equal(own, np.eye(3)):
            return np.eye(3)
        box = self._reference_box(element, place, style, lengths) if place is not None else None
        if box is None:
            x, y = transform_origin(style.get("transform-origin", "0 0"), lengths)
        else:
            x, y = transform_origin(style.get("transform-origin", "0 0"),
                                    replace(lengths, width=box[2] - box[0], height=box[3] - box[1]))
            x, y = x + box[0], y + box[1]
        with np.errstate(over="ignore", invalid="ignore"):
            return translation(x, y) @ own @ translation(-x, -y)

    def _reference_box(self, element: Any, place: Place, style: Style,
                       lengths: Lengths) -> tuple[float, float, float, float] | None:
        """The element's bounding box in its own user units when its transform-box is one of the element's boxes
        (fill-box; stroke-box with half the stroke around it; CSS's content-box and border-box are those for SVG),
        else None: the viewport (view-box, the initial value)."""
        kind = style.get("transform-box", "view-box").strip().lower()
        if kind not in ELEMENT_BOXES or id(element) in self._measuring:
            return None
        self._measuring.add(id(element))
        try:
            box = self._bounds(element, place)
        finally:
            self._measuring.discard(id(element))
        if box is None or kind not in STROKE_BOXES or style.get("stroke", "none").strip() == "none":
            return box
        half = (lengths.px(style.get("stroke-width", "1")) or 0.0) / 2
        return box[0] - half, box[1] - half, box[2] + half, box[3] + half

    def enter(self, element: Any, place: Place) -> Place | None:
        """The place inside ``element``: None when it is not drawn at all (display none, failed conditions)."""
        if not _conditions_hold(element):
            return None
        style, lengths = self._style(element, place)
        if style.get("display", "inline").strip() == "none":
            return None
        for name, feature in UNSUPPORTED.items():
            if style.get(name, "none").strip() not in ("none", ""):
                self.drawing.ignored.add(feature)
        with np.errstate(over="ignore", invalid="ignore"):
            ctm = place.ctm @ self._transform(style, lengths, element, place)
        if not np.all(np.isfinite(ctm)):
            raise TooFar
        inner = Place(ctm, style, lengths, place.clip, place.alpha * opacity(style.get("opacity")), place.context)
        clip = self._clip_path(element, inner)
        if clip is not None:
            inner = replace(inner, clip=clip if place.clip is None else clip ^ place.clip)
        return inner

    def _viewport(self, place: Place, box: tuple[float, float, float, float], view_box: str | None,
                  aspect: str | None, overflow: str) -> Place | None:
        """A new viewport at ``box`` (x, y, width, height in the current user units) with its viewBox."""
        x, y, width, height = box
        if width <= 0 or height <= 0:
            return None
        values = numbers(view_box)
        ctm, lengths = place.ctm @ translation(x, y), place.lengths.within(width, height)
        if len(values) == 4 and values[2] >= 0 and values[3] >= 0:
            if values[2] == 0 or values[3] == 0:
                return None
            ctm = ctm @ viewbox_matrix(values, width, height, aspect)
            lengths = place.lengths.within(values[2], values[3])
        clip = place.clip
        if overflow.strip() in HIDDEN_OVERFLOW:
            corners = apply(place.ctm, np.array([[x, y], [x + width, y], [x + width, y + height], [x, y + height]]))
            rectangle = outline.region([corners], outline.NONZERO)
            clip = rectangle if clip is None else rectangle ^ clip
        return Place(ctm, place.style, lengths, clip, place.alpha, place.context)

    # --- drawing -----------------------------------------------------------------------------------------------

    def draw_root(self, place: Place, box: tuple[float, float, float, float] | None) -> Drawing:
        """Draw the whole document, clipped to its root viewport ``box`` when it has one."""
        inner = self.enter(self.root, place)
        if inner is not None:  # rem is the root's font size
            inner = replace(inner, lengths=replace(inner.lengths, root_font_size=inner.lengths.font_size))
        if inner is not None and box is not None:
            inner = self._viewport(inner, box, self.root.get("viewBox"), self.root.get("preserveAspectRatio"),
                                   "hidden")
        if inner is not None:
            self._children(self.root, inner)
        self.drawing.region = self.painter.result()
        return self.drawing

    def _children(self, element: Any, place: Place) -> None:
        children = [child for child in element if isinstance(child.tag, str)]
        if local(element) == "switch":
            children = next(([c] for c in children if _conditions_hold(c) and local(c) in DRAWN), [])
        for child in children:
            self.draw(child, place)

    def draw(self, element: Any, place: Place) -> None:
        """Draw one element (and what it holds) at ``place``."""
        kind = local(element)
        if kind not in DRAWN or id(element) in self._drawing_now:
            return
        inner = self.enter(element, place)
        if inner is None:
            return
        self._drawing_now.add(id(element))
        try:
            if kind in GROUPS:
                self._children(element, inner)
            elif kind == "svg":
                self._nested_svg(element, inner, element)
            elif kind == "use":
                self._use(element, inner)
            elif kind == "text":
                self._text(element, inner)
            else:
                self._shape(element, inner)
        finally:
            self._drawing_now.discard(id(element))

    def _nested_svg(self, element: Any, place: Place, sizes: Any) -> None:
        """An <svg> (or a <symbol> drawn by a <use>): a clipping viewport; ``sizes`` gives its box."""
        lengths = place.lengths

        def length(name: str, axis: str, default: str) -> float:
            value = lengths.px(sizes.get(name) or element.get(name) or default, axis)
            return value if value is not None else lengths.px(default, axis) or 0.0

        box = (length("x", "x", "0"), length("y", "y", "0"), length("width", "x", "100%"),
               length("height", "y", "100%"))
        overflow = place.style.get("overflow", "visible") if "overflow" in self.cascade.declared(element) \
            else "hidden"
        viewport = self._viewport(place, box, element.get("viewBox"), element.get("preserveAspectRatio"), overflow)
        if viewport is not None:
            self._children(element, viewport)

    def _use(self, element: Any, place: Place) -> None:
        """What a <use> draws: its target moved by x and y, a <symbol> or <svg> sized into its width and height."""
        target = referenced(element, self.ids)
        if id(element) in self.circular:
            self.drawing.ignored.add("use_loop")
            return
        if target is None or id(target) in self._drawing_now:
            return
        x, y = place.lengths.px(element.get("x"), "x") or 0.0, place.lengths.px(element.get("y"), "y") or 0.0
        context = (self._effect("fill", place, place.alpha), self._effect("stroke", place, place.alpha))
        moved = replace(place, ctm=place.ctm @ translation(x, y), context=context)
        if local(target) not in ("symbol", "svg"):
            self.draw(target, moved)
            return
        inner = self.enter(target, moved)
        if inner is not None:
            self._drawing_now.add(id(target))
            try:
                self._nested_svg(target, inner, _UseSizes(element))
            finally:
                self._drawing_now.discard(id(target))

    def _effect(self, part: str, place: Place, alpha: float, flat_box: bool = False) -> str | None:
        """What the fill or stroke of ``place``'s style does at ``alpha`` (an invalid fill paints black) on an
        element whose bounding box may be flat (no width or no height)."""
        style = place.style
        return paint_effect(style.get(part), alpha, style.get("color", "black"), self.ids,
                            place.context[0 if part == "fill" else 1], INK if part == "fill" else None,
                            self.cascade.declared, flat_box)

    def _tolerance(self, ctm: np.ndarray) -> float | None:
        stretch = float(np.linalg.norm(ctm[:2, :2], 2))
        return self.tolerance / stretch if stretch > 0 else None

    def _shape(self, element: Any, place: Place) -> None:
        tolerance = self._tolerance(place.ctm)
        if tolerance is None:
            return
        subpaths = shape_subpaths(element, place.lengths, tolerance, self.budget)
        if subpaths:
            self.paint_outline(subpaths, place, filled=local(element) != "line")

    def _text(self, element: Any, place: Place) -> None:
        tolerance = self._tolerance(place.ctm)
        if tolerance is None:
            return
        for span_place, subpaths in svg_text.layout(self, element, place, tolerance):
            self.paint_outline(subpaths, span_place, filled=True, glyphs=True)

    def paint_outline(self, subpaths: list[svg_path.Subpath], place: Place, filled: bool,
                      glyphs: bool = False) -> None:
        """Fill and stroke an outline in paint order, as its style says (``glyphs``: a font's outlines, which
        do not scribble over themselves)."""
        style = place.style
        if style.get("visibility", "visible").strip() in ("hidden", "collapse"):
            return
        order = ["stroke", "fill"] if style.get("paint-order", "normal").split()[:1] == ["stroke"] \
            else ["fill", "stroke"]
        points = np.concatenate([s.points for s in subpaths]) if subpaths else np.zeros((1, 2))
        flat = bool(np.any(np.ptp(points, axis=0) <= 0))
        for part in order:
            effect = self._effect(part, place, place.alpha * opacity(style.get(f"{part}-opacity")), flat)
            if effect is None or (part == "fill" and not filled):
                continue
            area = self._fill(subpaths, place, glyphs=glyphs) if part == "fill" else self._stroke(subpaths, place)
            self.painter.paint(effect, area, place.clip)

    def _fill(self, subpaths: list[svg_path.Subpath], place: Place, rule_property: str = "fill-rule",
              glyphs: bool = False) -> outline.Region:
        """The area the subpaths enclose by the fill (or clip) rule, in root px; rings wholly outside the clip
        are left out first (they cannot wind around any point inside it)."""
        rule = outline.EVENODD if place.style.get(rule_property, "nonzero").strip() == "evenodd" \
            else outline.NONZERO
        rings = [apply(place.ctm, s.points) for s in subpaths if len(s.points) >= 3]
        if place.clip is not None and rings:
            x0, y0, x1, y1 = outline.bounds(place.clip)
            rings = [r for r in rings if r[:, 0].min() < x1 and r[:, 0].max() > x0 and r[:, 1].min() < y1
                     and r[:, 1].max() > y0]
        if not glyphs:
            require_few_crossings(rings)
        return outline.region(rings, rule)

    def _stroke(self, subpaths: list[svg_path.Subpath], place: Place) -> outline.Region:
        style, lengths = place.style, place.lengths
        width = lengths.px(style.get("stroke-width"), "xy")
        if width is None or width <= 0:
            return outline.empty()
        ctm = place.ctm
        if "non-scaling-stroke" in style.get("vector-effect", ""):
            subpaths = [svg_path.Subpath(apply(ctm, s.points), s.closed) for s in subpaths]
            ctm = np.eye(3)
        require_few_crossings([s.points for s in subpaths], closed=False)
        limit = numbers(style.get("stroke-miterlimit"))
        dashes = [lengths.px(d, "xy") for d in style.get("stroke-dasharray", "none").replace(",", " ").split()]
        usable = all(d is not None and d >= 0 for d in dashes) and sum(d or 0 for d in dashes) > 0
        pen = Pen(width, style.get("stroke-linecap", "butt").strip(), style.get("stroke-linejoin", "miter").strip(),
                  limit[0] if len(limit) == 1 and limit[0] >= 1 and style.get("stroke-miterlimit", "4").strip()
                  .replace(".", "", 1).isdigit() else 4.0,
                  tuple(d or 0.0 for d in dashes) * (2 if len(dashes) % 2 else 1) if usable else (),
                  lengths.px(style.get("stroke-dashoffset"), "xy") or 0.0)
        return geometry_region(stroke(subpaths, pen), ctm)

    # --- clipping ----------------------------------------------------------------------------------------------

    def _style_above(self, element: Any) -> Style:
        """The style ``element`` inherits from where it stands in the document (a clipPath's own parents)."""
        chain = []
        parent = self.parents.get(id(element))
        while parent is not None:
            chain.append(parent)
            parent = self.parents.get(id(parent))
        style = root_style()
        for ancestor in reversed(chain):
            style = computed(style, self.cascade.declared(ancestor))
        return style

    def _clip_path(self, element: Any, place: Place) -> outline.Region | None:
        """The clip-path's area in root px, or None when the element has none (a broken reference clips nothing
        away, as browsers do). The clipPath takes its style from its own parents; display and conditions on it do
        not apply (it is never drawn itself); its transform comes before an objectBoundingBox mapping."""
        value = place.style.get("clip-path", "none").strip()
        if not value.startswith("url("):
            return None
        target = self.ids.get(value[4:].split(")")[0].strip("'\" #"))
        if target is None or local(target) != "clipPath" or id(target) in self._drawing_now:
            return None
        self._drawing_now.add(id(target))
        try:
            style = computed(self._style_above(target), self.cascade.declared(target))
            ctm = place.ctm @ self._transform(style, place.lengths)
            if target.get("clipPathUnits") == "objectBoundingBox":
                box = self._bounds(element, place)
                if box is None:
                    return outline.empty()
                ctm = ctm @ matrix(box[2] - box[0], 0, 0, box[3] - box[1], box[0], box[1])
            clip_place = Place(ctm, style, place.lengths)
            own = self._clip_path(target, clip_place)
            area = outline.union([self._geometry(child, clip_place) for child in target if local(child)])
            return area ^ own if own is not None else area
        finally:
            self._drawing_now.discard(id(target))

    def _geometry(self, element: Any, place: Place, *, own_space: bool = False,
                  hidden_too: bool = False) -> outline.Region:
        """The area an element covers (its fill geometry by clip-rule, paint ignored): a clipPath's child, or with
        ``hidden_too`` a bounding box's content; ``own_space`` leaves out the element's own transform."""
        kind = local(element)
        inner = self.enter(element, place) if kind in FILLED else None
        if inner is None or (not hidden_too and inner.style.get("visibility", "visible").strip() in ("hidden",
                                                                                                    "collapse")):
            return outline.empty()
        if own_space:
            inner = replace(inner, ctm=place.ctm, clip=None)
        tolerance = self._tolerance(inner.ctm)
        if tolerance is None:
            return outline.empty()
        if kind == "use":
            target = referenced(element, self.ids)
            if target is None or id(target) in self._drawing_now or id(element) in self.circular:
                return outline.empty()
            x, y = inner.lengths.px(element.get("x"), "x") or 0.0, inner.lengths.px(element.get("y"), "y") or 0.0
            area = self._geometry(target, replace(inner, ctm=inner.ctm @ translation(x, y)), hidden_too=hidden_too)
        elif kind == "text":  # a bounding box unites the glyphs' cells, a clip their outlines
            area = outline.union([self._fill(subpaths, span, "clip-rule")
                                  for span, subpaths in svg_text.layout(self, element, inner, tolerance,
                                                                        cells=hidden_too)])
        else:
            area = self._fill(shape_subpaths(element, inner.lengths, tolerance, self.budget), inner, "clip-rule")
        return area ^ inner.clip if inner.clip is not None else area

    def _extent(self, element: Any, place: Place) -> outline.Region:
        """What a group's child covers, hidden parts included, in the coordinates of ``place``."""
        kind = local(element)
        if kind in FILLED:
            return self._geometry(element, place, hidden_too=True)
        inner = self.enter(element, place) if kind in GROUPS else None
        if inner is None:
            return outline.empty()
        return outline.union([self._extent(child, replace(inner, clip=None)) for child in element if local(child)])

    def _bounds(self, element: Any, place: Place) -> tuple[float, float, float, float] | None:
        """The element's bounding box in its own user units (fill geometry, hidden parts included), for
        objectBoundingBox units."""
        plain = Place(np.eye(3), place.style, place.lengths)
        if local(element) in FILLED:
            area = self._geometry(element, plain, own_space=True, hidden_too=True)
        else:
            area = outline.union([self._extent(child, plain) for child in element if local(child)])
        return None if area.is_empty() else outline.bounds(area)


class _UseSizes:
    """A <use>'s width and height, which size the <symbol> or <svg> it draws (x and y are the use's move)."""

    def __init__(self, use: Any) -> None:
        self._use = use

    def get(self, name: str) -> str | None:
        return self._use.get(name) if name in ("width", "height") else None


def draw_document(root: Any, tolerance_px: float, budget: svg_path.Budget,
                  circular: set[int] | None = None) -> Drawing:
    """The ink of a parsed SVG document in root px (y down), leaving out the ``circular`` <use> elements."""
    base = Lengths(100.0, 100.0)
    width, height = base.px(root.get("width"), "x"), base.px(root.get("height"), "y")
    box = numbers(root.get("viewBox"))
    has_box = len(box) == 4 and box[2] > 0 and box[3] > 0
    relative = [str(root.get(k, "")).strip().endswith("%") or root.get(k) is None for k in ("width", "height")]
    if has_box:
        width = box[2] if relative[0] else width
        height = box[3] if relative[1] else height
    sized = width is not None and height is not None and (has_box or not any(relative))
    lengths = Lengths(width if sized else 100.0, height if sized else 100.0, root_width=width if sized else 100.0,
                      root_height=height if sized else 100.0)
    place = Place(np.eye(3), root_style(), lengths)
    return Drawer(root, tolerance_px, budget, circular).draw_root(place, (0.0, 0.0, width, height) if sized else None)
