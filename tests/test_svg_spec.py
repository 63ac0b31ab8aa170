"""What an SVG paints, case by case from the SVG 1.1 / SVG 2 specifications, against an independent reference.

Each case's expected ink is worked out here from the specification's rules with numpy and shapely (arcs and Béziers
sampled from their formulas, paint order as unions and differences of areas), never through the reader under test.
Most documents use a root of 100 mm with ``viewBox="0 0 100 100"``, so one user unit is one millimetre and a point
(x, y) lands at (x, -y) mm. The expected area and the region `load_svg` returns are both sampled at pixel centres on
the same fine grid and compared: area, the pixels where they disagree, centroid and bounding box.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import shapely
from shapely import affinity
from shapely.geometry import Polygon, box

from octoprint_img2print.errors import BadInput
from octoprint_img2print.geometry import outline
from octoprint_img2print.imaging.svg import load_svg

PIXEL_MM = 0.1
GRID_SHIFT_MM = 0.0437  # keeps pixel centres off the round coordinates most edges lie on
TOLERANCE_MM = 0.02
ROOT = 'width="100mm" height="100mm" viewBox="0 0 100 100"'
PX_ROOT = 'width="384" height="192"'  # no viewBox: one user unit is one CSS px (25.4 / 96 mm)
MM_PER_PX = 25.4 / 96

# --- the reference: areas in user units (y down, as in SVG) ---------------------------------------------------------


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, count: int = 181) -> np.ndarray:
    """Points on an ellipse from angle ``start`` to ``end`` (degrees, y down as in SVG)."""
    angles = np.radians(np.linspace(start, end, count))
    return np.column_stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)])


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> Polygon:
    return Polygon(_arc(cx, cy, rx, ry, 0, 360, 721)[:-1])


def _circle(cx: float, cy: float, r: float) -> Polygon:
    return _ellipse(cx, cy, r, r)


def _rect(x: float, y: float, width: float, height: float) -> Polygon:
    return box(x, y, x + width, y + height)


def _rounded_rect(x: float, y: float, w: float, h: float, rx: float, ry: float) -> Polygon:
    """A rect with elliptical corners (SVG 2 shapes.html#RectElement, its equivalent path)."""
    corners = [_arc(x + w - rx, y + ry, rx, ry, -90, 0), _arc(x + w - rx, y + h - ry, rx, ry, 0, 90),
               _arc(x + rx, y + h - ry, rx, ry, 90, 180), _arc(x + rx, y + ry, rx, ry, 180, 270)]
    return Polygon(np.concatenate(corners))


def _evenodd(*areas: Polygon) -> shapely.Geometry:
    """The even-odd combination of areas (ink where an odd number of them overlap)."""
    return functools.reduce(shapely.symmetric_difference, areas)


def _bezier(*controls: tuple[float, float], count: int = 200) -> np.ndarray:
    """Points on a Bézier curve of any degree (Bernstein form)."""
    t = np.linspace(0, 1, count)[:, None]
    n = len(controls) - 1
    return sum(math.comb(n, i) * (1 - t) ** (n - i) * t ** i * np.array(p, dtype=float)
               for i, p in enumerate(controls))


def _ribbon(start: tuple[float, float], end: tuple[float, float], width: float) -> Polygon:
    """The butt-capped stroke of a straight segment."""
    a, b = np.array(start, dtype=float), np.array(end, dtype=float)
    normal = np.array([-(b - a)[1], (b - a)[0]]) / np.linalg.norm(b - a) * width / 2
    return Polygon([a + normal, b + normal, b - normal, a - normal])


def _miter_ratio(points: list[tuple[float, float]]) -> float:
    """miterLength / stroke-width = 1 / sin(θ / 2), θ the angle between the segments
    (SVG 2 painting.html#StrokeMiterlimitProperty)."""
    p0, p1, p2 = (np.array(p, dtype=float) for p in points)
    u, v = p0 - p1, p2 - p1
    theta = math.acos(float(u @ v) / (np.linalg.norm(u) * np.linalg.norm(v)))
    return 1 / math.sin(theta / 2)


def _bent_stroke(points: list[tuple[float, float]], width: float, mitred: bool) -> shapely.Geometry:
    """The stroke of a two-segment polyline with butt caps: the two ribbons and, on the outer side of the bend,
    a bevel (the triangle of the join point and the two outer corners) or a miter (up to the outer edges' meeting)."""
    p0, p1, p2 = (np.array(p, dtype=float) for p in points)
    d1, d2 = (p1 - p0) / np.linalg.norm(p1 - p0), (p2 - p1) / np.linalg.norm(p2 - p1)
    n1, n2 = np.array([-d1[1], d1[0]]), np.array([-d2[1], d2[0]])
    outer = -np.sign(d1[0] * d2[1] - d1[1] * d2[0])
    c1, c2 = p1 + outer * n1 * width / 2, p1 + outer * n2 * width / 2
    if mitred:
        t, _ = np.linalg.solve(np.column_stack([d1, -d2]), c2 - c1)
        join = Polygon([p1, c1, c1 + t * d1, c2])
    else:
        join = Polygon([p1, c1, c2])
    return shapely.union_all([_ribbon(points[0], points[1], width), _ribbon(points[1], points[2], width), join])


def _dashes(pattern: list[float], offset: float, length: float) -> list[tuple[float, float]]:
    """The dashes along a path of ``length`` (SVG 2 painting.html#StrokeDashing): an odd-length list is repeated to
    make it even, the pattern starts ``offset`` into it, and a list of zeros (or one in error) draws a solid stroke."""
    if not pattern or sum(pattern) == 0 or min(pattern) < 0:
        return [(0.0, length)]
    pattern = pattern * (2 if len(pattern) % 2 else 1)
    period = sum(pattern)
    starts = np.cumsum([0.0, *pattern[:-1]])
    dashes = []
    origin = -(offset % period)  # where along the path the pattern's start lies
    while origin < length:
        for start, size in zip(starts[::2], pattern[::2]):
            low, high = max(origin + start, 0.0), min(origin + start + size, length)
            if high > low:
                dashes.append((low, high))
        origin += period
    return dashes


# --- the comparison ----------------------------------------------------------------------------------------------


def _document(body: str, root: str = ROOT) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" {root}>'
            f'{body}</svg>')


def _load(body: str, root: str = ROOT):
    return load_svg(_document(body, root).encode(), "spec.svg", TOLERANCE_MM)


