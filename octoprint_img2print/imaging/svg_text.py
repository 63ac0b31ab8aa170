"""SVG text as glyph outlines (placeholder while the layout is written)."""

from __future__ import annotations

from typing import Any


def layout(drawer: Any, element: Any, place: Any, tolerance: float) -> list[tuple[Any, list[Any]]]:
    return []
