"""What a fill or stroke does to the artwork, seen as the rendered picture shows it on a white page: it adds ink,
it paints the page's white back over what lies below (a knockout), or it leaves no mark."""

from __future__ import annotations

import re
from typing import Any

from .svg_values import colour

INK, ERASE = "ink", "erase"
PAINT_SERVERS = {"linearGradient", "radialGradient", "pattern", "meshgradient", "solidcolor"}
REFERENCE = re.compile(r"^\s*url\(\s*['\"]?#([^'\")]+)['\"]?\s*\)\s*(.*)$")
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
    if max(1 - c for c in shown) >= VISIBLE:
        return INK
    if min(rgb) >= LIGHT and alpha >= OPAQUE:
        return ERASE
    return None


def paint_effect(value: str | None, alpha: float, current_colour: str, ids: dict[str, Any],
                 context: str | None = None, when_invalid: str | None = None) -> str | None:
    """What a ``fill`` or ``stroke`` value does: a colour by its look; a gradient or pattern paints ink; a
    reference to nothing falls back to its fallback or paints nothing; ``context-fill`` and ``context-stroke``
    take the paint of the <use> that draws the element, and paint nothing without one; a value that is no paint
    at all does ``when_invalid`` (the property's initial paint)."""
    word = (value or "none").strip()
    lower = word.lower()
    if lower == "none" or alpha <= 0:
        return None
    if lower in ("context-fill", "context-stroke"):
        return context
    reference = REFERENCE.match(word)
    if reference:
        target = ids.get(reference.group(1))
        if target is not None and target.tag.rsplit("}", 1)[-1] in PAINT_SERVERS:
            return INK
        fallback = reference.group(2).strip()
        return paint_effect(fallback, alpha, current_colour, ids) if fallback else None
    if lower == "currentcolor":
        word = current_colour
    rgba = colour(word)
    return effect(rgba, alpha) if rgba is not None else when_invalid
