"""SVG shapes under every kind of transform and viewBox scaling, against an independent reference raster.

Each shape's expected outline is worked out here with numpy (corners, arcs and Béziers sampled from their
formulas, transforms written out as matrices), never through the reader under test. Both the expected outline and the
region `load_svg` returns are sampled at pixel centres on the same 0.1 mm grid and compared: area, centroid,
bounding box, and the pixels where they disagree (which also catches a mirrored or turned-the-wrong-way shape).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from octoprint_img2print.errors import BadInput
from octoprint_img2print.geometry import outline
from octoprint_img2print.imaging.svg import load_svg

PIXEL_MM = 0.1
TOLERANCE_MM = 0.02
Outline = list[np.ndarray]  # rings in user units, combined by the even-odd rule


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, count: int = 90) -> np.ndarray:
    """Points on an ellipse from angle ``start`` to ``end`` (degrees, y down as in SVG)."""
    angles = np.radians(np.linspace(start, end, count))
    return np.column_stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)])


def _rounded_rect(x: float, y: float, w: float, h: float, rx: float, ry: float) -> np.ndarray:
    """A rect with elliptical corners, as SVG draws it."""
    return np.concatenate([_arc(x + w - rx, y + ry, rx, ry, -90, 0), _arc(x + w - rx, y + h - ry, rx, ry, 0, 90),
                           _arc(x + rx, y + h - ry, rx, ry, 90, 180), _arc(x + rx, y + ry, rx, ry, 180, 270)])


def _ribbon(start: tuple[float, float], end: tuple[float, float], width: float) -> np.ndarray:
    """The butt-capped stroke of a straight line."""
    a, b = np.array(start), np.array(end)
    normal = np.array([-(b - a)[1], (b - a)[0]]) / np.linalg.norm(b - a) * width / 2
    return np.array([a + normal, b + normal, b - normal, a - normal])


def _path_outline() -> np.ndarray:
    """M 10 10 H 24 A 5 5 0 0 1 24 20 H 10 Q 4 15 10 10 Z: a right half-circle end and a quadratic left end."""
    t = np.linspace(0, 1, 60)[:, None]
    quad = (1 - t) ** 2 * np.array([10, 20]) + 2 * t * (1 - t) * np.array([4, 15]) + t ** 2 * np.array([10, 10])
    return np.concatenate([[[10, 10]], _arc(24, 15, 5, 5, -90, 90), [[10, 20]], quad])


SHAPES: dict[str, tuple[str, Outline]] = {
    "rect": ('<rect x="10" y="12" width="15" height="4"/>', [np.array([[10, 12], [25, 12], [25, 16], [10, 16]])]),
    "rounded_rect": ('<rect x="10" y="8" width="16" height="10" rx="4" ry="2.5"/>',
                     [_rounded_rect(10, 8, 16, 10, 4, 2.5)]),
    "circle": ('<circle cx="18" cy="15" r="6"/>', [_arc(18, 15, 6, 6, 0, 360, 360)]),
    "ellipse": ('<ellipse cx="18" cy="15" rx="8" ry="4"/>', [_arc(18, 15, 8, 4, 0, 360, 360)]),
    "line": ('<line x1="8" y1="10" x2="28" y2="18" stroke="black" stroke-width="3"/>',
             [_ribbon((8, 10), (28, 18), 3)]),
    "polyline": ('<polyline points="8,8 28,8 28,20 18,14"/>', [np.array([[8, 8], [28, 8], [28, 20], [18, 14]])]),
    "polygon": ('<polygon points="10,6 26,10 20,14 26,22 10,20 14,14"/>',
                [np.array([[10, 6], [26, 10], [20, 14], [26, 22], [10, 20], [14, 14]])]),
    "path": ('<path d="M 10 10 H 24 A 5 5 0 0 1 24 20 H 10 Q 4 15 10 10 Z"/>', [_path_outline()]),
    "stroked_rect": ('<rect x="10" y="8" width="16" height="10" fill="none" stroke="black" stroke-width="2"/>',
                     [np.array([[9, 7], [27, 7], [27, 19], [9, 19]]),
                      np.array([[11, 9], [25, 9], [25, 17], [11, 17]])]),
}


def _matrix(a: float, b: float, c: float, d: float, e: float = 0.0, f: float = 0.0) -> np.ndarray:
    """SVG's matrix(a b c d e f) as a 3 x 3 matrix for column points."""
    return np.array([[a, c, e], [b, d, f], [0, 0, 1]], dtype=float)


def _translate(x: float, y: float) -> np.ndarray:
    return _matrix(1, 0, 0, 1, x, y)


def _rotate(degrees: float, cx: float = 0.0, cy: float = 0.0) -> np.ndarray:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return _translate(cx, cy) @ _matrix(c, s, -s, c) @ _translate(-cx, -cy)


def _skew_x(degrees: float) -> np.ndarray:
    return _matrix(1, 0, math.tan(math.radians(degrees)), 1)


def _skew_y(degrees: float) -> np.ndarray:
    return _matrix(1, math.tan(math.radians(degrees)), 0, 1)


TRANSFORMS: dict[str, tuple[str, np.ndarray]] = {
    "none": ("", np.eye(3)),
    "translate": ("translate(7 -4)", _translate(7, -4)),
    "scale": ("scale(1.3 0.7)", _matrix(1.3, 0, 0, 0.7)),
    "rotate": ("rotate(30 18 14)", _rotate(30, 18, 14)),
    "skewX": ("skewX(25)", _skew_x(25)),
    "skewY": ("skewY(-20)", _skew_y(-20)),
    "matrix": ("matrix(0.8 0.3 -0.4 1.1 5 2)", _matrix(0.8, 0.3, -0.4, 1.1, 5, 2)),
}

