"""Every form light shines through has a view lit from behind (from inside for a bent sheet, a shade and a dome):
where the picture is dark the wall is thick and passes less light. Checked on the view file the pages draw, by
where each lit vertex lies around the form and which half of the picture (black left, white right) lands there."""

from __future__ import annotations

import numpy as np
import pytest
from pictures import halves, save

from octoprint_img2print import pipeline
from octoprint_img2print.printers.profile import get_printer
from octoprint_img2print.recipe import Recipe

FORMS = {
    "cylinder": Recipe(mode="lithophane", options={"width": 80, "shape": "cylinder"}),
    "arc": Recipe(mode="lithophane", options={"width": 80, "shape": "arc", "curve_angle": 180}),
    "lamp": Recipe(mode="lamp", options={"width": 70}),
    "dome": Recipe(mode="dome", options={"width": 70}),
    "flat": Recipe(mode="lithophane", options={"width": 80}),
    "heart": Recipe(mode="lithophane", options={"width": 80, "shape": "heart"}),  # built standing on its foot
    "keychain": Recipe(mode="keychain", options={"width": 40}),
}


def lit_view(path) -> tuple[np.ndarray, np.ndarray]:
    """The picture surface's vertices and their light (0 to 1) from a view file."""
    data = path.read_bytes()
    vertices, triangles, follows, surface = np.frombuffer(data[:16], "<u4")
    assert follows == 1, "the view carries light"
    points = np.frombuffer(data[16:16 + vertices * 12], "<f4").reshape(-1, 3).astype(float)
    faces = np.frombuffer(data[16 + vertices * 12:16 + vertices * 12 + triangles * 12], "<u4").reshape(-1, 3)
    light = np.frombuffer(data[16 + vertices * 12 + triangles * 12:], np.uint8) / 255
    picture = np.unique(faces[:surface])
    return points[picture], light[picture]


def picture_side(form: str, points: np.ndarray) -> np.ndarray:
    """True where the picture's black (left) half lands, from where a point lies: round the axis for forms bent all
    round (the picture's left edge at the weld, behind, going round); for an arc, seen from its convex front (+y),
    the viewer's left (+x); for the flat sheet, the key fob and the dome, seen from above, and for the heart standing
    on its foot, seen from its front, left of the middle."""
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    if form in ("cylinder", "lamp"):
        turn = np.arctan2(points[:, 0] - centre[0], -(points[:, 1] - centre[1]))  # 0 at the front, the weld behind
        return turn > 0
    if form == "arc":
        return points[:, 0] > centre[0]
    return points[:, 0] < centre[0]


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_form_light_shines_through_is_lit_darker_where_the_picture_is_dark(tmp_path, form):
    picture = save(halves(160, 100), tmp_path / "halves.png")
    view = tmp_path / "view.bin"
    pipeline.preview(picture, get_printer("prusa_mk4"), FORMS[form], view=view)
    points, light = lit_view(view)
    dark = picture_side(form, points)
    assert dark.sum() > 20 and (~dark).sum() > 20
    # the brightest tenth of each half: a frame or a fob's rim at full thickness (dark) may hold most of the points
    dim, bright = np.percentile(light[dark], 90), np.percentile(light[~dark], 90)
    assert dim < 0.5 * bright, (dim, bright)