def _grid(bounds: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Pixel centres covering ``bounds`` (mm) with a 1 mm margin."""
    x0, y0, x1, y1 = bounds
    xs = np.arange(x0 - 1, x1 + 1, PIXEL_MM) + GRID_SHIFT_MM
    ys = np.arange(y0 - 1, y1 + 1, PIXEL_MM) + GRID_SHIFT_MM
    return np.meshgrid(xs, ys)


def _raster_rings(rings: list[np.ndarray], grid: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Which pixel centres lie inside the rings (even-odd)."""
    inside = np.zeros(grid[0].shape, dtype=bool)
    for ring in rings:
        inside ^= shapely.contains_xy(Polygon(ring), *grid)
    return inside


def _centroid(inside: np.ndarray, grid: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return np.array([grid[0][inside].mean(), grid[1][inside].mean()])


def _assert_draws(body: str, expected: shapely.Geometry, root: str = ROOT, mm_per_unit: float = 1.0) -> None:
    """The region read from ``body`` is the ``expected`` area (user units, y down) as the page shows it."""
    region = _load(body, root).region
    want_area = affinity.affine_transform(expected, [mm_per_unit, 0, 0, -mm_per_unit, 0, 0])
    shapely.prepare(want_area)
    grid = _grid(want_area.bounds)
    want, got = shapely.contains_xy(want_area, *grid), _raster_rings(outline.rings(region), grid)
    pixel_area = PIXEL_MM ** 2
    assert region.area() == pytest.approx(want_area.area, rel=0.02), "area"
    assert (want ^ got).sum() * pixel_area < 0.03 * want_area.area, "coverage differs"
    assert _centroid(got, grid) == pytest.approx(_centroid(want, grid), abs=0.1), "centroid"
    assert outline.bounds(region) == pytest.approx(want_area.bounds, abs=0.15), "bounds"


# --- 1. islands inside holes ---------------------------------------------------------------------------------------

RADII = (45, 38, 30, 22, 14, 6)  # ring, its hole, an island in it, the island's hole, an island in that, its hole


def _circle_subpath(r: float, sweep: int = 1) -> str:
    return f"M {50 - r} 50 A {r} {r} 0 1 {sweep} {50 + r} 50 A {r} {r} 0 1 {sweep} {50 - r} 50 Z"


NESTED = {
    "evenodd_path": '<path fill-rule="evenodd" d="{}"/>'.format(" ".join(_circle_subpath(r) for r in RADII)),
    # nonzero (SVG 2 painting.html#FillRuleProperty): every other circle turns the other way, so the winding number
    # alternates 1, 0, 1 ...
    "nonzero_path_alternating": '<path d="{}"/>'.format(" ".join(_circle_subpath(r, i % 2)
                                                                    for i, r in enumerate(RADII))),
    "painted_black_white": "".join(f'<circle cx="50" cy="50" r="{r}" fill="{"black" if i % 2 == 0 else "white"}"/>'
                                   for i, r in enumerate(RADII)),
}


@pytest.mark.parametrize("kind", NESTED)
def test_islands_inside_holes_nested_three_levels_deep_are_all_kept(kind):
    _assert_draws(NESTED[kind], _evenodd(*(_circle(50, 50, r) for r in RADII)))


def _star(cx: float, cy: float, outer: float, inner: float) -> np.ndarray:
    angles = np.radians(np.arange(10) * 36 - 90)
    radii = np.where(np.arange(10) % 2 == 0, outer, inner)
    return np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)])


def test_badge_a_ring_with_a_filled_star_inside_its_hole():
    star = _star(50, 50, 22, 9)
    points = " ".join(f"{x:.4f},{y:.4f}" for x, y in star)
    body = (f'<path fill-rule="evenodd" d="{_circle_subpath(40)} {_circle_subpath(28)}"/>'
            f'<polygon points="{points}"/>')
    _assert_draws(body, shapely.union(_evenodd(_circle(50, 50, 40), _circle(50, 50, 28)), Polygon(star)))


# --- 2. paint order and what paints ---------------------------------------------------------------------------------

HALF_SIDE = 12.5 * math.sqrt(2)
# A heart: a square standing on a corner with a half-disc on each upper side. The arcs' radius is exactly half the
# chord, so each is a half circle bulging outwards (sweep-flag 1, SVG 1.1 appendix F.6.5).
R = f"{HALF_SIDE:.6f}"
HEART = f'<path d="M 50 85 L 25 60 A {R} {R} 0 0 1 50 35 A {R} {R} 0 0 1 75 60 Z"/>'
HEART_AREA = shapely.union_all([Polygon([(50, 85), (25, 60), (50, 35), (75, 60)]),
                                _circle(37.5, 47.5, HALF_SIDE), _circle(62.5, 47.5, HALF_SIDE)])
BASES = {"rect": ('<rect x="20" y="20" width="60" height="60"/>', _rect(20, 20, 60, 60)),
         "heart": (HEART, HEART_AREA)}


@pytest.mark.parametrize("base", BASES)
def test_white_shape_painted_over_ink_cuts_a_hole(base):
    markup, area = BASES[base]
    _assert_draws(markup + '<circle cx="50" cy="60" r="10" fill="white"/>', area - _circle(50, 60, 10))


def test_ink_painted_after_white_is_ink_again():
    body = ('<rect x="20" y="20" width="60" height="60"/><circle cx="50" cy="50" r="20" fill="#fff"/>'
            '<rect x="42" y="42" width="16" height="16" fill="black"/>')
    _assert_draws(body, shapely.union(_rect(20, 20, 60, 60) - _circle(50, 50, 20), _rect(42, 42, 16, 16)))


CIRCLE = 'cx="50" cy="50" r="15"'
# (a light circle over a black square, whether it cuts): it cuts when every channel is at least 0.95 and the
# effective opacity (colour alpha x fill-opacity x every opacity above it) is at least 0.5
KNOCKOUTS = {
    "white": (f'<circle {CIRCLE} fill="white"/>', True),
    "hex_fff_fill_opacity_0.3": (f'<circle {CIRCLE} fill="#fff" fill-opacity="0.3"/>', False),
    "hex_fff_fill_opacity_0.7": (f'<circle {CIRCLE} fill="#fff" fill-opacity="0.7"/>', True),
    "opacity_0": (f'<circle {CIRCLE} fill="white" opacity="0"/>', False),
    "visibility_hidden": (f'<circle {CIRCLE} fill="white" visibility="hidden"/>', False),
    "display_none": (f'<circle {CIRCLE} fill="white" display="none"/>', False),
    "group_opacity_0.5_times_0.8": (f'<g opacity="0.5"><circle {CIRCLE} fill="white" opacity="0.8"/></g>', False),
    "group_opacity_0.9": (f'<g opacity="0.9"><circle {CIRCLE} fill="white"/></g>', True),
    "rgb_percent_white": (f'<circle {CIRCLE} fill="rgb(100%,100%,100%)"/>', True),
    "hsl_white": (f'<circle {CIRCLE} fill="hsl(0, 0%, 100%)"/>', True),
    "rgb_white_alpha_30%": (f'<circle {CIRCLE} fill="rgb(255 255 255 / 30%)"/>', False),
    "near_white_fafafa": (f'<circle {CIRCLE} fill="#fafafa"/>', True),
    "white_by_style": (f'<circle {CIRCLE} style="fill: white"/>', True),
    "white_by_inherited_fill": (f'<g fill="white"><circle {CIRCLE}/></g>', True),
}


@pytest.mark.parametrize("case", KNOCKOUTS)
def test_light_paint_cuts_only_when_white_and_opaque_enough(case):
    markup, cuts = KNOCKOUTS[case]
    square = _rect(20, 20, 60, 60)
    _assert_draws('<rect x="20" y="20" width="60" height="60"/>' + markup,
                  square - _circle(50, 50, 15) if cuts else square)


SPOT = 'cx="70" cy="70" r="15"'
REFERENCE = '<rect x="10" y="10" width="30" height="30"/>'
DEFS = ('<defs><linearGradient id="grad"><stop offset="0" stop-color="black"/><stop offset="1" stop-color="#888"/>'
        '</linearGradient><pattern id="pat" width="4" height="4" patternUnits="userSpaceOnUse">'
        '<rect width="2" height="2"/></pattern></defs>')
