"""What an SVG element is: its tag in the SVG namespace and what it refers to."""

from __future__ import annotations

from typing import Any

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
HREF_NAMES = ("href", "{http://www.w3.org/1999/xlink}href")  # SVG 2's, and XLink's whatever its prefix


def local(element: Any) -> str:
    """An SVG element's tag without its namespace; "" for comments and for elements of another namespace (which
    a browser does not draw as SVG)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    if tag.startswith("{"):
        return tag[len(SVG_NAMESPACE):] if tag.startswith(SVG_NAMESPACE) else ""
    return tag


def href(element: Any) -> str:
    """An element's href (SVG 2) or xlink:href (an href of another namespace is no reference)."""
    return next((element.get(name) for name in HREF_NAMES if element.get(name) is not None), "").strip()


def referenced(element: Any, ids: dict[str, Any]) -> Any | None:
    """The element an href points to within the drawing, or None."""
    target = href(element)
    return ids.get(target[1:]) if target.startswith("#") else None
