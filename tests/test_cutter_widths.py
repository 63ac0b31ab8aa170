"""Artwork solids stay closed at every size: cookie cutters swept over widths, stamps and logos at a few.

A heart cookie cutter with an imprint at 70 mm came out with zero-area triangles (issue 11): the wall and the
floor kept different points of the cookie's outline, and manifold3d kept sub-micron edges between faces of
different parts, which collapsed when the vertices became 32-bit floats.
"""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from artwork import svg

from octoprint_img2print.geometry.checks import summarize
from octoprint_img2print.geometry.mesh import Mesh
from octoprint_img2print.pipeline import build_solid
from octoprint_img2print.recipe import Recipe

SQUARE = 'viewBox="0 0 100 100"'
HEART = ('<path d="M50 88 C20 65 0 45 0 25 A25 25 0 0 1 50 20 A25 25 0 0 1 100 25 C100 45 80 65 50 88Z"/>',
         'viewBox="0 0 100 90"')
SHAPES = {
    "heart": HEART,
    "star": ('<polygon points="50,0 61,35 98,35 68,57 79,91 50,70 21,91 32,57 2,35 39,35"/>', SQUARE),
    "circle": ('<circle cx="50" cy="50" r="50"/>', SQUARE),
    "neck": ('<circle cx="21" cy="21" r="21"/><circle cx="79" cy="21" r="21"/>'
             '<rect x="30" y="19.5" width="40" height="3"/>', 'viewBox="0 0 100 42"'),
    "letter-a": ('<path fill-rule="evenodd" d="M0 100 L40 0 L60 0 L100 100 L75 100 L67 80 L33 80 L25 100Z '
                 'M38 62 L50 30 L62 62Z"/>', SQUARE),
    "crescent": ('<path d="M55 0.2506 A50 50 0 1 0 55 99.7494 A50 50 0 0 1 55 0.2506Z"/>', 'viewBox="0 0 55 100"'),
}
SUN = ('<polygon points="{}"/>'.format(" ".join(
    f"{50 + r * np.cos(a):.3f},{50 + r * np.sin(a):.3f}"
    for a, r in zip(np.linspace(0, 2 * np.pi, 61)[:-1], [50, 15] * 30))), SQUARE)
WIDTHS = [*range(40, 101, 5), 47.3, 70.0, 83.9]
FEW_WIDTHS = [40.0, 70.0, 83.9]
WALL, FLANGE, MARGIN = 1.0, 4.0, 3.0


def solid_width(tmp_path, shape: tuple[str, str], mode: str, width: float, **options) -> float:
    """Build the shape in ``mode``; assert it is one closed solid by both checkers; return its width in mm."""
    body, view_box = shape
    source = svg(tmp_path / "shape.svg", body, view_box)
    mesh = build_solid(source, recipe=Recipe(mode=mode, options={"width": width, **options})).mesh
    summary = summarize(mesh)
    assert summary.closed and summary.degenerate_faces == 0, summary.report.codes()
    return independent_width(mesh)


def independent_width(mesh: Mesh) -> float:
    """trimesh's verdict on the mesh as written (no merging or repair): one closed, outward, non-degenerate
    shell; its extent along x."""
    other = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    assert other.is_watertight and other.is_winding_consistent
    assert other.volume > 0 and other.body_count == 1
    assert float(other.area_faces.min()) > 1e-10
    assert not (np.diff(np.sort(mesh.faces, axis=1), axis=1) == 0).any()
    return float(other.extents[0])


@pytest.mark.parametrize("imprint", [False, True])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_cookie_cutter_at_every_width(tmp_path, name, imprint):
    for width in WIDTHS:
        made = solid_width(tmp_path, SHAPES[name], "cookie-cutter", width, imprint=imprint)
        assert made == pytest.approx(width + 2 * (WALL + FLANGE), abs=0.05), width


@pytest.mark.parametrize("mode", ["stamp", "logo"])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_stamps_and_logos_at_a_few_widths(tmp_path, name, mode):
    for width in FEW_WIDTHS:
        made = solid_width(tmp_path, SHAPES[name], mode, width, margin=MARGIN)
        assert made == pytest.approx(width + 2 * MARGIN, abs=0.01), width


@pytest.mark.parametrize("mode", ["stamp", "logo"])
def test_thickened_artwork_flush_with_its_plate(tmp_path, mode):
    """No margin and thin rays thickened: the artwork's sides stand on the plate's own edges."""
    options = {"margin": 0.0, "fix_thin": True, **({"plate": "outline"} if mode == "logo" else {})}
    for width in [47.3, 68.9, 75.7]:
        assert width <= solid_width(tmp_path, SUN, mode, width, **options) <= width + 0.5


def test_the_cutter_is_mirrored_so_that_the_cookie_comes_out_as_drawn(tmp_path):
    """Printed with its cutting edge up and pressed edge down, a cutter cuts the mirror image of what it shows
    from above: an L drawn with its stem on the left must show its stem on the right on the bed."""
    body = '<path d="M0 0 H20 V80 H70 V100 H0 Z"/>'  # an L: the stem on the left, the foot along the bottom
    source = svg(tmp_path / "l.svg", body, 'width="100mm" height="100mm" viewBox="0 0 100 100"')
    mesh = build_solid(source, recipe=Recipe(mode="cookie-cutter", options={"width": 50})).mesh
    other = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    low, high = other.bounds
    upper = other.vertices[other.vertices[:, 1] > low[1] + 0.6 * (high[1] - low[1])]  # the stem's upper part
    assert upper[:, 0].mean() > (low[0] + high[0]) / 2