SHOWS_NOTHING = {
    "opacity_0": f'<circle {SPOT} opacity="0"/>',
    "visibility_hidden": f'<circle {SPOT} visibility="hidden"/>',
    "visibility_hidden_inherited": f'<g visibility="hidden"><circle {SPOT}/></g>',
    "display_none_group": f'<g display="none"><circle {SPOT}/><rect x="60" y="10" width="30" height="20"/></g>',
    "display_none_style": f'<circle {SPOT} style="display:none"/>',
    "fill_none": f'<circle {SPOT} fill="none"/>',
    "url_missing": f'<circle {SPOT} fill="url(#nope)"/>',
    "url_missing_fallback_none": f'<circle {SPOT} fill="url(#nope) none"/>',
    "context_fill_outside_use": f'<circle {SPOT} fill="context-fill"/>',
    "transparent": f'<circle {SPOT} fill="transparent"/>',
    "alpha_0": f'<circle {SPOT} fill="rgb(0 0 0 / 0%)"/>',
    "near_white_on_the_page": f'<circle {SPOT} fill="rgb(98%, 98%, 98%)"/>',
    "less_than_half_opaque": f'<circle {SPOT} fill="black" fill-opacity="0.3"/>',
    "less_than_half_opaque_in_a_group": f'<g opacity="0.7"><circle {SPOT} fill="black" opacity="0.6"/></g>',
}


@pytest.mark.parametrize("case", SHOWS_NOTHING)
def test_paint_that_shows_nothing_adds_no_ink(case):
    _assert_draws(DEFS + REFERENCE + SHOWS_NOTHING[case], _rect(10, 10, 30, 30))


SHOWS_INK = {
    "url_missing_fallback_red": f'<circle {SPOT} fill="url(#nope) red"/>',
    "linear_gradient": f'<circle {SPOT} fill="url(#grad)"/>',
    "pattern": f'<circle {SPOT} fill="url(#pat)"/>',
    "visible_child_of_hidden_group": f'<g visibility="hidden"><circle {SPOT} visibility="visible"/></g>',
    "current_color": f'<circle {SPOT} fill="currentColor" color="navy"/>',
    # SVG 2 painting.html#SpecifyingPaint: inside a <use>'s shadow tree the context element is the <use>, so
    # context-fill is its fill
    "context_fill_in_use": f'<defs><circle id="dot" {SPOT} fill="context-fill"/></defs>'
                           '<use href="#dot" fill="black"/>',
}


@pytest.mark.parametrize("case", SHOWS_INK)
def test_paint_that_shows_adds_ink(case):
    _assert_draws(DEFS + REFERENCE + SHOWS_INK[case], shapely.union(_rect(10, 10, 30, 30), _circle(70, 70, 15)))


def test_stroke_of_an_unfilled_rect_is_a_frame():
    body = '<rect x="20" y="30" width="60" height="40" fill="none" stroke="black" stroke-width="6"/>'
    _assert_draws(body, _rect(17, 27, 66, 46) - _rect(23, 33, 54, 34))


# --- 3. structure ----------------------------------------------------------------------------------------------------

SYMBOLS = ('<defs><symbol id="dot" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></symbol>'
           '<symbol id="bar" viewBox="0 0 10 10"><rect x="1" y="4" width="8" height="2"/></symbol>'
           '<symbol id="wide" viewBox="0 0 10 10"><rect x="-5" y="2" width="20" height="6"/></symbol></defs>')


def test_symbol_is_not_drawn_by_itself():
    body = ('<symbol id="s" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></symbol>'
            '<rect x="60" y="60" width="20" height="20"/>')
    _assert_draws(body, _rect(60, 60, 20, 20))


def test_use_draws_a_symbol_scaled_into_its_width_and_height():
    # SVG 2 struct.html#UseElement: the use's x, y move the symbol; its width and height size the symbol's viewport
    # (viewBox scaled x3)
    _assert_draws(SYMBOLS + '<use href="#dot" x="10" y="20" width="30" height="30"/>', _circle(25, 35, 12))


def test_sprite_sheet_draws_each_icon_where_its_use_puts_it():
    body = SYMBOLS + ('<use href="#dot" x="10" y="10" width="30" height="30"/>'
                      '<use xlink:href="#bar" x="50" y="50" width="30" height="30"/>')
    _assert_draws(body, shapely.union(_circle(25, 25, 12), _rect(53, 62, 24, 6)))


def test_symbol_in_a_wide_use_keeps_its_aspect_centred():
    # preserveAspectRatio defaults to xMidYMid meet: scale 1.5, centred across the 30 x 15 viewport
    _assert_draws(SYMBOLS + '<use href="#dot" x="10" y="20" width="30" height="15"/>', _circle(25, 27.5, 6))


def test_symbol_clips_to_its_viewport():
    # the UA style sheet gives symbol overflow: hidden (SVG 2 styling.html#UAStyleSheet), so only x 10..40 shows
    _assert_draws(SYMBOLS + '<use href="#wide" x="10" y="20" width="30" height="30"/>', _rect(10, 26, 30, 18))


@pytest.mark.parametrize(("overflow", "clipped"), [("", True), ('overflow="hidden"', True),
                                                   ('overflow="visible"', False), ('style="overflow: visible"', False)])
def test_nested_svg_clips_to_its_box_unless_overflow_is_visible(overflow, clipped):
    body = f'<svg x="30" y="30" width="40" height="30" {overflow}><circle cx="0" cy="0" r="20"/></svg>'
    disc = _circle(30, 30, 20)
    _assert_draws(body, disc & _rect(30, 30, 40, 30) if clipped else disc)


def test_nested_svg_viewbox_scales_then_clips():
    body = '<svg x="10" y="10" width="40" height="40" viewBox="0 0 10 10"><rect x="5" y="5" width="10" height="10"/>' \
           '</svg>'
    _assert_draws(body, _rect(30, 30, 20, 20))


def test_root_viewport_clips_what_lies_outside_it():
    _assert_draws('<circle cx="0" cy="50" r="20"/>', _circle(0, 50, 20) & _rect(0, 0, 100, 100))


CLIPS = {
    "user_space": ('<clipPath id="c"><circle cx="50" cy="50" r="20"/></clipPath>',
                   '<rect x="50" y="20" width="40" height="60" clip-path="url(#c)"/>',
                   _circle(50, 50, 20) & _rect(50, 20, 40, 60)),
    "object_bounding_box": ('<clipPath id="c" clipPathUnits="objectBoundingBox"><circle cx="0.5" cy="0.5" r="0.5"/>'
                            '</clipPath>', '<rect x="20" y="30" width="60" height="40" clip-path="url(#c)"/>',
                            _ellipse(50, 50, 30, 20)),
    "on_a_group_by_style": ('<clipPath id="c"><rect x="0" y="0" width="50" height="100"/></clipPath>',
                            '<g style="clip-path: url(#c)"><circle cx="50" cy="50" r="25"/></g>',
                            _circle(50, 50, 25) & _rect(0, 0, 50, 100)),
}


@pytest.mark.parametrize("case", CLIPS)
def test_clip_path_keeps_only_the_intersection(case):
    defs, shape, expected = CLIPS[case]
    _assert_draws(f"<defs>{defs}</defs>{shape}", expected)


def _rotated_square_about_centre(degrees: float) -> Polygon:
    return affinity.rotate(_rect(40, 40, 20, 20), degrees, origin=(50, 50))


ORIGINS = {
    "attribute_rotate": ('<rect x="40" y="40" width="20" height="20" transform="rotate(45)" transform-origin="50 50"/>',
                         _rotated_square_about_centre(45)),
    "attribute_scale": ('<rect x="40" y="40" width="20" height="20" transform="scale(2)" transform-origin="50 50"/>',
                        _rect(30, 30, 40, 40)),
    "style_property_rotate": ('<rect x="40" y="40" width="20" height="20" transform="rotate(45)" '
                              'style="transform-origin: 50px 50px"/>', _rotated_square_about_centre(45)),
    "group_scale": ('<g transform="scale(2)" transform-origin="50 50"><rect x="40" y="40" width="20" height="20"/>'
                    '</g>', _rect(30, 30, 40, 40)),
}


