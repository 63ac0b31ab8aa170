"""What a fill or stroke does to the artwork, seen as the rendered picture shows it on a white page: it adds ink,
it paints the page's white back over what lies below (a knockout), or it leaves no mark."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .svg_tree import local, referenced
from .svg_values import colour, numbers

INK, ERASE = "ink", "erase"
UNUSABLE = "unusable"  # a gradient without stops: its reference's fallback paints, else nothing
GRADIENTS = {"linearGradient", "radialGradient"}
PAINT_SERVERS = {*GRADIENTS, "pattern"}
MAX_TEMPLATES = 32  # gradients and patterns that borrow from one another (href), followed this far
REFERENCE = re.compile(r"^\s*url\(\s*['\"]?#([^'\")\s]+)['\"]?\s*\)\s*(.*)$")
VISIBLE = 0.05  # how far from the page's white a composited colour must be to show
LIGHT = 0.95  # every channel at least this light: the page's own colour
OPAQUE = 0.5  # a light paint at least this opaque covers what lies below


def opacity(text: str | None) -> float:
    """An opacity value (number or percentage), clamped to 0..1; 1 for one in error."""
    word = (text or "1").strip()
    try:
        value = float(word[:-1]) / 100 if word.endswith("%") else float(word)
    except ValueError:
        return 1.0
    return min(1.0, max(0.0, value))


def effect(rgba: tuple[float, float, float, float], alpha: float) -> str | None:
    """INK, ERASE or None for a colour painted at ``alpha`` (its own alpha times the opacities above it)."""
    *rgb, own = rgba
    alpha *= own
    shown = [alpha * c + (1 - alpha) for c in rgb]
    if max(1 - c for c in shown) >= VISIBLE and alpha >= OPAQUE:
        return INK
    if min(rgb) >= LIGHT and alpha >= OPAQUE:
        return ERASE
    return None


Declared = Callable[[Any], dict[str, str]]


def _templates(server: Any, ids: dict[str, Any]) -> list[Any]:
    """A paint server and those it borrows stops, children or attributes from through href, without loops."""
    chain: list[Any] = []
    while server is not None and local(server) in PAINT_SERVERS and all(server is not s for s in chain) \
            and len(chain) < MAX_TEMPLATES:
        chain.append(server)
        server = referenced(server, ids)
    return chain


def _gradient_effect(chain: list[Any], alpha: float, declared: Declared) -> str | None:
    """A gradient paints as its stops: one stop is a plain colour, several paint ink where any of them shows; one
    without stops is UNUSABLE."""
    stops = next(([c for c in g if local(c) == "stop"] for g in chain if any(local(c) == "stop" for c in g)), [])
    if not stops:
        return UNUSABLE
    effects = []
    for stop in stops:
        style = declared(stop)
        rgba = colour(style.get("stop-color", "black").replace("currentColor", style.get("color", "black")))
        effects.append(effect(rgba, alpha * opacity(style.get("stop-opacity"))) if rgba is not None else INK)
    if len(effects) == 1 or (effects and all(e == effects[0] for e in effects)):
        return effects[0]
    return INK if INK in effects else None


def _pattern_effect(chain: list[Any]) -> str | None:
    """A pattern paints ink over its area when it has a tile with something in it."""
    def attribute(name: str) -> list[float]:
        return next((numbers(p.get(name)) for p in chain if p.get(name) is not None), [])

    width, height = attribute("width"), attribute("height")
    has_content = any(isinstance(c.tag, str) and local(c) not in ("", "title", "desc") for p in chain for c in p)
    return INK if width and height and width[0] > 0 and height[0] > 0 and has_content else None


def server_effect(server: Any, alpha: float, ids: dict[str, Any], declared: Declared,
                  flat_box: bool = False) -> str | None:
    """What a gradient or pattern paints; UNUSABLE in the units of a ``flat_box`` (an element whose bounding box has
    no width or no height), which SVG says cannot be used."""
    chain = _templates(server, ids)
    units = "gradientUnits" if local(server) in GRADIENTS else "patternUnits"
    in_box = next((s.get(units) for s in chain if s.get(units) is not None), "objectBoundingBox").strip()
    if flat_box and in_box == "objectBoundingBox":
        return UNUSABLE
    if local(server) in GRADIENTS:
        return _gradient_effect([g for g in chain if local(g) in GRADIENTS], alpha, declared)
    return _pattern_effect([p for p in chain if local(p) == "pattern"])


def paint_effect(value: str | None, alpha: float, current_colour: str, ids: dict[str, Any],
                 context: str | None = None, when_invalid: str | None = None,
                 declared: Declared | None = None, flat_box: bool = False) -> str | None:
    """What a ``fill`` or ``stroke`` value does: a colour by its look; a gradient or pattern paints ink; a
    reference to nothing falls back to its fallback or paints nothing; ``context-fill`` and ``context-stroke``
    take the paint of the <use> that draws the element, and paint nothing without one; a value that is no paint
    at all does ``when_invalid`` (the property's initial paint). ``declared`` gives a gradient stop's style;
    ``flat_box``: the element's bounding box has no width or no height."""
    word = (value or "none").strip()
    lower = word.lower()
    if lower == "none" or alpha <= 0:
        return None
    if lower in ("context-fill", "context-stroke"):
        return context
    reference = REFERENCE.match(word)
    if reference:
        target = ids.get(reference.group(1))
        fallback = reference.group(2).strip()
        if target is not None and local(target) in PAINT_SERVERS:
            painted = server_effect(target, alpha, ids, declared or (lambda element: dict(element.attrib)), flat_box)
            if painted is not UNUSABLE:
                return painted
        return paint_effect(fallback, alpha, current_colour, ids) if fallback else None
    if lower == "currentcolor":
        word = current_colour
    rgba = colour(word)
    return effect(rgba, alpha) if rgba is not None else when_invalid
