"""What an SVG element is: its tag in the SVG namespace and what it refers to."""

from __future__ import annotations

from typing import Any

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"


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
    """An element's href (SVG 2) or xlink:href."""
    return next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "href"), "").strip()


def referenced(element: Any, ids: dict[str, Any]) -> Any | None:
    """The element an href points to within the drawing, or None."""
    target = href(element)
    return ids.get(target[1:]) if target.startswith("#") else None