@pytest.mark.parametrize("case", ORIGINS)
def test_transform_origin_is_the_pivot(case):
    # CSS Transforms 1, transform rendering model: the transform is translate(origin) · transform · translate(-origin)
    markup, expected = ORIGINS[case]
    _assert_draws(markup, expected)


A = 'x="10" y="40" width="30" height="20"'
B = 'x="60" y="40" width="30" height="20"'
SWITCHES = {
    "first_matching_language": f'<switch><rect systemLanguage="fr" {A}/><rect systemLanguage="en" {B}/>'
                               f'<rect x="10" y="70" width="80" height="20"/></switch>',
    "language_prefix_with_hyphen": f'<switch><rect systemLanguage="de, en-GB" {B}/><rect {A}/></switch>',
    "required_extensions_not_supported": f'<switch><rect requiredExtensions="http://example.org/ext" {A}/>'
                                         f'<rect {B}/><rect x="10" y="70" width="80" height="20"/></switch>',
    "group_children": f'<switch><g systemLanguage="fr"><rect {A}/></g><g><rect {B}/></g></switch>',
    "condition_outside_switch": f'<rect systemLanguage="fr" {A}/><rect systemLanguage="en" {B}/>',
}


@pytest.mark.parametrize("case", SWITCHES)
def test_switch_draws_only_its_first_child_whose_conditions_hold(case):
    _assert_draws(SWITCHES[case], _rect(60, 40, 30, 20))


# (style sheet, body) where the sheet leaves A without a fill and B black
SELECTORS = {
    "attribute": ('[data-x="1"] { fill: none }', f'<rect data-x="1" {A}/><rect data-x="2" {B}/>'),
    "child": ("g > rect { fill: none }", f"<g><rect {A}/></g><g><a><rect {B}/></a></g>"),
    "descendant": ("g rect { fill: none }", f"<g><a><rect {A}/></a></g><rect {B}/>"),
    "compound_classes": ("rect.a.b { fill: none }", f'<rect class="a b" {A}/><rect class="a" {B}/>'),
    "first_child": ("rect:first-child { fill: none }", f"<g><rect {A}/><rect {B}/></g>"),
    "id_beats_class_written_before": ("#b { fill: black } .k { fill: none }",
                                      f'<rect class="k" {A}/><rect id="b" class="k" {B}/>'),
    "id_beats_class_written_after": (".k { fill: none } #b { fill: black }",
                                     f'<rect class="k" {A}/><rect id="b" class="k" {B}/>'),
    "style_attribute_beats_sheet": ("rect { fill: none }", f'<rect {A}/><rect style="fill: black" {B}/>'),
    "important_beats_style_attribute": (".k { fill: none !important }",
                                        f'<rect class="k" style="fill: black" {A}/><rect {B}/>'),
    "sheet_beats_presentation_attribute": (".k { fill: none }", f'<rect class="k" fill="black" {A}/>'
                                                                f'<rect fill="black" {B}/>'),
    "class_fill_none": (".off { fill: none }", f'<rect class="off" {A}/><rect {B}/>'),
    "inherited_from_group_class": (".off { fill: none }", f'<g class="off"><rect {A}/></g><rect {B}/>'),
    "cdata_sheet": ("<![CDATA[ rect[id=a] { fill: none } ]]>", f'<rect id="a" {A}/><rect {B}/>'),
}


@pytest.mark.parametrize("case", SELECTORS)
def test_style_sheet_selectors_and_cascade(case):
    sheet, body = SELECTORS[case]
    _assert_draws(f"<style>{sheet}</style>{body}", _rect(60, 40, 30, 20))


@pytest.mark.parametrize("link", ['href="https://example.com"', 'xlink:href="https://example.com/a?b=1"'])
def test_hyperlink_around_a_shape_draws_the_shape(link):
    _assert_draws(f'<a {link}><rect {B}/></a>', _rect(60, 40, 30, 20))


# --- 4. geometry -----------------------------------------------------------------------------------------------------

CORNER = Polygon([(10, 10), (50, 10), (50, 50)])  # M 10 10 h 40 v 40 z: z closes back to (10, 10)
WEDGE = Polygon([(10, 10), (70, 10), (70, 30)])


@pytest.mark.parametrize(("rule", "expected"), [("nonzero", CORNER | WEDGE), ("evenodd", CORNER ^ WEDGE)])
def test_command_after_closepath_starts_at_the_closed_subpaths_start(rule, expected):
    # SVG 1.1 §8.3.3 / SVG 2 paths.html#PathDataClosePathCommand: "If a closepath is followed immediately by any other
    # command, then the next subpath starts at the same initial point as the current subpath": after the triangle
    # (10,10) (50,10) (50,50) the relative l 60 0 goes from (10, 10), giving the wedge (10,10) (70,10) (70,30).
    # Both subpaths turn the same way, so nonzero fills their overlap and evenodd leaves it empty.
    _assert_draws(f'<path fill-rule="{rule}" d="M 10 10 h 40 v 40 z l 60 0 l 0 20 z"/>', expected)


def test_relative_moveto_after_closepath_is_from_the_subpaths_start():
    _assert_draws('<path d="M 10 10 h 40 v 40 h -40 z m 50 0 h 30 v 30 h -30 z"/>',
                  _rect(10, 10, 40, 40) | _rect(60, 10, 30, 30))


def _hump(*controls: tuple[float, float]) -> Polygon:
    """A curve closed by the straight line between its ends."""
    return Polygon(_bezier(*controls))


SMOOTH = {
    # SVG 2 paths.html#PathDataQuadraticBezierCommands: T's control point is the reflection of the previous one only
    # after Q/q/T/t; after anything else (here S) it is the current point, so the T is a straight line (no area); Z then
    # runs back along y = 60.
    "T_after_S_is_straight": ("M 10 60 S 30 20 50 60 T 90 60 Z", _hump((10, 60), (10, 60), (30, 20), (50, 60))),
    "T_after_Q_reflects": ("M 10 60 Q 30 20 50 60 T 90 60 Z",
                           _hump((10, 60), (30, 20), (50, 60)) | _hump((50, 60), (70, 100), (90, 60))),
    # SVG 2 paths.html#PathDataCubicBezierCommands: S reflects only after C/c/S/s; after Q its first control point is
    # the current point
    "S_after_Q_does_not_reflect": ("M 10 60 Q 30 20 50 60 S 90 20 90 60 Z",
                                   _hump((10, 60), (30, 20), (50, 60)) | _hump((50, 60), (50, 60), (90, 20),
                                                                                (90, 60))),
    "S_after_C_reflects": ("M 10 60 C 10 30 40 30 50 60 S 90 90 90 60 Z",
                           _hump((10, 60), (10, 30), (40, 30), (50, 60)) | _hump((50, 60), (60, 90), (90, 90),
                                                                                  (90, 60))),
}


@pytest.mark.parametrize("case", SMOOTH)
def test_smooth_curve_control_points(case):
    d, expected = SMOOTH[case]
    _assert_draws(f'<path d="{d}"/>', expected)


BELOW = Polygon(_arc(50, 50, 20, 20, 0, 180))  # y down: the half disc under the chord from (30, 50) to (70, 50)
ABOVE = Polygon(_arc(50, 50, 20, 20, 180, 360))