# (root attributes, user units -> mm with y up)
DOCUMENTS: dict[str, tuple[str, np.ndarray]] = {
    "viewbox_x2": ('width="200mm" height="200mm" viewBox="-25 -25 100 100"', _matrix(2, 0, 0, -2, 50, -50)),
    "viewbox_offset": ('width="90mm" height="60mm" viewBox="-4 -5 60 40"', _matrix(1.5, 0, 0, -1.5, 6, -7.5)),
    "viewbox_meet": ('width="100mm" height="50mm" viewBox="0 0 50 50"', _matrix(1, 0, 0, -1, 25, 0)),
    "viewbox_stretched": ('width="100mm" height="50mm" viewBox="0 0 50 50" preserveAspectRatio="none"',
                          _matrix(2, 0, 0, -1)),
    "pixels": ('width="200" height="200"', _matrix(25.4 / 96, 0, 0, -25.4 / 96)),
}


def _transformed(rings: Outline, matrix: np.ndarray) -> Outline:
    """Rings through a 3 x 3 affine matrix."""
    return [ring @ matrix[:2, :2].T + matrix[:2, 2] for ring in rings]


def _raster(rings: Outline, grid: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Which pixel centres lie inside the rings (even-odd)."""
    inside = np.zeros(grid[0].shape, dtype=bool)
    for ring in rings:
        inside ^= shapely.contains_xy(Polygon(ring), *grid)
    return inside


def _grid(rings: Outline) -> tuple[np.ndarray, np.ndarray]:
    """Pixel centres covering the rings with a 1 mm margin."""
    points = np.concatenate(rings)
    low, high = points.min(axis=0) - 1, points.max(axis=0) + 1
    xs = np.arange(low[0], high[0], PIXEL_MM) + PIXEL_MM / 2
    ys = np.arange(low[1], high[1], PIXEL_MM) + PIXEL_MM / 2
    return np.meshgrid(xs, ys)


def _centroid(inside: np.ndarray, grid: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return np.array([grid[0][inside].mean(), grid[1][inside].mean()])


def _assert_matches(data: str, expected_mm: Outline) -> None:
    """The region `load_svg` reads from ``data`` covers the expected outline (rings in mm)."""
    region = load_svg(data.encode(), "t.svg", TOLERANCE_MM).region
    grid = _grid(expected_mm)
    want, got = _raster(expected_mm, grid), _raster(outline.rings(region), grid)
    pixel_area = PIXEL_MM ** 2
    area = want.sum() * pixel_area
    assert region.area() == pytest.approx(area, rel=0.02), "area"
    assert (want ^ got).sum() * pixel_area < 0.03 * area, "coverage differs"
    assert _centroid(got, grid) == pytest.approx(_centroid(want, grid), abs=0.1), "centroid"
    points = np.concatenate(expected_mm)
    assert outline.bounds(region) == pytest.approx((*points.min(axis=0), *points.max(axis=0)), abs=0.15), "bounds"


def _document(root: str, body: str) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" {root}>{body}</svg>'


def _on_element(element: str, transform: str) -> str:
    return element.replace("/>", f' transform="{transform}"/>') if transform else element


def _in_group(element: str, transform: str) -> str:
    return f'<g transform="{transform}">{element}</g>'


PLACEMENTS: dict[str, Callable[[str, str], str]] = {"element": _on_element, "group": _in_group}


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("shape", SHAPES)
def test_shape_with_transform_in_scaled_viewbox(shape, transform, placement):
    element, rings = SHAPES[shape]
    text, matrix = TRANSFORMS[transform]
    root, to_mm = DOCUMENTS["viewbox_x2"]
    data = _document(root, PLACEMENTS[placement](element, text))
    _assert_matches(data, _transformed(rings, to_mm @ matrix))


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_under_nested_group_transforms(shape):
    element, rings = SHAPES[shape]
    body = ('<g transform="translate(25 25) rotate(-40)"><g transform="scale(1.2 0.8)">'
            f'{_on_element(element, "skewX(15) translate(-18 -14)")}</g></g>')
    matrix = (_translate(25, 25) @ _rotate(-40) @ _matrix(1.2, 0, 0, 0.8) @ _skew_x(15) @ _translate(-18, -14))
    root, to_mm = DOCUMENTS["viewbox_x2"]
    _assert_matches(_document(root, body), _transformed(rings, to_mm @ matrix))


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("shape", SHAPES)
def test_shape_rotated_in_every_kind_of_viewport(shape, document):
    element, rings = SHAPES[shape]
    root, to_mm = DOCUMENTS[document]
    data = _document(root, _on_element(element, "rotate(30 18 14)"))
    _assert_matches(data, _transformed(rings, to_mm @ _rotate(30, 18, 14)))


@pytest.mark.parametrize(("transform", "code"), [("scale(1e12)", "svg_absurd_size"),
                                                 ("translate(0 1e11)", "svg_absurd_size"),
                                                 ("scale(1e400)", "svg_absurd_size"),
                                                 ("scale(0)", "svg_empty"),
                                                 ("scale(1 0)", "svg_empty")])
@pytest.mark.parametrize("shape", ["rect", "ellipse", "path"])
def test_absurd_or_flattening_transforms_are_refused_clearly(shape, transform, code):
    root, _ = DOCUMENTS["viewbox_x2"]
    data = _document(root, _on_element(SHAPES[shape][0], transform))
    with pytest.raises(BadInput) as refusal:
        load_svg(data.encode(), "far.svg", TOLERANCE_MM)
    assert refusal.value.code == code and "far.svg" in str(refusal.value)