@pytest.mark.parametrize(("arc", "expected"), [("a20 20 0 0040 0", BELOW), ("a20 20 0 0140 0", ABOVE),
                                               ("a20,20,0,0,1,40,0", ABOVE), ("a20 20 0 1 0 40 0", BELOW),
                                               ("a20 20 0 1140 0", ABOVE), ("a20 20 0 0 1 40-0", ABOVE)])
def test_arc_flags_without_separators(arc, expected):
    # SVG 2 paths.html#PathDataBNF: a flag is a single "0" or "1", so "0040" is large-arc 0, sweep 0, x 40.
    # The radius is half the chord: a half circle; sweep-flag 1 turns towards positive angles (clockwise on the
    # page, SVG 1.1 F.6.5)
    _assert_draws(f'<path d="M 30 50 {arc} z"/>', expected)


DASHES = {
    "10_5": ('stroke-dasharray="10 5"', [10, 5], 0.0),
    "commas": ('stroke-dasharray="10, 5"', [10, 5], 0.0),
    "odd_list_repeats": ('stroke-dasharray="10 5 5"', [10, 5, 5], 0.0),
    "offset": ('stroke-dasharray="10 5" stroke-dashoffset="3"', [10, 5], 3.0),
    "negative_offset": ('stroke-dasharray="10 5" stroke-dashoffset="-3"', [10, 5], -3.0),
    "all_zero_is_solid": ('stroke-dasharray="0 0"', [0, 0], 0.0),
    "negative_value_is_solid": ('stroke-dasharray="10 -5"', [10, -5], 0.0),
    "by_style": ('style="stroke-dasharray: 8 4 2 4; stroke-dashoffset: 1"', [8, 4, 2, 4], 1.0),
}


@pytest.mark.parametrize("case", DASHES)
def test_stroke_dasharray_along_a_straight_line(case):
    attributes, pattern, offset = DASHES[case]
    body = f'<line x1="0" y1="50" x2="100" y2="50" stroke="black" stroke-width="4" {attributes}/>'
    dashes = _dashes(pattern, offset, 100.0)
    _assert_draws(body, shapely.union_all([_rect(low, 48, high - low, 4) for low, high in dashes]))


def test_dashes_follow_the_reference_arithmetic():
    # the reference itself, against numbers worked out by hand
    assert _dashes([10, 5], 0, 100) == [(0, 10), (15, 25), (30, 40), (45, 55), (60, 70), (75, 85), (90, 100)]
    assert _dashes([10, 5, 5], 0, 40)[:3] == [(0, 10), (15, 20), (30, 35)]
    assert _dashes([10, 5], 3, 30) == [(0, 7), (12, 22), (27, 30)]


SHARP = [(40, 80), (50, 20), (60, 80)]  # miter ratio 6.08
BLUNT = [(20, 80), (50, 30), (80, 80)]  # miter ratio 1.94
# (points, attribute, the miter limit that applies)
MITERS = {
    "sharp_default_limit_bevels": (SHARP, "", 4.0),
    "sharp_limit_10_mitres": (SHARP, 'stroke-miterlimit="10"', 10.0),
    "sharp_limit_with_unit_4px_is_invalid_default_4": (SHARP, 'stroke-miterlimit="4px"', 4.0),
    "sharp_limit_with_unit_10px_is_invalid_default_4": (SHARP, 'stroke-miterlimit="10px"', 4.0),
    "blunt_default_limit_mitres": (BLUNT, "", 4.0),
    "blunt_limit_1.5_bevels": (BLUNT, 'stroke-miterlimit="1.5"', 1.5),
}


@pytest.mark.parametrize("case", MITERS)
def test_miter_join_beyond_the_limit_is_a_bevel(case):
    # SVG 2 Painting, stroke-miterlimit: when miterLength / stroke-width exceeds the limit the join is a bevel.
    # The property's value is a <number>: "10px" does not parse, the declaration is ignored and the initial 4 applies.
    points, attribute, limit = MITERS[case]
    mitred = _miter_ratio(points) <= limit
    text = " ".join(f"{x},{y}" for x, y in points)
    body = (f'<polyline points="{text}" fill="none" stroke="black" stroke-width="4" stroke-linejoin="miter" '
            f'{attribute}/>')
    _assert_draws(body, _bent_stroke(points, 4, mitred))


RADII_CASES = {
    "rx_only": ('rx="10"', 10, 10),
    "ry_only": ('ry="8"', 8, 8),
    # SVG 2 geometry.html#RX and shapes.html#RectElement: auto takes the other's absolute length, then each is clamped
    # to half its side on its own
    "rx_only_clamped_on_each_axis": ('rx="25"', 25, 20),
    "negative_rx_is_auto": ('rx="-5" ry="8"', 8, 8),
    "rx_auto_keyword": ('rx="auto" ry="6"', 6, 6),
}


@pytest.mark.parametrize("case", RADII_CASES)
def test_rect_corner_radii_auto(case):
    attributes, rx, ry = RADII_CASES[case]
    _assert_draws(f'<rect x="20" y="30" width="60" height="40" {attributes}/>', _rounded_rect(20, 30, 60, 40, rx, ry))


@pytest.mark.parametrize("attributes", ['rx="20"', 'ry="20"', 'rx="auto" ry="20"', 'rx="20" ry="auto"',
                                        'rx="20" ry="-20"'])
def test_ellipse_with_one_radius_is_a_circle(attributes):
    # SVG 2 geometry.html#RX / #RY: auto (the initial value) takes the other radius, and "a negative value for ry
    # is invalid and must be ignored", which leaves auto
    _assert_draws(f'<ellipse cx="50" cy="50" {attributes}/>', _circle(50, 50, 20))


@pytest.mark.parametrize("element", ['<rect x="10" y="10" width="-10" height="20"/>',
                                     '<rect x="10" y="10" width="20" height="-10"/>',
                                     '<circle cx="20" cy="20" r="-5"/>',
                                     '<ellipse cx="20" cy="20" rx="-5" ry="-5"/>',
                                     '<rect x="10" y="10" width="0" height="20"/>'])
def test_negative_size_disables_only_that_element(element):
    # SVG 2 geometry.html: a negative width, height or r is invalid and ignored; auto width and height are 0 on a
    # rect, r's initial value is 0, and both radii auto give 0: nothing is rendered
    _assert_draws(element + '<rect x="50" y="50" width="30" height="30"/>', _rect(50, 50, 30, 30))


PERCENT_ROOT = 'width="100mm" height="50mm" viewBox="0 0 200 100"'  # 0.5 mm per user unit
DIAGONAL = math.sqrt((200 ** 2 + 100 ** 2) / 2)
PERCENTAGES = {
    "rect_of_viewport_width_and_height": ('<rect x="10%" y="10%" width="50%" height="25%"/>', _rect(20, 10, 100, 25)),
    # SVG 2 coords.html#Units: a percentage of neither width nor height is of the normalised diagonal,
    # sqrt((w² + h²) / 2)
    "circle_radius_of_the_diagonal": ('<circle cx="50%" cy="50%" r="10%"/>', _circle(100, 50, 0.1 * DIAGONAL)),
    "stroke_width_of_the_diagonal": ('<line x1="10%" y1="80%" x2="90%" y2="80%" stroke="black" stroke-width="1%"/>',
                                     _ribbon((20, 80), (180, 80), 0.01 * DIAGONAL)),
    "nested_viewport": ('<svg x="100" y="0" width="100" height="50"><rect width="50%" height="50%"/></svg>',
                        _rect(100, 0, 50, 25)),
}


@pytest.mark.parametrize("case", PERCENTAGES)
def test_percentages_are_of_the_viewport(case):
    markup, expected = PERCENTAGES[case]
    _assert_draws(markup, expected, PERCENT_ROOT, 0.5)


PX_PER_MM = 96 / 25.4
UNITS = {
    # CSS Values 4, absolute lengths: 1in = 96px, 1cm = 96px/2.54, 1mm = 1/10cm, 1Q = 1/4mm, 1pt = 1/72in, 1pc = 12pt
    "Q_and_in": ('<rect x="10" y="10" width="40Q" height="1in"/>', _rect(10, 10, 10 * PX_PER_MM, 96)),
    "cm_mm_pc_pt": ('<rect x="1cm" y="5mm" width="2pc" height="12pt"/>', _rect(10 * PX_PER_MM, 5 * PX_PER_MM, 32, 16)),
    # rem: the root's font size, 16px (medium) when it sets none
    "rem_default": ('<rect x="10" y="10" width="2rem" height="1rem"/>', _rect(10, 10, 32, 16)),
    "em_from_group": ('<g font-size="20"><rect x="10" y="10" width="2em" height="3em"/></g>', _rect(10, 10, 40, 60)),
    "em_own_font_size": ('<rect x="10" y="10" width="3em" height="2em" font-size="10"/>', _rect(10, 10, 30, 20)),
    "em_of_percentage_font_size": ('<g font-size="20"><g font-size="150%"><rect x="10" y="10" width="1em" '
                                   'height="2em"/></g></g>', _rect(10, 10, 30, 60)),
    # ex: the x-height, 0.5em where it cannot be determined (CSS Values 4, font-relative lengths)
    "ex": ('<g font-size="20"><rect x="10" y="10" width="4ex" height="1ex"/></g>', _rect(10, 10, 40, 10)),
    # vw / vh: 1% of the initial containing block, the root viewport (384 x 192 px)
    "vw_vh": ('<rect x="10" y="10" width="10vw" height="50vh"/>', _rect(10, 10, 38.4, 96)),
}


@pytest.mark.parametrize("case", UNITS)
def test_length_units(case):
    markup, expected = UNITS[case]
    _assert_draws(markup, expected, PX_ROOT, MM_PER_PX)


def test_rem_follows_the_roots_font_size():
    # CSS Values 4, font-relative lengths: "rem: equal to the computed value of font-size on the root element"
    _assert_draws('<rect x="10" y="10" width="3rem" height="2rem"/>', _rect(10, 10, 30, 20),
                  PX_ROOT + ' font-size="10"', MM_PER_PX)


def test_absolute_units_are_user_space_px_under_a_viewbox():
    # SVG 2 coords.html#Units: a length with a unit is converted to px, and one px is one user unit, so under a
    # viewBox scaled x2 a 5mm rect is 18.9 user units and 37.8 mm on the page
    _assert_draws('<rect x="0" y="0" width="5mm" height="0.25in"/>', _rect(0, 0, 5 * PX_PER_MM, 24),
                  'width="100mm" height="100mm" viewBox="0 0 50 50"', 2.0)


@pytest.mark.parametrize("colour", ["rgb(10%, 20%, 30%)", "rgb(25.5, 51, 76.5)", "rgb(0 0 0 / 50%)",
                                   "hsl(0, 0%, 0%)", "hsl(120deg 100% 25%)", "rgba(0,0,0,0.5)", "#0008", "RED",
                                   "rgb(10% 20% 30%)", "hsla(240, 100%, 50%, 0.8)"])
def test_dark_colour_is_ink(colour):
    _assert_draws(f'<circle cx="50" cy="50" r="20" fill="{colour}"/>', _circle(50, 50, 20))


# --- 5. refusals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", '<rect x="10" y="10" width="20" height="20" fill="none"/>',
                                  '<rect x="10" y="10" width="20" height="20" fill="white"/>',
                                  '<symbol id="s"><rect x="10" y="10" width="20" height="20"/></symbol>',
                                  '<defs><rect x="10" y="10" width="20" height="20"/></defs>',
                                  '<g display="none"><rect x="10" y="10" width="20" height="20"/></g>',
                                  '<rect x="10" y="10" width="20" height="20" fill="url(#nope)"/>',
                                  '<rect x="200" y="10" width="20" height="20"/>'])
def test_drawing_with_nothing_visible_is_refused(body):
    with pytest.raises(BadInput) as refusal:
        _load(body)
    assert refusal.value.code == "svg_empty"


# SVG 2 struct.html#UseElement: a <use> whose reference would make the drawing contain itself is in error and not
# rendered (the others are)
LOOPS = {"itself": '<use id="u" href="#u"/>',
         "its own group": '<g id="g"><rect x="10" y="10" width="20" height="20"/><use href="#g" x="30"/></g>',
         "each other": '<use id="a" href="#b"/><use id="b" xlink:href="#a"/>',
         "through a group": '<g id="a"><use href="#b" x="40"/></g><g id="b"><use href="#a" y="40"/></g>'}


@pytest.mark.parametrize("case", LOOPS)
def test_a_use_that_draws_itself_is_left_out_and_said(case):
    drawing = _load(LOOPS[case] + '<rect x="10" y="10" width="20" height="20"/>')
    assert drawing.ignored == {"use_loop"}
    _assert_draws(LOOPS[case] + '<rect x="10" y="10" width="20" height="20"/>', _rect(10, 10, 20, 20))


def test_a_drawing_of_nothing_but_a_use_loop_is_refused_as_empty():
    with pytest.raises(BadInput) as refusal:
        _load(LOOPS["each other"])
    assert refusal.value.code == "svg_empty"


# --- 6. classes of drawings an outside renderer's suite showed drawn wrong ------------------------------------------

def test_a_dashed_circle_starts_its_first_dash_at_the_rightmost_point():
    """SVG 2 §10.5: a circle's path starts at (cx + r, cy) and runs in the positive angle direction (down first)."""
    radius, dash = 30.0, 10.0
    first = [(50 + radius * math.cos(a), 50 + radius * math.sin(a)) for a in np.linspace(0, dash / radius, 20)]
    body = (f'<circle cx="50" cy="50" r="{radius}" fill="none" stroke="black" stroke-width="4" '
            f'stroke-dasharray="{dash} {2 * math.pi * radius - dash}"/>')
    _assert_draws(body, shapely.LineString(first).buffer(2, cap_style="flat"))


@pytest.mark.parametrize(("paint", "draws"), [
    ('<linearGradient id="p"/>', False),  # no stops: paints nothing
    ('<linearGradient id="p"><stop offset="0" stop-color="white"/></linearGradient>', "cut"),  # one stop: a colour
    ('<linearGradient id="q"><stop offset="0" stop-color="#222"/><stop offset="1" stop-color="#999"/>'
     '</linearGradient><radialGradient id="p" href="#q"/>', True),  # stops borrowed through href
    ('<linearGradient id="p" href="#p"/>', False),  # a loop of borrowing: no stops
    ('<pattern id="p" width="10"><rect width="5" height="5"/></pattern>', False),  # no height: paints nothing
    ('<pattern id="p" width="10" height="10"/>', False),  # an empty tile
    ('<pattern id="p" width="10" height="10"><rect width="5" height="5"/></pattern>', True),
])
def test_what_a_gradient_or_pattern_paints(paint, draws):
    body = f'<defs>{paint}</defs><rect x="10" y="10" width="80" height="80"/><rect x="30" y="30" width="40" ' \
           f'height="40" fill="url( #p )"/>'
    region = _load(body).region
    inner = 40 * 40
    expected = {True: 80 * 80, False: 80 * 80, "cut": 80 * 80 - inner}[draws]
    assert region.area() == pytest.approx(expected, rel=0.01)
    if draws is False:  # the same rect alone proves the inner one painted nothing (it would be ink on ink)
        alone = _load(f'<defs>{paint}</defs><rect x="30" y="30" width="40" height="40" fill="url(#p)"/>'
                      '<rect x="0" y="0" width="1" height="1"/>').region
        assert alone.area() == pytest.approx(1.0, rel=0.01)


def _text_box(body: str) -> tuple[float, float, float, float]:
    return outline.bounds(_load(body, PX_ROOT).region)


def test_kerning_holds_across_spans_and_dx():
    """Shaping does not stop at a tspan of the same font (CSS Text 3 §7), nor at dx on the second letter."""
    whole = _text_box('<text x="10" y="100" font-size="80" font-family="DejaVu Sans">AV</text>')
    split = _text_box('<text x="10" y="100" font-size="80" font-family="DejaVu Sans">A<tspan>V</tspan></text>')
    moved = _text_box('<text x="10" y="100" font-size="80" font-family="DejaVu Sans" dx="0 5">AV</text>')
    assert split == pytest.approx(whole, abs=0.01)
    assert moved[2] == pytest.approx(whole[2] + 5 * MM_PER_PX, abs=0.01)


def test_xml_space_preserve_keeps_every_space():
    collapsed = _text_box('<text x="10" y="100" font-size="40">A     B</text>')
    kept = _text_box('<text x="10" y="100" font-size="40" xml:space="preserve">A     B</text>')
    space = 40 * 0.318  # DejaVu Sans's space advance is 651 / 2048 em
    assert kept[2] - collapsed[2] == pytest.approx(4 * space * MM_PER_PX, rel=0.02)


def test_characters_the_font_lacks_are_reported(tmp_path):
    from octoprint_img2print.building.artwork import ArtworkOptions, load_artwork

    document = _document('<text x="10" y="50" font-size="20" font-family="DejaVu Sans">Hi 中文</text>')
    art = load_artwork(document.encode(), "t.svg", ArtworkOptions(), 12.0)
    missing = [f for f in art.findings.findings if f.code == "svg_text_missing_glyphs"]
    assert missing and missing[0].numbers["count"] == 2 and missing[0].numbers["font"] == "DejaVu Sans"


@pytest.mark.parametrize(("parent", "child", "weight"), [("800", "lighter", "700"), ("400", "lighter", "100"),
                                                          ("400", "bolder", "700"), ("700", "1500", "700")])
def test_relative_and_invalid_font_weights_follow_css(parent, child, weight):
    """CSS Fonts 4 §2.2: bolder and lighter step from the parent's weight; 1500 is out of range and ignored."""
    def area(weight: str) -> float:
        return _load(f'<text x="5" y="60" font-size="40" font-family="DejaVu Sans" font-weight="{weight}">'
                     'Wm</text>').region.area()

    nested = _load(f'<g font-weight="{parent}"><text x="5" y="60" font-size="40" font-family="DejaVu Sans" '
                   f'font-weight="{child}">Wm</text></g>').region.area()
    assert nested == pytest.approx(area(weight), rel=0.001)


def test_text_length_on_a_span_stretches_only_that_span():
    body = ('<text x="10" y="100" font-size="40" font-family="DejaVu Sans">A<tspan textLength="200" '
            'lengthAdjust="spacingAndGlyphs">BC</tspan></text>')
    pieces = sorted(outline.bounds(p) for p in _load(body, PX_ROOT).region.decompose())
    plain = sorted(outline.bounds(p) for p in _load(body.replace(' textLength="200"', ""), PX_ROOT).region.decompose())
    assert pieces[0] == pytest.approx(plain[0], abs=0.01)  # A as it was
    assert pieces[-1][2] - pieces[1][0] > (plain[-1][2] - plain[1][0]) * 1.5


def test_a_span_takes_no_transform_and_a_zero_font_size_draws_nothing():
    body = ('<text x="10" y="100" font-size="40">A<tspan transform="translate(100 0)">B</tspan>'
            '<tspan font-size="0">C</tspan>D</text>')
    plain = '<text x="10" y="100" font-size="40">ABD</text>'
    assert _text_box(body) == pytest.approx(_text_box(plain), abs=0.01)


def test_clip_path_transform_applies_after_the_bounding_box_mapping():
    """CSS Masking 1 §6.1: the clipPath's transform works in the user space of the clipped element, around the
    contents already mapped into its bounding box (as browsers and resvg draw it)."""
    body = ('<clipPath id="c" clipPathUnits="objectBoundingBox" transform="scale(0.5)">'
            '<rect width="1" height="1"/></clipPath>'
            '<rect x="20" y="20" width="60" height="40" clip-path="url(#c)"/>')
    _assert_draws(body, _rect(20, 20, 20, 10))  # the box (20, 20)-(80, 60) halved about the origin, then clipped


def test_bounding_box_of_a_transformed_element_is_in_its_own_user_space():
    body = ('<clipPath id="c" clipPathUnits="objectBoundingBox"><rect width="0.5" height="1"/></clipPath>'
            '<rect x="10" y="10" width="40" height="20" transform="translate(20 30)" clip-path="url(#c)"/>')
    _assert_draws(body, _rect(30, 40, 20, 20))


def test_a_clip_path_clips_though_display_none_and_inherits_from_its_own_parents():
    body = ('<g clip-rule="evenodd"><clipPath id="c" display="none"><path d="M 10 10 h 80 v 80 h -80 z '
            'M 30 30 h 40 v 40 h -40 z"/></clipPath></g>'
            '<rect x="0" y="0" width="100" height="100" clip-path="url(#c)" clip-rule="nonzero"/>')
    _assert_draws(body, _evenodd(_rect(10, 10, 80, 80), _rect(30, 30, 40, 40)))


@pytest.mark.parametrize(("origin", "centre"), [("top", (50, 0)), ("bottom", (50, 100)), ("left", (0, 50)),
                                                ("right top", (100, 0)), ("top right", (100, 0))])
def test_transform_origin_keywords(origin, centre):
    body = f'<rect x="40" y="40" width="20" height="20" transform="scale(0.5)" transform-origin="{origin}"/>'
    cx, cy = centre
    _assert_draws(body, _rect(cx + (40 - cx) * 0.5, cy + (40 - cy) * 0.5, 10, 10))


@pytest.mark.parametrize(("box", "origin", "pivot"), [
    ("fill-box", "center", (50, 50)),  # the rect's own box: 40..60
    ("fill-box", "0 0", (40, 40)),  # the box's corner, not the viewport's
    ("fill-box", "25% 75%", (45, 55)),
    ("stroke-box", "0 0", (37, 37)),  # half of the 6-unit stroke outside the fill box
    ("view-box", "center", (50, 50)),  # the viewport (100 x 100), the initial value
    ("view-box", "0 0", (0, 0)),
])
def test_transform_box_says_what_the_transform_origin_is_in(box, origin, pivot):
    # CSS Transforms 1, transform-box: fill-box is the object bounding box, stroke-box the stroke bounding box,
    # view-box the nearest SVG viewport; percentages and keywords of transform-origin are of that box
    stroke = ' stroke="black" stroke-opacity="0"' if box == "stroke-box" else ' stroke="none"'
    stroke += ' stroke-width="6"'
    body = (f'<rect x="40" y="40" width="20" height="20" transform="scale(0.5)"{stroke} '
            f'style="transform-origin: {origin}; transform-box: {box}"/>')
    px, py = pivot
    inner = _rect(px + (40 - px) * 0.5, py + (40 - py) * 0.5, 10, 10)
    _assert_draws(body, inner)


def test_css_transform_property_with_units():
    body = ('<style>#r { transform: translate(10px, 5px) rotate(90deg); }</style>'
            '<rect id="r" x="20" y="0" width="30" height="10" transform="translate(500 500)"/>')
    _assert_draws(body, _rect(10 - 10, 5 + 20, 10, 30))


def test_context_fill_passes_through_two_uses():
    body = ('<defs><rect id="r" width="20" height="20" fill="context-fill"/><use id="u" href="#r" '
            'fill="context-fill"/></defs><use href="#u" x="10" y="10" fill="black"/>')
    _assert_draws(body, _rect(10, 10, 20, 20))


def test_elements_of_another_namespace_are_not_drawn():
    body = ('<rect x="10" y="10" width="20" height="20"/>'
            '<x:rect xmlns:x="http://example.com/not-svg" x="50" y="50" width="20" height="20"/>')
    _assert_draws(body, _rect(10, 10, 20, 20))


def test_zero_length_dashes_at_corners_are_squared_along_the_path():
    """SVG 2 (stroke shape): a zero-length dash's square cap lies along the path's direction where it falls; at a
    corner of a rect that is the side it starts, so every dot of this frame is an upright square."""
    body = ('<rect x="20" y="20" width="60" height="60" fill="none" stroke="black" stroke-width="6" '
            'stroke-linecap="square" stroke-dasharray="0 20"/>')
    corners = [(x, y) for x in (20, 40, 60, 80) for y in (20, 40, 60, 80) if x in (20, 80) or y in (20, 80)]
    _assert_draws(body, shapely.union_all([_rect(x - 3, y - 3, 6, 6) for x, y in corners]))


def test_elements_of_another_namespace_may_link_anywhere():
    """A foreign element is never drawn, so its link is no reference to follow (nor refused); an href attribute of a
    namespace that is neither SVG 2's (none) nor XLink's is no reference either."""
    body = ('<rect x="10" y="10" width="20" height="20"/>'
            '<x:a xmlns:x="http://example.com/not-svg" href="https://example.com/page"><rect x="50" y="50" '
            'width="20" height="20"/></x:a>'
            '<use xmlns:notx="http://example.com/not-xlink" notx:href="#far"/><defs><rect id="far" x="60" y="10" '
            'width="20" height="10"/></defs>')
    _assert_draws(body, _rect(10, 10, 20, 20))


# an href to outside the drawing that would draw nothing of it where it stands (a gradient's template, a text path)
# is not followed and not refused: as in a browser showing the SVG as a picture, the gradient keeps its own stops
OUTSIDE = {"gradient template": '<defs><linearGradient id="g" href="other.svg#base"><stop stop-color="black"/>'
                                '</linearGradient></defs><rect x="10" y="10" width="20" height="20" fill="url(#g)"/>',
           "gradient template without #": '<defs><radialGradient id="g" xlink:href="base"><stop stop-color="#000"/>'
                                          '</radialGradient></defs><rect x="10" y="10" width="20" height="20" '
                                          'fill="url(#g)"/>'}


@pytest.mark.parametrize("case", OUTSIDE)
def test_a_reference_to_outside_that_draws_nothing_there_is_not_followed(case):
    _assert_draws(OUTSIDE[case], _rect(10, 10, 20, 20))


# SVG 2 pservers.html (gradientUnits, patternUnits): in objectBoundingBox units a paint server cannot be used on an
# element whose bounding box has no width or no height; as with an invalid reference its fallback paints, or nothing
FLAT = '<line x1="10" y1="50" x2="90" y2="50" stroke-width="6" stroke="{paint}"/>'
FLAT_DEFS = ('<defs><linearGradient id="box"><stop stop-color="black"/><stop offset="1" stop-color="#222"/>'
             '</linearGradient><linearGradient id="user" gradientUnits="userSpaceOnUse" href="#box"/>'
             '<pattern id="tile" width="1" height="1"><rect width="5" height="5"/></pattern></defs>')
ON_A_FLAT_BOX = {"gradient in the box's units": ("url(#box)", False),
                 "pattern in the box's units": ("url(#tile)", False),
                 "its fallback colour": ("url(#box) black", True), "gradient in user units": ("url(#user)", True)}


@pytest.mark.parametrize("case", ON_A_FLAT_BOX)
def test_a_paint_server_on_a_flat_bounding_box(case):
    paint, painted = ON_A_FLAT_BOX[case]
    expected = _ribbon((10, 50), (90, 50), 6) if painted else _rect(10, 10, 20, 20)
    _assert_draws(FLAT_DEFS + '<rect x="10" y="10" width="20" height="20"/>' + FLAT.format(paint=paint),
                  shapely.union(expected, _rect(10, 10, 20, 20)))


@pytest.mark.parametrize("cap", ["round", "square"])
def test_zero_length_dashes_draw_their_caps(cap):
    body = f'<line x1="10" y1="50" x2="90" y2="50" stroke="black" stroke-width="6" stroke-linecap="{cap}" ' \
           f'stroke-dasharray="0 20"/>'
    dots = [shapely.Point(x, 50).buffer(3, quad_segs=32) if cap == "round" else _rect(x - 3, 47, 6, 6)
            for x in (10, 30, 50, 70, 90)]
    _assert_draws(body, shapely.union_all(dots))


def test_a_gradient_without_stops_gives_way_to_the_fallback_colour():
    body = ('<defs><linearGradient id="p"/></defs><rect x="10" y="10" width="30" height="30" '
            'fill="url(#p) black"/>')
    _assert_draws(body, _rect(10, 10, 30, 30))


def test_a_rotate_list_with_a_unit_is_in_error_and_ignored():
    plain = _text_box('<text x="10" y="100" font-size="60">Ty</text>')
    assert _text_box('<text x="10" y="100" font-size="60" rotate="30mm">Ty</text>') == pytest.approx(plain, abs=0.01)
    assert _text_box('<text x="10" y="100" font-size="60" rotate="30">Ty</text>') != pytest.approx(plain, abs=0.01)


def test_a_clip_path_on_a_tspan_does_not_apply():
    """CSS Masking 1: in SVG, clip-path applies to containers, graphics elements and use; a tspan is neither."""
    clipped = ('<clipPath id="c"><rect width="1" height="1"/></clipPath>'
               '<text x="10" y="100" font-size="60">A<tspan clip-path="url(#c)">B</tspan></text>')
    assert _text_box(clipped) == pytest.approx(_text_box('<text x="10" y="100" font-size="60">AB</text>'), abs=0.01)


def test_text_beyond_the_limit_is_refused_clearly_with_use_copies_counted():
    from octoprint_img2print.imaging.svg_text import MAX_TEXT_CHARACTERS

    copies = MAX_TEXT_CHARACTERS // 1000 + 1
    body = ('<defs><text id="t" y="10" xml:space="preserve">' + " " * 999 + 'x</text></defs>'
            + "".join(f'<use href="#t" y="{i}"/>' for i in range(copies)))
    with pytest.raises(BadInput) as refusal:
        _load(body)
    assert refusal.value.code == "svg_too_complex" and f"{MAX_TEXT_CHARACTERS:,}" in str(refusal.value)
